/**
 * The export of a simulated 45-minute lesson of 40 pens (issue #19): the simulator's pens
 * (firmware-sim penWriter, a receiver's 500 ms stroke batches) write for 45 minutes of page time,
 * compressed in wall time, published through the gateway's broker into its embedded store and a
 * class session; then the per-student summary (XLSX, CSV) and the raw zip are fetched and measured.
 *   npx tsx gateway/bench/lesson-export.ts [pens=40] [minutes=45]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import mqtt from 'mqtt';
import { models } from '@campus-gateway/firmware-sim';

const { penBatcher, penWriter } = models;
import { createGateway, parseConfig, silentLogger } from '../src/index.js';

const PENS = Number(process.argv[2] ?? 40);
const MINUTES = Number(process.argv[3] ?? 45);
const dir = mkdtempSync(join(tmpdir(), 'lesson-bench-'));
const pens = Array.from({ length: PENS }, (_, i) => `P-${String(i + 1).padStart(3, '0')}`);
const config = parseConfig({
  insecure: true, site: { id: 'bench-school', name: 'Bench School', timezone: 'Asia/Shanghai' },
  broker: { port: 0, host: '127.0.0.1' }, http: { port: 0, host: '127.0.0.1' },
  store: { kind: 'embedded', path: join(dir, 'data') }, privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') }, log: { level: 'silent' },
  devices: pens.map((id, i) => ({ id, template: 'smart-pen', person: `S-${i}` })),
});
const gateway = createGateway(config, { log: silentLogger() });
await gateway.start();
const base = `http://127.0.0.1:${gateway.ports().http}`;
const api = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
const names = pens.map((_, i) => `学生${String(i + 1).padStart(2, '0')}`);
const created = await api('/api/sessions', { method: 'POST', body: JSON.stringify({ room: 'A103', class: '三年级2班', subject: '语文', end: new Date(Date.now() + 4 * 3_600_000).toISOString(), roster: pens.map((device, i) => ({ device, student: names[i] })) }) });
const { id } = (await created.json()) as { id: string };

// 45 minutes of page time from now, each pen's strokes in 500 ms receiver batches, published in time order.
const t0 = Date.now() + 1000;
const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports().mqtt}`, { clientId: 'pen-rx-bench', reconnectPeriod: 0 });
const writers = pens.map((p) => ({ id: p, w: penWriter(p), b: penBatcher(500) }));
let points = 0;
let messages = 0;
const started = Date.now();
let inflight: Array<Promise<unknown>> = [];
for (let now = t0; now < t0 + MINUTES * 60_000; now += 50) {
  for (const p of writers) {
    const s = p.w.step(now, true);
    if (s) p.b.add(s, now);
    const strokes = p.b.take(now);
    if (!strokes) continue;
    points += strokes.reduce((n, x) => n + x.pts.length, 0);
    messages++;
    inflight.push(client.publishAsync(`campus/smart-pen/${p.id}/telemetry`, JSON.stringify({ pen: p.id, page: '8.12.33.4', bat: 80, strokes }), { qos: 1 }));
    if (inflight.length >= 200) { await Promise.all(inflight); inflight = []; }
  }
}
await Promise.all(inflight);
const published = Date.now() - started;
let captured = 0;
for (let i = 0; i < 2400 && captured < points; i++) {
  captured = ((await (await api(`/api/sessions/${id}`)).json()) as { captured: number }).captured;
  if (captured < points) await new Promise((r) => setTimeout(r, 500));
}
const ingested = Date.now() - started;
console.log(`${PENS} pens × ${MINUTES} min: ${points.toLocaleString('en')} points in ${messages.toLocaleString('en')} messages; published in ${(published / 1000).toFixed(1)} s, captured ${captured.toLocaleString('en')} in ${(ingested / 1000).toFixed(1)} s; gateway RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);

for (const format of ['xlsx', 'summary-csv', 'zip'] as const) {
  const t = performance.now();
  const res = await api(`/api/sessions/${id}/export?format=${format}&lang=zh-CN`);
  const body = new Uint8Array(await res.arrayBuffer());
  const ms = performance.now() - t;
  const name = decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? '?');
  let rows = '';
  if (format === 'summary-csv') rows = `${new TextDecoder().decode(body).trimEnd().split('\r\n').length - 1} rows`;
  if (format === 'zip') {
    const files = unzipSync(body);
    const counts = Object.values(files).map((f) => new TextDecoder().decode(f).trimEnd().split('\r\n').length - 1);
    const raw = Object.values(files).reduce((n, f) => n + f.length, 0);
    rows = `${Object.keys(files).length} files, rows per file ${Math.min(...counts).toLocaleString('en')}–${Math.max(...counts).toLocaleString('en')} (total ${counts.reduce((a, b) => a + b, 0).toLocaleString('en')}), ${(raw / 2 ** 20).toFixed(0)} MiB of CSV`;
  }
  if (format === 'xlsx') rows = `${PENS} rows + header`;
  console.log(`${format}: ${name} ${(body.length / 2 ** 20).toFixed(2)} MiB (${body.length.toLocaleString('en')} B), ${rows}, ${(ms / 1000).toFixed(2)} s, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
}
const summary = await (await api(`/api/sessions/${id}/export?format=summary-csv&lang=en`)).text();
console.log(summary.split('\r\n').slice(0, 3).join('\n'));
await client.endAsync();
await gateway.stop();
rmSync(dir, { recursive: true, force: true });
