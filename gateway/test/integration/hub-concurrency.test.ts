// The hub's connections (`broker.connections`) against real mosquitto and a real influxd behind a
// proxy that holds every /write for 200 ms: one connection stores one message at a time (mqtt.js
// hands over the next packet only after the PUBACK, which waits for InfluxDB), four connections
// in a shared group store four at once, and a resend that reaches a second connection while the
// first write is running waits for it and counts as its duplicate (one write, not two).
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createHub, parseHubConfig } from '../../src/hub/index.js';
import { startInflux, startMosquitto, until, type InfluxServer, type MosquittoServer } from '../kit/index.js';

const WRITE_DELAY_MS = 200;
const log = silentLogger();
let broker: MosquittoServer;
let influx: InfluxServer;
let pub: MqttClient;
let proxy: http.Server;
let proxyUrl: string;
const writes = { total: 0, running: 0, maxRunning: 0 };

/** Forwards everything to influxd; a /write waits WRITE_DELAY_MS first (a slow, loaded InfluxDB). */
function startSlowProxy(target: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const isWrite = req.url?.startsWith('/write') === true;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (isWrite) {
        writes.total++;
        writes.maxRunning = Math.max(writes.maxRunning, ++writes.running);
      }
      setTimeout(() => {
        const up = http.request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
          r.on('end', () => {
            if (isWrite) writes.running--;
          });
        });
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(chunks));
      }, isWrite ? WRITE_DELAY_MS : 0);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function summary(site: string, minute: number, id = randomUUID()) {
  const start = Date.parse('2026-03-02T08:00:00Z') + minute * 60_000;
  return {
    id, site, kind: 'environment', resolution: 'window', windowStart: new Date(start).toISOString(), windowEnd: new Date(start + 60_000).toISOString(),
    values: { rooms: 1, co2_high_min: 0.5 }, rows: [{ tags: { scope: 'room', room: 'A101' }, values: { co2_ppm_mean: 1000 + minute } }],
  };
}

async function points(site: string): Promise<number> {
  const res = await influx.query(`SELECT count(co2_high_min) FROM summary_environment WHERE site='${site}' AND scope='site'`, 'district');
  return Number(res.results[0]!.series?.[0]?.values[0]?.[1] ?? 0);
}

/** Publishes `n` summaries of one school (and, when asked, one of them twice in a row) and times until the hub stored them. */
async function run(connections: number, site: string, n: number, resendOne: boolean, dedupPath = join(mkdtempSync(join(tmpdir(), 'hub-')), 'dedup.db')) {
  const hub = createHub(parseHubConfig({
    broker: { url: broker.url, clientId: `hub-${site}`, sharedGroup: site, connections, protocolVersion: 4 },
    influx: { url: proxyUrl, database: 'district' },
    dedup: { path: dedupPath },
  }), { log });
  await hub.start();
  // Every connection subscribed before the first publish, so the broker spreads them over all.
  await until('every connection subscribed', () => (hub.stats().connectionsOpen === connections ? true : undefined));
  Object.assign(writes, { total: 0, running: 0, maxRunning: 0 });
  const t0 = performance.now();
  for (let m = 0; m < n; m++) {
    const msg = summary(site, m);
    await pub.publishAsync(`hub/${site}/summary/environment`, JSON.stringify(msg), { qos: 1 });
    if (resendOne && m === 0) await pub.publishAsync(`hub/${site}/summary/environment`, JSON.stringify(msg), { qos: 1 });
  }
  const total = n + (resendOne ? 1 : 0);
  await until('all stored', () => {
    const s = hub.stats();
    return s.received === total && s.stored + s.duplicates === total ? true : undefined;
  }, 60_000);
  const elapsedMs = performance.now() - t0;
  const stats = hub.stats();
  await hub.stop();
  return { elapsedMs, stats, writes: { ...writes } };
}

beforeAll(async () => {
  [broker, influx] = await Promise.all([startMosquitto(), startInflux()]);
  proxy = await startSlowProxy(influx.url);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  pub = mqtt.connect(broker.url, { clientId: 'school-gw', reconnectPeriod: 500 });
  await until('publisher connected', () => (pub.connected ? true : undefined));
}, 120_000);

afterAll(async () => {
  await pub?.endAsync();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  await Promise.all([broker?.stop(), influx?.stop()]);
});

describe('hub connections', () => {
  const N = 16;

  it('one connection: one InfluxDB write at a time, so N messages take at least N × the write time', async () => {
    const r = await run(1, 'school-one', N, false);
    expect(r.stats).toMatchObject({ stored: N, duplicates: 0, connections: 1 });
    expect(r.writes.maxRunning).toBe(1);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(N * WRITE_DELAY_MS);
    expect(await points('school-one')).toBe(N);
  }, 90_000);

  it('four connections in a shared group: several writes at once, a resend in flight written once', async () => {
    const r = await run(4, 'school-four', N, true);
    expect(r.stats).toMatchObject({ stored: N, duplicates: 1, invalid: 0, connections: 4, connectionsOpen: 4, shared: true });
    expect(r.writes.maxRunning).toBeGreaterThanOrEqual(2);
    expect(r.writes.total).toBe(N); // the resend was not written a second time
    expect(await points('school-four')).toBe(N);
  }, 90_000);

  it('ends the broker sessions of connections no longer configured, so no share of the messages waits for a client that never returns', async () => {
    const dedup = join(mkdtempSync(join(tmpdir(), 'hub-')), 'dedup.db');
    await run(4, 'school-fewer', 4, false, dedup);
    // Without ending them, three of the four persistent sessions would stay in the group and take
    // three quarters of what follows: `until` would time out.
    const r = await run(1, 'school-fewer', 8, false, dedup);
    expect(r.stats).toMatchObject({ stored: 8, connections: 1 });
    expect(await points('school-fewer')).toBe(8); // minutes 0–7, the first four written twice onto the same points
  }, 90_000);
});
