/**
 * Broker authentication and authorization with real clients: MQTT.js and the
 * mosquitto_pub/mosquitto_sub CLIs as an independent implementation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/broker/secrets.js';
import {
  closed, connackCode, connectClient, connectPacket, ensureMosquittoClients, rawExchange, run, startTestBroker, subackCodes, waitFor, type TestBroker,
} from './broker-fixture.js';

const METER = { id: 'meter-1', template: 'energy-meter-1p', secret: 'meter-1-secret' };
const LIGHT = { id: 'light-7', template: 'classroom-light', secret: 'light-7-secret' };
const ADMIN = { username: 'dashboard', secret: 'dashboard-secret' };

describe('broker with auth on', () => {
  let t: TestBroker;

  beforeAll(async () => {
    await ensureMosquittoClients();
    t = await startTestBroker({ deny: [{ topic: 'gateway/+/rejected', action: 'subscribe' }] }, {
      enabled: true, maxFailures: 3, lockoutSeconds: 300,
      devices: [
        { id: METER.id, template: METER.template, secretHash: await hashSecret(METER.secret) },
        { id: LIGHT.id, template: LIGHT.template, secretHash: await hashSecret(LIGHT.secret) },
        { id: 'unprovisioned-secret', template: 'classroom-light' },
      ],
      internalUsers: [{ username: ADMIN.username, secretHash: await hashSecret(ADMIN.secret), publish: ['#'], subscribe: ['campus/#', 'gateway/#'] }],
    });
  });
  afterAll(async () => t?.stop());

  it('accepts a device with its secret (MQTT.js) and ingests its QoS 1 telemetry', async () => {
    const c = await connectClient(t.url, { username: METER.id, password: METER.secret, clientId: METER.id });
    await c.publishAsync(`campus/${METER.template}/${METER.id}/telemetry`, '{"power_w":12}', { qos: 1 });
    expect(t.ingested.some((r) => r.topic.device === METER.id && r.payload === '{"power_w":12}')).toBe(true);
    expect(t.connects).toContain(METER.id);
    await c.endAsync();
  });

  it('accepts a device with its secret (mosquitto_pub)', async () => {
    const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(t.port), '-i', LIGHT.id, '-u', LIGHT.id, '-P', LIGHT.secret, '-q', '1',
      '-t', `campus/${LIGHT.template}/${LIGHT.id}/telemetry`, '-m', '{"on":true}']);
    expect(r.code, r.stderr).toBe(0);
    await waitFor('mosquitto_pub reading', () => t.ingested.some((x) => x.topic.device === LIGHT.id && x.payload === '{"on":true}'));
  });

  it('refuses a bad password with CONNACK 0x04, an unknown user and a device without secret too', async () => {
    const before = t.broker.stats().authFailures;
    // each from its own loopback address, so that this test does not lock out the others
    expect(await connackCode(t.url, { username: METER.id, password: 'wrong', localAddress: '127.0.0.2' })).toBe(4);
    expect(await connackCode(t.url, { username: 'nobody', password: 'x', localAddress: '127.0.0.3' })).toBe(4);
    expect(await connackCode(t.url, { localAddress: '127.0.0.4' })).toBe(4);
    expect(await connackCode(t.url, { username: 'unprovisioned-secret', password: '', localAddress: '127.0.0.5' })).toBe(4);
    const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-A', '127.0.0.6', '-p', String(t.port), '-u', LIGHT.id, '-P', 'nope', '-t', 'x', '-m', 'y']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/bad user name or password|not authori[sz]ed/i);
    expect(t.broker.stats().authFailures - before).toBe(5);
  });

  it('locks an address out after maxFailures, even for the right secret', async () => {
    const from = { localAddress: '127.0.0.9' };
    for (let i = 0; i < 3; i++) expect(await connackCode(t.url, { username: METER.id, password: `bad-${i}`, ...from })).toBe(4);
    expect(await connackCode(t.url, { username: METER.id, password: METER.secret, ...from })).toBe(5);
    expect(t.broker.stats().lockouts).toBeGreaterThanOrEqual(1);
    expect(t.broker.stats().lockoutRejections).toBeGreaterThanOrEqual(1);
    // another address is not affected
    expect(await connackCode(t.url, { username: METER.id, password: METER.secret, localAddress: '127.0.0.10' })).toBe(0);
  });

  it('closes the connection of a device publishing outside its own topics, and nobody receives it', async () => {
    const admin = await connectClient(t.url, { username: ADMIN.username, password: ADMIN.secret });
    const seen: string[] = [];
    admin.on('message', (topic) => seen.push(topic));
    await admin.subscribeAsync('campus/#', { qos: 1 });
    const before = t.broker.stats().aclDenials;
    const meter = await connectClient(t.url, { username: METER.id, password: METER.secret });
    const gone = closed(meter);
    meter.publish(`campus/${LIGHT.template}/${LIGHT.id}/telemetry`, '{"on":false}', { qos: 1 });
    await gone;
    expect(t.broker.stats().aclDenials - before).toBe(1);
    expect(t.ingested.some((r) => r.payload === '{"on":false}')).toBe(false);
    // an allowed publish from the same device goes through to the internal subscriber
    const again = await connectClient(t.url, { username: METER.id, password: METER.secret });
    await again.publishAsync(`campus/${METER.template}/${METER.id}/event`, '{"alarm":"x"}', { qos: 1 });
    await waitFor('admin receives the allowed event', () => seen.includes(`campus/${METER.template}/${METER.id}/event`));
    expect(seen).not.toContain(`campus/${LIGHT.template}/${LIGHT.id}/telemetry`);
    await again.endAsync();
    await admin.endAsync();
  });

  it('answers a device subscription outside its command topic with SUBACK 0x80', async () => {
    const c = await connectClient(t.url, { username: METER.id, password: METER.secret });
    const codes = await subackCodes(c, ['campus/#', `campus/${METER.template}/${METER.id}/command`, `campus/${LIGHT.template}/${LIGHT.id}/command`]);
    expect(codes).toEqual([0x80, 1, 0x80]);
    expect(c.connected).toBe(true);
    await c.endAsync();
  });

  it('refuses a deny-listed subscription for an internal user (mosquitto_sub sees the failure)', async () => {
    const before = t.broker.stats().aclDenials;
    const r = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(t.port), '-i', ADMIN.username, '-u', ADMIN.username, '-P', ADMIN.secret,
      '-t', 'gateway/demo/rejected', '-W', '3', '-d']);
    // mosquitto_sub's debug output shows the SUBACK with the failure code 128 (0x80)
    expect(r.stdout).toContain('Subscribed (mid: 1): 128');
    expect(r.stderr).toContain('All subscription requests were denied.');
    expect(t.broker.stats().aclDenials - before).toBe(1);
  });

  it('refuses a will on another device\'s topic with CONNACK 0x05', async () => {
    const code = await connackCode(t.url, {
      username: METER.id, password: METER.secret,
      will: { topic: `campus/${LIGHT.template}/${LIGHT.id}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    expect(code).toBe(5);
  });

  it('does not let one device take over another device\'s client id', async () => {
    const light = await connectClient(t.url, { username: LIGHT.id, password: LIGHT.secret, clientId: LIGHT.id });
    expect(await connackCode(t.url, { username: METER.id, password: METER.secret, clientId: LIGHT.id })).toBe(2);
    expect(light.connected).toBe(true);
    await light.endAsync();
  });
});

describe('MQTT 3.1.1 conformance aedes misses', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker();
  });
  afterAll(async () => t?.stop());

  it('refuses a zero-length client id with CleanSession = 0: CONNACK 0x02, then closes [MQTT-3.1.3-8]', async () => {
    const { answer, closedByServer } = await rawExchange(t.port, connectPacket('', false));
    expect([...answer.subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x02]);
    expect(closedByServer).toBe(true);
    expect(t.broker.stats().identifierRejected).toBe(1);
  });

  it('refuses an MQTT 5 client: 3.1.1 is the supported version (mosquitto_pub -V mqttv5)', async () => {
    await ensureMosquittoClients();
    const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(t.port), '-V', 'mqttv5', '-t', 'a', '-m', 'b']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Unsupported Protocol Version');
  });

  it('accepts a zero-length client id with CleanSession = 1 [MQTT-3.1.3-7]', async () => {
    const { answer } = await rawExchange(t.port, connectPacket('', true), { until: (a) => a.length >= 4 });
    expect([...answer.subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x00]);
  });
});
