/**
 * Malformed MQTT at the socket level against the real broker inside the whole
 * gateway (issue #10): garbage bytes, random byte streams, truncated packets,
 * a huge or malformed Remaining Length, a CONNECT flood and a subscriber that
 * never reads. Each hostile connection is closed by the gateway and counted,
 * and a well-behaved QoS 1 device keeps getting its readings stored throughout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { connectPacket, publishPacket, waitFor } from './mqtt-bytes.js';

const T = 180_000;

describe('hostile MQTT clients against the gateway broker', () => {
  let gw: Gateway;
  let dir: string;
  let port: number;
  let good: MqttClient;
  let acked = 0;
  let lastAck = Date.now();
  let maxGapMs = 0;
  let loudStallMs = 0;
  let stop = false;
  let pump: Promise<void>;

  /** The well-behaved device: one QoS 1 reading at a time, for as long as the suite runs. */
  async function goodDevice(): Promise<void> {
    for (let i = 0; !stop; i++) {
      await good.publishAsync('campus/classroom-light/good-1/telemetry', JSON.stringify({ on: true, bri: i % 100, cct: 5000, lux: 300, pw: 20, ts: 1_700_000_000_000 + i }), { qos: 1 });
      acked++;
      const now = Date.now();
      maxGapMs = Math.max(maxGapMs, now - lastAck);
      lastAck = now;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The good device's acknowledged count grows by `n` (it is being served right now). */
  async function goodStillServed(n = 3): Promise<void> {
    const from = acked;
    await waitFor(() => acked >= from + n, 30_000, 'the well-behaved device got no PUBACK');
  }

  /** Opens a raw socket, writes `bytes`, resolves once the server closed it (or after `ms` with 'open'). */
  function hostile(bytes: Buffer[], ms = 20_000): Promise<'closed' | 'open'> {
    return new Promise((resolve) => {
      const s: Socket = connect(port, '127.0.0.1');
      const timer = setTimeout(() => { s.destroy(); resolve('open'); }, ms);
      s.on('error', () => undefined);
      s.on('close', () => { clearTimeout(timer); resolve('closed'); });
      s.on('connect', () => { for (const b of bytes) s.write(b); });
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rel-mqtt-'));
    gw = createGateway(parseConfig({
      insecure: true, // on loopback, open on purpose (no broker auth and/or no API tokens)
      site: { id: 'rel' },
      broker: { port: 0, host: '127.0.0.1', limits: { maxPacketBytes: 64 * 1024, maxConnections: 500, connectTimeoutMs: 2_000 } },
      http: { port: 0, host: '127.0.0.1' },
      store: { kind: 'embedded', path: dir },
      privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
    }), { log: silentLogger() });
    await gw.start();
    port = gw.ports().mqtt;
    good = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'good-1', reconnectPeriod: 0 });
    pump = goodDevice();
  }, T);

  afterAll(async () => {
    stop = true;
    await pump?.catch(() => undefined);
    await good?.endAsync();
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, T);

  it('garbage bytes, an unknown packet type and a first packet that is not CONNECT: closed', async () => {
    const before = gw.broker.stats().connections;
    expect(await hostile([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')])).toBe('closed');
    expect(await hostile([Buffer.from([0x00, 0x00])])).toBe('closed'); // packet type 0 is reserved
    expect(await hostile([Buffer.from([0xf0, 0x00])])).toBe('closed'); // type 15 is AUTH (MQTT 5 only)
    expect(await hostile([publishPacket('campus/classroom-light/x/telemetry', '{}', 0)])).toBe('closed');
    expect(await hostile([connectPacket('bad-proto', { protocol: 'MQXX' })])).toBe('closed');
    expect(gw.broker.stats().connections - before).toBe(5);
    await goodStillServed();
  }, T);

  it('random byte streams (fast-check): every connection is closed or times out; the broker serves throughout', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.boolean(), async (bytes, afterConnect) => {
      const head = afterConnect ? [connectPacket(`fz-${Math.random().toString(36).slice(2)}`)] : [];
      const outcome = await hostile([...head, Buffer.from(bytes)], 4_000);
      // A stream that happens to be a valid prefix may stay open until the connect timeout (2 s).
      expect(['closed', 'open']).toContain(outcome);
    }), { numRuns: 40 });
    await goodStillServed();
    await waitFor(() => gw.broker.stats().connectionsOpen <= 2, 30_000, 'hostile connections left open');
  }, T);

  it('truncated packets: a half CONNECT, a PUBLISH cut short — closed by the connect timeout or parser', async () => {
    const c = connectPacket('trunc-1');
    expect(await hostile([c.subarray(0, 7)])).toBe('closed'); // half a CONNECT: the 2 s connect timeout closes it
    const p = publishPacket('campus/classroom-light/trunc-2/telemetry', '{"on":true}', 1, 7);
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise((r) => s.on('connect', r));
    s.write(connectPacket('trunc-2'));
    s.write(p.subarray(0, p.length - 4)); // and then nothing: the packet never completes
    await goodStillServed();
    s.destroy();
    await goodStillServed();
  }, T);

  it('a huge Remaining Length and a malformed one (5 continuation bytes): closed before any body is buffered, counted', async () => {
    const before = gw.broker.stats().oversizePackets;
    expect(await hostile([connectPacket('huge-1'), Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])])).toBe('closed');
    expect(await hostile([Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f])])).toBe('closed');
    expect(gw.broker.stats().oversizePackets - before).toBe(2);
    expect(await hostile([connectPacket('huge-3'), Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])])).toBe('closed');
    await goodStillServed();
  }, T);

  it('a CONNECT flood: 300 raw connections, each CONNECTing then vanishing; open connections return to the well-behaved client', async () => {
    const refusedBefore = gw.broker.stats().connectionsRefused;
    const socks = await Promise.all(Array.from({ length: 300 }, (_, i) => new Promise<Socket>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('connect', () => { s.write(connectPacket(`flood-${i}`)); resolve(s); });
      s.on('close', () => resolve(s));
    })));
    await goodStillServed();
    for (const s of socks) s.destroy();
    await waitFor(() => gw.broker.stats().connectionsOpen <= 2, 60_000, 'flood connections were not released');
    expect(gw.broker.stats().connectionsRefused).toBeGreaterThanOrEqual(refusedBefore);
    await goodStillServed();
  }, T);

  it('a subscriber that never reads: the good device is served throughout; the silent reader is closed by keepalive; the stalled publisher resumes', async () => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise((r) => s.on('connect', r));
    s.write(connectPacket('never-reads', { keepaliveS: 5 }));
    // SUBSCRIBE to campus/# QoS 1, packet id 1; then stop reading the socket (and never PINGREQ).
    const topic = Buffer.from('campus/#');
    s.write(Buffer.concat([Buffer.from([0x82, 2 + 2 + topic.length + 1, 0, 1, 0, topic.length]), topic, Buffer.from([1])]));
    await new Promise((r) => setTimeout(r, 200));
    s.pause();
    const openBefore = gw.broker.stats().connectionsOpen;
    const loud = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'loud-1', reconnectPeriod: 0 });
    const body = JSON.stringify({ on: true, bri: 50, cct: 5000, lux: 300, pw: 20, pad: 'x'.repeat(8_000) });
    const t0 = Date.now();
    maxGapMs = 0;
    for (let i = 0; i < 1_500; i++) loud.publish('campus/classroom-light/loud-1/telemetry', body, { qos: 0 });
    await loud.publishAsync('campus/classroom-light/loud-1/telemetry', body, { qos: 1 });
    loudStallMs = Date.now() - t0;
    await goodStillServed();
    // Our side is paused and never reads the FIN, so watch the server's count of open connections.
    console.log(`[reliability] never-reading subscriber: loud publisher's 12 MB + QoS 1 publish acknowledged after ${loudStallMs} ms; good device's longest PUBACK gap ${maxGapMs} ms`);
    await waitFor(() => gw.broker.stats().connectionsOpen < openBefore + 1, 120_000, 'the never-reading subscriber was not closed');
    await loud.endAsync();
    await goodStillServed();
  }, T);

  it('after all of it: every acknowledged reading of the good device is in the store', async () => {
    stop = true;
    await pump;
    const ingested = gw.pipeline.stats().readings['classroom-light'] ?? 0;
    expect(acked).toBeGreaterThan(10);
    expect(ingested).toBeGreaterThanOrEqual(acked);
    const rows = await gw.store.query!({ device: 'good-1', field: 'brightness_pct', from: 0, to: Date.now() + 1e12 });
    expect(rows.length).toBe(acked);
  }, T);
});
