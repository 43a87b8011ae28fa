/**
 * The hardened broker inside the whole gateway (createGateway): a config with
 * auth on and scrypt-hashed device secrets; mosquitto_pub logs in as a device
 * and its reading is stored; a wrong secret and a foreign topic are refused;
 * a device provisioned over the admin API logs in; /api/health shows the counters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/broker/secrets.js';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { connackCode, ensureMosquittoClients, run, waitFor } from './broker-fixture.js';

const PAYLOAD = '{"on":true,"bri":80,"cct":5000,"lux":512,"pw":36.5,"ts":1700000000123}';

describe('gateway with broker auth on', () => {
  let gw: Gateway;
  let dataDir: string;
  let base: string;
  let port: string;

  beforeAll(async () => {
    await ensureMosquittoClients();
    dataDir = mkdtempSync(join(tmpdir(), 'cg-broker-gw-'));
    const config = parseConfig({
      insecure: true, // on loopback, open on purpose (no broker auth and/or no API tokens)
      site: { id: 'test-school' },
      broker: { port: 0, host: '127.0.0.1', auth: { enabled: true, maxFailures: 3 }, deny: [{ topic: 'gateway/+/rejected', action: 'subscribe' }] },
      http: { port: 0, host: '127.0.0.1' },
      store: { kind: 'embedded', path: dataDir },
      privacy: { pseudonymKeyFile: join(dataDir, 'pseudonym.key') },
      devices: [
        { id: 'L-101-1', template: 'classroom-light', room: '101', secretHash: await hashSecret('light-secret') },
        { id: 'L-never', template: 'classroom-light', secretHash: await hashSecret('other') },
      ],
    });
    gw = createGateway(config, { log: silentLogger() });
    await gw.start();
    base = `http://127.0.0.1:${gw.ports().http}`;
    port = String(gw.ports().mqtt);
  });
  afterAll(async () => {
    await gw?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores a reading from a device logged in with its secret; the other device stays never', async () => {
    const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-i', 'L-101-1', '-u', 'L-101-1', '-P', 'light-secret', '-q', '1',
      '-t', 'campus/classroom-light/L-101-1/telemetry', '-m', PAYLOAD]);
    expect(r.code, r.stderr).toBe(0);
    const devices = await (await fetch(`${base}/api/devices`)).json() as Array<{ id: string; status: string }>;
    expect(devices.find((d) => d.id === 'L-101-1')?.status).toBe('online');
    expect(devices.find((d) => d.id === 'L-never')?.status).toBe('never');
    const latest = await (await fetch(`${base}/api/devices/L-101-1/latest`)).json() as Record<string, unknown>;
    expect(latest).toMatchObject({ brightness_pct: 80, power_w: 36.5 });
  });

  it('refuses a wrong secret and a publish as another device, and reports it on /api/health', async () => {
    const bad = await run('mosquitto_pub', ['-h', '127.0.0.1', '-A', '127.0.0.30', '-p', port, '-u', 'L-101-1', '-P', 'nope', '-t', 'x', '-m', 'y']);
    expect(bad.code).not.toBe(0);
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-i', 'L-101-1', '-u', 'L-101-1', '-P', 'light-secret', '-q', '1',
      '-t', 'campus/classroom-light/L-never/telemetry', '-m', PAYLOAD]);
    const health = await (await fetch(`${base}/api/health`)).json() as { broker: Record<string, unknown>; warnings: string[] };
    expect(health.broker).toMatchObject({ auth: 'on', auth_failures: 1 });
    await waitFor('acl denial counted', () => gw.broker.stats().aclDenials === 1);
    expect(health.warnings.some((w) => w.startsWith('broker auth is off'))).toBe(false);
    const never = await (await fetch(`${base}/api/devices/L-never`)).json() as { status: string };
    expect(never.status).toBe('never');
  });

  it('provisions a device over the admin API that can then log in', async () => {
    const res = await fetch(`${base}/api/devices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'L-new', template: 'classroom-light', secret: 'new-light-secret' }) });
    expect(res.status).toBe(201);
    expect(await connackCode(`mqtt://127.0.0.1:${port}`, { username: 'L-new', password: 'new-light-secret' })).toBe(0);
    const unknown = await fetch(`${base}/api/devices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'X-1', template: 'no-such-template' }) });
    expect(unknown.status).toBe(400);
  });
});
