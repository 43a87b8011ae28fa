// The hub role against real mosquitto and influxd: duplicates dropped by id across a hub
// restart (persisted ids), an InfluxDB outage held back by withholding PUBACKs, invalid
// messages counted, and two hub processes sharing the load through a shared subscription.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createHub, parseHubConfig, type Hub } from '../../src/hub/index.js';
import { startInflux, startMosquitto, type InfluxServer, type MosquittoServer } from '../kit/index.js';

const log = silentLogger();
let broker: MosquittoServer;
let influx: InfluxServer;
let pub: MqttClient;

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function summary(site: string, minute: number, id = randomUUID()) {
  const start = Date.parse('2026-03-02T08:00:00Z') + minute * 60_000;
  return {
    id, site, kind: 'environment', resolution: 'window', windowStart: new Date(start).toISOString(), windowEnd: new Date(start + 60_000).toISOString(),
    values: { rooms: 1, co2_high_min: 0.5 }, rows: [{ tags: { scope: 'room', room: 'A101' }, values: { co2_ppm_mean: 1000 + minute } }],
  };
}

async function publish(topic: string, payload: unknown): Promise<void> {
  await pub.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });
}

async function points(site: string): Promise<number> {
  const res = await influx.query(`SELECT count(co2_high_min) FROM summary_environment WHERE site='${site}' AND scope='site'`, 'district');
  return Number(res.results[0]!.series?.[0]?.values[0]?.[1] ?? 0);
}

function hubConfig(clientId: string, dedupPath: string, sharedGroup: string | null = null) {
  return parseHubConfig({ broker: { url: broker.url, clientId, sharedGroup }, influx: { url: influx.url, database: 'district' }, dedup: { path: dedupPath } });
}

beforeAll(async () => {
  [broker, influx] = await Promise.all([startMosquitto(), startInflux()]);
  pub = mqtt.connect(broker.url, { clientId: 'school-gw', reconnectPeriod: 500 });
  await waitFor('publisher connected', () => pub.connected);
});

afterAll(async () => {
  await pub?.endAsync();
  await Promise.all([broker?.stop(), influx?.stop()]);
});

describe('hub role', () => {
  it('drops duplicates by id, also after a hub restart, and counts invalid messages', async () => {
    const dedup = join(mkdtempSync(join(tmpdir(), 'hub-')), 'dedup.db');
    let hub: Hub = createHub(hubConfig('hub-a', dedup), { log });
    await hub.start();
    const m1 = summary('school-a', 0);
    await publish('hub/school-a/summary/environment', m1);
    await publish('hub/school-a/summary/environment', m1);
    await publish('hub/school-a/summary/environment', 'not json');
    await publish('hub/school-b/summary/environment', m1); // site in topic and payload differ
    await publish('hub/school-a/alarm/environment', m1); // a summary on an alarm topic
    await waitFor('five messages handled', () => hub.stats().received === 5);
    expect(hub.stats()).toMatchObject({ stored: 1, duplicates: 1, invalid: 3 });
    await hub.stop();

    hub = createHub(hubConfig('hub-a', dedup), { log });
    await hub.start();
    await publish('hub/school-a/summary/environment', m1);
    await waitFor('the resend handled', () => hub.stats().received === 1);
    expect(hub.stats()).toMatchObject({ stored: 0, duplicates: 1 });
    expect(await points('school-a')).toBe(1);
    const row = await influx.query(`SELECT co2_ppm_mean, msg_id FROM summary_environment WHERE site='school-a' AND room='A101'`, 'district');
    expect(row.results[0]!.series![0]!.values).toEqual([['2026-03-02T08:00:00Z', 1000, m1.id]]);
    await hub.stop();
  });

  it('holds messages back while the district InfluxDB is down and stores them once it is back', async () => {
    const hub = createHub(hubConfig('hub-b', join(mkdtempSync(join(tmpdir(), 'hub-')), 'dedup.db')), { log });
    await hub.start();
    await influx.stop();
    for (let m = 0; m < 3; m++) await publish('hub/school-c/summary/environment', summary('school-c', m));
    await waitFor('write retries', () => hub.stats().writeRetries >= 2);
    expect(hub.stats().stored).toBe(0);
    await influx.start();
    await waitFor('all three stored', () => hub.stats().stored === 3, 45_000);
    expect(await points('school-c')).toBe(3);
    await hub.stop();
  }, 90_000);

  it('shares the load between two hub processes through a shared subscription', async () => {
    const hubs = [1, 2].map((n) => createHub(hubConfig(`hub-shared-${n}`, join(mkdtempSync(join(tmpdir(), 'hub-')), 'dedup.db'), 'district'), { log }));
    await Promise.all(hubs.map((h) => h.start()));
    for (let m = 0; m < 20; m++) await publish('hub/school-d/summary/environment', summary('school-d', m));
    await waitFor('twenty stored between them', () => hubs[0]!.stats().stored + hubs[1]!.stats().stored === 20);
    expect(hubs.map((h) => h.stats().shared)).toEqual([true, true]);
    expect(hubs.every((h) => h.stats().stored > 0)).toBe(true);
    expect(await points('school-d')).toBe(20);
    await Promise.all(hubs.map((h) => h.stop()));
  });
});
