/**
 * The ceilings the gateway is compared with, measured in the same run:
 * plain aedes and mosquitto pass-through (publishers → broker → one
 * subscriber, QoS 0 and 1) and influxd's own write rate (line protocol
 * batches of 5,000, two requests in flight: the fastest shape measured on a 2-core machine).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { startInflux, startMosquitto } from '../../test/kit/index.js';
import { runLoad } from './load.js';
import { latencySummary, round } from './stats.js';

export interface PassThrough {
  broker: string;
  qos: 0 | 1;
  msgs_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

const PAYLOAD = '{"on":true,"bri":80,"cct":5000,"lux":512,"pw":36.5,"ts":1700000000000}';

/** Publishers → broker → one subscriber; rate = messages delivered to the subscriber per second. */
export async function passThrough(broker: string, url: string, qos: 0 | 1, total: number, connections = 10): Promise<PassThrough> {
  const sub = await mqtt.connectAsync(url, { clientId: `ceiling-sub-${qos}`, clean: true });
  (sub.stream as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
  let got = 0;
  const lat: number[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => { done = r; });
  sub.on('message', (_t, payload) => {
    got++;
    if (got % 20 === 0) lat.push(performance.now() - Number(payload.toString('latin1', payload.length - 16, payload.length - 1)));
    if (got >= total) done();
  });
  await sub.subscribeAsync('bench/#', { qos });
  const start = performance.now();
  const perConnection = Math.ceil(total / connections);
  const load = runLoad({
    url, connections, perConnection, qos, window: 20, clientPrefix: `ceiling-${broker}-${qos}`,
    topic: (c) => `bench/${c}`,
    // The send time rides at the end of the payload (padded), for the subscriber's latency sample.
    payload: () => `${PAYLOAD.slice(0, -1)},"t":${performance.now().toFixed(3).padStart(15, '0')}}`,
  });
  const stall = setInterval(() => undefined, 1000);
  await Promise.race([all, load.then(() => new Promise((r) => setTimeout(r, 10_000)))]);
  clearInterval(stall);
  const elapsed = performance.now() - start;
  await sub.endAsync();
  const l = latencySummary(lat);
  return { broker, qos, msgs_per_s: round((Math.min(got, total) / elapsed) * 1000, 0), p50_ms: l.p50_ms, p99_ms: l.p99_ms };
}

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
  const m = await startMosquitto();
  try {
    return await fn(m.url);
  } finally {
    await m.stop();
  }
}

export interface InfluxCeiling {
  points_per_s: number;
  batch: number;
  in_flight: number;
}

/**
 * influxd's own write rate for the dominant load, smart-pen points (the gateway's line shape:
 * tags site/device/template/page/stroke/person, fields x_mm, y_mm, pressure, pen), ms precision.
 * As many points as the pen workload writes (1,000,000): a 400,000-point run lasted ~2.5 s and
 * its rate moved between 139k and 224k points/s from run to run on the same machine.
 */
export async function influxWriteCeiling(write: (lines: string) => Promise<void>, points = 1_000_000, batch = 5_000, inFlight = 2): Promise<InfluxCeiling> {
  const base = Date.now() - 3_600_000;
  const batches: string[] = [];
  for (let b = 0; b < points / batch; b++) {
    const lines: string[] = [];
    for (let i = 0; i < batch; i++) {
      const n = b * batch + i;
      const pen = n % 800;
      lines.push(`smart_pen,device=P-${pen},page=8.12.33.${pen % 40},person=p${pen.toString(16).padStart(16, '0')},site=bench,stroke=0,template=smart-pen pen="h${pen}",pressure=${400 + (n % 300)}i,x_mm=${(100 + (n % 900) / 10).toFixed(1)},y_mm=85.6 ${base + Math.floor(n / 800) * 10}`);
    }
    batches.push(lines.join('\n'));
  }
  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < batches.length) await write(batches[next++]!);
  }));
  const elapsed = performance.now() - start;
  return { points_per_s: round((points / elapsed) * 1000, 0), batch, in_flight: inFlight };
}

export { startInflux };
