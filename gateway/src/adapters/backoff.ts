/**
 * Capped exponential backoff with full jitter (AWS Architecture Blog,
 * "Exponential Backoff And Jitter"): delay = random(base/2 … min(cap, base·2^n)).
 * The lower half keeps a failing device from being hammered when random() is small.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random?: () => number;
}

export function backoffDelay(attempt: number, { baseMs, capMs, random = Math.random }: BackoffOptions): number {
  if (attempt <= 0) return 0;
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  const floor = Math.min(baseMs / 2, ceiling);
  return Math.round(floor + random() * (ceiling - floor));
}

/** Latency window for p50/p99 (last `size` samples, ring buffer). */
export function createLatencyWindow(size = 512) {
  const samples: number[] = [];
  let next = 0;
  return {
    add(ms: number): void {
      if (samples.length < size) samples.push(ms);
      else samples[next] = ms;
      next = (next + 1) % size;
    },
    quantile(q: number): number | null {
      if (samples.length === 0) return null;
      const sorted = [...samples].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
    },
  };
}
