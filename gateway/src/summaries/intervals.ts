/**
 * Half-open time intervals [start, end) in epoch ms, and a per-series timeline of
 * samples kept sorted by time (out-of-order arrivals are inserted in place). A sample
 * holds its value until the next sample, or for at most `maxHoldMs` (a device that
 * went silent is not assumed to stay on for ever).
 */
export type Interval = readonly [number, number];

export function measure(list: readonly Interval[]): number {
  let total = 0;
  for (const [a, b] of list) total += b - a;
  return total;
}

/** Sorted, non-overlapping union. */
export function union(...lists: ReadonlyArray<readonly Interval[]>): Interval[] {
  const all = lists.flat().filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of all) {
    const last = out[out.length - 1];
    if (last !== undefined && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export function intersect(xs: readonly Interval[], ys: readonly Interval[]): Interval[] {
  const a = union(xs);
  const b = union(ys);
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [s1, e1] = a[i]!;
    const [s2, e2] = b[j]!;
    const s = Math.max(s1, s2);
    const e = Math.min(e1, e2);
    if (e > s) out.push([s, e]);
    if (e1 < e2) i++;
    else j++;
  }
  return out;
}

/** The parts of [start, end) not covered by `list`. */
export function complement(list: readonly Interval[], start: number, end: number): Interval[] {
  const out: Interval[] = [];
  let at = start;
  for (const [a, b] of union(list)) {
    if (b <= at) continue;
    if (a >= end) break;
    if (a > at) out.push([at, Math.min(a, end)]);
    at = Math.max(at, b);
  }
  if (at < end) out.push([at, end]);
  return out;
}

export interface Sample<V> {
  ts: number;
  value: V;
}

export class Timeline<V> {
  readonly samples: Array<Sample<V>> = [];

  /**
   * `holdMs`: the hold `where()` is always called with. A sample that arrives in order with the
   * value of the last two, within `holdMs` of the one before last, then replaces the last one:
   * the one before last already reaches it, so `where()` gives the same intervals. A light that
   * reports 50 times a second keeps ~2 samples per hold instead of every one (at 5,000 msg/s a
   * minute's window held 300,000, and closing it stopped the event loop for 44 ms).
   * A sample older than the newest (rare: a device sends in order) is inserted as before, and
   * holds until the next kept sample, which may be later than a dropped one it came before.
   * Without it every sample is kept (`samples` read directly: a peak, a sum).
   */
  constructor(private readonly holdMs?: number) {}

  add(ts: number, value: V): void {
    const s = this.samples;
    const n = s.length;
    if (this.holdMs !== undefined && n >= 2) {
      const last = s[n - 1]!;
      const before = s[n - 2]!;
      if (ts > last.ts && value === last.value && value === before.value && ts - before.ts <= this.holdMs) {
        last.ts = ts;
        return;
      }
    }
    let i = n;
    while (i > 0 && s[i - 1]!.ts > ts) i--;
    if (i > 0 && s[i - 1]!.ts === ts) s[i - 1] = { ts, value };
    else s.splice(i, 0, { ts, value });
  }

  /** Intervals within [start, end) where `pred(value)` holds. */
  where(pred: (v: V) => boolean, start: number, end: number, maxHoldMs: number): Interval[] {
    const out: Interval[] = [];
    const s = this.samples;
    for (let i = 0; i < s.length; i++) {
      const cur = s[i]!;
      if (cur.ts >= end) break;
      const next = s[i + 1];
      const until = Math.min(next?.ts ?? Infinity, cur.ts + maxHoldMs);
      const a = Math.max(cur.ts, start);
      const b = Math.min(until, end);
      if (b > a && pred(cur.value)) out.push([a, b]);
    }
    return union(out);
  }

  /** Drops samples before `ts`, keeping the last one before it (it may still hold into later windows). */
  prune(ts: number): void {
    let i = 0;
    while (i + 1 < this.samples.length && this.samples[i + 1]!.ts <= ts) i++;
    if (i > 0) this.samples.splice(0, i);
  }

  get empty(): boolean {
    return this.samples.length === 0;
  }
}
