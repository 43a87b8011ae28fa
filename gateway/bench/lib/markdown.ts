/**
 * The README's benchmark tables, in Markdown, from one `npm run bench` output: its JSON line
 * (`{"bench": …}`). `npm run bench:tables -- bench-output.txt` prints them, so the README's
 * figures are one run's, copied as they were measured.
 */
import type { FixedRateRows, WorkloadResult } from '../pipeline-workloads.js';
import type { StormRow } from '../storm.js';
import { formatRatio, spread } from './repeat.js';
import type { Sections, WorkloadSection } from './sections.js';
import { median, round } from './stats.js';

export type BenchJson = Sections & { store: string; cores: number; node: string; rounds: number; storm: StormRow[] | null };

/** The JSON line of a bench output (the last line starting with `{"bench":`). */
export function parseBenchOutput(text: string): BenchJson {
  const line = text.split('\n').reverse().find((l) => l.startsWith('{"bench":'));
  if (!line) throw new Error('no {"bench": …} line in this output: give the whole output of `npm run bench`');
  return (JSON.parse(line) as { bench: BenchJson }).bench;
}

const n = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en') : '–');
/** `46,994 (45,475–47,037)` */
const spreadN = (v: readonly number[]) => {
  const ok = v.filter(Number.isFinite);
  return ok.length === 1 ? n(ok[0]!) : `${n(median(ok))} (${n(Math.min(...ok))}–${n(Math.max(...ok))})`;
};
const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
const header = (cells: string[]) => [row(cells), row(cells.map(() => '---'))];

const r0 = <T>(v: readonly T[]): T => v[0]!;

const CEILING_NAME: Record<string, string> = { '÷aedes': 'plain aedes', '÷mosquitto': 'mosquitto', '÷influxd': 'influxd written directly' };

function ratioCell(w: WorkloadSection, unit: string): string {
  return w.ceilings.map((c) => {
    const name = CEILING_NAME[c.column] ?? c.column;
    if (!c.ratio.ok) {
      const delivered = c.runs.map((r) => r.delivered).filter((d) => d < r0(c.runs).total);
      return delivered.length > 0
        ? `${name} refused: it delivered ${n(Math.min(...delivered))}–${n(Math.max(...delivered))} of ${n(r0(c.runs).total)}`
        : `${name} refused: ${c.ratio.why}`;
    }
    return `${formatRatio(c.ratio)} × ${name} (${n(median(c.runs.map((r) => r.rate)))} ${unit})`;
  }).join('; ');
}
const WORKLOAD_NAME: Record<string, (r: WorkloadResult) => string> = {
  'telemetry-qos0': (r) => `telemetry QoS 0, ${n(r.msgs)} msgs`,
  'telemetry-qos1': (r) => `telemetry QoS 1, ${n(r.msgs)} msgs`,
  'pen-strokes': (r) => `smart-pen strokes, ${n(r.readings)} points`,
};

/** The throughput table: each workload against its ceilings, median (min–max) of the rounds. */
export function workloadTable(b: BenchJson): string {
  const out = header(['workload', 'rate', 'ratio to its ceiling', 'publish → stored p50 / p99 (saturated)', 'CPU / msg', 'peak RSS']);
  for (const w of b.workloads) {
    const first = r0(w.runs);
    const pens = w.workload === 'pen-strokes';
    const rate = pens ? `${spreadN(w.runs.map((r) => r.readings_per_s))} points/s` : `${spreadN(w.runs.map((r) => r.msgs_per_s))} msg/s`;
    const p50 = median(w.runs.map((r) => r.p50_ms));
    // QoS 0 is acknowledged at once: its "latency" is the 1-in-50 QoS 1 probes waiting behind the queue.
    const lat = w.workload === 'telemetry-qos0' ? `– (queued, ~${round(p50 / 1000, 0)} s)` : `${Math.round(p50)} / ${Math.round(median(w.runs.map((r) => r.p99_ms)))} ms`;
    const cpu = pens ? `${round(median(w.runs.map((r) => r.cpu_us_per_msg)) / 100, 1)} µs / point` : `${round(median(w.runs.map((r) => r.cpu_us_per_msg)), 1)} µs`;
    out.push(row([(WORKLOAD_NAME[w.workload] ?? (() => w.workload))(first), rate, ratioCell(w, pens ? 'points/s' : 'msg/s'), lat, cpu,
      `${Math.round(median(w.runs.map((r) => r.peak_rss_mib)))} MiB`]));
  }
  if (b.school) {
    const s = b.school as WorkloadResult & { devices?: number; stored_all?: boolean; note?: string };
    const keeps = s.lost === 0 ? `keeps up: ${n(s.readings_per_s)} readings/s, all acknowledged and stored` : `${n(s.lost)} readings not stored`;
    const rooms = /(\d+) rooms writing/.exec(s.note ?? '')?.[1];
    out.push(row([`school day, ${n(s.devices ?? NaN)} devices${rooms ? `, ${rooms} rooms writing` : ''}, ${Math.round(s.elapsed_s)} s`, keeps, '–',
      `${Math.round(s.p50_ms)} / ${Math.round(s.p99_ms)} ms`, `${Math.round(s.cpu_us_per_msg)} µs`, `${Math.round(s.peak_rss_mib)} MiB`]));
  }
  return `${out.join('\n')}\n`;
}

const ms = (v: number) => (Number.isFinite(v) ? `${round(v, 1)}` : '–');

/** The fixed-rate latency table: PUBACK, /latest, CPU, the log's restarts, and the floors beside them. */
export function latencyTable(b: BenchJson): string {
  if (!b.latency) return '';
  const l = b.latency;
  const out = header([`QoS 1, ${l.duration_s} s × ${l.rounds} rounds, ${l.store} store`, 'PUBACK p50 / p99 / p99.9 (p99: median and min–max of the rounds)',
    'visible in `/latest` p50 / p99', 'gateway CPU (one core)', 'log restarts (longest hold)', 'same load, plain aedes: PUBACK p99', 'disk floor p99']);
  for (const x of l.loads as FixedRateRows[]) {
    const r = x.runs;
    // Outputs from before the holds were counted have none: unknown, not 0.
    const holds = r.every((y) => Array.isArray(y.restart_holds_ms)) ? r.flatMap((y) => y.restart_holds_ms) : undefined;
    out.push(row([x.label,
      `${ms(median(r.map((y) => y.puback.p50_ms)))} / ${spread(r.map((y) => y.puback.p99_ms), 1)} / ${ms(median(r.map((y) => y.puback.p999_ms)))} ms`,
      `${ms(median(r.map((y) => y.latest.p50_ms)))} / ${ms(median(r.map((y) => y.latest.p99_ms)))} ms`,
      `${Math.round(median(r.map((y) => y.gateway_cpu_pct)))}%`,
      holds === undefined ? '–' : holds.length === 0 ? '0' : `${holds.length} (${ms(Math.max(...holds))} ms)`,
      `${spread(x.floor.map((y) => y.puback.p99_ms), 1)} ms`,
      `${spread(x.disk.map((y) => y.ack.p99_ms), 1)} ms`]));
  }
  return `${out.join('\n')}\n`;
}

/** One line: the reconnect storm's phases. */
export function stormLine(b: BenchJson): string {
  if (!b.storm) return '';
  return `${b.storm.map((s) => `${s.phase === 'restart' ? 'after a gateway restart' : 'after a network blip'}: ${n(s.online)} of ${n(s.devices)} online in ${round(s.all_online_ms / 1000, 1)} s`
    + ` (${round(s.cpu_cores * 100, 0)}% of a core)`).join('; ')}\n`;
}

/** A line saying what ran, then each table (those the output has), a blank line between. */
export function benchMarkdown(b: BenchJson): string {
  const parts = [workloadTable(b), latencyTable(b), stormLine(b)].filter((s) => s !== '');
  return `${b.cores} cores, node ${b.node}, ${b.rounds} interleaved rounds, ${b.store} store\n\n${parts.join('\n')}`;
}
