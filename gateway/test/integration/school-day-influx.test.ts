/**
 * The small school day against the gateway storing into a real InfluxDB 1.x
 * (the kit's influxd) and uplinking to the hub (a real mosquitto as the hub
 * broker, the hub role writing to the district database): every reading the
 * simulators counted as acknowledged (QoS 1 PUBACK only after the store
 * accepted it) is a point in InfluxDB, per device; the Modbus and serial
 * devices the gateway polled are there too; the district receives summaries
 * and the injected smoke alarm, and no student card crosses the hub broker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScenarioRun, loadScenario, type RunReport, type ScenarioRun } from '@campus-gateway/firmware-sim';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createHub, parseHubConfig, type Hub } from '../../src/hub/index.js';
import { silentLogger } from '../../src/log.js';
import { ensurePackages, repoRoot, startInflux, startMosquitto, type InfluxServer, type MosquittoServer } from '../kit/index.js';

// 45 s at 600× reaches 14:50: past the smoke alarm fault at 14:10.
const RUN_MS = 45_000;
const DB = 'school_day';
let dir: string;
let influx: InfluxServer;
let gw: Gateway;
let run: ScenarioRun;
let report: RunReport;
let hubBroker: MosquittoServer;
let hub: Hub;
let spy: MqttClient;
const wire: string[] = [];
const points = new Map<string, number>();

beforeAll(async () => {
  await ensurePackages(['socat']);
  dir = mkdtempSync(join(tmpdir(), 'cg-school-influx-'));
  [influx, hubBroker] = await Promise.all([startInflux(), startMosquitto()]);
  await influx.createDatabase(DB);
  spy = await mqtt.connectAsync(hubBroker.url, { clientId: 'hub-wire-spy' });
  spy.on('message', (topic, payload) => wire.push(topic, payload.toString('utf8')));
  await spy.subscribeAsync('#', { qos: 1 });
  hub = createHub(parseHubConfig({ broker: { url: hubBroker.url, clientId: 'district-hub' }, influx: { url: influx.url, database: 'district' }, dedup: { path: join(dir, 'dedup.db') } }), { log: silentLogger() });
  await hub.start();
  const scenario = loadScenario(join(repoRoot, 'firmware-sim/scenarios/school-small.yaml'));
  run = createScenarioRun(scenario, { durationMs: RUN_MS, ptyDir: dir });
  const fragment = await run.prepare();
  gw = createGateway(parseConfig({
    insecure: true, // on loopback, open on purpose (no broker auth and/or no API tokens)
    site: { id: scenario.site },
    broker: { port: 0, host: '127.0.0.1' },
    http: { port: 0, host: '127.0.0.1' },
    store: { kind: 'influx', url: influx.url, apiVersion: 1, database: DB, flushMs: 200, spoolPath: join(dir, 'spool') },
    privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
    uplink: { url: hubBroker.url, windowSeconds: 2, graceSeconds: 0, outboxPath: join(dir, 'outbox.db'), summariesStatePath: join(dir, 'summaries.bin') },
    devices: fragment.devices,
    adapters: fragment.adapters,
  }), { log: silentLogger() });
  await gw.start();
  await run.start(`mqtt://127.0.0.1:${gw.ports().mqtt}`);
  await run.finished;
  await run.stop();
  report = run.report();
  // One more summary window for the last readings to reach the district.
  await new Promise((r) => setTimeout(r, 5_000));
  await gw.stop();
  // Points per device: per (device, event) group every point carries the group's fields, so the
  // largest field count of a group is its number of points.
  const res = await influx.query('SELECT count(*) FROM /.*/ GROUP BY device, event', DB);
  for (const s of res.results[0]?.series ?? []) {
    const device = s.tags?.device ?? '';
    const n = Math.max(...(s.values[0] ?? []).slice(1).map((v) => (typeof v === 'number' ? v : 0)));
    points.set(device, (points.get(device) ?? 0) + n);
  }
}, 150_000);

afterAll(async () => {
  await run?.stop().catch(() => undefined);
  await gw?.stop().catch(() => undefined);
  await hub?.stop();
  await spy?.endAsync();
  await hubBroker?.stop();
  await influx?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a small school day into InfluxDB', () => {
  it('loses no acknowledged reading: per device, points ≥ acknowledged and ≤ sent', () => {
    const mqtt = report.devices.filter((d) => d.transport === 'mqtt' || d.transport === 'mqtt-group');
    expect(report.totals.acked_readings).toBeGreaterThan(1000);
    const lost = mqtt.filter((d) => (points.get(d.device) ?? 0) < d.acked_readings)
      .map((d) => ({ device: d.device, acked: d.acked_readings, points: points.get(d.device) ?? 0 }));
    expect(lost).toEqual([]);
    expect(mqtt.filter((d) => (points.get(d.device) ?? 0) > d.sent_readings).map((d) => d.device)).toEqual([]);
  });

  it('has points from every polled Modbus and serial device', () => {
    const wired = run.plan.devices.filter((d) => d.transport !== 'mqtt' && d.transport !== 'mqtt-group');
    expect(wired.filter((d) => !(points.get(d.id) ?? 0)).map((d) => d.id)).toEqual([]);
  });

  it('stores pen points with the person tag pseudonymized, never the clear card', async () => {
    const res = await influx.query('SHOW TAG VALUES FROM smart_pen WITH KEY = person', DB);
    const persons = (res.results[0]?.series?.[0]?.values ?? []).map((v) => String(v[1]));
    expect(persons.length).toBeGreaterThan(0);
    expect(persons.filter((p) => /^S[A-Z0-9-]+\d{2}$/.test(p) && run.plan.allCards.includes(p))).toEqual([]);
  });

  it('uplinked summaries and the smoke alarm to the district, with no clear student card on the hub broker', async () => {
    const measurements = ((await influx.query('SHOW MEASUREMENTS', 'district')).results[0]?.series?.[0]?.values ?? []).map((v) => String(v[0]));
    expect(measurements).toEqual(expect.arrayContaining(['alarm', 'summary_energy', 'summary_device_health']));
    const smoke = report.faults.find((f) => f.kind === 'alarm' && f.devices.some((d) => d.includes('smoke-detector')));
    expect(smoke).toBeDefined();
    const alarms = (await influx.query('SELECT count(*) FROM alarm', 'district')).results[0]?.series?.[0]?.values?.[0] ?? [];
    expect(Math.max(...alarms.slice(1).map(Number))).toBeGreaterThan(0);
    expect(wire.length).toBeGreaterThan(0);
    const cards = new Set(run.plan.allCards);
    const leaked = wire.flatMap((text) => text.match(/S[A-Z0-9-]+\d{2}/g) ?? []).filter((m) => cards.has(m));
    expect(leaked).toEqual([]);
  });
});
