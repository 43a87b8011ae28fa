// Attacks on the hub role's HTTP API (issue #20 item 1), against a real hub (mosquitto broker,
// influxd) with HTTP on port 0: an open API refused at start, what the public health answer
// gives away, InfluxQL injection through the query string, guessing tokens, an InfluxDB outage
// (no internals in the answer), headers on every answer, and open mode only with insecure: true.
// scrypt runs are counted through an injected verifier, not timed.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, sha256Token, verifyToken } from '../../src/api/token-hash.js';
import { silentLogger } from '../../src/log.js';
import { createHubService, parseHubConfig, type HubConfigInput, type HubService } from '../../src/hub/index.js';
import { freePort, repoRoot, startInflux, startMosquitto, type InfluxServer, type MosquittoServer } from '../kit/index.js';

const DISTRICT = 'district-secret-0123456789abcdef0123456789';
const ADMIN = 'admin-secret-0123456789abcdef0123456789abcd';
const dir = mkdtempSync(join(tmpdir(), 'sec-hubapi-'));
let broker: MosquittoServer;
let influx: InfluxServer;
const running: HubService[] = [];
const scryptRuns: string[] = [];

async function startHub(extra: Partial<HubConfigInput>, influxUrl = influx.url): Promise<string> {
  const config = parseHubConfig({
    broker: { url: broker.url, clientId: `sec-hub-${running.length}` },
    influx: { url: influxUrl, database: 'district', createDatabase: influxUrl === influx.url },
    dedup: { path: join(dir, `dedup-${running.length}.db`) },
    ...extra,
    http: { port: 0, host: '127.0.0.1', ...extra.http },
  });
  const verify = async (secret: string, stored: string) => {
    scryptRuns.push(stored);
    return verifyToken(secret, stored);
  };
  const hub = createHubService(config, { log: silentLogger(), auth: { verify } });
  await hub.start();
  running.push(hub);
  return `http://127.0.0.1:${hub.httpPort()}`;
}

const tokens = [{ role: 'district' as const, name: 'bureau', tokenHash: hashToken(DISTRICT) }, { role: 'admin' as const, name: 'it', tokenHash: sha256Token(ADMIN) }];
const get = (base: string, path: string, token?: string) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

let hubUrl: string;

beforeAll(async () => {
  [broker, influx] = await Promise.all([startMosquitto(), startInflux()]);
  hubUrl = await startHub({ http: { tokens } });
});

afterAll(async () => {
  for (const h of running) await h.stop();
  await Promise.all([broker?.stop(), influx?.stop()]);
});

describe('security: hub HTTP API', () => {
  it('refuses to start an API without tokens: the CLI exits 1 with one line naming the key, before connecting anywhere', async () => {
    const file = join(dir, 'open-hub.yaml');
    writeFileSync(file, `broker: { url: "mqtt://127.0.0.1:1" }\ninflux: { url: "http://127.0.0.1:1" }\nhttp: { port: 0 }\n`);
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--conditions=source', '--import', 'tsx', 'gateway/src/cli.ts', 'hub', '--config', file], { cwd: repoRoot }, (err, _out, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
      });
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/http\.tokens:.*GW_ERR_INSECURE_CONFIG/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('answers public health with status words only, and never checks a bearer sent to it', async () => {
    const before = scryptRuns.length;
    for (let i = 0; i < 20; i++) {
      const res = await get(hubUrl, '/api/health', `bureau.guess-${i}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', version: expect.any(String), insecure: false, broker: { status: 'connected' }, influx: { status: 'ok' }, api: { auth: 'tokens' } });
    }
    expect(scryptRuns.length).toBe(before);
  });

  it('refuses InfluxQL smuggled through the query string (400, nothing read)', async () => {
    const attempts = [
      `/api/summaries?site=${encodeURIComponent("a' OR site =~ /.*/ --")}`,
      `/api/summaries?kind=${encodeURIComponent('energy" ; DROP DATABASE "district')}`,
      `/api/summaries?resolution=${encodeURIComponent("day' OR '1'='1")}`,
      `/api/alarms?site=${encodeURIComponent('x";SHOW USERS')}`,
      '/api/alarms?from=now()-3650d',
      '/api/summaries?limit=1000000',
      '/api/summaries?q=SHOW%20DATABASES',
      '/api/summaries?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z',
    ];
    for (const path of attempts) {
      const res = await get(hubUrl, path, `it.${ADMIN}`);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe('GW_ERR_VALIDATION');
    }
    const dbs = await influx.query('SHOW DATABASES');
    expect(JSON.stringify(dbs)).toContain('district');
  });

  it('limits token guessing per address: 429 with Retry-After, with at most 10 scrypt runs', async () => {
    const before = scryptRuns.length;
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await get(hubUrl, '/api/schools', `bureau.wrong-${i}`)).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(5).fill(429));
    const blocked = await get(hubUrl, '/api/schools', `it.${ADMIN}`);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(scryptRuns.length - before).toBeLessThanOrEqual(10);
  });

  it('tells a caller the district InfluxDB is down without its address or error, and health says degraded', async () => {
    const deadPort = await freePort();
    const base = await startHub({ http: { tokens } }, `http://127.0.0.1:${deadPort}`);
    const res = await get(base, '/api/summaries', `it.${ADMIN}`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'GW_ERR_HUB_INFLUX_UNAVAILABLE', message: 'the district InfluxDB did not answer: try again shortly' } });
    expect(text).not.toContain(String(deadPort));
    expect((await get(base, '/api/alarms', `it.${ADMIN}`)).status).toBe(503);
    const health = await get(base, '/api/health');
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'degraded', influx: { status: 'failing' } });
    const schools = await (await get(base, '/api/schools', `it.${ADMIN}`)).json() as { history: { loaded: boolean; error: string } };
    expect(schools.history).toEqual({ loaded: false, error: 'the district InfluxDB did not answer at start' });
  });

  it('sends the security headers on every answer and serves no files but the district page', async () => {
    for (const [path, status] of [['/api/health', 200], ['/api/schools', 401], ['/', 200], ['/README.md', 404], ['/app.js', 404], ['/api/devices', 404]] as const) {
      const res = await get(hubUrl, path);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
    }
  });

  it('runs open only with insecure: true, and then says so on /api/health', async () => {
    const base = await startHub({ insecure: true, http: {} });
    expect((await get(base, '/api/schools')).status).toBe(200);
    const health = await (await get(base, '/api/health')).json() as { api: { auth: string }; insecure: boolean; warnings: string[] };
    expect(health.api.auth).toBe('open');
    expect(health.insecure).toBe(true);
    expect(health.warnings.join(' ')).toMatch(/open to anyone/);
  });
});
