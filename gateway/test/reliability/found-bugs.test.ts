/**
 * Regression tests for bugs the reliability suite found (issue #10), each failing before its fix:
 * a subscriber that stopped reading stalled the publishers it subscribed to (fixed: broker.limits.
 * drainTimeoutMs); a payload ts years ahead froze a device's latest values (fixed: the timestamp
 * policy rejects > 24 h ahead); protocol-error disconnects were not counted (fixed:
 * stats.protocolErrors). Found bugs not fixed yet get a failing test here behind
 * RELIABILITY_KNOWN_BUGS=1 (none today).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { connectPacket } from './mqtt-bytes.js';

const T = 180_000;

describe('bugs found by the reliability suite stay fixed', () => {
  let dir: string;
  let gw: Gateway;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rel-known-'));
    gw = createGateway(parseConfig({
      insecure: true, // on loopback, open on purpose (no broker auth and/or no API tokens)
      site: { id: 'known' },
      broker: { port: 0, host: '127.0.0.1' },
      http: { port: 0, host: '127.0.0.1' },
      store: { kind: 'embedded', path: dir },
      privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
    }), { log: silentLogger() });
    await gw.start();
    url = `mqtt://127.0.0.1:${gw.ports().mqtt}`;
  }, T);
  afterAll(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, T);

  it('broker: a subscriber that stops reading (keepalive 0) is cut off after the drain timeout, so publishers matching its subscription are served', async () => {
    const s = connect(gw.ports().mqtt, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise((r) => s.on('connect', r));
    s.write(connectPacket('never-reads-0', { keepaliveS: 0 }));
    const topic = Buffer.from('campus/#');
    s.write(Buffer.concat([Buffer.from([0x82, 2 + 2 + topic.length + 1, 0, 1, 0, topic.length]), topic, Buffer.from([1])]));
    await new Promise((r) => setTimeout(r, 200));
    s.pause();
    const loud = await mqtt.connectAsync(url, { clientId: 'loud-0', reconnectPeriod: 0 });
    const body = JSON.stringify({ on: true, bri: 50, cct: 5000, lux: 300, pw: 20, pad: 'x'.repeat(8_000) });
    for (let i = 0; i < 1_500; i++) loud.publish('campus/classroom-light/loud-0/telemetry', body, { qos: 0 });
    const acked = await Promise.race([
      loud.publishAsync('campus/classroom-light/loud-0/telemetry', body, { qos: 1 }).then(() => true, () => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), 60_000)),
    ]);
    loud.end(true);
    s.destroy();
    expect(acked, 'the publisher must be served although one subscriber never reads').toBe(true);
  }, T);

  it('timestamp policy: a payload ts 10 years ahead is rejected, so it cannot freeze the device\'s latest values', async () => {
    const c = await mqtt.connectAsync(url, { clientId: 'future-1', reconnectPeriod: 0 });
    const now = Date.now();
    await c.publishAsync('campus/classroom-light/future-1/telemetry', JSON.stringify({ on: true, bri: 1, cct: 5000, lux: 1, pw: 1, ts: now + 3650 * 86_400_000 }), { qos: 1 });
    await c.publishAsync('campus/classroom-light/future-1/telemetry', JSON.stringify({ on: true, bri: 77, cct: 5000, lux: 1, pw: 1, ts: now + 1000 }), { qos: 1 });
    await c.endAsync();
    const res = await gw.http().inject({ method: 'GET', url: '/api/devices/future-1/latest' });
    expect(JSON.stringify(res.json()), 'a reading from the present must become the latest').toContain('"brightness_pct":77');
    expect(gw.pipeline.stats().rejected.out_of_range).toBe(1);
  }, T);

  it('broker: a connection closed for a protocol error (an HTTP request) is counted', async () => {
    const s = connect(gw.ports().mqtt, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise((r) => s.on('connect', () => { s.write('GET / HTTP/1.1\r\n\r\n'); r(undefined); }));
    await new Promise((r) => s.on('close', r));
    expect(gw.broker.stats()).toHaveProperty('protocolErrors', 1);
  }, T);
});
