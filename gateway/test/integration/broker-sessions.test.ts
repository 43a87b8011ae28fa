/**
 * What must keep working under the hardening (MQTT 3.1.1): retained status,
 * last wills, QoS 2 and persistent sessions, with auth on and real clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/broker/secrets.js';
import { connectClient, ensureMosquittoClients, run, startTestBroker, waitFor, type TestBroker } from './broker-fixture.js';

const STATUS = 'campus/classroom-light/light-1/status';

describe('broker sessions with auth on', () => {
  let t: TestBroker;
  const device = { username: 'light-1', password: 'light-secret' };
  const admin = { username: 'ops', password: 'ops-secret' };

  beforeAll(async () => {
    await ensureMosquittoClients();
    t = await startTestBroker({}, {
      enabled: true,
      devices: [{ id: 'light-1', template: 'classroom-light', secretHash: await hashSecret(device.password) }],
      internalUsers: [{ username: 'ops', secretHash: await hashSecret(admin.password), publish: ['campus/+/+/command'], subscribe: ['campus/#'] }],
    });
  });
  afterAll(async () => t?.stop());

  it('keeps a device\'s retained status and publishes its will when it drops', async () => {
    const light = await connectClient(t.url, { ...device, clientId: 'light-1', will: { topic: STATUS, payload: Buffer.from('offline'), qos: 1, retain: true } });
    await light.publishAsync(STATUS, 'online', { qos: 1, retain: true });
    await waitFor('online status', () => t.statuses.some((s) => s.payload === 'online'));
    // a late subscriber gets the retained status (mosquitto_sub as the independent client)
    const retained = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(t.port), '-i', admin.username, '-u', admin.username, '-P', admin.password, '-t', STATUS, '-C', '1', '-W', '5']);
    expect(retained.stdout.trim()).toBe('online');
    // drop the TCP connection without DISCONNECT: the will goes out
    light.stream.destroy();
    await waitFor('will published', () => t.statuses.some((s) => s.payload === 'offline'));
    const after = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(t.port), '-i', admin.username, '-u', admin.username, '-P', admin.password, '-t', STATUS, '-C', '1', '-W', '5']);
    expect(after.stdout.trim()).toBe('offline');
    light.end(true);
  });

  it('delivers QoS 2 exactly once and queues QoS 1 commands for an offline persistent device session', async () => {
    const ops = await connectClient(t.url, { ...admin, clientId: 'ops:1' });
    const seen: string[] = [];
    ops.on('message', (_topic, payload) => seen.push(payload.toString()));
    await ops.subscribeAsync('campus/classroom-light/light-1/event', { qos: 2 });
    const light = await connectClient(t.url, { ...device, clientId: 'light-1', clean: false });
    await light.subscribeAsync('campus/classroom-light/light-1/command', { qos: 1 });
    await light.publishAsync('campus/classroom-light/light-1/event', '{"button":1}', { qos: 2 });
    await waitFor('QoS 2 event', () => seen.includes('{"button":1}'));
    expect(t.ingested.filter((r) => r.payload === '{"button":1}')).toHaveLength(1);
    await light.endAsync();
    // while the device is away, the operator sends commands
    await ops.publishAsync('campus/classroom-light/light-1/command', 'dim 30', { qos: 1 });
    await ops.publishAsync('campus/classroom-light/light-1/command', 'dim 60', { qos: 1 });
    const got: string[] = [];
    const back = await connectClient(t.url, { ...device, clientId: 'light-1', clean: false });
    back.on('message', (_topic, payload) => got.push(payload.toString()));
    await waitFor('queued commands', () => got.length === 2);
    expect(got).toEqual(['dim 30', 'dim 60']);
    expect(seen.filter((s) => s === '{"button":1}')).toHaveLength(1);
    await back.endAsync();
    await ops.endAsync();
  });

  it('lets an internal user publish only within its filters', async () => {
    const ops = await connectClient(t.url, { ...admin, clientId: 'ops:2' });
    const before = t.broker.stats().aclDenials;
    const gone = new Promise<void>((resolve) => ops.once('close', () => resolve()));
    ops.publish('campus/classroom-light/light-1/telemetry', '{"fake":true}', { qos: 1 });
    await gone;
    expect(t.broker.stats().aclDenials - before).toBe(1);
    expect(t.ingested.some((r) => r.payload === '{"fake":true}')).toBe(false);
    ops.end(true);
  });
});
