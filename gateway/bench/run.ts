/**
 * `npm run bench`: the gateway's throughput, latency, CPU and memory per
 * workload, next to the ceilings of the machine measured in the same run.
 *   npm run bench                      all workloads + ceilings (~5–8 min on 2 cores)
 *   npm run bench -- --quick           smaller workloads (CI smoke)
 *   npm run bench -- --store embedded  gateway on its embedded SQLite store (default: InfluxDB)
 *   npm run bench -- --soak 30m        soak: the default school for 30 min, RSS and event-loop delay over time
 *   npm run bench -- --school 90s      length of the school-day slice
 *   npm run bench -- --writing-rooms 5 classrooms writing with pens at once (default: the scenario's 20)
 *   npm run bench -- --only ceilings,telemetry,pens,school,components
 * The component benchmarks of the other modules (broker-bench, store-bench, modbus-bench) run
 * too (not with --quick), each in its own process; their JSON lines are included.
 * Prints a table, then one JSON line (`{"bench": …}`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { passThrough, startInflux, withAedes, withMosquitto, influxWriteCeiling, type PassThrough } from './lib/ceilings.js';
import { round, table } from './lib/stats.js';
import { penWorkload, telemetryWorkload, type GatewayConfigFactory, type WorkloadResult } from './pipeline-workloads.js';
import { schoolDayWorkload } from './school-day.js';
import { runSoak } from './lib/soak.js';
import { COMPONENT_BENCHES, runComponentBench, type ComponentResult } from './lib/components.js';
import { repoRoot } from '../test/kit/index.js';

const { values } = parseArgs({ options: {
  quick: { type: 'boolean', default: false }, store: { type: 'string', default: 'influx' },
  soak: { type: 'string' }, school: { type: 'string', default: '90s' }, only: { type: 'string' },
  scenario: { type: 'string', default: join(repoRoot, 'firmware-sim/scenarios/school-default.yaml') },
  'writing-rooms': { type: 'string' },
} });

const ms = (t: string) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(t);
  if (!m) throw new Error(`not a duration: ${t}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
};
const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const scale = values.quick ? 0.25 : 1;
const only = values.only ? new Set(values.only.split(',')) : undefined;
const want = (name: string) => !only || only.has(name);
const writingRooms = values['writing-rooms'] !== undefined ? Number(values['writing-rooms']) : undefined;

const tmp = mkdtempSync(join(tmpdir(), 'cg-bench-'));
const influx = values.store === 'influx' ? await startInflux() : undefined;
let dbSeq = 0;
const configFor: GatewayConfigFactory = async (label) => {
  const base = {
    site: { id: 'bench-school' }, log: { level: 'warn' },
    insecure: true, // on loopback, open on purpose (no broker auth, no API tokens)
    broker: { port: 0, host: '127.0.0.1', limits: { publishesPerSecond: 1_000_000, maxConnections: 20_000 } },
    http: { port: 0, host: '127.0.0.1' },
    privacy: { pseudonymKeyFile: join(tmp, 'pseudonym.key') },
  };
  if (!influx) return { ...base, store: { kind: 'embedded', path: join(tmp, `${label}-${++dbSeq}`) } };
  const database = `bench_${label.replaceAll('-', '_')}_${++dbSeq}`;
  await influx.createDatabase(database);
  return { ...base, store: { kind: 'influx', url: influx.url, apiVersion: 1, database, spoolPath: join(tmp, `spool-${dbSeq}`) } };
};

try {
  if (values.soak) {
    await runSoak({ durationMs: ms(values.soak), scenarioFile: values.scenario, configFor, log, ...(writingRooms !== undefined ? { writingRooms } : {}) });
  } else {
    const started = Date.now();
    const results: WorkloadResult[] = [];
    const ceilings: PassThrough[] = [];
    let influxCeiling: number | undefined;
    const total = Math.round(60_000 * scale);
    if (want('ceilings')) {
      log('ceiling: plain aedes pass-through');
      await withAedes(async (url) => { ceilings.push(await passThrough('aedes', url, 0, total), await passThrough('aedes', url, 1, total)); });
      log('ceiling: mosquitto pass-through');
      await withMosquitto(async (url) => { ceilings.push(await passThrough('mosquitto', url, 0, total), await passThrough('mosquitto', url, 1, total)); });
      log('ceiling: influxd write rate');
      const ci = influx ?? await startInflux();
      await ci.createDatabase('ceiling');
      influxCeiling = (await influxWriteCeiling((lines) => ci.write(lines, 'ceiling', 'ms'), Math.round(1_000_000 * scale))).points_per_s;
      if (!influx) await ci.stop();
    }
    if (want('telemetry')) {
      log('workload: telemetry QoS 0'); results.push(await telemetryWorkload(0, configFor, scale));
      log('workload: telemetry QoS 1'); results.push(await telemetryWorkload(1, configFor, scale));
    }
    if (want('pens')) { log('workload: smart-pen strokes'); results.push(await penWorkload(configFor, scale)); }
    if (want('school')) {
      log(`workload: school day (${values.school})`);
      results.push(await schoolDayWorkload({ scenarioFile: values.scenario, ...(writingRooms !== undefined ? { writingRooms } : {}), durationMs: ms(values.school) * (values.quick ? 0.5 : 1) }, configFor));
    }
    const components: ComponentResult[] = [];
    if (want('components') && !values.quick) {
      for (const b of COMPONENT_BENCHES) {
        log(`component bench: ${b.script} ${b.args.join(' ')}`);
        components.push(await runComponentBench(b));
      }
    }
    const ceil = (b: string, q: 0 | 1) => ceilings.find((c) => c.broker === b && c.qos === q)?.msgs_per_s;
    const ratio = (v: number, c: number | undefined) => (c ? round(v / c, 2) : NaN);
    const rows = results.map((r) => {
      const q: 0 | 1 = r.workload === 'telemetry-qos0' ? 0 : 1;
      return [r.workload, r.msgs_per_s, r.readings_per_s, r.p50_ms, r.p99_ms, r.cpu_us_per_msg, r.peak_rss_mib, r.lost,
        ratio(r.msgs_per_s, ceil('aedes', q)), ratio(r.msgs_per_s, ceil('mosquitto', q)), ratio(r.readings_per_s, influxCeiling)];
    });
    process.stdout.write(`\ncampus-gateway bench (${values.store} store, ${cpus().length} cores, node ${process.version})\n`);
    process.stdout.write(`${table(['workload', 'msgs/s', 'readings/s', 'p50 ms', 'p99 ms', 'cpu µs/msg', 'peak RSS MiB', 'lost', '÷aedes', '÷mosquitto', '÷influxd'], rows)}\n\n`);
    process.stdout.write(`${table(['ceiling', 'msgs/s (points/s)', 'p50 ms (saturated)', 'p99 ms (saturated)'], [
      ...ceilings.map((c) => [`${c.broker} pass-through QoS ${c.qos}`, c.msgs_per_s, c.p50_ms, c.p99_ms]),
      ...(influxCeiling ? [['influxd write, pen lines (5,000/batch, 2 in flight)', influxCeiling, NaN, NaN]] : []),
    ])}\n`);
    for (const r of results) if (r.note) process.stdout.write(`  ${r.workload}: ${r.note}\n`);
    process.stdout.write('  p50/p99: publish → PUBACK (stored) at half the saturated rate; sat_p99_ms in the JSON is the p99 while saturated.\n');
    for (const c of components) process.stdout.write(`  component ${c.name}: ${c.ok ? `ok (${c.seconds} s), JSON below` : `failed: ${c.error}`}\n`);
    process.stdout.write(`${JSON.stringify({ bench: { store: values.store, cores: cpus().length, node: process.version, quick: values.quick, duration_s: round((Date.now() - started) / 1000, 0), workloads: results, ceilings, influxd_points_per_s: influxCeiling ?? null, components } })}\n`);
  }
} finally {
  await influx?.stop();
  rmSync(tmp, { recursive: true, force: true });
}
