// Attacks on the hub's district page and its data (issue #20 item 2), against a real hub
// (mosquitto, influxd, HTTP on port 0): the data routes without a token, files outside the page's
// allow-list, InfluxQL through the export's and overview's query strings, and what the page
// itself may load (CSP, nothing from outside the hub).
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Token } from '../../src/api/token-hash.js';
import { silentLogger } from '../../src/log.js';
import { createHubService, parseHubConfig, type HubService } from '../../src/hub/index.js';
import { repoRoot, startInflux, startMosquitto, type InfluxServer, type MosquittoServer } from '../kit/index.js';

const TOKEN = 'district-secret-0123456789abcdef0123456789';
let broker: MosquittoServer;
let influx: InfluxServer;
let hub: HubService;
let base: string;
const get = (path: string, token?: string) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

beforeAll(async () => {
  [broker, influx] = await Promise.all([startMosquitto(), startInflux()]);
  hub = createHubService(parseHubConfig({
    broker: { url: broker.url, clientId: 'sec-district' },
    influx: { url: influx.url, database: 'district' },
    dedup: { path: join(mkdtempSync(join(tmpdir(), 'sec-district-')), 'dedup.db') },
    http: { port: 0, host: '127.0.0.1', tokens: [{ role: 'district', tokenHash: sha256Token(TOKEN) }], sites: { 'school-1': 'One' } },
  }), { log: silentLogger() });
  await hub.start();
  base = `http://127.0.0.1:${hub.httpPort()}`;
});

afterAll(async () => {
  await hub?.stop();
  await Promise.all([broker?.stop(), influx?.stop()]);
});

describe('security: the district page', () => {
  it('serves the page to anyone but its data only with a token', async () => {
    for (const path of ['/', '/district', '/district.js', '/district.css', '/style.css']) expect((await get(path)).status, path).toBe(200);
    for (const path of ['/api/district', '/api/district/export.csv?site=school-1&month=2026-03']) {
      const res = await get(path);
      expect(res.status, path).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'GW_ERR_UNAUTHORIZED' } });
    }
    expect((await get('/api/district', TOKEN)).status).toBe(200);
  });

  it('serves nothing but the page\'s files: sources, build script, the gateway\'s dashboard and traversal are 404', async () => {
    for (const path of ['/build.mjs', '/src/district/main.ts', '/README.md', '/app.js', '/index.html', '/district.js.map', '/..%2fpackage.json', '/%2e%2e/package.json', '/tsconfig.json']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('refuses InfluxQL and bad values in the query string with a 400 naming the key, before any query', async () => {
    const bad = [
      ['/api/district/export.csv?site=school-1\'%20OR%20\'1\'=\'1&month=2026-03', 'site'],
      ['/api/district/export.csv?site=school-1&month=2026-03\';DROP%20DATABASE%20district', 'month'],
      ['/api/district/export.csv?site=school-1&month=2026-13', 'month'],
      ['/api/district/export.csv?site=school-1&month=2026-03&lang=fr', 'lang'],
      ['/api/district?days=1000', 'days'],
      ['/api/district?days=7&tz=UTC', 'tz'],
    ] as const;
    for (const [path, key] of bad) {
      const res = await get(path, TOKEN);
      expect(res.status, path).toBe(400);
      const body = await res.json() as { error: { code: string; message: string } };
      expect(body.error.code).toBe('GW_ERR_VALIDATION');
      expect(body.error.message, path).toContain(key);
    }
    // The database is still there.
    expect((await get('/api/district', TOKEN)).status).toBe(200);
  });

  it('the page loads nothing from outside the hub and runs under a CSP without inline script', async () => {
    const res = await get('/');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    for (const file of ['district.html', 'district.css', 'district.js']) {
      const text = readFileSync(join(repoRoot, 'gateway/web', file), 'utf8');
      expect(text.match(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\/[^"'\s>]+|url\(\s*["']?https?:\/\//gi) ?? [], file).toEqual([]);
      if (file === 'district.html') expect(text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
  });
});
