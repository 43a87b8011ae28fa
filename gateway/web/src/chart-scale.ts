/**
 * The numbers behind a chart, kept pure so they are tested without a browser: the y range
 * (a flat line stays flat), tick labels with enough decimals and no more, and a cumulative
 * counter turned into increments per bucket.
 */

/**
 * A y range for values between min and max. A constant series (or one whose spread is float noise
 * next to its value, like a float32 19.8 stored as 19.7999992…) is centred in a band of ±10 % of
 * its value (at least ±1), so it is drawn as a flat line, not as a full-height sawtooth of noise.
 * Otherwise the spread gets 8 % headroom either side; a range of non-negative values stops at 0.
 */
export function yRange(min: number, max: number): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  const mid = (min + max) / 2;
  const spread = max - min;
  if (spread <= Math.max(Math.abs(mid) * 1e-4, 1e-9)) {
    const pad = Math.max(Math.abs(mid) * 0.1, 1);
    return [mid - pad, mid + pad];
  }
  const pad = spread * 0.08;
  return [min >= 0 && min - pad < 0 ? 0 : min - pad, max + pad];
}

/** Decimals that tell neighbouring ticks `step` apart (0 for steps of 1 and more, at most 6). */
export function tickDecimals(step: number): number {
  if (!(step > 0) || step >= 1) return 0;
  return Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
}

/** Tick labels for values `step` apart: `1.2k` style for thousands, otherwise fixed decimals. */
export function tickLabels(values: readonly number[], step: number): string[] {
  const big = values.some((v) => Math.abs(v) >= 10_000) && step >= 1000;
  if (big) return values.map((v) => `${(v / 1000).toFixed(tickDecimals(step / 1000))}k`);
  const d = tickDecimals(step);
  return values.map((v) => v.toFixed(d));
}

/** Pixels an axis needs for its longest label (so `19.8000` is never clipped to `?9.8000`). */
export function axisWidth(labels: readonly string[], charPx = 7.2): number {
  const longest = labels.reduce((n, l) => Math.max(n, l.length), 0);
  return Math.ceil(longest * charPx) + 18;
}

export interface Bucket { ts: number; min: number; max: number }

/**
 * Increments per bucket of a cumulative counter (kWh, m³) from each bucket's min and max: what it
 * gained within the bucket plus since the previous bucket's last (max) value. A reset (the value
 * falls: a meter replaced, a counter wrapped) counts only what the bucket gained after it, never a
 * negative increment.
 */
export function counterIncrements(buckets: readonly Bucket[]): Array<{ ts: number; v: number }> {
  const out: Array<{ ts: number; v: number }> = [];
  let prevMax: number | undefined;
  for (const b of buckets) {
    const since = prevMax === undefined || b.min < prevMax ? b.min : prevMax;
    out.push({ ts: b.ts, v: Math.max(0, b.max - since) });
    prevMax = b.max;
  }
  return out;
}

/** A round tick step (1, 2 or 5 × 10^k) that splits 0…max into at most `ticks` steps. */
export function niceStep(max: number, ticks = 4): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const raw = max / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * p >= raw - 1e-12) ?? 10) * p;
}
