/**
 * Broker limits with real clients: oversize packets, a connection flood, the
 * per-client publish rate and the bounded queue of a persistent session.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closed, connectClient, connectPacket, ensureMosquittoClients, run, startTestBroker, waitFor, type TestBroker } from './broker-fixture.js';

describe('broker limits', () => {
  let t: TestBroker;

  beforeAll(async () => {
    await ensureMosquittoClients();
    t = await startTestBroker({
      limits: { maxPacketBytes: 4096, maxConnections: 30, publishesPerSecond: 50, offlineQueueLength: 10, connectTimeoutMs: 10_000 },
    });
  });
  afterAll(async () => t?.stop());

  it('closes a connection that sends a packet over maxPacketBytes, before buffering its body', async () => {
    const c = await connectClient(t.url);
    const gone = closed(c);
    c.publish('campus/classroom-light/l1/telemetry', Buffer.alloc(10_000, 0x41), { qos: 0 });
    await gone;
    expect(t.broker.stats().oversizePackets).toBe(1);
    expect(t.ingested).toHaveLength(0);
    // a packet under the limit is fine
    const ok = await connectClient(t.url);
    await ok.publishAsync('campus/classroom-light/l1/telemetry', Buffer.alloc(3000, 0x41), { qos: 1 });
    expect(t.ingested).toHaveLength(1);
    await ok.endAsync();
  });

  it('refuses an oversize publish from mosquitto_pub too', async () => {
    const before = t.broker.stats().oversizePackets;
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(t.port), '-q', '1', '-t', 'campus/classroom-light/l2/telemetry', '-m', 'x'.repeat(8000)]);
    await waitFor('oversize counted', () => t.broker.stats().oversizePackets === before + 1);
    expect(t.ingested.some((r) => r.topic.device === 'l2')).toBe(false);
  });

  it('keeps a connection flood bounded by maxConnections and serves again afterwards', async () => {
    const sockets: Socket[] = [];
    const closedByServer = new Set<Socket>();
    const refusedBefore = t.broker.stats().connectionsRefused;
    for (let i = 0; i < 80; i++) {
      const s = netConnect(t.port, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('close', () => closedByServer.add(s));
      sockets.push(s);
    }
    await waitFor('every flood socket accepted or refused', () => t.broker.stats().connectionsRefused - refusedBefore + t.broker.stats().connectionsOpen >= 80);
    expect(t.broker.stats().connectionsOpen).toBeLessThanOrEqual(30);
    expect(t.broker.stats().connectionsRefused - refusedBefore).toBeGreaterThanOrEqual(50);
    await waitFor('refused sockets closed', () => closedByServer.size >= 50);
    for (const s of sockets) s.destroy();
    await waitFor('flood sockets gone', () => t.broker.stats().connectionsOpen === 0);
    const c = await connectClient(t.url);
    expect(c.connected).toBe(true);
    await c.endAsync();
  });

  it('disconnects a client that publishes faster than publishesPerSecond; what got through stays within the bucket', async () => {
    const c = await connectClient(t.url, { clientId: 'flooder' });
    const gone = closed(c);
    const before = t.ingested.length;
    const started = Date.now();
    for (let i = 0; i < 1000; i++) c.publish('campus/classroom-light/flood/telemetry', `{"n":${i}}`, { qos: 0 });
    await gone;
    const elapsedS = (Date.now() - started) / 1000;
    const through = t.ingested.length - before;
    expect(t.broker.stats().rateLimitDisconnects).toBe(1);
    // burst (50) + 50/s for the time it took; never the 1000 sent
    expect(through).toBeLessThanOrEqual(50 + Math.ceil(50 * elapsedS) + 1);
    expect(through).toBeGreaterThanOrEqual(50);
    // reconnecting does not refill the bucket: the same client id is cut off again long before another burst of 50
    const again = await connectClient(t.url, { clientId: 'flooder' });
    const goneAgain = closed(again);
    const before2 = t.ingested.length;
    const started2 = Date.now();
    for (let i = 0; i < 200; i++) again.publish('campus/classroom-light/flood/telemetry', `{"m":${i}}`, { qos: 0 });
    await goneAgain;
    expect(t.broker.stats().rateLimitDisconnects).toBe(2);
    expect(t.ingested.length - before2).toBeLessThanOrEqual(Math.ceil(50 * ((Date.now() - started) / 1000)) + 1);
    expect(t.ingested.length - before2).toBeLessThan(50 + Math.ceil(50 * ((Date.now() - started2) / 1000)));
  });

  it('bounds the queue of an offline persistent session and counts the drops', async () => {
    const sub = await connectClient(t.url, { clientId: 'slow-dashboard', clean: false });
    await sub.subscribeAsync('campus/classroom-light/q1/event', { qos: 1 });
    await sub.endAsync();
    const pub = await connectClient(t.url, { clientId: 'queue-publisher' });
    for (let i = 0; i < 25; i++) await pub.publishAsync('campus/classroom-light/q1/event', `{"n":${i}}`, { qos: 1 });
    await pub.endAsync();
    expect(t.broker.stats().queueDrops).toBe(15);
    const got: string[] = [];
    const again = await connectClient(t.url, { clientId: 'slow-dashboard', clean: false });
    again.on('message', (_topic, payload) => got.push(payload.toString()));
    await waitFor('queued messages delivered', () => got.length >= 10);
    // the ten oldest were kept, the newer ones dropped
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `{"n":${i}}`));
    // once acknowledged, the queue has room again: a new message is delivered live
    await again.publishAsync('campus/classroom-light/q1/event', '{"n":99}', { qos: 1 });
    await waitFor('live message', () => got.includes('{"n":99}'));
    expect(t.broker.stats().queueDrops).toBe(15);
    await again.endAsync();
  });

  it('disconnects an online persistent subscriber that stops acknowledging once its queue is full', async () => {
    const dropsBefore = t.broker.stats().queueDrops;
    const topic = Buffer.from('campus/classroom-light/q2/event');
    let received = 0;
    let subacked = false;
    let pending = Buffer.alloc(0);
    const s = netConnect(t.port, '127.0.0.1', () => {
      s.write(connectPacket('never-acks', false));
      // SUBSCRIBE (packet id 1) to the topic at QoS 1; this raw client never sends PUBACK
      s.write(Buffer.concat([Buffer.from([0x82, 2 + 2 + topic.length + 1, 0, 1, 0, topic.length]), topic, Buffer.from([1])]));
    });
    s.on('data', (d: Buffer) => {
      // split the stream into MQTT packets (all short here: one-byte Remaining Length)
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 2 && pending.length >= 2 + pending[1]!) {
        if (pending[0] === 0x90) subacked = true;
        if ((pending[0]! & 0xf0) === 0x30) received += 1;
        pending = pending.subarray(2 + pending[1]!);
      }
    });
    const gone = new Promise<void>((resolve) => s.on('close', () => resolve()));
    await waitFor('SUBACK', () => subacked);
    const pub = await connectClient(t.url, { clientId: 'queue-publisher-2' });
    for (let i = 0; i < 20; i++) await pub.publishAsync('campus/classroom-light/q2/event', `{"k":${i}}`, { qos: 1 });
    await gone;
    await pub.endAsync();
    // it got what fitted in its queue (10), then was cut off; the rest were dropped
    expect(received).toBe(10);
    expect(t.broker.stats().queueDrops - dropsBefore).toBeGreaterThanOrEqual(10);
  });

  it('closes a connection that never sends CONNECT within connectTimeoutMs', async () => {
    const short = await startTestBroker({ limits: { connectTimeoutMs: 300 } });
    try {
      const s = netConnect(short.port, '127.0.0.1');
      const closedAt = await new Promise<number>((resolve) => s.on('close', () => resolve(Date.now())));
      expect(closedAt).toBeGreaterThan(0);
      // a real CONNECT in time is served
      const s2 = netConnect(short.port, '127.0.0.1', () => s2.write(connectPacket('on-time', true)));
      const answer = await new Promise<Buffer>((resolve) => s2.once('data', resolve));
      expect([...answer.subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x00]);
      s2.destroy();
    } finally {
      await short.stop();
    }
  });
});
