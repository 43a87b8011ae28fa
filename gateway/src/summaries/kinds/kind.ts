/**
 * One summary kind: it takes de-identified readings, keeps what it needs per open
 * window, and on close turns a window into a detail that roll-ups can merge and that
 * `publish` turns into the values that leave the school (aggregates only).
 */
import type { SummaryKind } from '../../core/topics.js';
import type { Reading } from '../../core/reading.js';
import type { TemplateLike } from '../../privacy/template-like.js';
import type { Interval } from '../intervals.js';
import type { Resolution, SummaryBody } from '../types.js';

export interface KindContext {
  windowMs: number;
  minGroupSize: number;
  /** Intervals of [start, end) outside school hours. */
  afterHours(start: number, end: number): Interval[];
  /** How long a state sample holds when no newer one arrives. */
  holdMs(template: TemplateLike): number;
  /** What a device is called in a message to the hub: its config id, or its pseudonym (OutboundNames). */
  deviceName(device: string, template: string): string;
}

/** Where a reading belongs, resolved once by the engine. */
export interface Placement {
  room: string;
  building?: string;
  /** Pseudonym of the person (person tag or `id` field), for per-person aggregates that never leave. */
  person?: string;
  /** Class session: given by the caller, else room + lesson period. */
  session: string;
}

export interface KindModule<D> {
  readonly kind: SummaryKind;
  ingest(r: Reading, template: TemplateLike, at: Placement): void;
  /** Detail of [start, end), or undefined when nothing happened there. */
  close(start: number, end: number): D | undefined;
  /** Forgets per-series samples that can no longer matter to windows from `before` on. */
  prune(before: number): void;
  merge(into: D, next: D): D;
  publish(detail: D, resolution: Resolution): SummaryBody | undefined;
  /**
   * The part of a detail that `publish` let out, for the roll-ups. Kinds that withhold groups
   * below minGroupSize give it, so an hour or a day is made of published cells only and no
   * difference between a roll-up and its windows shows a withheld group (issue #16).
   * Absent: the whole detail was published.
   */
  released?(detail: D): D | undefined;
  /** What must survive a restart besides the roll-ups (v8-serializable); `closedUntil` = end of the last closed window. */
  snapshot?(closedUntil: number): unknown;
  restore?(snapshot: unknown): void;
}

/**
 * What a kind reads from a template (its `behaviour`), worked out once per template object.
 * Keyed by the object, not the id: a hot-reloaded template is a new object and gets its own plan,
 * and the old one is collected with it.
 */
export function planCache<P>(make: (t: TemplateLike) => P): (t: TemplateLike) => P {
  const plans = new WeakMap<TemplateLike, P>();
  return (t) => {
    if (plans.has(t)) return plans.get(t) as P;
    const p = make(t);
    plans.set(t, p);
    return p;
  };
}

export function round(n: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function bump(rec: Record<string, number>, key: string, by: number): void {
  rec[key] = (rec[key] ?? 0) + by;
}
