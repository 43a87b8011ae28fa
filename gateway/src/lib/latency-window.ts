/**
 * The last `size` latency samples (a ring buffer) and their percentiles, for health and
 * metrics: Modbus and serial poll round trips and lateness, InfluxDB write requests.
 * Percentile by the nearest-rank on the sorted samples: the value at index
 * floor(q·count), the largest for q = 1. Sorting 1,024 numbers when health is read costs
 * microseconds; adding a sample costs nothing.
 */
import { gwError } from '../errors.js';

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

export interface LatencyWindow {
  add(ms: number): void;
  /** The q-quantile (0 ≤ q ≤ 1) of the samples held, or null when there are none. */
  quantile(q: number): number | null;
  /** p50, p99 and max rounded to 0.01 ms; zeros when there are no samples. */
  summary(): LatencySummary;
}

export function createLatencyWindow(size = 512): LatencyWindow {
  if (!Number.isInteger(size) || size < 1) throw gwError('GW_ERR_LATENCY_WINDOW', `size must be a whole number ≥ 1 (got ${size})`);
  const ring = new Float64Array(size);
  let n = 0;
  /** Typed-array sort is numeric (a plain array's default sort is by string). */
  const sorted = (): Float64Array => ring.slice(0, Math.min(n, size)).sort();
  const pick = (s: Float64Array, q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.floor(q * s.length)))] ?? 0;
  return {
    add(ms) {
      ring[n % size] = ms;
      n++;
    },
    quantile(q) {
      if (n === 0) return null;
      return pick(sorted(), q);
    },
    summary() {
      if (n === 0) return { p50: 0, p99: 0, max: 0, samples: 0 };
      const s = sorted();
      const at = (q: number): number => Number(pick(s, q).toFixed(2));
      return { p50: at(0.5), p99: at(0.99), max: at(1), samples: s.length };
    },
  };
}
