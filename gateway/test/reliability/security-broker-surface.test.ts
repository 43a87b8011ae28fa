/**
 * The broker on aedes' public surface (issue #18 item 5), against the real broker (aedes on
 * port 0) with real clients: what used to be read from aedes' private fields (`clients`, a
 * client's `will`, a patched persistence) and errors classified by their text.
 */
import { connect as netConnect } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from '../../src/broker/broker.js';
import { createDeviceAuth } from '../../src/broker/device-auth.js';
import { hashSecret } from '../../src/broker/secrets.js';
import { closed, connackCode, connectClient, waitFor } from '../integration/broker-fixture.js';

const CHEAP = { N: 1024, r: 4, p: 1 };
const LIGHT = { id: 'light-9', template: 'classroom-light', secret: 'light-secret-9' };
const TELEMETRY = `campus/${LIGHT.template}/${LIGHT.id}/telemetry`;
const STATUS = `campus/${LIGHT.template}/${LIGHT.id}/status`;

let broker: Broker | undefined;
afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});

async function start(opts: { store: () => Promise<void>; publishesPerSecond?: number }) {
  const statuses: string[] = [];
  const auth = createDeviceAuth({
    enabled: true, maxFailures: 50, lockoutSeconds: 60, internalUsers: [],
    devices: [{ id: LIGHT.id, template: LIGHT.template, secretHash: await hashSecret(LIGHT.secret, CHEAP) }],
  });
  broker = createBroker({ port: 0, host: '127.0.0.1', limits: { publishesPerSecond: opts.publishesPerSecond ?? 1000 } }, {
    log: pino({ level: 'silent' }), auth,
    onDevicePublish: opts.store,
    onDeviceStatus: (_t, payload) => statuses.push(payload.toString()),
  });
  await broker.start();
  return { url: `mqtt://127.0.0.1:${broker.port()}`, statuses, b: broker };
}

describe('protocol errors are told by class and code, not by message text', () => {
  it('a refused login and a QoS 1 reading the store refused are not protocol errors; garbage bytes are', async () => {
    const { url, b } = await start({ store: () => Promise.reject(new Error('disk full')) });
    expect(await connackCode(url, { username: LIGHT.id, password: 'wrong-secret' })).toBe(4);
    const c = await connectClient(url, { username: LIGHT.id, password: LIGHT.secret });
    const gone = closed(c);
    c.publish(TELEMETRY, '{"on":true}', { qos: 1 });
    await gone;
    expect(b.stats().ingestErrors).toBe(1);
    expect(b.stats().authFailures).toBe(1);
    expect(b.stats().protocolErrors).toBe(0);

    const s = netConnect(b.port(), '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise((r) => s.on('connect', r));
    s.write('GET / HTTP/1.1\r\n\r\n');
    await new Promise((r) => s.on('close', r));
    expect(b.stats().protocolErrors).toBe(1);
  });
});

describe('wills and connections through aedes\' hooks, events and a persistence passed in', () => {
  it('a device cut off for its publish rate still gets its will out (a will takes no token)', async () => {
    const { url, statuses, b } = await start({ store: async () => undefined, publishesPerSecond: 5 });
    const c = await connectClient(url, { username: LIGHT.id, password: LIGHT.secret, will: { topic: STATUS, payload: Buffer.from('offline'), qos: 1, retain: true } });
    const gone = closed(c);
    for (let i = 0; i < 50; i++) c.publish(TELEMETRY, `{"n":${i}}`, { qos: 0 });
    await gone;
    expect(b.stats().rateLimitDisconnects).toBe(1);
    await waitFor('will published', () => statuses.includes('offline'));
  });

  it('disconnectDevice closes every open connection of the device (tracked from aedes.handle, not aedes.clients)', async () => {
    const { url, b } = await start({ store: async () => undefined });
    const first = await connectClient(url, { username: LIGHT.id, password: LIGHT.secret });
    const gone = closed(first);
    expect(b.disconnectDevice(LIGHT.id)).toBe(1);
    await gone;
    await waitFor('connection gone', () => b.stats().connectionsOpen === 0);
    expect(b.disconnectDevice(LIGHT.id)).toBe(0);
  });
});
