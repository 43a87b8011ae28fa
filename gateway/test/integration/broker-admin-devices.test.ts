/**
 * Run-time device provisioning through the admin API (`POST/DELETE /api/devices`)
 * behind the real token layer (buildHttpApp with role tokens), against a real
 * broker with auth on: a device added over HTTP can log in over MQTT; once
 * deleted, its open connection is closed and it cannot log in again.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpApp } from '../../src/api/server.js';
import { sha256Token } from '../../src/api/token-hash.js';
import { createDeviceRegistry } from '../../src/registry/device-registry.js';
import { createDeviceProvisioning } from '../../src/registry/provisioning.js';
import { createEmbeddedStore } from '../../src/store/embedded-store.js';
import type { ReadingStore } from '../../src/store/types.js';
import { makeTempDir } from '../kit/processes.js';
import { httpParts } from './http-parts.js';
import { closed, connackCode, connectClient, startTestBroker, type TestBroker } from './broker-fixture.js';

const ADMIN_TOKEN = 'admin-token-0123456789abcdef0123456789';
const FACILITIES_TOKEN = 'facilities-token-0123456789abcdef01234';

describe('admin devices API', () => {
  let t: TestBroker;
  let app: FastifyInstance;
  let store: ReadingStore;
  const registry = createDeviceRegistry();

  beforeAll(async () => {
    t = await startTestBroker({}, { enabled: true });
    const log = pino({ level: 'silent' });
    store = createEmbeddedStore({ path: join(makeTempDir('admin-devices'), 'store'), retentionDays: 1, siteTags: { site: 'test' } }, { log });
    await store.start();
    app = await buildHttpApp({
      log, store, registry,
      health: { report: () => ({ status: 'ok', broker: {}, store: {}, uplink: null }) },
      tokens: [{ role: 'admin', tokenHash: sha256Token(ADMIN_TOKEN) }, { role: 'facilities', tokenHash: sha256Token(FACILITIES_TOKEN) }],
      ...httpParts({ log, registry, store }),
      adminDevices: { auth: t.auth, registry, disconnect: (id) => t.broker.disconnectDevice(id), hasTemplate: (id) => id !== 'no-such-template' },
    });
  });
  afterAll(async () => {
    await app?.close();
    await t?.stop();
    await store?.stop();
  });

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  it('is refused without a token and for a non-admin role', async () => {
    const body = { id: 'x1', template: 'classroom-light' };
    expect((await app.inject({ method: 'POST', url: '/api/devices', payload: body })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/devices', payload: body, headers: as(FACILITIES_TOKEN) })).statusCode).toBe(403);
    expect((await app.inject({ method: 'DELETE', url: '/api/devices/x1', headers: as(FACILITIES_TOKEN) })).statusCode).toBe(403);
    expect(t.auth.hasDevice('x1')).toBe(false);
  });

  it('validates the body: bad id, unknown template, malformed hash', async () => {
    const post = (payload: object) => app.inject({ method: 'POST', url: '/api/devices', payload, headers: as(ADMIN_TOKEN) });
    expect((await post({ id: '../etc', template: 'classroom-light' })).statusCode).toBe(400);
    expect((await post({ id: 'x2', template: 'no-such-template' })).json()).toMatchObject({ error: { code: 'GW_ERR_TEMPLATE_NOT_FOUND' } });
    expect((await post({ id: 'x2', template: 'classroom-light', secretHash: 'plain' })).json()).toMatchObject({ error: { code: 'GW_ERR_BAD_SECRET_HASH' } });
    // a chosen secret is at least 16 characters (a generated one is 32)
    expect((await post({ id: 'x2', template: 'classroom-light', secret: 'short-secret' })).statusCode).toBe(400);
  });

  it('provisions a device whose generated secret logs in over MQTT, then deletes it and closes its connection', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/devices', payload: { id: 'light-9', template: 'classroom-light', room: '204' }, headers: as(ADMIN_TOKEN) });
    expect(res.statusCode).toBe(201);
    const created = res.json<{ id: string; secret: string; status: string; room: string }>();
    expect(created).toMatchObject({ id: 'light-9', status: 'never', room: '204' });
    expect(created.secret.length).toBeGreaterThanOrEqual(20);
    expect(registry.get('light-9')).toMatchObject({ provisioned: true, room: '204' });

    const c = await connectClient(t.url, { username: 'light-9', password: created.secret });
    await c.publishAsync('campus/classroom-light/light-9/telemetry', '{"on":true}', { qos: 1 });
    expect(t.ingested.some((r) => r.topic.device === 'light-9')).toBe(true);

    const gone = closed(c);
    const del = await app.inject({ method: 'DELETE', url: '/api/devices/light-9', headers: as(ADMIN_TOKEN) });
    expect(del.json()).toEqual({ id: 'light-9', removed: true, connectionsClosed: 1 });
    await gone;
    expect(registry.get('light-9')).toBeUndefined();
    expect(await connackCode(t.url, { username: 'light-9', password: created.secret })).toBe(4);
    expect((await app.inject({ method: 'DELETE', url: '/api/devices/light-9', headers: as(ADMIN_TOKEN) })).statusCode).toBe(404);
  });

  it('replaces a device\'s secret, closing connections made with the old one', async () => {
    const post = (secret: string) => app.inject({ method: 'POST', url: '/api/devices', payload: { id: 'meter-5', template: 'energy-meter-1p', secret }, headers: as(ADMIN_TOKEN) });
    expect((await post('first-secret-0123456')).statusCode).toBe(201);
    const old = await connectClient(t.url, { username: 'meter-5', password: 'first-secret-0123456', localAddress: '127.0.0.20' });
    const gone = closed(old);
    const res = await post('second-secret-0123456');
    expect(res.statusCode).toBe(200);
    expect(res.json()).not.toHaveProperty('secret');
    await gone;
    expect(await connackCode(t.url, { username: 'meter-5', password: 'first-secret-0123456', localAddress: '127.0.0.21' })).toBe(4);
    expect(await connackCode(t.url, { username: 'meter-5', password: 'second-secret-0123456', localAddress: '127.0.0.22' })).toBe(0);
  });

  it('exports persons only to an authenticated admin (an open demo API leaves the column out)', async () => {
    const post = await app.inject({ method: 'POST', url: '/api/devices', payload: { id: 'band-12', template: 'student-wristband', person: 'Zhang Wei' }, headers: as(ADMIN_TOKEN) });
    expect(post.statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/api/devices/export', headers: as(ADMIN_TOKEN) })).body).toContain('band-12,student-wristband,,,Zhang Wei');
    const open = await buildHttpApp({
      log: pino({ level: 'silent' }), store, registry,
      health: { report: () => ({ status: 'ok', broker: {}, store: {}, uplink: null }) },
      ...httpParts({ log: pino({ level: 'silent' }), registry, store }),
      adminDevices: { auth: t.auth, registry, provisioning: createDeviceProvisioning({ configDevices: [{ id: 'band-12', template: 'student-wristband', person: 'Zhang Wei' }] }, { auth: t.auth, registry }) },
    });
    try {
      const csv = (await open.inject({ method: 'GET', url: '/api/devices/export' })).body;
      expect(csv).toBe('\uFEFFid,template,building,room\r\nband-12,student-wristband,,\r\n');
    } finally {
      await open.close();
    }
  });
});
