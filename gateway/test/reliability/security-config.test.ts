/**
 * Issue #16, config: an open gateway (broker auth off, or no API tokens) is refused by `start`,
 * `config check` and createGateway alike unless the config says `insecure: true`, and then
 * /api/health and every dashboard page say so; `config check` refuses what `start` refuses and
 * never shows a secret; every file under the data dir is 0600 in 0700 directories, started
 * under a umask of 022 (the CLI as a child process, and createGateway in this process).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Token } from '../../src/api/token-hash.js';
import { hashSecret } from '../../src/broker/secrets.js';
import { createGateway, InsecureConfigError, parseConfig, silentLogger, type Gateway } from '../../src/index.js';
import { freePort, launchChromium, repoRoot, startInflux, startMosquitto, until, type MosquittoServer } from '../kit/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-sec-config-'));
const SECRET = 'Zq7Xv9Kp2Wm4Rt8Ln3Hb'; // what an integrator pastes in by mistake: never shown
const ADMIN_TOKEN = 'admin-token-7f3e9a1c5b2d8e4f6a0b';
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

const CLI = ['--conditions=source', '--import', 'tsx', 'gateway/src/cli.ts'];
/** The CLI under a umask of 022, as a shell with the usual umask starts it. */
const UMASK_022 = ['-c', 'umask 022 && exec "$0" "$@"', process.execPath, ...CLI];

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', [...UMASK_022, ...args], { cwd: repoRoot, env: { ...process.env, GATEWAY_CONFIG: '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function writeConfig(name: string, config: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ log: { level: 'warn' }, ...config })); // JSON is YAML
  return file;
}

/** Every 4-character piece of SECRET found in `text`. */
const leaked = (text: string) => Array.from({ length: SECRET.length - 3 }, (_, i) => SECRET.slice(i, i + 4)).filter((w) => text.includes(w));

/** Every file and directory under `root` whose mode is not 0600 (files) or 0700 (directories). */
function notPrivate(root: string): { checked: string[]; wrong: string[] } {
  const checked: string[] = [];
  const wrong: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const mode = statSync(p).mode & 0o777;
      checked.push(p.slice(root.length + 1));
      if (mode !== (e.isDirectory() ? 0o700 : 0o600)) wrong.push(`${p.slice(root.length + 1)} ${mode.toString(8)}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return { checked, wrong };
}

async function bannerOnEveryPage(base: string): Promise<Array<{ page: string; visible: boolean; text: string }>> {
  browser ??= await launchChromium();
  const page = await browser.newPage();
  const seen = [];
  for (const hash of ['#/facilities', '#/teacher', '#/district', '#/device/light-1']) {
    await page.goto(`${base}/${hash}`);
    await page.locator('#health.ok, #health.degraded').waitFor({ timeout: 15_000 }); // health fetched and applied
    const banner = page.locator('#insecure-banner');
    seen.push({ page: hash, visible: await banner.isVisible(), text: (await banner.textContent()) ?? '' });
  }
  await page.close();
  return seen;
}

describe('start and config check refuse the same configs, with the same message', () => {
  const both = async (file: string) => {
    const [check, start] = await Promise.all([cli(['config', 'check', file]), cli(['start', '--config', file])]);
    expect(check.code, check.stderr).toBe(1);
    expect(start.code, start.stderr).toBe(1);
    expect(start.stderr).toBe(check.stderr);
    return check.stderr;
  };

  it('refuses an open config (the old default) in one line that names what to set and how, creating nothing', async () => {
    const data = join(dir, 'open-data');
    const stderr = await both(writeConfig('open.yaml', { store: { kind: 'embedded', path: data }, privacy: { pseudonymKeyFile: join(data, 'key') } }));
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain('GW_ERR_INSECURE_CONFIG');
    for (const part of ['broker.auth.enabled', 'http.tokens', '`campus-gateway devices hash-secret`', 'insecure: true']) expect(stderr).toContain(part);
    expect(existsSync(data)).toBe(false);
  });

  it('refuses `tokens: []` with broker auth on: no tokens is an open API', async () => {
    const stderr = await both(writeConfig('no-tokens.yaml', { broker: { auth: { enabled: true } }, http: { tokens: [] } }));
    expect(stderr).toContain('http.tokens is empty');
    expect(stderr).not.toContain('broker.auth.enabled is not true');
  });

  it('refuses a clear token in tokenHash and a clear secret in secretHash without showing any part of them', async () => {
    const stderr = await both(writeConfig('clear.yaml', {
      broker: { auth: { enabled: true } },
      http: { tokens: [{ role: 'admin', tokenHash: SECRET }] },
      devices: [{ id: 'band-1', template: 'student-wristband', secretHash: `scrypt$${SECRET}` }],
    }));
    expect(stderr).toMatch(/http\.tokens\.0\.tokenHash: expected .*, got \(not shown: a secret\)/);
    expect(stderr).toMatch(/devices\.0\.secretHash: expected .*, got \(not shown: a secret\)/);
    expect(leaked(stderr)).toEqual([]);
  });

  it('createGateway refuses an open config the same way, before making anything', () => {
    const data = join(dir, 'embedded-open');
    const config = parseConfig({ store: { kind: 'embedded', path: data }, http: { tokens: [] } });
    expect(() => createGateway(config, { log: silentLogger() })).toThrow(InsecureConfigError);
    expect(existsSync(data)).toBe(false);
  });
});

describe('a secure site config (broker auth, a token from ${ENV}), started by the CLI under umask 022', () => {
  let child: ChildProcess | undefined;
  let stderr = '';
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('passes config check, starts, takes an authenticated device, keeps every data file private', async () => {
    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    const data = join(dir, 'site-data');
    const env = { CG_TEST_ADMIN_TOKEN_HASH: sha256Token(ADMIN_TOKEN) };
    const file = writeConfig('site.yaml', {
      broker: { port: mqttPort, host: '127.0.0.1', auth: { enabled: true } },
      http: { port: httpPort, host: '127.0.0.1', tokens: [{ role: 'admin', name: 'it', tokenHash: '${CG_TEST_ADMIN_TOKEN_HASH}' }] },
      devices: [{ id: 'light-1', template: 'classroom-light', room: '101', secretHash: await hashSecret('light-1-secret', { N: 1024, r: 8, p: 1 }) }],
      store: { kind: 'embedded', path: data },
      privacy: { pseudonymKeyFile: join(data, 'pseudonym.key') },
    });
    const check = await cli(['config', 'check', file], env);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toBe(`${file}: ok\n`);

    child = spawn('sh', [...UMASK_022, 'start', '--config', file], { cwd: repoRoot, env: { ...process.env, GATEWAY_CONFIG: '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const base = `http://127.0.0.1:${httpPort}`;
    const health = await until('the gateway answers /api/health', async () => {
      if (child!.exitCode !== null) throw new Error(`gateway exited ${child!.exitCode}: ${stderr}`);
      return fetch(`${base}/api/health`).then((r) => r.json() as Promise<Record<string, unknown>>, () => undefined);
    }, 90_000, 250);
    expect(health).toMatchObject({ insecure: false, api: { auth: 'tokens' }, broker: { status: 'up' } });
    const details = await (await fetch(`${base}/api/health/details`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as Record<string, unknown>;
    expect(details).toMatchObject({ insecure: false, broker: { auth: 'on' } });
    expect((await fetch(`${base}/api/devices`)).status).toBe(401);
    expect((await fetch(`${base}/api/devices`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);

    const anonymous = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'anon', reconnectPeriod: 0 }).catch((err: Error) => err);
    expect(anonymous).toBeInstanceOf(Error);
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'light-1', username: 'light-1', password: 'light-1-secret', reconnectPeriod: 0 });
    await device.publishAsync('campus/classroom-light/light-1/telemetry', JSON.stringify({ on: true, bri: 60, cct: 4000, lux: 320, pw: 18 }), { qos: 1 });
    await device.endAsync();

    const running = notPrivate(data);
    expect(running.checked).toEqual(expect.arrayContaining(['gateway.db', 'gateway.db-wal', 'gateway.db-shm', 'pseudonym.key']));
    expect(running.wrong).toEqual([]);
    expect((statSync(data).mode & 0o777).toString(8)).toBe('700');
    expect((await bannerOnEveryPage(base)).filter((p) => p.visible)).toEqual([]);
  });
});

describe('insecure: true, in this process under umask 022', () => {
  let umask: number;
  let hubBroker: MosquittoServer;
  let gw: Gateway | undefined;
  const data = join(dir, 'lab');
  beforeAll(async () => {
    umask = process.umask(0o022);
    hubBroker = await startMosquitto();
    gw = createGateway(parseConfig({
      insecure: true,
      site: { id: 'lab-school', name: 'Lab School' },
      broker: { port: 0, host: '127.0.0.1' },
      http: { port: 0, host: '127.0.0.1' },
      store: { kind: 'embedded', path: join(data, 'store') },
      privacy: { pseudonymKeyFile: join(data, 'pseudonym.key') },
      uplink: { url: hubBroker.url, outboxPath: join(data, 'uplink-outbox.db'), summariesStatePath: join(data, 'summaries-state.bin') },
      devices: [{ id: 'light-1', template: 'classroom-light', room: '101' }, { id: 'band-base-101', template: 'student-wristband', room: '101' }, { id: 'W-2231', template: 'student-wristband', person: 'S-A' }],
    }), { log: silentLogger() });
    await gw.start();
  });
  afterAll(async () => {
    await gw?.stop();
    await hubBroker?.stop();
    process.umask(umask);
  });

  it('says so on /api/health and on every dashboard page', async () => {
    const base = `http://127.0.0.1:${gw!.ports().http}`;
    const health = await (await fetch(`${base}/api/health`)).json() as { insecure: unknown; warnings: string[] };
    expect(health.insecure).toBe(true);
    expect(health.warnings).toEqual(expect.arrayContaining([expect.stringContaining('insecure: true')]));
    const pages = await bannerOnEveryPage(base);
    expect(pages.map((p) => [p.page, p.visible])).toEqual([['#/facilities', true], ['#/teacher', true], ['#/district', true], ['#/device/light-1', true]]);
    for (const p of pages) expect(p.text).toMatch(/^Insecure mode: this gateway runs with insecure: true; broker auth is off .*; the API has no tokens/);
  });

  it('keeps the store, outbox, summaries state, key, sessions and captures 0600 in 0700 directories', async () => {
    const base = `http://127.0.0.1:${gw!.ports().http}`;
    const res = await fetch(`${base}/api/sessions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room: '101', class: '7B', subject: 'PE', end: new Date(Date.now() + 3_600_000).toISOString(), roster: [{ device: 'W-2231', student: 'Alice Wang' }] }),
    });
    expect(res.status).toBe(201);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw!.ports().mqtt}`, { clientId: 'band-base-101', reconnectPeriod: 0 });
    await client.publishAsync('campus/student-wristband/band-base-101/telemetry', JSON.stringify([{ band: 'W-2231', hr: 131, steps: 90, spo2: 98, temp: 36.5, bat: 70 }]), { qos: 1 });
    await client.endAsync();
    const captures = join(data, 'store', 'sessions');
    await until('the session capture file', () => (existsSync(captures) && readdirSync(captures).some((f) => f.endsWith('.ndjson')) ? true : undefined));
    const running = notPrivate(data);
    expect(running.checked).toEqual(expect.arrayContaining([
      'store/gateway.db', 'store/gateway.db-wal', 'store/gateway.db-shm', 'store/sessions.json', 'store/sessions',
      'uplink-outbox.db', 'uplink-outbox.db-wal', 'uplink-outbox.db-shm', 'pseudonym.key',
    ]));
    expect(running.wrong).toEqual([]);
    await gw!.stop();
    gw = undefined;
    const stopped = notPrivate(data);
    expect(stopped.checked).toEqual(expect.arrayContaining(['summaries-state.bin']));
    expect(stopped.wrong).toEqual([]);
  });

  it('keeps the InfluxDB write-ahead log and spool 0600 in 0700 directories', async () => {
    const spoolPath = join(dir, 'influx-data', 'spool');
    const influx = await startInflux();
    await influx.createDatabase('campus');
    const influxGw = createGateway(parseConfig({
      insecure: true,
      broker: { port: 0, host: '127.0.0.1' }, http: { port: 0, host: '127.0.0.1' },
      store: { kind: 'influx', url: influx.url, database: 'campus', wal: true, spoolPath, flushMs: 50 },
      privacy: { pseudonymKeyFile: join(dir, 'influx-data', 'pseudonym.key') },
    }), { log: silentLogger() });
    await influxGw.start();
    await influx.stop(); // InfluxDB goes away: what the log acknowledges is spooled
    try {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${influxGw.ports().mqtt}`, { clientId: 'light-9', reconnectPeriod: 0 });
      await client.publishAsync('campus/classroom-light/light-9/telemetry', JSON.stringify({ on: true, bri: 10, cct: 3000, lux: 100, pw: 5 }), { qos: 1 });
      await client.endAsync();
      await until('a spooled batch on disk', () => (readdirSync(spoolPath).some((f) => f.startsWith('spool')) ? true : undefined), 30_000, 100);
      const files = notPrivate(join(dir, 'influx-data'));
      expect(files.checked).toEqual(expect.arrayContaining(['spool', 'spool-wal', 'pseudonym.key']));
      expect(files.checked.some((f) => /^spool\/spool/.test(f)), files.checked.join(' ')).toBe(true);
      expect(files.checked.some((f) => /^spool-wal\/.+/.test(f)), files.checked.join(' ')).toBe(true);
      expect(files.wrong).toEqual([]);
    } finally {
      await influxGw.stop();
    }
  });
});
