/**
 * Open interfaces for the school's apps (issue #20 item 6), against the real gateway: the aedes
 * broker with real `mqtt` clients, a Modbus TCP meter served by the firmware-sim, and the SSE
 * stream over real HTTP. A Modbus meter's readings arrive on its retained `state` topic and on the
 * stream; its availability goes offline and online, retained; no client can publish a state;
 * a wristband's state carries no clear band id; each API role sees only its scope.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModbusSimServer, type ModbusSimServer } from '../../../firmware-sim/src/modbus/index.js';
import { createApiApp } from '../../src/api/app-base.js';
import { streamRoutes } from '../../src/api/routes/stream.js';
import { sha256Token } from '../../src/api/token-hash.js';
import { createStateFanout } from '../../src/pipeline/state-fanout.js';
import { createDeviceRegistry } from '../../src/registry/device-registry.js';
import { hashSecret } from '../../src/broker/secrets.js';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { until } from '../kit/index.js';
import { takeSseEvents } from '../kit/sse.js';

const CHEAP = { N: 1024, r: 4, p: 1 };
const TOKENS = { facilities: 'stream-facilities-0123456789abcdef', teacher: 'stream-teacher-0123456789abcdef01', admin: 'stream-admin-0123456789abcdef0123', district: 'stream-district-0123456789abcdef0' };
const METER = 'campus/energy-meter-1p/meter-101';
const BAND_ID = 'W-2231';

let sim: ModbusSimServer;
let gw: Gateway;
let dir: string;
let mqttUrl: string;
let base: string;
const clients: MqttClient[] = [];

const connect = async (username: string, password: string, clientId = username) => {
  const c = await mqtt.connectAsync(mqttUrl, { username, password, clientId, reconnectPeriod: 0 });
  clients.push(c);
  return c;
};

/** Messages on `filter`, with their retain flag, as a client receives them. */
function collect(c: MqttClient): Array<{ topic: string; text: string; retain: boolean }> {
  const got: Array<{ topic: string; text: string; retain: boolean }> = [];
  c.on('message', (topic, payload, packet) => got.push({ topic, text: payload.toString(), retain: packet.retain }));
  return got;
}

interface SseEvent { event: string; data: Record<string, unknown> }

/** Opens the SSE stream and reads it until `done` holds for the events so far (or it ends). */
async function readStream(query: string, token: string, done: (events: SseEvent[]) => boolean, stopWhen?: () => Promise<unknown>): Promise<SseEvent[]> {
  const ac = new AbortController();
  const res = await fetch(`${base}/api/stream${query}`, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  const timer = setTimeout(() => ac.abort(), 15_000);
  void stopWhen?.().then(() => ac.abort());
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      const taken = takeSseEvents(buffered);
      buffered = taken.rest;
      events.push(...taken.events);
      if (done(events)) break;
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return events;
}

beforeAll(async () => {
  sim = createModbusSimServer({ transport: 'tcp', units: [{ unitId: 1, template: 'energy-meter-1p' }] });
  await sim.start();
  dir = mkdtempSync(join(tmpdir(), 'cg-stream-'));
  gw = createGateway(parseConfig({
    insecure: true, // loopback test; broker auth and API tokens are on regardless
    site: { id: 'stream-school' },
    broker: {
      port: 0, host: '127.0.0.1',
      auth: {
        enabled: true,
        internalUsers: [{ username: 'app', secretHash: await hashSecret('app-password', CHEAP), publish: ['#'], subscribe: ['campus/+/+/state', 'campus/+/+/availability'] }],
      },
      stateTopics: { enabled: true, minIntervalMs: 200 },
    },
    http: {
      port: 0, host: '127.0.0.1',
      tokens: Object.entries(TOKENS).map(([role, t]) => ({ role: role as 'admin', name: `${role}-1`, tokenHash: sha256Token(t) })),
    },
    store: { kind: 'embedded', path: dir },
    privacy: { pseudonymKeyFile: join(dir, 'key') },
    devices: [
      { id: 'band-07', template: 'student-wristband', person: 'S2023001', secretHash: await hashSecret('band-password', CHEAP) },
    ],
    adapters: { modbus: [{ transport: 'tcp', host: '127.0.0.1', port: sim.port, unitId: 1, template: 'energy-meter-1p', deviceId: 'meter-101', intervalMs: 100, timeoutMs: 200, room: '101' }] },
  }), { log: silentLogger() });
  await gw.start();
  mqttUrl = `mqtt://127.0.0.1:${gw.ports().mqtt}`;
  base = `http://127.0.0.1:${gw.ports().http}`;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  await gw?.stop();
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('security: state topics and the SSE stream for apps', () => {
  it('a Modbus meter\'s readings arrive on its state topic, retained for a late subscriber, at most one per interval', async () => {
    const first = await connect('app', 'app-password', 'app:live');
    const live = collect(first);
    await first.subscribeAsync(`${METER}/state`);
    await until('three live states', () => (live.filter((m) => !m.retain).length >= 3 ? true : undefined));
    const state = JSON.parse(live.at(-1)!.text) as Record<string, unknown>;
    expect(state.ts).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(state.voltage_v).toBeGreaterThan(220);
    // polled every 100 ms, published at most every 200 ms: fewer states than polls
    expect(gw.stateFanout.stats().coalesced).toBeGreaterThan(0);

    const late = await connect('app', 'app-password', 'app:late');
    const got = collect(late);
    await late.subscribeAsync(`${METER}/state`);
    const retained = await until('the retained state', () => got.find((m) => m.retain));
    expect(JSON.parse(retained.text)).toHaveProperty('energy_import_kwh');
  });

  it('the same states stream over SSE to facilities', async () => {
    const events = await readStream('?device=meter-101', TOKENS.facilities, (es) => es.filter((e) => e.event === 'state').length >= 2);
    const states = events.filter((e) => e.event === 'state');
    expect(states.length).toBeGreaterThanOrEqual(2);
    expect(states[0]!.data).toMatchObject({ device: 'meter-101', template: 'energy-meter-1p' });
    expect((states[1]!.data.fields as Record<string, unknown>).voltage_v).toBeGreaterThan(220);
  });

  it('availability goes offline and back online, retained, from the gateway\'s own view', async () => {
    const app = await connect('app', 'app-password', 'app:availability');
    const got = collect(app);
    await app.subscribeAsync(`${METER}/availability`);
    sim.setMode(1, 'silent');
    await until('offline', () => got.find((m) => m.text === 'offline'), 20_000);
    const late = await connect('app', 'app-password', 'app:availability-late');
    const lateGot = collect(late);
    await late.subscribeAsync(`${METER}/availability`);
    expect((await until('retained offline', () => lateGot.find((m) => m.retain))).text).toBe('offline');
    sim.setMode(1, 'normal');
    await until('online again', () => got.find((m, i) => m.text === 'online' && i > got.findIndex((o) => o.text === 'offline')), 20_000);
  });

  it('no device or app can publish a state or availability: the connection is closed and the retained value stays the gateway\'s', async () => {
    for (const [user, password, topic] of [
      ['band-07', 'band-password', `${METER}/state`],
      ['band-07', 'band-password', 'campus/student-wristband/band-07/state'],
      ['app', 'app-password', `${METER}/availability`],
    ] as const) {
      const c = await connect(user, password, user === 'app' ? 'app:forger' : user);
      const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
      c.publish(topic, JSON.stringify({ ts: new Date().toISOString(), voltage_v: 1 }), { qos: 1, retain: true });
      await closed;
    }
    const check = await connect('app', 'app-password', 'app:check');
    const got = collect(check);
    await check.subscribeAsync(`${METER}/state`);
    const retained = await until('the retained state', () => got.find((m) => m.retain));
    expect(JSON.parse(retained.text).voltage_v).toBeGreaterThan(220);
    // a device cannot subscribe to the apps' topics either
    const band = await connect('band-07', 'band-password');
    await expect(band.subscribeAsync(`${METER}/state`)).rejects.toThrow(/Subscribe error/); // SUBACK 0x80
  });

  it('a wristband\'s state carries its band id only as a pseudonym; facilities never see it, an admin sees the pseudonym', async () => {
    const app = await connect('app', 'app-password', 'app:bands');
    const got = collect(app);
    await app.subscribeAsync('campus/student-wristband/+/state');
    const band = await connect('band-07', 'band-password');
    const adminStream = readStream('?template=student-wristband', TOKENS.admin, (es) => es.some((e) => e.event === 'state'));
    const facilitiesStream = readStream('', TOKENS.facilities, (es) => es.filter((e) => e.event === 'state').length >= 4);
    await new Promise((r) => setTimeout(r, 300)); // let both streams subscribe before the reading
    await band.publishAsync('campus/student-wristband/band-07/telemetry', JSON.stringify({ band: BAND_ID, hr: 128, steps: 3021, spo2: 98, temp: 36.4, bat: 66 }), { qos: 1 });
    const state = await until('the band state', () => got.find((m) => m.topic === 'campus/student-wristband/band-07/state'));
    expect(state.text).not.toContain(BAND_ID);
    expect(JSON.parse(state.text)).toMatchObject({ band: expect.stringMatching(/^p-[0-9a-f]{24}$/) as unknown, steps: 3021 });
    const admin = (await adminStream).find((e) => e.event === 'state')!;
    expect(JSON.stringify(admin)).not.toContain(BAND_ID);
    expect(admin.data).toMatchObject({ device: 'band-07', fields: { band: expect.stringMatching(/^p-/) as unknown } });
    const facilities = await facilitiesStream;
    expect(facilities.every((e) => e.data.template !== 'student-wristband')).toBe(true);
  });

  it('a teacher streams only their running session\'s roster devices, personal fields hidden', async () => {
    const created = await fetch(`${base}/api/sessions`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKENS.teacher}`, 'content-type': 'application/json' },
      body: JSON.stringify({ room: 'GYM', class: '7B', subject: 'PE', end: new Date(Date.now() + 3_600_000).toISOString(), roster: [{ device: 'band-07', student: 'Test Pupil' }] }),
    });
    expect(created.status).toBe(201);
    const band = await connect('band-07', 'band-password');
    const stream = readStream('', TOKENS.teacher, (es) => es.some((e) => e.event === 'state' && (e.data.fields as Record<string, unknown>).steps === 4000));
    await until('the teacher\'s stream', () => (gw.stateFanout.stats().subscribers > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    await band.publishAsync('campus/student-wristband/band-07/telemetry', JSON.stringify({ band: BAND_ID, hr: 131, steps: 4000, spo2: 98, temp: 36.4, bat: 65 }), { qos: 1 });
    const events = await stream;
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.data.device === 'band-07')).toBe(true);
    const last = events.at(-1)!;
    expect(last.data.fields).toEqual({ steps: 4000, battery_pct: 65 });
    const r = await fetch(`${base}/api/sessions`, { headers: { authorization: `Bearer ${TOKENS.teacher}` } });
    const [session] = (await r.json()) as Array<{ id: string }>;
    await fetch(`${base}/api/sessions/${session!.id}/stop`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.teacher}` } });
  });

  it('a teacher with no running session sees nothing; district is refused; bad tokens and queries get clear errors', async () => {
    // once open, the stream stays so while the meter publishes three more states, none of them the teacher's
    const teacher = await readStream('', TOKENS.teacher, () => false, async () => {
      const from = gw.stateFanout.stats().published;
      await until('three more states', () => (gw.stateFanout.stats().published >= from + 3 ? true : undefined));
    });
    expect(teacher).toEqual([]);
    const district = await fetch(`${base}/api/stream`, { headers: { authorization: `Bearer ${TOKENS.district}` } });
    expect(district.status).toBe(403);
    expect(await district.json()).toMatchObject({ error: { code: 'GW_ERR_FORBIDDEN' } });
    expect((await fetch(`${base}/api/stream`)).status).toBe(401);
    expect((await fetch(`${base}/api/stream?device=${'x'.repeat(200)}`, { headers: { authorization: `Bearer ${TOKENS.admin}` } })).status).toBe(400);
  });
});

describe('security: the stream\'s own limits', () => {
  it('refuses streams beyond maxStreams with 503, and closing the server ends the open ones', async () => {
    const log = silentLogger();
    const fanout = createStateFanout({ enabled: false, minIntervalMs: 0 }, { log, publish: () => undefined });
    const { app } = await createApiApp({ log, tokens: undefined, auth: undefined, openapi: { title: 'stream', version: '0', description: 'stream test' } });
    await app.register(streamRoutes, { stream: fanout, registry: createDeviceRegistry(), privateFields: () => [], maxStreams: 1 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/stream`;
    const first = await fetch(url);
    expect(first.status).toBe(200);
    const reader = (first.body as ReadableStream<Uint8Array>).getReader();
    await until('the stream subscribed', () => (fanout.stats().subscribers === 1 ? true : undefined));
    fanout.readings([{ template: 'energy-meter-1p', device: 'm1', ts: 1, fields: { power_w: 5 }, tags: {} }], undefined as never);
    const second = await fetch(url);
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('30');
    expect(await second.json()).toMatchObject({ error: { code: 'GW_ERR_TOO_MANY_STREAMS' } });
    await app.close(); // would wait forever for the open stream if the route did not end it
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain('"power_w":5');
    expect(fanout.stats().subscribers).toBe(0);
  });
});
