/**
 * Walking skeleton, in process: the gateway on free ports with a temp embedded
 * store; an independent client (mosquitto_pub) publishes the catalog's
 * classroom-light example; a bad payload is rejected on the rejected topic.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { ensurePackages, until } from '../kit/index.js';

const run = promisify(execFile);
let gw: Gateway;
let dataDir: string;
let base: string;

beforeAll(async () => {
  await ensurePackages(['mosquitto-clients']);
  dataDir = mkdtempSync(join(tmpdir(), 'cg-skel-'));
  const config = parseConfig({
    insecure: true, // on loopback, open on purpose (no broker auth and/or no API tokens)
    site: { id: 'test-school' },
    broker: { port: 0, host: '127.0.0.1' },
    http: { port: 0, host: '127.0.0.1' },
    store: { kind: 'embedded', path: dataDir },
    privacy: { pseudonymKeyFile: join(dataDir, 'pseudonym.key') },
    devices: [{ id: 'L-101-1', template: 'classroom-light', room: '101', building: 'A' }, { id: 'L-999', template: 'classroom-light' }],
  });
  gw = createGateway(config, { log: silentLogger() });
  await gw.start();
  base = `http://127.0.0.1:${gw.ports().http}`;
});

afterAll(async () => {
  await gw?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('walking skeleton (in process)', () => {
  it('lists provisioned devices as never seen before they appear', async () => {
    const devices = (await (await fetch(`${base}/api/devices`)).json()) as Array<{ id: string; status: string; room: string | null }>;
    expect(devices.find((d) => d.id === 'L-999')).toMatchObject({ status: 'never' });
    expect(devices.find((d) => d.id === 'L-101-1')).toMatchObject({ status: 'never', room: '101' });
  });

  it('normalizes a mosquitto_pub telemetry message into /api/devices/:id/latest', async () => {
    const payload = '{"on":true,"bri":80,"cct":5000,"lux":512,"pw":36.5}';
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(gw.ports().mqtt), '-q', '1', '-t', 'campus/classroom-light/L-101-1/telemetry', '-m', payload]);
    const latest = await until('latest values', async () => {
      const res = await fetch(`${base}/api/devices/L-101-1/latest`);
      return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
    }, 1000);
    expect(latest).toMatchObject({ on: true, brightness_pct: 80, cct_k: 5000, desk_illuminance_lux: 512, power_w: 36.5 });
    const dev = (await (await fetch(`${base}/api/devices/L-101-1`)).json()) as { status: string; last_seen: string };
    expect(dev.status).toBe('online');
    // And it is in the embedded store, queryable through /api/readings.
    const series = (await (await fetch(`${base}/api/readings?device=L-101-1&field=power_w`)).json()) as { points: Array<{ value: number }> };
    expect(series.points.map((p) => p.value)).toEqual([36.5]);
  });

  it('rejects bad payloads with a reason on the rejected topic and keeps running', async () => {
    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, { clientId: 'observer' });
    const got: Array<{ code: string; reason: string; device: string }> = [];
    sub.on('message', (_t, msg) => got.push(JSON.parse(msg.toString()) as { code: string; reason: string; device: string }));
    await sub.subscribeAsync('gateway/test-school/rejected', { qos: 0 });
    const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, { clientId: 'L-102-1' });
    await pub.publishAsync('campus/classroom-light/L-102-1/telemetry', 'not json', { qos: 1 });
    await pub.publishAsync('campus/classroom-light/L-102-1/telemetry', '{"on":true,"bri":180,"cct":5000,"lux":512,"pw":36.5}', { qos: 1 });
    await pub.publishAsync('campus/classroom-light/L-102-1/telemetry', '{"on":"yes","bri":50}', { qos: 1 });
    await until('three rejections', async () => (got.length >= 3 ? true : undefined));
    expect(got.map((r) => r.device)).toEqual(['L-102-1', 'L-102-1', 'L-102-1']);
    expect(got[1]!.reason).toMatch(/brightness_pct|bri/);
    expect(new Set(got.map((r) => r.code)).size).toBeGreaterThanOrEqual(2);
    const health = (await (await fetch(`${base}/api/health`)).json()) as { ingest: { rejected: Record<string, number> } };
    expect(Object.values(health.ingest.rejected).reduce((a, b) => a + b, 0)).toBe(3);
    // Still serving: a good reading after the bad ones is stored.
    await pub.publishAsync('campus/classroom-light/L-102-1/telemetry', '{"on":false,"bri":0,"cct":4000,"lux":3,"pw":0.4}', { qos: 1 });
    const latest = (await (await fetch(`${base}/api/devices/L-102-1/latest`)).json()) as Record<string, unknown>;
    expect(latest).toMatchObject({ on: false, brightness_pct: 0 });
    await pub.endAsync();
    await sub.endAsync();
  });

  it('takes online/offline from the retained status topic and the last will', async () => {
    const dev = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, {
      clientId: 'B-101', will: { topic: 'campus/smart-board/B-101/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await dev.publishAsync('campus/smart-board/B-101/status', 'online', { qos: 1, retain: true });
    const status = async () => ((await (await fetch(`${base}/api/devices/B-101`)).json()) as { status: string }).status;
    await until('online', async () => ((await status()) === 'online' ? true : undefined));
    dev.stream.destroy(); // an unclean drop fires the will
    await until('offline from the will', async () => ((await status()) === 'offline' ? true : undefined));
    dev.end(true);
  });
});
