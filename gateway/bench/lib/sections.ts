/**
 * The bench's measured sections and their table: each pipeline workload interleaved with its
 * ceilings (ceiling, gateway, ceiling, gateway, ... `rounds` times, lib/repeat.ts), the school
 * day once, and latency at fixed rates (open loop) on a gateway of its own.
 */
import { dirname } from 'node:path';
import { AEDES_CEILING_CONFIG, MOSQUITTO_CEILING_CONFIG, influxWriteCeiling, passThrough, withAedes, withMosquitto, type startInflux } from './ceilings.js';
import { interleave, formatRatio, ratioSummary, spread, ceilingProblem, type CeilingRun, type RatioSummary } from './repeat.js';
import { median, round, table } from './stats.js';
import { waitIdle } from './idle.js';
import type { SlowSyncs } from '../../src/store/sqlite-wal-sync.js';
import { fixedRateLatency, pensAt, penWorkload, telemetryAt, telemetryWorkload, type FixedRateRows, type GatewayConfigFactory, type WorkloadResult } from '../pipeline-workloads.js';

type Influx = Awaited<ReturnType<typeof startInflux>>;

export interface SectionOptions {
  quick: boolean;
  rounds: number;
  want(section: string): boolean;
  log(msg: string): void;
  configFor: GatewayConfigFactory;
  /** influxd for the write ceiling (the pen workload's). */
  influx: Influx | undefined;
  school: (() => Promise<WorkloadResult>) | undefined;
  /** `rates`: only the loads of these rates (msg/s; `--latency-loads`), else all of LATENCY_LOADS. */
  latency: { store: string; durationMs: number; rounds: number; rates?: readonly number[] } | undefined;
}

export interface WorkloadSection {
  workload: string;
  runs: WorkloadResult[];
  /** Per ceiling name: its runs (one per round) and the ratio gateway ÷ ceiling. */
  ceilings: Array<{ column: string; runs: CeilingRun[]; ratio: RatioSummary }>;
}

export interface Sections {
  quick: boolean;
  workloads: WorkloadSection[];
  school: WorkloadResult | null;
  latency: { store: string; duration_s: number; rounds: number; loads: FixedRateRows[] } | null;
}

/**
 * Fixed-rate loads at the rates a school produces (a default school is ~1,000 msg/s, a large one
 * in a busy hour ~5,000): QoS 1 telemetry at 1,000 and 5,000 msg/s, one and ten classrooms of
 * pens writing (40 and 400 msg/s).
 */
export const LATENCY_LOADS = [telemetryAt(1_000), telemetryAt(5_000), pensAt(1), pensAt(10)];

export async function runSections(o: SectionOptions): Promise<Sections> {
  const workloads: WorkloadSection[] = [];
  /** Logs a measured step once the machine is quiet (idle.ts), saying so when that took a while. */
  const begin = async (what: string): Promise<void> => {
    const q = await waitIdle();
    const waited = q.waited_ms >= 1_000 ? ` (after ${round(q.waited_ms / 1000, 0)} s waiting for the machine to go quiet)` : '';
    const synced = q.synced_mib > 0 ? ` (after writing back ${q.synced_mib} MiB of dirty pages)` : '';
    o.log(`${what}${waited}${synced}${q.timed_out ? ` (still ${Math.round(q.busy * 100)}% busy: ran anyway)` : ''}`);
  };
  const ceilings = o.want('ceilings');
  const telemetryPerConnection = o.quick ? 300 : 10_000;
  if (o.want('telemetry')) {
    const total = 50 * telemetryPerConnection;
    await withAedes((aedesUrl) => withMosquitto(async (mosquittoUrl) => {
      for (const qos of [0, 1] as const) {
        const name = `telemetry-qos${qos}`;
        const steps = [
          ...(ceilings ? [
            async (r: number) => { await begin(`round ${r + 1}: ceiling aedes QoS ${qos}`); return passThrough('aedes', aedesUrl, qos, total, { config: AEDES_CEILING_CONFIG }); },
            async (r: number) => { await begin(`round ${r + 1}: ceiling mosquitto QoS ${qos}`); return passThrough('mosquitto', mosquittoUrl, qos, total, { config: MOSQUITTO_CEILING_CONFIG }); },
          ] : []),
          async (r: number) => { await begin(`round ${r + 1}: workload ${name}`); return telemetryWorkload(qos, o.configFor, telemetryPerConnection); },
        ];
        const results = await interleave<CeilingRun | WorkloadResult>(o.rounds, steps);
        const runs = results.at(-1) as WorkloadResult[];
        const rates = runs.map((w) => w.msgs_per_s);
        workloads.push({
          workload: name, runs,
          ceilings: ceilings ? (['÷aedes', '÷mosquitto'] as const).map((column, i) => {
            const c = results[i] as CeilingRun[];
            return { column, runs: c, ratio: ratioSummary(rates, c) };
          }) : [],
        });
      }
    }));
  }
  if (o.want('pens')) {
    const perConnection = o.quick ? 125 : 1_500;
    const points = 20 * perConnection * 100;
    const influx = o.influx;
    const steps = [
      ...(ceilings && influx ? [async (r: number) => {
        await begin(`round ${r + 1}: ceiling influxd write`);
        const db = `ceiling_${r}`;
        await influx.createDatabase(db);
        return influxWriteCeiling((lines) => influx.write(lines, db, 'ms'), points);
      }] : []),
      async (r: number) => { await begin(`round ${r + 1}: workload pen-strokes`); return penWorkload(o.configFor, perConnection); },
    ];
    const results = await interleave<CeilingRun | WorkloadResult>(o.rounds, steps);
    const runs = results.at(-1) as WorkloadResult[];
    workloads.push({
      workload: 'pen-strokes', runs,
      ceilings: steps.length > 1 ? [{ column: '÷influxd', runs: results[0] as CeilingRun[], ratio: ratioSummary(runs.map((w) => w.readings_per_s), results[0] as CeilingRun[]) }] : [],
    });
  }
  let school: WorkloadResult | null = null;
  if (o.school) { await begin('workload: school day'); school = await o.school(); }
  let latency: Sections['latency'] = null;
  if (o.latency) {
    const rates = o.latency.rates;
    const chosen = rates ? LATENCY_LOADS.filter((l) => rates.includes(l.rate)) : LATENCY_LOADS;
    if (chosen.length === 0) throw new Error(`--latency-loads: none of ${rates?.join(',')} is a load's rate (${LATENCY_LOADS.map((l) => l.rate).join(', ')} msg/s)`);
    o.log(`latency at fixed rates: ${chosen.map((l) => l.label).join('; ')} (${o.latency.store} store, open loop)`);
    const config = await o.configFor('latency', o.latency.store);
    const { durationMs, rounds: latencyRounds } = o.latency;
    // The disk floor in the filesystem of the gateway's database (the embedded store's directory).
    const storePath = (config.store as { path?: unknown } | undefined)?.path;
    const loads = await withAedes((floorUrl) => fixedRateLatency(config, chosen, durationMs, latencyRounds, floorUrl, begin, typeof storePath === 'string' ? dirname(storePath) : undefined));
    latency = { store: o.latency.store, duration_s: durationMs / 1000, rounds: latencyRounds, loads };
  }
  return { quick: o.quick, workloads, school, latency };
}

const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
const slowCell = (runs: Array<SlowSyncs | null | undefined>) => {
  const known = runs.filter((x): x is SlowSyncs => !!x);
  if (known.length === 0) return '–';
  const total = (k: keyof SlowSyncs) => sum(known.map((x) => x[k]));
  return `${total('over_10ms')}/${total('over_25ms')}/${total('over_50ms')}`;
};
const holdsCell = (holds: number[]) => (holds.length === 0 ? '0' : `${holds.length} (max ${round(Math.max(...holds), 1)} ms)`);

const COLUMNS = ['÷aedes', '÷mosquitto', '÷influxd'] as const;
/** A workload run shorter than this is mostly start-up and ramp, not the steady state. */
const STEADY_S = 10;

/** The tables, then a line per refused ratio saying why. */
export function printSections(s: Sections): string {
  const out: string[] = [];
  const rows = s.workloads.map((w) => {
    const r = w.runs;
    const pick = (f: (x: WorkloadResult) => number, d = 0) => spread(r.map(f), d);
    return [w.workload, pick((x) => x.msgs_per_s), pick((x) => x.readings_per_s), pick((x) => x.p50_ms, 1), pick((x) => x.p99_ms, 1),
      pick((x) => x.cpu_us_per_msg, 1), pick((x) => x.peak_rss_mib), r.reduce((a, x) => a + x.lost, 0),
      ...COLUMNS.map((c) => { const found = w.ceilings.find((x) => x.column === c); return found ? formatRatio(found.ratio) : '–'; })];
  });
  if (s.school) {
    const x = s.school;
    rows.push([x.workload, x.msgs_per_s, x.readings_per_s, x.p50_ms, x.p99_ms, x.cpu_us_per_msg, x.peak_rss_mib, x.lost, '–', '–', '–'].map(String));
  }
  if (rows.length > 0) {
    out.push(table(['workload', 'msgs/s', 'readings/s', 'p50 ms (sat.)', 'p99 ms (sat.)', 'cpu µs/msg', 'peak RSS MiB', 'lost', ...COLUMNS], rows));
    out.push('  figures: median (min–max) over the rounds; ratios: gateway ÷ the ceiling measured in the same round.');
    out.push('  p50/p99 (sat.): publish → PUBACK (stored) while saturated, queueing included; paced latency is below.');
  }
  for (const w of s.workloads) {
    if (w.runs.some((x) => x.note)) out.push(`  ${w.workload}: ${w.runs[0]!.note ?? ''}`);
    const short = w.runs.filter((x) => x.elapsed_s < STEADY_S);
    if (!s.quick && short.length > 0) out.push(`  ${w.workload}: ${short.length} round(s) lasted under ${STEADY_S} s (${short.map((x) => x.elapsed_s).join(', ')} s): not a steady state; raise the count`);
    for (const c of w.ceilings) if (!c.ratio.ok) out.push(`  ${w.workload} ${c.column} refused: ${c.ratio.why}`);
  }
  const ceilingRows = s.workloads.flatMap((w) => w.ceilings.map((c) => [c.runs[0]?.name ?? c.column, spread(c.runs.map((x) => (ceilingProblem(x) ? NaN : x.rate))),
    `${c.runs.filter((x) => !ceilingProblem(x)).length}/${c.runs.length} complete`]));
  if (ceilingRows.length > 0) out.push('', table(['ceiling (configuration)', 'msgs/s (points/s)', 'runs'], ceilingRows));
  if (s.latency) {
    const l = s.latency;
    const med = (v: number[]) => round(median(v), 2);
    out.push('', table([`open-loop QoS 1, ${l.duration_s} s × ${l.rounds}`, 'offered msg/s', 'acked', 'PUBACK p50', 'p99', 'p99.9 ms', 'send lag p99',
      '/latest p50', 'p99 ms', 'not visible', 'gateway CPU %', 'loop delay p99', 'max ms', 'log restarts', 'store syncs > 10/25/50 ms', 'plain aedes p50', 'p99 ms', 'disk floor p99 ms', 'fdatasync > 10 ms'],
    l.loads.map(({ label, runs: r, floor: f, disk: d }) => [label, med(r.map((x) => x.offered_per_s)), `${sum(r.map((x) => x.acked))}/${sum(r.map((x) => x.sent))}`,
      med(r.map((x) => x.puback.p50_ms)), spread(r.map((x) => x.puback.p99_ms), 1), med(r.map((x) => x.puback.p999_ms)), med(r.map((x) => x.send_lag.p99_ms)),
      med(r.map((x) => x.latest.p50_ms)), med(r.map((x) => x.latest.p99_ms)), sum(r.map((x) => x.latest.not_visible)), med(r.map((x) => x.gateway_cpu_pct)),
      med(r.map((x) => x.gateway_eld_p99_ms)), Math.max(...r.map((x) => x.gateway_eld_max_ms)), holdsCell(r.flatMap((x) => x.restart_holds_ms)), slowCell(r.map((x) => x.slow_syncs)), med(f.map((x) => x.puback.p50_ms)), spread(f.map((x) => x.puback.p99_ms), 1),
      spread(d.map((x) => x.ack.p99_ms), 1), `${sum(d.map((x) => x.sync.over_10ms))} (max ${Math.max(...d.map((x) => x.sync.max_ms))} ms)`])));
    if (l.rounds > 1) out.push(`  median of ${l.rounds} rounds (each load on the gateway, then on plain aedes); p99: median (min–max); loop delay max: the worst round.`);
    out.push(`  ${s.latency.store} store; latency counts from when a message was due (open loop: sends keep the schedule whatever the acknowledgements do);`);
    out.push('  send lag: due → handed to the socket, in the load generator (part of the PUBACK latency). plain aedes: the same load on a');
    out.push('  broker that acknowledges without storing: the generator, loopback TCP and MQTT alone, the floor under any answer on this machine.');
    out.push('  disk floor: 8 KiB written and fdatasynced once a millisecond for as long, beside the database, after the plain aedes run; p99 of');
    out.push('  due → end of the first sync started after it, at the load\'s rate: the lowest PUBACK p99 this disk allows (acknowledged = on disk);');
    out.push('  fdatasync > 10 ms: how many syncs took longer, over the rounds, and the longest.');
    out.push('  loop delay: how late the gateway\'s event loop ran a 10 ms timer during the run (p99 and worst).');
    out.push('  log restarts: times the embedded store started its write-ahead log over during the runs, and the longest time one held commits back.');
    out.push('  store syncs: the embedded store\'s fdatasyncs of its log during the runs that took over 10, 25 and 50 ms (each holds back every PUBACK waiting on it).');
    out.push('  /latest: a message every 50 ms polled until visible (`not visible`: not within 10 s).');
    out.push('  gateway CPU %: of one core, over the run (the probes\' HTTP requests included).');
  }
  return `${out.join('\n')}\n`;
}
