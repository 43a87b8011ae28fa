// The hub role's HTTP API (issue #20 item 1) against real mosquitto and influxd: two schools
// publish summaries and alarms through the hub broker as their gateways' uplinks do; the hub
// (createHubService, HTTP on port 0, district and admin tokens) stores them and its API returns
// what both sent: the schools list (with one school only InfluxDB remembers and one named in
// the config but never heard), summaries by site/kind/resolution, alarms, health and metrics.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, sha256Token } from '../../src/api/token-hash.js';
import { silentLogger } from '../../src/log.js';
import { createHttpPoster, influxTarget, type InfluxTarget } from '../../src/lib/influx/http.js';
import { createHubService, parseHubConfig, toLines, writeLines, hubMessageSchema, type HubService } from '../../src/hub/index.js';
import { startInflux, startMosquitto, testOutputDir, until, type InfluxServer, type MosquittoServer } from '../kit/index.js';

const DISTRICT = 'district-token-0123456789abcdef0123456789';
const ADMIN = 'admin-token-0123456789abcdef0123456789abcd';
const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const yesterday = today - DAY;

let broker: MosquittoServer;
let influx: InfluxServer;
let hub: HubService;
let target: InfluxTarget;
const post = createHttpPoster(2);
let base: string;
const schools: Record<string, MqttClient> = {};

function energyDay(site: string, kwh: number, id = randomUUID()) {
  return {
    id, site, kind: 'energy', resolution: 'day', windowStart: new Date(yesterday).toISOString(), windowEnd: new Date(today).toISOString(),
    values: { energy_kwh: kwh, meters: 2 },
    rows: [
      { tags: { scope: 'meter', device: 'meter-a', building: 'A' }, values: { energy_kwh: kwh - 100 } },
      { tags: { scope: 'meter', device: 'meter-b', building: 'B' }, values: { energy_kwh: 100 } },
    ],
  };
}

function usageHour(site: string, hoursAgo: number) {
  const start = today - hoursAgo * 3_600_000;
  return {
    id: randomUUID(), site, kind: 'usage', resolution: 'hour', windowStart: new Date(start).toISOString(), windowEnd: new Date(start + 3_600_000).toISOString(),
    values: { board_on_min: 42, rooms: 3 }, rows: [{ tags: { scope: 'room', room: 'A101' }, values: { board_on_min: 42 } }],
  };
}

function alarm(site: string, device: string, minutesAgo: number, state: 'raised' | 'cleared' = 'raised') {
  const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  return { id: randomUUID(), site, kind: 'alarm', template: 'smoke-detector', device, room: 'lab', building: 'A', alarm: 'alarm', value: true, state, windowStart: at, windowEnd: at };
}

async function send(site: string, m: { kind: string }): Promise<void> {
  const channel = m.kind === 'alarm' ? `alarm/smoke-detector` : `summary/${m.kind}`;
  await schools[site]!.publishAsync(`hub/${site}/${channel}`, JSON.stringify(m), { qos: 1 });
}

const get = (path: string, token?: string) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
async function json(path: string, token = DISTRICT): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await get(path, token);
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return res.json();
}

const sent = {
  northEnergy: energyDay('school-north', 412.5),
  southEnergy: energyDay('school-south', 250),
  northUsage: usageHour('school-north', 2),
  northAlarm: alarm('school-north', 'smoke-3', 30),
  southAlarm: alarm('school-south', 'smoke-9', 10),
};

beforeAll(async () => {
  [broker, influx] = await Promise.all([startMosquitto(), startInflux()]);
  const config = parseHubConfig({
    broker: { url: broker.url, clientId: 'hub-api-test' },
    influx: { url: influx.url, database: 'district' },
    dedup: { path: join(mkdtempSync(join(tmpdir(), 'hub-api-')), 'dedup.db') },
    http: {
      port: 0, host: '127.0.0.1', silentAfterSeconds: 600,
      tokens: [{ role: 'district', name: 'bureau', tokenHash: sha256Token(DISTRICT) }, { role: 'admin', tokenHash: hashToken(ADMIN) }],
      sites: { 'school-north': 'North Primary', 'school-named': 'Named But Never Heard' },
    },
  });
  // A school the district InfluxDB remembers from before this hub process started.
  const old = hubMessageSchema.parse({ ...usageHour('school-old', 48), windowStart: new Date(today - 2 * DAY).toISOString(), windowEnd: new Date(today - 2 * DAY + 3_600_000).toISOString() });
  await fetch(`${influx.url}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE "district"' }) });
  target = influxTarget({ ...config.influx, apiVersion: 1 });
  await writeLines(target, toLines(old), { send: post });
  hub = createHubService(config, { log: silentLogger() });
  await hub.start();
  base = `http://127.0.0.1:${hub.httpPort()}`;
  for (const site of ['school-north', 'school-south']) schools[site] = await mqtt.connectAsync(broker.url, { clientId: `gw-${site}` });
  for (const m of [sent.northEnergy, sent.northUsage, sent.northAlarm]) await send('school-north', m);
  for (const m of [sent.southEnergy, sent.southAlarm, sent.southEnergy]) await send('school-south', m); // the last one a resend
  await until('five stored and one duplicate', () => (hub.stats().stored === 5 && hub.stats().duplicates === 1) || undefined, 30_000);
});

afterAll(async () => {
  await Promise.all(Object.values(schools).map((c) => c.endAsync()));
  await hub?.stop();
  await Promise.all([broker?.stop(), influx?.stop()]);
});

describe('hub HTTP API', () => {
  it('lists every school: both senders, the one InfluxDB remembers, and the named one never heard (silent)', async () => {
    const body = await json('/api/schools');
    expect(body.history).toEqual({ loaded: true });
    const byId: Record<string, Record<string, unknown>> = Object.fromEntries((body.schools as Array<{ id: string }>).map((s) => [s.id, s]));
    expect(Object.keys(byId).sort()).toEqual(['school-named', 'school-north', 'school-old', 'school-south']);
    expect(byId['school-north']).toMatchObject({
      name: 'North Primary', silent: false, messages: { stored: 3, duplicates: 0, by_kind: { energy: 1, usage: 1, alarm: 1 } },
      last_alarm: { alarm: 'alarm', state: 'raised', template: 'smoke-detector', device: 'smoke-3', room: 'lab', value: 'true', at: sent.northAlarm.windowStart },
    });
    expect(byId['school-north']!.last_received_at).toEqual(expect.any(String));
    expect(byId['school-north']!.delivery_lag_s).toBeGreaterThanOrEqual(0);
    expect(byId['school-south']).toMatchObject({ name: 'school-south', silent: false, messages: { stored: 2, duplicates: 1 }, last_alarm: { device: 'smoke-9' } });
    expect(byId['school-old']).toMatchObject({ silent: true, last_received_at: null, last_summary: { kind: 'usage', window_start: new Date(today - 2 * DAY).toISOString(), received_at: null } });
    expect(byId['school-named']).toMatchObject({ name: 'Named But Never Heard', silent: true, last_summary: null, last_alarm: null });
  });

  it('returns summaries by site, kind and resolution, rebuilt as the gateway sent them', async () => {
    const north = await json('/api/summaries?site=school-north&kind=energy&resolution=day');
    expect(north).toMatchObject({ site: 'school-north', kind: 'energy', resolution: 'day', truncated: false });
    expect(north.items).toEqual([{
      id: sent.northEnergy.id, site: 'school-north', kind: 'energy', resolution: 'day', windowStart: sent.northEnergy.windowStart,
      values: sent.northEnergy.values, rows: sent.northEnergy.rows,
    }]);
    const both = await json('/api/summaries?kind=energy&resolution=day');
    expect(both.items.map((i: { site: string; values: object }) => [i.site, i.values])).toEqual([
      ['school-north', { energy_kwh: 412.5, meters: 2 }], ['school-south', { energy_kwh: 250, meters: 2 }],
    ]);
    const all = await json('/api/summaries?site=school-north');
    expect(all.items.map((i: { kind: string }) => i.kind).sort()).toEqual(['energy', 'usage']);
    const one = await json('/api/summaries?kind=energy&limit=1');
    expect(one.items).toHaveLength(1);
    expect(one.truncated).toBe(true);
    const from = new Date(today - 3 * DAY).toISOString();
    const old = await json(`/api/summaries?site=school-old&from=${encodeURIComponent(from)}`);
    expect(old.items.map((i: { kind: string; rows: unknown[] }) => [i.kind, i.rows])).toEqual([['usage', [{ tags: { scope: 'room', room: 'A101' }, values: { board_on_min: 42 } }]]]);
  });

  it('returns alarms of every school, newest first, or of one', async () => {
    const all = await json('/api/alarms');
    expect(all.items.map((a: { site: string; device: string; state: string }) => [a.site, a.device, a.state])).toEqual([
      ['school-south', 'smoke-9', 'raised'], ['school-north', 'smoke-3', 'raised'],
    ]);
    expect(all.items[0]).toEqual({
      id: sent.southAlarm.id, site: 'school-south', template: 'smoke-detector', device: 'smoke-9', room: 'lab', building: 'A', alarm: 'alarm', value: 'true', state: 'raised', at: sent.southAlarm.windowStart,
    });
    const north = await json('/api/alarms?site=school-north', ADMIN);
    expect(north.items.map((a: { id: string }) => a.id)).toEqual([sent.northAlarm.id]);
  });

  it('reports health (public, minimal) and the full report to district and admin', async () => {
    const pub = await get('/api/health');
    expect(pub.status).toBe(200);
    expect(await pub.json()).toEqual({ status: 'ok', version: expect.any(String), insecure: false, broker: { status: 'connected' }, influx: { status: 'ok' }, api: { auth: 'tokens' } });
    const details = await json('/api/health/details');
    expect(details).toMatchObject({
      status: 'ok', broker: { connected: true }, influx: { status: 'ok', reachable: true, last_error: null },
      dedup: { ids: 5, capacity: 1_000_000 }, messages: { received: 6, stored: 5, duplicates: 1, invalid: 0 },
      schools: { seen: 4, silent: 2, untracked: 0, history: { loaded: true } }, api: { auth: 'tokens' },
    });
    expect(details.lag.max_delivery_s).toBeGreaterThanOrEqual(0);
    expect(details.lag.last_received_at).toEqual(expect.any(String));
    expect(details.influx.last_write_at).toEqual(expect.any(String));
  });

  it('serves Prometheus metrics: messages per school, duplicates, write latency, silent schools', async () => {
    const text = await (await get('/metrics', ADMIN)).text();
    expect(text).toContain('campus_hub_messages_total{site="school-north",kind="energy"} 1');
    expect(text).toContain('campus_hub_messages_total{site="school-south",kind="alarm"} 1');
    expect(text).toContain('campus_hub_duplicates_dropped_total{site="school-south"} 1');
    expect(text).toMatch(/campus_hub_write_latency_seconds_count 5\n/);
    expect(text).toContain('campus_hub_schools_silent 2');
    expect(text).toContain('campus_hub_broker_connected 1');
    expect(text).toMatch(/campus_hub_delivery_lag_seconds\{site="school-north"\} \d/);
  });

  it('enforces the tokens and documents the API at /api/docs', async () => {
    for (const path of ['/api/schools', '/api/summaries', '/api/alarms', '/api/health/details', '/metrics']) {
      expect((await get(path)).status, path).toBe(401);
      expect((await get(path, 'bureau.wrong-secret')).status, path).toBe(401);
      expect((await get(path, `bureau.${DISTRICT}`)).status, path).toBe(200);
    }
    const docs = await (await get('/api/docs')).json() as { info: { title: string }; paths: Record<string, unknown> };
    expect(docs.info.title).toBe('campus-gateway hub API');
    expect(Object.keys(docs.paths)).toEqual(expect.arrayContaining(['/api/health', '/api/schools', '/api/summaries', '/api/alarms']));
  });
});

describe('hub HTTP API across a district', () => {
  it('answers a month of daily energy and usage of 120 schools, per school and all at once', async () => {
    // Written straight to InfluxDB (as 120 hubs' worth of stored messages), 40 to 10 days ago: outside the other tests' ranges.
    const first = today - 40 * DAY;
    const lines: string[] = [];
    for (let n = 0; n < 120; n++) {
      const site = `district-${String(n).padStart(3, '0')}`;
      for (let d = 0; d < 30; d++) {
        const day = { windowStart: new Date(first + d * DAY).toISOString(), windowEnd: new Date(first + (d + 1) * DAY).toISOString() };
        lines.push(...toLines(hubMessageSchema.parse({ ...energyDay(site, 200 + n + d / 10), ...day })));
        lines.push(...toLines(hubMessageSchema.parse({ ...usageHour(site, 0), resolution: 'day', ...day })));
      }
    }
    for (let i = 0; i < lines.length; i += 5000) await writeLines(target, lines.slice(i, i + 5000), { send: post });
    const range = `from=${new Date(first).toISOString()}&to=${new Date(first + 30 * DAY).toISOString()}`;
    const timings: Record<string, number> = {};
    const timed = async (name: string, path: string) => {
      const t0 = performance.now();
      const body = await json(path);
      timings[name] = Math.round(performance.now() - t0);
      return body;
    };
    const all = await timed('energy_day_120_schools_30_days', `/api/summaries?kind=energy&resolution=day&${range}&limit=10000`);
    expect(all.truncated).toBe(false);
    expect(all.items).toHaveLength(120 * 30);
    expect(new Set(all.items.map((i: { site: string }) => i.site)).size).toBe(120);
    const school77 = all.items.filter((i: { site: string }) => i.site === 'district-077');
    expect(school77).toHaveLength(30);
    expect(school77[0]).toMatchObject({ windowStart: new Date(first + 29 * DAY).toISOString(), values: { energy_kwh: 277 + 2.9, meters: 2 } });
    expect(school77[0].rows).toHaveLength(2);
    const one = await timed('one_school_all_kinds_30_days', `/api/summaries?site=district-077&resolution=day&${range}`);
    expect(one.items.map((i: { kind: string }) => i.kind).filter((k: string) => k === 'usage')).toHaveLength(30);
    expect(one.items).toHaveLength(60);
    const page = await timed('energy_day_first_500', `/api/summaries?kind=energy&resolution=day&${range}&limit=500`);
    expect(page.items).toHaveLength(500);
    expect(page.truncated).toBe(true);
    expect(page.items.every((i: { windowStart: string }) => i.windowStart >= page.items.at(-1).windowStart)).toBe(true);
    writeFileSync(join(testOutputDir('hub-api'), 'timings.json'), `${JSON.stringify({ points: lines.length, ms: timings }, null, 2)}\n`);
  }, 120_000);
});
