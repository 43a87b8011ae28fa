/**
 * Soak mode (`npm run bench -- --soak 30m`): the default school, its day on a
 * loop, against a gateway child for the given time; samples the child's RSS,
 * heap and event-loop delay every interval and prints the curve, then the RSS
 * trend over the second half, after warm-up (MiB/min and MiB/hour), the RSS high of
 * each simulated day, and a JSON line.
 */
import { createScenarioRun, loadScenario } from '@campus-gateway/firmware-sim';
import type { GatewayConfigFactory } from '../pipeline-workloads.js';
import { startGatewayProc } from './gateway-proc.js';
import { mib, round, table } from './stats.js';

export interface SoakOptions {
  durationMs: number;
  scenarioFile: string;
  /** Overrides the scenario's number of classrooms writing with pens at once. */
  writingRooms?: number;
  configFor: GatewayConfigFactory;
  log(msg: string): void;
  sampleEveryMs?: number;
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) { num += (xs[i]! - mx) * (ys[i]! - my); den += (xs[i]! - mx) ** 2; }
  return den === 0 ? 0 : num / den;
}

/** RSS slope (MiB/hour) over the second half of the samples: after warm-up, where a leak shows. */
export function secondHalfSlope(samples: ReadonlyArray<{ t_s: number; rss_mib: number }>): number {
  const half = samples.slice(Math.floor(samples.length / 2));
  return slope(half.map((s) => s.t_s / 3600), half.map((s) => s.rss_mib));
}

/**
 * The highest RSS of each simulated day, in order (a day ends where the simulated clock goes
 * back to the morning). RSS rises and falls with the timetable, so a line fitted to a stretch
 * that is not whole days leans with where the stretch starts and ends; the days' highs do not.
 * The last day is cut short where the soak ends.
 */
export function dayHighs(samples: ReadonlyArray<{ sim: string; rss_mib: number }>): number[] {
  const highs: number[] = [];
  let prev = '';
  for (const s of samples) {
    if (highs.length === 0 || s.sim < prev) highs.push(s.rss_mib);
    else highs[highs.length - 1] = Math.max(highs.at(-1)!, s.rss_mib);
    prev = s.sim;
  }
  return highs;
}

export async function runSoak(o: SoakOptions): Promise<void> {
  const every = o.sampleEveryMs ?? Math.max(5_000, Math.min(60_000, o.durationMs / 60));
  const scenario = loadScenario(o.scenarioFile);
  if (o.writingRooms !== undefined) scenario.timetable.writing.rooms = o.writingRooms;
  const run = createScenarioRun(scenario, { durationMs: o.durationMs, loop: true });
  const fragment = await run.prepare();
  const gw = await startGatewayProc({ ...(await o.configFor('soak')), devices: fragment.devices, adapters: fragment.adapters });
  const samples: Array<{ t_s: number; sim: string; rss_mib: number; heap_mib: number; eld_p50_ms: number; eld_p99_ms: number; eld_max_ms: number; readings_per_s: number; offered_per_s: number; backlog: number }> = [];
  try {
    const t0 = Date.now();
    await run.start(gw.mqttUrl);
    let prev = await gw.stats();
    let prevT = Date.now();
    let prevSent = 0;
    const timer = setInterval(() => {
      void gw.stats().then((s) => {
        const now = Date.now();
        const m = run.minute();
        const tally = run.report().totals;
        samples.push({
          t_s: round((now - t0) / 1000, 0), sim: `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(Math.floor(m % 60)).padStart(2, '0')}`,
          rss_mib: mib(s.rss_bytes), heap_mib: mib(s.heap_used_bytes), eld_p50_ms: round(s.eld_p50_ms, 1), eld_p99_ms: round(s.eld_p99_ms, 1), eld_max_ms: round(s.eld_max_ms, 1),
          readings_per_s: round(((s.readings - prev.readings) / (now - prevT)) * 1000, 0),
          // What the simulators sent (MQTT) in the interval, and what they still wait to have acknowledged.
          offered_per_s: round(((tally.sent_readings - prevSent) / (now - prevT)) * 1000, 0),
          backlog: tally.sent_readings - tally.acked_readings,
        });
        prevSent = tally.sent_readings;
        o.log(`soak ${JSON.stringify(samples.at(-1))}`);
        prev = s;
        prevT = now;
      });
    }, every);
    await run.finished;
    clearInterval(timer);
    await run.stop();
  } finally {
    await run.stop().catch(() => undefined);
    await gw.stop();
  }
  const trend = secondHalfSlope(samples);
  const t = run.report().totals;
  process.stdout.write(`${table(['t (s)', 'sim time', 'RSS MiB', 'heap MiB', 'ELD p50 ms', 'ELD p99 ms', 'ELD max ms', 'readings/s', 'offered/s', 'unacked'],
    samples.map((s) => [String(s.t_s), s.sim, s.rss_mib, s.heap_mib, s.eld_p50_ms, s.eld_p99_ms, s.eld_max_ms, s.readings_per_s, s.offered_per_s, s.backlog]))}\n`);
  const peak = samples.reduce((a, s) => Math.max(a, s.rss_mib), 0);
  const maxBacklog = samples.reduce((a, s) => Math.max(a, s.backlog), 0);
  process.stdout.write(`peak RSS ${peak} MiB; most readings waiting for an acknowledgement at a sample: ${maxBacklog}\n`);
  process.stdout.write(`soak: ${run.plan.devices.length} devices, ${scenario.timetable.writing.rooms} rooms writing with pens in their periods, the day (${scenario.clock.start}–${scenario.clock.end} at ${scenario.clock.speed}×) on a loop\n`);
  const highs = dayHighs(samples);
  process.stdout.write(`RSS trend over the second half: ${round(trend / 60, 3)} MiB/min (${round(trend, 1)} MiB/hour); acknowledged readings ${t.acked_readings} of ${t.sent_readings} sent\n`);
  process.stdout.write(`RSS high of each simulated day: ${highs.join(', ')} MiB (the last cut short by the end of the soak)\n`);
  process.stdout.write(`${JSON.stringify({ soak: { duration_s: round(o.durationMs / 1000, 0), devices: run.plan.devices.length, writing_rooms: scenario.timetable.writing.rooms, rss_trend_mib_per_h: round(trend, 2), rss_trend_mib_per_min: round(trend / 60, 3), rss_day_highs_mib: highs, totals: t, samples } })}\n`);
}
