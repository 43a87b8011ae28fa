/**
 * Influx store benchmark: influxd's own write ceiling for the same smart-pen lines (direct
 * POSTs of 5,000-line batches, 1 and 2 requests in flight) against the store's rate
 * (readings → encode → batch → gzip → POST, 2 in flight), each into a fresh database.
 * Also the encoder alone. Prints a table and one JSON line.
 * Run: node --import tsx gateway/bench/store-bench.ts [readings]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { storeSchema } from '../src/config/schema.js';
import type { Reading } from '../src/core/reading.js';
import { encodeReading } from '../src/store/line-protocol.js';
import { createInfluxStore } from '../src/store/influx-store.js';
import { startInflux, type InfluxServer } from '../test/kit/index.js';

const N = Number(process.argv[2] ?? 300_000);
const BATCH = 5_000;
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const integerFields = new Set(['pressure', 'page', 'stroke_seq']);

/** A classroom of 30 pens, points at 100 Hz each, in strokes of 200 points. */
function penReading(i: number): Reading {
  const pen = i % 30;
  const n = Math.floor(i / 30);
  return {
    template: 'smart-pen', device: `pen-${String(pen).padStart(2, '0')}`, ts: T0 + n * 10,
    fields: { x_mm: 20 + (n % 170) * 0.85, y_mm: 30 + ((n * 7) % 240) * 0.9, pressure: 300 + (n % 500), stroke_seq: n % 200 },
    tags: { page: String(Math.floor(n / 2000) % 40), room: 'B12', building: 'north', person: `p-${pen.toString(16)}` },
  };
}

async function count(influx: InfluxServer, db: string): Promise<number> {
  const r = await influx.query('SELECT count("x_mm") FROM "smart_pen"', db);
  return Number(r.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

async function ceiling(influx: InfluxServer, db: string, lines: string[], inFlight: number, gz = false): Promise<number> {
  await influx.createDatabase(db);
  const bodies: (string | Buffer)[] = [];
  for (let i = 0; i < lines.length; i += BATCH) {
    const text = lines.slice(i, i + BATCH).join('\n');
    bodies.push(gz ? gzipSync(text, { level: 1 }) : text);
  }
  const headers: Record<string, string> = gz ? { 'content-encoding': 'gzip' } : {};
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await fetch(`${influx.url}/write?db=${db}&precision=ms`, { method: 'POST', body, headers });
      if (res.status !== 204) throw new Error(`write failed: ${res.status} ${await res.text()}`);
    }
  }));
  const s = (performance.now() - t) / 1000;
  if ((await count(influx, db)) !== lines.length) throw new Error(`ceiling ${db}: count mismatch`);
  return lines.length / s;
}

async function storeRate(influx: InfluxServer | { url: string }, db: string, readings: Reading[], gzip = true): Promise<{ rate: number; spooled_max: number; p50: number; p99: number; cpu_us_per_reading: number; lines_per_request: number }> {
  if ('createDatabase' in influx) await influx.createDatabase(db);
  const config = storeSchema.parse({ kind: 'influx', url: influx.url, database: db });
  if (config.kind !== 'influx') throw new Error('unreachable');
  const spoolDir = await mkdtemp(join(tmpdir(), 'store-bench-spool-'));
  const store = createInfluxStore({ config, site: 'north-high', spoolDir, gzip, integerFieldsOf: () => integerFields }, { log: pino({ level: 'silent' }) });
  await store.start();
  let spooledMax = 0;
  const watch = setInterval(() => { spooledMax = Math.max(spooledMax, Number(store.health().detail?.spool_batches ?? 0)); }, 50);
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  // A closed loop like devices awaiting their PUBACKs: at most 20,000 readings (4 full
  // batches) written and not yet resolved; a write() shares its batch's promise.
  const outstanding = new Set<Promise<void>>();
  let pendingReadings = 0;
  for (let i = 0; i < readings.length; i += 500) {
    const chunk = readings.slice(i, i + 500);
    pendingReadings += chunk.length;
    const p = store.write(chunk).finally(() => { pendingReadings -= chunk.length; outstanding.delete(p); });
    outstanding.add(p);
    while (pendingReadings >= 20_000) await Promise.race(outstanding);
  }
  store.flush();
  await Promise.all(outstanding);
  while (Number(store.health().detail?.spool_batches ?? 0) > 0) await new Promise((r) => setTimeout(r, 20));
  const s = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(watch);
  const lat = store.health().detail?.write_latency_ms as { p50: number; p99: number };
  const linesPerRequest = Math.round(readings.length / Math.max(1, Number(store.health().detail?.write_requests ?? 1)));
  if (process.env.BENCH_DEBUG) console.error(JSON.stringify(store.health()));
  await store.stop();
  await rm(spoolDir, { recursive: true, force: true });
  if ('query' in influx && (await count(influx, db)) !== readings.length) throw new Error(`store ${db}: count mismatch`);
  const cpuUs = (cpu.user + cpu.system) / readings.length;
  return { rate: readings.length / s, spooled_max: spooledMax, p50: lat.p50, p99: lat.p99, cpu_us_per_reading: Number(cpuUs.toFixed(2)), lines_per_request: linesPerRequest };
}

/** An HTTP endpoint that reads each body and answers 204: the store's own ceiling. */
async function nullEndpoint(): Promise<{ url: string; close: () => void }> {
  const srv = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(204).end()); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => { srv.closeAllConnections(); srv.close(); } };
}

const readings = Array.from({ length: N }, (_, i) => penReading(i));
for (const r of readings.slice(0, 20_000)) encodeReading(r, { integerFields, extraTags: { site: 'north-high' } }); // warm-up
// The encoder's rate is measured without keeping the lines (keeping 200k strings measures the GC).
const te = performance.now();
let bytes = 0;
for (const r of readings) {
  const res = encodeReading(r, { integerFields, extraTags: { site: 'north-high' } });
  if (res.ok) bytes += res.line.length;
}
const encodeRate = N / ((performance.now() - te) / 1000);
const lines = readings.map((r) => {
  const res = encodeReading(r, { integerFields, extraTags: { site: 'north-high' } });
  if (!res.ok) throw new Error(res.detail);
  return res.line;
});
const tj = performance.now();
for (const r of readings) bytes += JSON.stringify(r).length;
const jsonRate = N / ((performance.now() - tj) / 1000);

const sink = await nullEndpoint();
const nul = await storeRate(sink, 'null', readings);
sink.close();
const influx = await startInflux();
try {
  // Alternate the runs and keep the best of two: other work on this 2-core box adds noise.
  let c1 = 0;
  let c2 = 0;
  let c2gz = 0;
  let st = { rate: 0, spooled_max: 0, p50: 0, p99: 0, cpu_us_per_reading: 0, lines_per_request: 0 };
  let plain = { ...st };
  for (const round of [1, 2]) {
    c1 = Math.max(c1, await ceiling(influx, `ceiling_1_${round}`, lines, 1));
    c2 = Math.max(c2, await ceiling(influx, `ceiling_2_${round}`, lines, 2));
    c2gz = Math.max(c2gz, await ceiling(influx, `ceiling_2gz_${round}`, lines, 2, true));
    const s = await storeRate(influx, `store_${round}`, readings);
    if (s.rate > st.rate) st = s;
    const p = await storeRate(influx, `store_plain_${round}`, readings, false);
    if (p.rate > plain.rate) plain = p;
  }
  const round = (x: number): number => Math.round(x);
  const rows = [
    ['encoder alone (lines/s)', round(encodeRate)],
    ['JSON.stringify, same readings (for scale)', round(jsonRate)],
    ['influxd ceiling, 5,000-line POSTs, 1 in flight (points/s)', round(c1)],
    ['influxd ceiling, 5,000-line POSTs, 2 in flight (points/s)', round(c2)],
    ['influxd ceiling, same but gzip bodies made beforehand (points/s)', round(c2gz)],
    ['influx store, gzip, 2 in flight (readings/s)', round(st.rate)],
    ['influx store, plain bodies (gzip: false), 2 in flight (readings/s)', round(plain.rate)],
    ['influx store into a null HTTP endpoint (readings/s)', round(nul.rate)],
  ] as const;
  console.log(`smart-pen points, ${N} readings (${lines[0]?.length ?? 0} bytes/line; ${bytes} bytes encoded)`);
  for (const [k, v] of rows) console.log(`${k.padEnd(70)} ${String(v).padStart(10)}`);
  console.log(`plain-body store / plain ceiling: ${((plain.rate / c2) * 100).toFixed(1)}%`);
  console.log(`store / 2-in-flight ceiling: ${((st.rate / c2) * 100).toFixed(1)}% (gzip ceiling: ${((st.rate / c2gz) * 100).toFixed(1)}%)  (max spooled batches during run: ${st.spooled_max}; write latency p50 ${st.p50} ms, p99 ${st.p99} ms; ${st.lines_per_request} lines/request (plain ${plain.lines_per_request}); gateway CPU ${st.cpu_us_per_reading} µs/reading, ${nul.cpu_us_per_reading} into the null endpoint)`);
  console.log(JSON.stringify({
    bench: 'store-influx', readings: N, batch_lines: BATCH,
    encode_lines_per_s: round(encodeRate), json_stringify_per_s: round(jsonRate),
    influxd_ceiling_1_in_flight: round(c1), influxd_ceiling_2_in_flight: round(c2), influxd_ceiling_2_in_flight_gzip: round(c2gz),
    store_readings_per_s: round(st.rate), store_null_endpoint_per_s: round(nul.rate), store_vs_ceiling_2: Number((st.rate / c2).toFixed(3)), store_vs_ceiling_2_gzip: Number((st.rate / c2gz).toFixed(3)),
    store_plain_readings_per_s: round(plain.rate), store_plain_vs_ceiling_2: Number((plain.rate / c2).toFixed(3)),
    store_spooled_batches_max: st.spooled_max, write_latency_p50_ms: st.p50, write_latency_p99_ms: st.p99, store_cpu_us_per_reading: st.cpu_us_per_reading, store_lines_per_request: st.lines_per_request, store_plain_lines_per_request: plain.lines_per_request, null_cpu_us_per_reading: nul.cpu_us_per_reading,
  }));
} finally {
  await influx.stop();
}
