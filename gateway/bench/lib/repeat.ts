/**
 * Repeated, interleaved measurements and the ratios printed from them (issue #21 item 1).
 * One run of a few seconds is not a measurement: each workload runs with its ceilings
 * interleaved (ceiling, gateway, ceiling, gateway, ...), several rounds, and the table shows
 * the median and the min–max of the per-round ratios. A ceiling run that lost messages or did
 * not finish is no ceiling: its ratio is refused, and the reason is printed instead.
 */
import { median, round } from './stats.js';

/** One ceiling run: its rate, and whether it delivered everything it was given. */
export interface CeilingRun {
  /** What was measured and how it was configured, e.g. `mosquitto 2.0 pass-through QoS 1 (max_queued_messages 100000, max_inflight_messages 0)`. */
  name: string;
  rate: number;
  /** Messages (points) the run was given and how many arrived. */
  total: number;
  delivered: number;
  /** Set when the run did not finish or lost messages: why its rate is not a ceiling. */
  failed?: string;
}

/** The verdict on one round's ceiling: usable, or why not. */
export function ceilingProblem(c: CeilingRun): string | undefined {
  if (c.failed) return c.failed;
  if (c.delivered < c.total) return `lost ${c.total - c.delivered} of ${c.total} messages`;
  if (!(c.rate > 0)) return 'no rate measured';
  return undefined;
}

export type RatioSummary =
  | { ok: true; median: number; min: number; max: number; rounds: number }
  | { ok: false; why: string };

/**
 * The ratio gateway ÷ ceiling over the rounds: round i's gateway rate is divided by round i's
 * ceiling (measured next to it, under the same machine noise). Refused as a whole when any
 * round's ceiling is unusable: a median over the remaining rounds would hide the problem.
 */
export function ratioSummary(gateway: readonly number[], ceilings: readonly CeilingRun[]): RatioSummary {
  if (gateway.length === 0 || ceilings.length === 0) return { ok: false, why: 'not measured' };
  if (gateway.length !== ceilings.length) return { ok: false, why: `${gateway.length} gateway runs but ${ceilings.length} ceiling runs` };
  const problems = ceilings.map((c, i) => [i, ceilingProblem(c)] as const).filter(([, p]) => p !== undefined);
  if (problems.length > 0) return { ok: false, why: problems.map(([i, p]) => `round ${i + 1}: ${p}`).join('; ') };
  const ratios = gateway.map((g, i) => g / ceilings[i]!.rate);
  return { ok: true, median: round(median(ratios), 2), min: round(Math.min(...ratios), 2), max: round(Math.max(...ratios), 2), rounds: ratios.length };
}

/** `1.12 (0.98–1.20)` for the table, or `refused` (the reason is printed under the table). */
export function formatRatio(r: RatioSummary): string {
  if (!r.ok) return 'refused';
  return r.rounds === 1 ? `${r.median}` : `${r.median} (${r.min}–${r.max})`;
}

/** `median (min–max)` of a per-round figure. */
export function spread(values: readonly number[], digits = 0): string {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return '–';
  const m = round(median(v), digits);
  return v.length === 1 ? `${m}` : `${m} (${round(Math.min(...v), digits)}–${round(Math.max(...v), digits)})`;
}

/**
 * Runs `rounds` rounds of steps in order (A B A B A B): every round runs each step once, so a
 * ceiling and the gateway run see the same stretch of machine noise.
 */
export async function interleave<T>(rounds: number, steps: ReadonlyArray<(round: number) => Promise<T>>): Promise<T[][]> {
  const out: T[][] = steps.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, step] of steps.entries()) out[i]!.push(await step(r));
  }
  return out;
}
