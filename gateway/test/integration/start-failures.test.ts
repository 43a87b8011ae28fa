/**
 * Start-up against real servers, as systemd runs it (the CLI as a child process): a missing
 * InfluxDB database is created when the credentials allow it and is a one-line fatal error when
 * they do not; a port in use ends the process (exit 1, one line, no stack) however far start had
 * gone, which also proves nothing begun was left open (a leak would hang it, or add the forced
 * exit's second line), and so does an unreadable TLS certificate; an unreachable InfluxDB starts degraded, says so on /api/health and
 * catches up once it answers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startInflux, type InfluxServer } from '../kit/index.js';
import { expectOneFatalLine, getJson, linesOf, runCli, spawnCli, waitFor } from './cli-child.js';
import { ADMIN, startSecuredInflux, WRITER } from './influx-auth.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-start-fail-'));
let influx: InfluxServer;
let blocker: Server;
let busyPort = 0;

beforeAll(async () => {
  influx = await startInflux();
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  busyPort = (blocker.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((r) => blocker?.close(r));
  await influx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function configFile(store: Record<string, unknown>, ports: { http: number; mqtt: number }): string {
  const base = join(dir, `case-${++n}`);
  const file = `${base}.yaml`;
  writeFileSync(file, JSON.stringify({
    insecure: true,
    site: { id: 'start-test' },
    broker: { port: ports.mqtt, host: '127.0.0.1' },
    http: { port: ports.http, host: '127.0.0.1' },
    store: store.kind === 'influx' ? { spoolPath: join(base, 'spool'), ...store } : store,
    privacy: { pseudonymKeyFile: join(base, 'pseudonym.key') },
  }));
  return file;
}

async function databases(server: InfluxServer): Promise<string[]> {
  const res = await server.query('SHOW DATABASES');
  return (res.results[0]?.series?.[0]?.values ?? []).map((v) => String(v[0]));
}

type Health = { status: string; warnings: string[]; store: { ok: boolean; detail: { influx_reachable: boolean; last_error?: string } } };

describe('start-up failures', () => {
  it('creates a missing database on an InfluxDB that allows it, starts and stores readings', async () => {
    const [http, mqttPort] = [await freePort(), await freePort()];
    const file = configFile({ kind: 'influx', url: influx.url, database: 'made_at_start' }, { http, mqtt: mqttPort });
    expect(await databases(influx)).not.toContain('made_at_start');
    const run = spawnCli(['start', '--config', file]);
    try {
      await waitFor('health', async () => (await getJson<Health>(`http://127.0.0.1:${http}/api/health`))?.status === 'ok', 60_000, run);
      expect(await databases(influx)).toContain('made_at_start');
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'L-101-1' });
      await client.publishAsync('campus/classroom-light/L-101-1/telemetry', '{"on":true,"bri":80,"cct":5000,"lux":512,"pw":36.5}', { qos: 1 });
      await client.endAsync();
      const res = await influx.query('SELECT count(power_w) FROM classroom_light', 'made_at_start');
      expect(res.results[0]?.series?.[0]?.values[0]?.[1]).toBe(1);
    } finally {
      const r = await run.stop();
      expect(r.code, r.stderr).toBe(0);
      expect(linesOf(r.stdout).some((l) => l.includes('created the InfluxDB database'))).toBe(true);
    }
  });

  it('an HTTP port in use ends start with exit 1 and one line naming http.port (everything begun is stopped)', async () => {
    const file = configFile({ kind: 'influx', url: influx.url, database: 'port_case' }, { http: busyPort, mqtt: await freePort() });
    const r = await runCli(['start', '--config', file]);
    expectOneFatalLine(r, new RegExp(`^campus-gateway: GW_ERR_PORT_IN_USE: 127\\.0\\.0\\.1:${busyPort} is already in use .*\\(http\\.port\\)`));
  });

  it('an MQTT port in use ends start the same way, after the store had started', async () => {
    const file = configFile({ kind: 'embedded', path: join(dir, 'embedded') }, { http: await freePort(), mqtt: busyPort });
    const r = await runCli(['start', '--config', file]);
    expectOneFatalLine(r, /GW_ERR_PORT_IN_USE: .*\(broker\.port\)/);
  });

  it('an unreadable TLS certificate ends start (exit 1, no stack) naming the keys and the file, before anything listens', async () => {
    const file = configFile({ kind: 'embedded', path: join(dir, 'embedded-tls') }, { http: await freePort(), mqtt: await freePort() });
    const cert = join(dir, 'no-such-cert.pem');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), broker: { port: 0, host: '127.0.0.1', tls: { port: 0, certFile: cert, keyFile: cert } } }));
    const r = await runCli(['start', '--config', file]);
    // The start-up check (config/preflight.ts, shared with `config check`) finds it: one line per key.
    expect(r.code, r.stderr).toBe(1);
    expect(linesOf(r.stderr)).toEqual([
      `${file}: invalid configuration`,
      `  - broker.tls.certFile: cannot read ${cert} (no such file)`,
      `  - broker.tls.keyFile: cannot read ${cert} (no such file)`,
    ]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('an unreachable InfluxDB starts degraded, says so on /api/health, and catches up (database created) once it answers', async () => {
    const later = await startInflux();
    await later.stop();
    const [http, mqttPort] = [await freePort(), await freePort()];
    const file = configFile({ kind: 'influx', url: later.url, database: 'made_later' }, { http, mqtt: mqttPort });
    const run = spawnCli(['start', '--config', file]);
    try {
      let health: Health | undefined;
      await waitFor('health', async () => (health = await getJson<Health>(`http://127.0.0.1:${http}/api/health`)) !== undefined, 60_000, run);
      expect(health!.status).toBe('degraded');
      expect(health!.store.detail.influx_reachable).toBe(false);
      expect(health!.warnings.some((w) => w.startsWith('InfluxDB unreachable'))).toBe(true);
      // A QoS 1 reading is acknowledged (spooled on disk) while InfluxDB is away.
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'L-101-2' });
      await client.publishAsync('campus/classroom-light/L-101-2/telemetry', '{"on":true,"bri":60,"cct":4000,"lux":400,"pw":20}', { qos: 1 });
      await client.endAsync();
      await later.start();
      await waitFor('database made and reading stored', async () => {
        if (!(await databases(later)).includes('made_later')) return false;
        const res = await later.query('SELECT count(power_w) FROM classroom_light', 'made_later');
        return res.results[0]?.series?.[0]?.values[0]?.[1] === 1;
      }, 60_000, run);
      await waitFor('health ok', async () => (await getJson<Health>(`http://127.0.0.1:${http}/api/health`))?.status === 'ok', 30_000, run);
    } finally {
      await run.stop();
      await later.stop();
    }
  });
});

describe('an InfluxDB with authentication', () => {
  let secured: InfluxServer;
  const adminPassword = ADMIN.password;
  const writerPassword = WRITER.password;

  beforeAll(async () => {
    secured = await startSecuredInflux();
  });

  afterAll(async () => {
    await secured?.stop();
  });

  it('a user who may not create the missing database gets one line naming the database (no password)', async () => {
    const file = configFile({ kind: 'influx', url: secured.url, database: 'not_there', username: 'writer', password: writerPassword }, { http: await freePort(), mqtt: await freePort() });
    const r = await runCli(['start', '--config', file]);
    expectOneFatalLine(r, /^campus-gateway: GW_ERR_INFLUX_DATABASE_MISSING: InfluxDB at http:\/\/127\.0\.0\.1:\d+ \(v1 db=not_there\) has no database "not_there" and could not create it \(HTTP 403/);
    expect(r.stdout + r.stderr).not.toContain(writerPassword);
  });

  it('wrong credentials are one line too', async () => {
    const file = configFile({ kind: 'influx', url: secured.url, database: 'not_there', username: 'writer', password: 'wrong-pw-5521' }, { http: await freePort(), mqtt: await freePort() });
    const r = await runCli(['start', '--config', file]);
    expectOneFatalLine(r, /^campus-gateway: GW_ERR_INFLUX_AUTH: InfluxDB at .* refused the credentials \(HTTP 401/);
    expect(r.stdout + r.stderr).not.toContain('wrong-pw-5521');
  });

  it('an admin user gets the database created', async () => {
    const [http, mqttPort] = [await freePort(), await freePort()];
    const file = configFile({ kind: 'influx', url: secured.url, database: 'admin_made', username: 'admin', password: adminPassword }, { http, mqtt: mqttPort });
    const run = spawnCli(['start', '--config', file]);
    try {
      await waitFor('health ok', async () => (await getJson<Health>(`http://127.0.0.1:${http}/api/health`))?.status === 'ok', 60_000, run);
    } finally {
      const r = await run.stop();
      expect(r.code, r.stderr).toBe(0);
    }
  });
});
