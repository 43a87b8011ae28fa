/**
 * The whole chain, as a district runs it: devices → the school's gateway
 * (summaries, de-identification, uplink outbox) → a real mosquitto as the hub
 * broker → the hub role → a real influxd as the district store. Every byte the
 * hub broker carries is scanned for the students' clear identifiers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createHub, parseHubConfig, type Hub } from '../../src/hub/index.js';
import { silentLogger } from '../../src/log.js';
import { startInflux, startMosquitto, type InfluxServer, type MosquittoServer, until } from '../kit/index.js';

const BANDS = ['W-2231', 'W-2232', 'W-2233', 'W-2234', 'W-2235', 'W-2236'];
const CARD = 'S2023001';
let influx: InfluxServer;
let hubBroker: MosquittoServer;
let hub: Hub;
let gw: Gateway;
let spy: MqttClient;
let dir: string;
const wire: Buffer[] = [];
/** The hub path crosses two brokers, a window close and an InfluxDB write: wait longer. */
const eventually = <T>(what: string, fn: () => Promise<T | undefined>) => until(what, fn, 45_000, 200);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cg-full-'));
  [influx, hubBroker] = await Promise.all([startInflux(), startMosquitto()]);
  spy = await mqtt.connectAsync(hubBroker.url, { clientId: 'wire-spy' });
  spy.on('message', (topic, payload) => wire.push(Buffer.from(topic), payload));
  await spy.subscribeAsync('#', { qos: 1 });
  hub = createHub(parseHubConfig({ broker: { url: hubBroker.url, clientId: 'district-hub' }, influx: { url: influx.url, database: 'district' }, dedup: { path: join(dir, 'dedup.db') } }), { log: silentLogger() });
  await hub.start();
  gw = createGateway(parseConfig({
    insecure: true, // on loopback, open on purpose (no broker auth and/or no API tokens)
    site: { id: 'north-school' },
    broker: { port: 0, host: '127.0.0.1' },
    http: { port: 0, host: '127.0.0.1' },
    store: { kind: 'embedded', path: join(dir, 'store') },
    privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key'), minGroupSize: 5 },
    uplink: {
      url: hubBroker.url, windowSeconds: 1, graceSeconds: 0,
      outboxPath: join(dir, 'outbox.db'), summariesStatePath: join(dir, 'summaries.bin'),
    },
    devices: [
      { id: 'base-pe-1', template: 'student-wristband', room: 'gym', building: 'sports' },
      { id: 'smoke-101', template: 'smoke-detector', room: '101', building: 'A' },
      { id: 'door-main', template: 'door-access', room: 'gate', building: 'A' },
    ],
  }), { log: silentLogger() });
  await gw.start();
});

afterAll(async () => {
  await gw?.stop();
  await hub?.stop();
  await spy?.endAsync();
  await hubBroker?.stop();
  await influx?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('school gateway → hub broker → hub role → district InfluxDB', () => {
  it('forwards summaries and alarms, stores them at the district, and never sends a clear identifier', async () => {
    const dev = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, { clientId: 'school-devices' });
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) {
      const samples = BANDS.map((band, k) => ({ band, hr: 110 + k * 8 + i, steps: 1000 + i * 40 + k, spo2: 98, temp: 36.4, bat: 70, ts: t0 + i * 200 }));
      await dev.publishAsync('campus/student-wristband/base-pe-1/telemetry', JSON.stringify(samples), { qos: 1 });
      await dev.publishAsync('campus/door-access/door-main/event', JSON.stringify({ evt: 'access', card: CARD, granted: true, ts: t0 + i }), { qos: 1 });
      await new Promise((r) => setTimeout(r, 200));
    }
    await dev.publishAsync('campus/smoke-detector/smoke-101/telemetry', JSON.stringify({ alarm: true, smoke: 0.4, bat: 91, tamper: false }), { qos: 1 });

    const alarms = await eventually('the smoke alarm at the district', async () => {
      const r = await influx.query('SELECT * FROM alarm', 'district').catch(() => undefined);
      const rows = r?.results[0]?.series?.[0]?.values;
      return rows && rows.length > 0 ? rows : undefined;
    });
    expect(JSON.stringify(alarms)).toContain('smoke');

    const health = await eventually('a device-health summary at the district', async () => {
      const r = await influx.query('SHOW MEASUREMENTS', 'district').catch(() => undefined);
      const names = (r?.results[0]?.series?.[0]?.values ?? []).map((v) => String(v[0]));
      return names.includes('summary_device_health') ? names : undefined;
    });
    expect(health).toContain('alarm');

    await dev.endAsync();
    // Nothing on the hub broker carries a student's clear identifier.
    const all = Buffer.concat(wire).toString('utf8');
    expect(all.length).toBeGreaterThan(0);
    for (const id of [...BANDS, CARD]) expect(all, `clear identifier ${id} left the school`).not.toContain(id);
    expect(gw.health().uplink).toMatchObject({ connected: true });
  });
});
