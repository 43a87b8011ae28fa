/** The last N write latencies, summarized as p50/p99 for health and metrics. */
export interface LatencyWindow {
  add(ms: number): void;
  summary(): { p50: number; p99: number; max: number; samples: number };
}

export function createLatencyWindow(size: number): LatencyWindow {
  const ring = new Float64Array(size);
  let n = 0;
  return {
    add(ms) {
      ring[n % size] = ms;
      n++;
    },
    summary() {
      const count = Math.min(n, size);
      if (count === 0) return { p50: 0, p99: 0, max: 0, samples: 0 };
      const sorted = ring.slice(0, count).sort();
      const at = (p: number): number => Number((sorted[Math.min(count - 1, Math.floor(count * p))] ?? 0).toFixed(2));
      return { p50: at(0.5), p99: at(0.99), max: at(1), samples: count };
    },
  };
}
