/**
 * The ceilings the gateway is compared with, measured in the same run:
 * plain aedes and mosquitto pass-through (publishers → broker → one
 * subscriber, QoS 0 and 1) and influxd's own write rate (line protocol
 * batches of 5,000, two requests in flight: the fastest shape measured on a 2-core machine).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startInflux, startMosquitto } from '../../test/kit/index.js';
import { runLoad } from './load.js';
import { connectRaw } from './raw-mqtt.js';
import { latencySummary, round } from './stats.js';
import type { CeilingRun } from './repeat.js';

export interface PassThrough extends CeilingRun {
  broker: string;
  qos: 0 | 1;
  msgs_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

const PAYLOAD = '{"on":true,"bri":80,"cct":5000,"lux":512,"pw":36.5,"ts":1700000000000}';

/**
 * Publishers → broker → one subscriber; rate = messages delivered to the subscriber per second.
 * A run that did not deliver all `total` messages within `drainMs` after the publishers finished
 * is marked `failed`: its rate is what a lossy broker drops to, not a ceiling.
 */
export async function passThrough(broker: string, url: string, qos: 0 | 1, total: number, opts: { connections?: number; drainMs?: number; config?: string } = {}): Promise<PassThrough> {
  const connections = opts.connections ?? 10;
  const sub = await connectRaw(url, `ceiling-sub-${qos}-${Math.random().toString(16).slice(2, 8)}`);
  let got = 0;
  const lat: number[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => { done = r; });
  await sub.subscribe('bench/#', qos, (_t, payload) => {
    got++;
    if (got % 20 === 0) lat.push(performance.now() - Number(payload.toString('latin1', payload.length - 16, payload.length - 1)));
    if (got >= total) done();
  });
  const start = performance.now();
  const perConnection = Math.floor(total / connections);
  const extra = total - perConnection * connections;
  let loadError: string | undefined;
  const load = runLoad({
    url, connections, perConnection, extraFirst: extra, qos, window: 20, clientPrefix: `ceiling-${broker}-${qos}`,
    topic: (c) => `bench/${c}`,
    // The send time rides at the end of the payload (padded), for the subscriber's latency sample.
    payload: () => `${PAYLOAD.slice(0, -1)},"t":${performance.now().toFixed(3).padStart(15, '0')}}`,
  }).catch((err: unknown) => { loadError = err instanceof Error ? err.message : String(err); });
  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([all, load.then(() => new Promise((r) => { drainTimer = setTimeout(r, opts.drainMs ?? 10_000); }))]);
  clearTimeout(drainTimer);
  const elapsed = performance.now() - start;
  await sub.end();
  const l = latencySummary(lat);
  const delivered = Math.min(got, total);
  const failed = loadError ? `publishers failed: ${loadError}`
    : got < total ? `delivered ${got} of ${total} messages (the broker dropped or held back the rest)` : undefined;
  const rate = round((delivered / elapsed) * 1000, 0);
  return {
    name: `${broker} pass-through QoS ${qos}${opts.config ? ` (${opts.config})` : ''}`,
    broker, qos, rate, total, delivered, ...(failed ? { failed } : {}),
    msgs_per_s: rate, p50_ms: l.p50_ms, p99_ms: l.p99_ms,
  };
}

/**
 * The mosquitto settings the ceiling runs with. The kit's mosquitto.conf queues 100,000 and sets
 * no inflight limit (mosquitto's defaults, 1,000 and 20, drop or throttle QoS 1 to one subscriber).
 * `set_tcp_nodelay` as aedes sockets have it: with Nagle on (mosquitto's default) QoS 1 pass-through
 * measured 8,175 msg/s, without it 19,700 msg/s (60,000 messages, 2 cores, all delivered in both).
 */
export const MOSQUITTO_CEILING_EXTRA = 'set_tcp_nodelay true';
export const MOSQUITTO_CEILING_CONFIG = 'max_queued_messages 100000, max_inflight_messages 0 (unlimited), set_tcp_nodelay true, persistence false';
/** What the plain aedes ceiling is. */
export const AEDES_CEILING_CONFIG = 'plain aedes, in-memory persistence, no auth hooks, own process';

export async function withAedes<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', fileURLToPath(new URL('./aedes-child.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`aedes child exited with ${code}`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  try {
    return await fn(`mqtt://127.0.0.1:${port}`);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

export async function withMosquitto<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const m = await startMosquitto({ configExtra: MOSQUITTO_CEILING_EXTRA });
  try {
    return await fn(m.url);
  } finally {
    await m.stop();
  }
}

export interface InfluxCeiling extends CeilingRun {
  points_per_s: number;
  batch: number;
  in_flight: number;
}

/** Pen lines as the gateway writes them: one per point (see `influxWriteCeiling`). */
export function penLines(points: number, batch: number): string[] {
  const base = Date.now() - 3_600_000;
  const batches: string[] = [];
  for (let b = 0; b < points / batch; b++) {
    const lines: string[] = [];
    for (let i = 0; i < batch && b * batch + i < points; i++) {
      const n = b * batch + i;
      const pen = n % 800;
      lines.push(`smart_pen,device=P-${pen},page=8.12.33.${pen % 40},person=p${pen.toString(16).padStart(16, '0')},site=bench,stroke=0,template=smart-pen pen="h${pen}",pressure=${400 + (n % 300)}i,x_mm=${(100 + (n % 900) / 10).toFixed(1)},y_mm=85.6 ${base + Math.floor(n / 800) * 10}`);
    }
    batches.push(lines.join('\n'));
  }
  return batches;
}

/**
 * influxd's own write rate for the dominant load, smart-pen points, in the shape the gateway's
 * influx store writes them: its line shape (tags site/device/template/page/stroke/person, fields
 * x_mm, y_mm, pressure, pen, ms precision), its default batch (`store.batchSize` 5,000) and its
 * two requests in flight. As many points as the pen workload writes. A write that fails makes
 * the run `failed` (not a ceiling) instead of throwing.
 */
export async function influxWriteCeiling(write: (lines: string) => Promise<void>, points = 1_000_000, batch = 5_000, inFlight = 2): Promise<InfluxCeiling> {
  const batches = penLines(points, batch);
  const start = performance.now();
  let next = 0;
  let written = 0;
  let failed: string | undefined;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < batches.length && !failed) {
      const body = batches[next++]!;
      try {
        await write(body);
        written += body.split('\n').length;
      } catch (err) {
        failed = `a write failed: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  }));
  const elapsed = performance.now() - start;
  const rate = round((written / elapsed) * 1000, 0);
  return {
    name: `influxd write, pen lines (${batch.toLocaleString('en')}/batch, ${inFlight} in flight)`,
    rate, total: points, delivered: written, ...(failed ? { failed } : {}), points_per_s: rate, batch, in_flight: inFlight,
  };
}

export { startInflux };
