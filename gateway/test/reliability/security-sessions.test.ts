// Issue #16 (audit as an attacker), class sessions and readings privacy, against a real
// gateway (aedes on port 0, real MQTT publishes, the embedded store, role tokens over HTTP)
// and, for the stored-series check, a real influxd from the kit:
//  1. a teacher's roster naming a room, a building, a pool, a base station, another class's
//     band, an answer letter "B", or a session ten years long is refused (400, line by line);
//     a valid session's export holds only its roster's devices, only while it ran, and no
//     pseudonyms; a teacher sees only the devices on their running roster;
//  the role table of gateway/src/api/README.md, walked role by role;
// 12. a wristband deleted from the registry keeps its stored heart rates private.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpApp } from '../../src/api/server.js';
import { hashToken } from '../../src/api/token-hash.js';
import { storeSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log.js';
import { createDeviceRegistry } from '../../src/registry/device-registry.js';
import { createInfluxStore, type InfluxStore } from '../../src/store/influx-store.js';
import { createTemplateCatalog, decodeSerialLine, type TemplateCatalog } from '../../src/templates/index.js';
import { startInflux, until, type InfluxServer } from '../kit/index.js';
import { startTestGateway, type RunningGateway } from '../integration/api-harness.js';
import { httpParts } from '../integration/http-parts.js';

const TOKENS = {
  li: 'tea-li-4b1d9e2f3a7c5c6d0e1f2a3b', wu: 'tea-wu-0a9b8c7d6e5f4a3b2c1d0e9f',
  facilities: 'fac-7e6d5c4b3a291807f6e5d4c3', district: 'dis-1f2e3d4c5b6a79881726354a', admin: 'adm-9a8b7c6d5e4f30211203f4e5',
};
type Who = keyof typeof TOKENS;
const PSEUDONYM = /p-[0-9a-f]{24}/;

interface ErrorBody { error: { code: string; message: string } }
interface ExportBody {
  session: { start: string; end: string; stopped_at: string | null };
  students: Array<{ student: string; devices: string[]; readings: Array<{ ts: string; template: string; device: string; fields: Record<string, unknown> }> }>;
}

describe('security: class sessions, role visibility, readings privacy', () => {
  let gw: RunningGateway;
  let liSession = '';
  const as = (who: Who, path: string, init: RequestInit = {}) => gw.api(path, { ...init, token: TOKENS[who] });
  const createAs = (who: Who, body: unknown) => as(who, '/api/sessions', { method: 'POST', body: JSON.stringify(body) });
  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
  const clickerLine = async (line: string) => {
    const decoded = decodeSerialLine(gw.gateway.templates.get('response-clicker')!, line, { device: 'clicker-base-101', receivedAt: Date.now() });
    if (!decoded.ok) throw new Error(`bad clicker line ${line}`);
    // As the serial adapter hands a line in: raw, decoded by the pipeline.
    await gw.gateway.pipeline.receive({ transport: 'serial', device: 'clicker-base-101', template: 'response-clicker', lines: [line], at: Date.now() });
  };
  const bands = (samples: Array<[band: string, hr: number, ts: number]>) =>
    gw.publish('student-wristband', 'band-base-gym', samples.map(([band, hr, ts]) => ({ band, hr, steps: 10, spo2: 97, temp: 36.5, bat: 60, ts })));

  beforeAll(async () => {
    gw = await startTestGateway({
      http: {
        tokens: [
          { role: 'teacher', tokenHash: hashToken(TOKENS.li), name: 'ms-li' }, { role: 'teacher', tokenHash: hashToken(TOKENS.wu), name: 'mr-wu' },
          { role: 'facilities', tokenHash: hashToken(TOKENS.facilities), name: 'caretaker' },
          { role: 'district', tokenHash: hashToken(TOKENS.district), name: 'district-office' },
          { role: 'admin', tokenHash: hashToken(TOKENS.admin), name: 'it' },
        ],
      },
      devices: [
        // Students' devices, registered by the school and bound to a student.
        { id: 'W-2231', template: 'student-wristband', person: 'S2023001' }, { id: 'W-2232', template: 'student-wristband', person: 'S2023002' },
        { id: 'W-3001', template: 'student-wristband', person: 'S2023101' },
        { id: 'P-00123', template: 'smart-pen', person: 'S2023002' }, { id: 'C-17', template: 'response-clicker', person: 'S2023001' },
        // A band that talks to the broker itself (its device id is its band id).
        { id: 'W-7001', template: 'student-wristband', person: 'S2023003' },
        // The gym's BLE base relays every band in the gym, registered under the band's template but bound to nobody.
        { id: 'band-base-gym', template: 'student-wristband', room: 'GYM', building: 'B' },
        { id: 'pool-base', template: 'wristband-base', room: 'pool', building: 'B' },
      ],
    });
    await gw.publish('classroom-light', 'light-101-1', { on: true, bri: 80, cct: 5000, lux: 500, pw: 36 });
    // Mr Wu's PE class is wearing W-3001 now.
    const wu = await createAs('wu', { room: 'GYM', class: '8A', subject: 'PE', end: inAnHour(), roster: [{ device: 'W-3001', student: 'Dan Xu' }] });
    expect(wu.status).toBe(201);
  });
  afterAll(async () => gw?.stop());

  it('refuses a roster of places, relays, another class\'s band and an answer letter, naming each line (1-based) without echoing it', async () => {
    const roster = ['GYM', '101', 'B', 'pool', 'W-3001', 'band-base-gym', 'pool-base', 'W-2231'].map((device, i) => ({ device, student: `S${i}` }));
    const res = await createAs('li', { room: 'GYM', class: '7B', subject: 'PE', end: inAnHour(), roster });
    expect(res.status).toBe(400);
    const { error } = await res.json() as ErrorBody;
    expect(error.code).toBe('GW_ERR_ROSTER');
    const lines = error.message.split('; ');
    expect(lines.map((l) => /^roster line (\d+):/.exec(l)?.[1])).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(lines[0]).toMatch(/not a device the school registered for one student/);
    expect(lines[4]).toBe('roster line 5: the device is on another class session\'s roster at that time');
    for (const value of ['GYM', 'W-3001', 'band-base-gym', 'W-2231']) expect(error.message).not.toContain(value);
    expect(await (await as('li', '/api/sessions')).json()).toEqual([]);
  });

  it('refuses a session ten years long, one starting in the past, and one a month ahead', async () => {
    const now = Date.now();
    const at = (ms: number) => new Date(ms).toISOString();
    const roster = [{ device: 'W-2231', student: 'Alice Wang' }];
    const cases: Array<[unknown, RegExp]> = [
      [{ end: at(now + 10 * 365 * 86_400_000) }, /at most 4 h/],
      [{ start: at(now - 3_600_000), end: at(now + 600_000) }, /start lies in the past/],
      [{ start: at(now + 30 * 86_400_000), end: at(now + 30 * 86_400_000 + 600_000) }, /more than 7 days ahead/],
    ];
    for (const [span, reason] of cases) {
      const res = await createAs('li', { room: 'GYM', class: '7B', subject: 'PE', roster, ...span as object });
      expect(res.status).toBe(400);
      const { error } = await res.json() as ErrorBody;
      expect(error).toMatchObject({ code: 'GW_ERR_SESSION_TIME', message: expect.stringMatching(reason) });
    }
  });

  it('exports only the roster\'s devices, only what they measured while the session ran, and no pseudonyms', async () => {
    const res = await createAs('li', {
      room: 'GYM', class: '7B', subject: 'PE', end: inAnHour(),
      roster: [{ device: 'W-2231', student: 'Alice Wang' }, { device: 'C-17', student: 'Alice Wang' }, { device: 'P-00123', student: 'Bob Chen' }],
    });
    expect(res.status).toBe(201);
    const created = await res.json() as { id: string; start: string };
    liSession = created.id;
    const start = Date.parse(created.start);
    const t = start + 1;
    // Alice's band: one sample buffered from before the lesson, two during it. Every other band in the gym, also during it.
    await bands([['W-2231', 181, start - 60_000], ['W-2231', 120, t], ['W-2231', 140, t + 10], ['W-2232', 99, t], ['W-3001', 150, t], ['B', 111, t]]);
    await clickerLine('ANS,C-17,1,A,900');
    await clickerLine('ANS,C-99,1,B,1200');
    await gw.publish('smart-pen', 'pen-rx-101', { pen: 'P-00123', page: '8.12.33.4', bat: 80, strokes: [{ t0: t, pts: [[100, 200, 300, 0], [110, 210, 320, 10]] }] });
    await gw.publish('smart-pen', 'pen-rx-101', { pen: 'P-00999', page: '8.12.33.4', bat: 80, strokes: [{ t0: t, pts: [[1, 2, 3, 0]] }] });
    // The stop comes after the last reading's time; one stamped after the stop is not the session's.
    await until('the readings\' time has passed', () => (Date.now() > t + 20 ? true : undefined));
    expect((await as('li', `/api/sessions/${liSession}/stop`, { method: 'POST' })).status).toBe(200);
    await bands([['W-2231', 170, Date.now() - 1], ['W-2231', 171, Date.now() + 1000]]);

    const body = await (await as('li', `/api/sessions/${liSession}/export?format=json`)).json() as ExportBody;
    const alice = body.students.find((s) => s.student === 'Alice Wang')!;
    const bob = body.students.find((s) => s.student === 'Bob Chen')!;
    const got = alice.readings.map((r) => `${r.device}:${String(r.fields.heart_rate_bpm ?? r.fields.choice)}`);
    expect(got.sort()).toEqual(['C-17:A', 'W-2231:120', 'W-2231:140']);
    expect(bob.readings.map((r) => `${r.device}:${String(r.fields.x_mm)}`)).toEqual(['P-00123:10', 'P-00123:11']);
    const end = Date.parse(body.session.stopped_at!);
    for (const r of [...alice.readings, ...bob.readings]) {
      expect(Date.parse(r.ts)).toBeGreaterThanOrEqual(start);
      expect(Date.parse(r.ts)).toBeLessThan(end);
    }
    const csv = await (await as('li', `/api/sessions/${liSession}/export?format=csv`)).text();
    const rows = csv.trimEnd().split('\r\n');
    expect(rows).toHaveLength(1 + 5);
    expect(rows.slice(1).map((r) => r.split(',')[1]).sort()).toEqual(['C-17', 'P-00123', 'P-00123', 'W-2231', 'W-2231']);
    expect(JSON.stringify(body)).not.toMatch(PSEUDONYM);
    expect(csv).not.toMatch(PSEUDONYM);
  });

  it('shows a teacher only the devices on their running roster; any other answers as absent', async () => {
    const li = await createAs('li', { room: '101', class: '7B', subject: 'Physics', end: inAnHour(), roster: [{ device: 'P-00123', student: 'Bob Chen' }] });
    expect(li.status).toBe(201);
    const ids = (await (await as('li', '/api/devices')).json() as Array<{ id: string }>).map((d) => d.id);
    expect(ids).toEqual(['P-00123']);
    for (const id of ['W-3001', 'light-101-1', 'band-base-gym', 'no-such-device']) {
      const res = await as('li', `/api/devices/${id}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'GW_ERR_DEVICE_NOT_FOUND', message: `no device "${id}"` } });
    }
    expect((await (await as('wu', '/api/devices')).json() as Array<{ id: string }>).map((d) => d.id)).toEqual(['W-3001']);
    expect((await as('li', '/api/readings?device=band-base-gym&field=heart_rate_bpm&from=0')).status).toBe(403);
  });

  it('shows a teacher a roster device\'s latest fields only when taken during the session, personal fields hidden', async () => {
    const sample = (hr: number, bat: number) => gw.publish('student-wristband', 'W-7001', [{ band: 'W-7001', hr, steps: 5, spo2: 98, temp: 36.5, bat }]);
    await sample(101, 81);
    const res = await createAs('li', { room: 'GYM', class: '7B', subject: 'PE', end: inAnHour(), roster: [{ device: 'W-7001', student: 'Eve Ma' }] });
    expect(res.status).toBe(201);
    const device = async () => await (await as('li', '/api/devices/W-7001')).json() as { latest: { fields: Record<string, unknown> } | null };
    expect((await device()).latest).toBeNull();
    expect((await as('li', '/api/devices/W-7001/latest')).status).toBe(404);
    await sample(102, 80);
    const { latest } = await device();
    expect(latest?.fields).toMatchObject({ battery_pct: 80, steps: 5 });
    expect(latest?.fields).not.toHaveProperty('heart_rate_bpm');
    expect(latest?.fields).not.toHaveProperty('band');
    const list = await (await as('li', '/api/devices?latest=true')).json() as Array<{ id: string; latest: { fields: Record<string, unknown> } | null }>;
    expect(list.map((d) => d.id).sort()).toEqual(['P-00123', 'W-7001']);
    expect(list.find((d) => d.id === 'W-7001')?.latest?.fields).toEqual({ steps: 5, battery_pct: 80 });
  });

  it('walks the role table of gateway/src/api/README.md against the running app', async () => {
    const s = liSession;
    // [request, facilities, teacher (ms-li), district, admin]
    const table: Array<[string, number, number, number, number]> = [
      ['GET /api/health', 200, 200, 200, 200],
      ['GET /api/me', 200, 200, 200, 200],
      ['GET /api/templates', 200, 200, 200, 200],
      ['GET /api/devices', 200, 200, 403, 200],
      ['GET /api/devices/light-101-1', 200, 404, 403, 200],
      ['GET /api/devices/P-00123', 200, 200, 403, 200],
      ['GET /api/readings?device=light-101-1&field=power_w&from=0', 200, 403, 403, 200],
      ['GET /api/readings?device=band-base-gym&field=heart_rate_bpm&from=0', 403, 403, 403, 200],
      ['GET /api/readings?device=band-base-gym&field=steps&from=0', 403, 403, 403, 200],
      ['GET /api/summaries', 200, 403, 200, 200],
      ['GET /api/sessions', 403, 200, 403, 200],
      [`GET /api/sessions/${s}`, 403, 200, 403, 200],
      [`GET /api/sessions/${s}/export?format=csv`, 403, 200, 403, 200],
      ['POST /api/sessions', 403, 400, 403, 400],
      ['GET /metrics', 200, 403, 403, 200],
      ['DELETE /api/devices/no-such-device', 403, 403, 403, 404],
    ];
    const got: typeof table = [];
    for (const [request] of table) {
      const [method, path] = request.split(' ') as [string, string];
      const row: number[] = [];
      for (const who of ['facilities', 'li', 'district', 'admin'] as const) {
        row.push((await as(who, path, method === 'POST' ? { method, body: JSON.stringify({ room: 'x', class: 'x', subject: 'x', roster: [{ device: 'GYM', student: 'x' }] }) } : { method })).status);
      }
      got.push([request, ...row] as (typeof table)[number]);
    }
    expect(got).toEqual(table);
    // Another teacher's session answers as absent; admin's list holds every session, a teacher's only their own.
    expect((await as('wu', `/api/sessions/${s}/export`)).status).toBe(404);
    expect((await (await as('admin', '/api/sessions')).json() as unknown[]).length).toBe(4);
    expect((await (await as('wu', '/api/sessions')).json() as unknown[]).length).toBe(1);
    // Facilities see a student's device, never its personal fields.
    const pen = await (await as('facilities', '/api/devices/band-base-gym')).json() as { latest: { fields: Record<string, unknown> } };
    expect(pen.latest.fields).toHaveProperty('battery_pct');
    expect(pen.latest.fields).not.toHaveProperty('heart_rate_bpm');
  });

  it('keeps a deleted wristband\'s stored heart rates private (privacy by the stored series, not the registry)', async () => {
    await gw.publish('student-wristband', 'W-5001', [{ band: 'W-5001', hr: 133, steps: 20, spo2: 98, temp: 36.6, bat: 70 }]);
    expect((await as('admin', '/api/devices', { method: 'POST', body: JSON.stringify({ id: 'W-5001', template: 'student-wristband' }) })).status).toBe(201);
    expect((await as('admin', '/api/devices/W-5001', { method: 'DELETE' })).status).toBe(200);
    expect(gw.gateway.registry.get('W-5001')).toBeUndefined();
    for (const field of ['heart_rate_bpm', 'steps', 'band']) {
      const res = await as('facilities', `/api/readings?device=W-5001&field=${field}&from=0`);
      expect(res.status).toBe(403);
      const { error } = await res.json() as ErrorBody;
      expect(error.code).toBe('GW_ERR_PERSONAL_DATA');
      expect(error.message).not.toContain('W-5001');
    }
    expect((await as('li', '/api/readings?device=W-5001&field=heart_rate_bpm&from=0')).status).toBe(403);
    // A device nobody ever registered: its personal fields are refused all the same.
    expect((await as('facilities', '/api/readings?device=never-seen&field=heart_rate_bpm&from=0')).status).toBe(403);
    const admin = await (await as('admin', '/api/readings?device=W-5001&field=heart_rate_bpm&from=0')).json() as { points: Array<{ value: number }> };
    expect(admin.points.map((p) => p.value)).toEqual([133]);
  });
});

describe('security: readings privacy over a real influxd', () => {
  let influx: InfluxServer;
  let store: InfluxStore;
  let templates: TemplateCatalog;
  let spoolDir = '';

  beforeAll(async () => {
    influx = await startInflux();
    await influx.query('CREATE DATABASE school');
    spoolDir = await mkdtemp(join(tmpdir(), 'sec-sessions-spool-'));
    const config = storeSchema.parse({ kind: 'influx', url: influx.url, database: 'school', batchSize: 10, flushMs: 20 });
    if (config.kind !== 'influx') throw new Error('not an influx config');
    store = createInfluxStore({ config, site: 'north-high', spoolDir }, { log: silentLogger() });
    await store.start();
    templates = createTemplateCatalog({}, { log: silentLogger() });
    await templates.start();
  });
  afterAll(async () => {
    await store?.stop();
    await templates?.stop();
    await influx?.stop();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('refuses a facilities token the series of a wristband the registry no longer knows, by the template stored with it', async () => {
    const ts = Date.now() - 60_000;
    await store.write([
      { template: 'student-wristband', device: 'band-gone', ts, fields: { band: 'p-0123456789abcdef01234567', heart_rate_bpm: 144, steps: 30 }, tags: {} },
      { template: 'classroom-light', device: 'light-1', ts, fields: { power_w: 36 }, tags: {} },
    ]);
    await until('both series stored', async () => ((await store.seriesTemplates!('band-gone', 0, Date.now())).length === 1
      && (await store.query!({ device: 'light-1', field: 'power_w', from: 0, to: Date.now() })).length === 1 ? true : undefined));
    expect(await store.seriesTemplates!('band-gone', 0, Date.now())).toEqual(['student-wristband']);
    const registry = createDeviceRegistry();
    const app = await buildHttpApp({
      log: silentLogger(), health: { report: () => ({ status: 'ok' }) as never }, store, registry, templates,
      ...httpParts({ log: silentLogger(), registry, store, templates }),
      tokens: [{ role: 'facilities', tokenHash: hashToken(TOKENS.facilities), name: 'caretaker' }, { role: 'admin', tokenHash: hashToken(TOKENS.admin), name: 'it' }],
    });
    try {
      const get = (who: Who, q: string) => app.inject({ url: `/api/readings?${q}&from=0`, headers: { authorization: `Bearer ${TOKENS[who]}` } });
      expect((await get('facilities', 'device=band-gone&field=steps')).statusCode).toBe(403);
      expect((await get('facilities', 'device=band-gone&field=heart_rate_bpm')).statusCode).toBe(403);
      expect((await get('facilities', 'device=light-1&field=power_w')).json()).toMatchObject({ points: [{ value: 36 }] });
      expect((await get('admin', 'device=band-gone&field=heart_rate_bpm')).json()).toMatchObject({ points: [{ value: 144 }] });
    } finally {
      await app.close();
    }
  });
});
