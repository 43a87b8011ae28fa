// Attacks on the HTTP API (issue #16, items 13 and 16): a flood of bad bearer
// tokens, bearer headers on the public health route, what the unauthenticated
// health body and the static file server give away, and the security headers
// (with the dashboard loading under its CSP in chromium).
//
// scrypt runs are counted through an injected verifier that wraps the real one,
// so the cost assertions are counts, not wall-clock times.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpApp } from '../../src/api/server.js';
import { hashToken, verifyToken } from '../../src/api/token-hash.js';
import { createDeviceRegistry } from '../../src/registry/device-registry.js';
import { createEmbeddedStore } from '../../src/store/embedded-store.js';
import type { ReadingStore } from '../../src/store/types.js';
import { startTestGateway, type RunningGateway } from '../integration/api-harness.js';
import { launchChromium } from '../kit/index.js';
import { httpParts } from '../integration/http-parts.js';

const SECRETS = { caretakers: 'c2VjdXJpdHktZmFjaWxpdGllcy0wMTIzNDU2Nzg5', teacher: 'c2VjdXJpdHktdGVhY2hlci0wMTIzNDU2Nzg5YWI', it: 'c2VjdXJpdHktYWRtaW4tMDEyMzQ1Njc4OWFiY2Q', spare1: 'c3BhcmUxLTAxMjM0NTY3ODlhYmNkZWYwMTIzNDU', spare2: 'c3BhcmUyLTAxMjM0NTY3ODlhYmNkZWYwMTIzNDU' };
// Five scrypt tokens, as in the report: the old code ran all five for every bad token.
const TOKENS = [
  { role: 'facilities' as const, name: 'caretakers', tokenHash: hashToken(SECRETS.caretakers) },
  { role: 'teacher' as const, name: 'ms-li', tokenHash: hashToken(SECRETS.teacher) },
  { role: 'admin' as const, name: 'it', tokenHash: hashToken(SECRETS.it) },
  { role: 'district' as const, name: 'spare-1', tokenHash: hashToken(SECRETS.spare1) },
  { role: 'district' as const, name: 'spare-2', tokenHash: hashToken(SECRETS.spare2) },
];
const HEADERS = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function expectSecurityHeaders(res: LightMyRequestResponse | { headers: Record<string, unknown> }) {
  expect(res.headers).toMatchObject(HEADERS);
  const csp = String(res.headers['content-security-policy']);
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
}

describe('security: HTTP API', () => {
  let app: FastifyInstance;
  let store: ReadingStore;
  const runs: string[] = [];
  const verify = async (secret: string, stored: string) => {
    runs.push(stored);
    return verifyToken(secret, stored);
  };
  const get = (url: string, token?: string, remoteAddress = '127.0.0.1') =>
    app.inject({ method: 'GET', url, remoteAddress, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });

  beforeAll(async () => {
    const log = pino({ level: 'silent' });
    store = createEmbeddedStore({ path: ':memory:', retentionDays: 1, siteTags: { site: 'test' } }, { log });
    await store.start();
    const registry = createDeviceRegistry();
    app = await buildHttpApp({
      log, store, registry, site: 'sec-school', siteName: 'Security School',
      ...httpParts({ log, registry, store }),
      health: {
        report: () => ({
          status: 'ok', insecure: false, broker: { clients: 3, authFailures: 17 }, store: { ok: true },
          uplink: null, ingest: { readings: { 'student-wristband': 42 } }, warnings: ['broker auth is off'],
        }),
      },
      tokens: TOKENS,
      auth: { verify, limiter: { maxFailures: 10, windowMs: 60_000 } },
    });
  });
  afterAll(async () => {
    await app?.close();
    await store?.stop();
  });

  it('300 bad tokens from one address: at most 10 scrypt runs, then 429 with Retry-After; a real request from elsewhere costs at most one', async () => {
    // Baseline: the admin's first request, as `<name>.<secret>`, costs one scrypt run.
    runs.length = 0;
    expect((await get('/api/devices', `it.${SECRETS.it}`, '10.1.0.2')).statusCode).toBe(200);
    expect(runs).toHaveLength(1);

    runs.length = 0;
    const statuses: number[] = [];
    let limited: LightMyRequestResponse | undefined;
    for (let i = 0; i < 300; i++) {
      // Half bare guesses (tried against every not-yet-seen entry), half naming an entry.
      const token = i % 2 === 0 ? `guess-${i}-AAAAAAAAAAAAAAAAAAAAAAAA` : `caretakers.guess-${i}`;
      const res = await get('/api/devices', token, '10.66.0.9');
      statuses.push(res.statusCode);
      if (res.statusCode === 429) limited ??= res;
    }
    // The old code ran five scrypt runs per bad token here: 1,500.
    expect(runs.length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(290);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(limited!.json()).toMatchObject({ error: { code: 'GW_ERR_AUTH_RATE_LIMITED' } });
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited!.headers['retry-after'])).toBeLessThanOrEqual(60);
    expectSecurityHeaders(limited!);
    // Blocked means blocked: even a valid token from that address waits, so the address cannot keep guessing.
    expect((await get('/api/devices', `it.${SECRETS.it}`, '10.66.0.9')).statusCode).toBe(429);

    // The same admin from its own address: known since the baseline, no scrypt at all.
    runs.length = 0;
    expect((await get('/api/devices', `it.${SECRETS.it}`, '10.1.0.2')).statusCode).toBe(200);
    // A teacher never seen before: exactly one scrypt run, not one per configured token.
    expect((await get('/api/sessions', `ms-li.${SECRETS.teacher}`, '10.1.0.3')).statusCode).toBe(200);
    expect(runs).toHaveLength(1);

    const details = (await get('/api/health/details', `it.${SECRETS.it}`, '10.1.0.2')).json<{ api: Record<string, number> }>();
    expect(details.api).toMatchObject({ blocked_addresses: 1 });
    expect(details.api.rate_limited).toBeGreaterThanOrEqual(290);
  });

  it('60 bad tokens at once from one address share its allowance: at most 10 scrypt runs', async () => {
    runs.length = 0;
    const all = await Promise.all(Array.from({ length: 60 }, (_, i) => get('/api/devices', i % 3 === 0 ? `spare-1.guess-${i}` : `guess-${i}-BBBBBBBBBBBBBBBBBBBB`, '10.77.0.1')));
    expect(runs.length).toBeLessThanOrEqual(10);
    expect(all.every((r) => r.statusCode === 401 || r.statusCode === 429)).toBe(true);
    expect(all.filter((r) => r.statusCode === 429).length).toBeGreaterThanOrEqual(50);
  });

  it('a bare (unprefixed) token still works, and once every entry is known bad tokens cost no scrypt', async () => {
    runs.length = 0;
    expect((await get('/api/devices', SECRETS.caretakers, '10.1.0.4')).statusCode).toBe(200);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    await get('/api/devices', `spare-1.${SECRETS.spare1}`, '10.1.0.4');
    await get('/api/devices', `spare-2.${SECRETS.spare2}`, '10.1.0.4');
    runs.length = 0;
    for (let i = 0; i < 5; i++) expect((await get('/api/devices', `bare-guess-${i}`, `10.2.0.${i}`)).statusCode).toBe(401);
    expect(runs).toHaveLength(0);
  });

  it('/api/health verifies no bearer and answers a minimal body without a token', async () => {
    runs.length = 0;
    for (let i = 0; i < 50; i++) {
      const res = await get('/api/health', `junk-${i}`, '10.3.0.1');
      expect(res.statusCode).toBe(200);
    }
    expect(runs).toHaveLength(0);
    const res = await get('/api/health', `it.${SECRETS.it}`, '10.3.0.1');
    expect(res.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) as unknown, insecure: false, broker: { status: 'up' }, store: { status: 'ok' }, uplink: null, api: { auth: 'tokens' } });
    expect(res.body).not.toMatch(/auth_failures|authFailures|wristband|Security School|broker auth/);
    expectSecurityHeaders(res);
  });

  it('/api/health/details is the full body, for facilities and admin only', async () => {
    expect((await get('/api/health/details')).statusCode).toBe(401);
    expect((await get('/api/health/details', `ms-li.${SECRETS.teacher}`, '10.1.0.3')).statusCode).toBe(403);
    const res = await get('/api/health/details', `caretakers.${SECRETS.caretakers}`, '10.1.0.4');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ broker: { auth_failures: 17 }, ingest: { readings: { 'student-wristband': 42 } }, site: { name: 'Security School' }, api: { auth: 'tokens' } });
    // The site's name moved from the public body to /api/me.
    expect((await get('/api/me', `caretakers.${SECRETS.caretakers}`, '10.1.0.4')).json()).toMatchObject({ role: 'facilities', site: { name: 'Security School' } });
  });

  it('serves only the built dashboard: sources, build script and config answer 404', async () => {
    for (const url of ['/', '/index.html', '/app.js', '/style.css']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expectSecurityHeaders(res);
    }
    expect((await get('/app.js')).headers['content-type']).toMatch(/javascript/);
    for (const url of ['/README.md', '/build.mjs', '/tsconfig.json', '/src/main.ts', '/src/api.ts', '/%2e%2e/package.json', '/..%2fpackage.json', '/app.js.map', '/.env']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toEqual({ error: { code: 'GW_ERR_NOT_FOUND', message: 'no such resource' } });
      expectSecurityHeaders(res);
    }
  });

  it('sends the security headers on every kind of answer', async () => {
    expectSecurityHeaders(await get('/api/devices'));
    expectSecurityHeaders(await get('/api/docs'));
    expectSecurityHeaders(await get('/api/devices', `it.${SECRETS.it}`, '10.1.0.2'));
    expectSecurityHeaders(await app.inject({ method: 'POST', url: '/api/sessions', payload: { room: 1 }, remoteAddress: '10.1.0.3', headers: { authorization: `Bearer ms-li.${SECRETS.teacher}` } }));
  });
});

describe('security: the dashboard under its CSP (chromium)', () => {
  let gw: RunningGateway;
  let browser: Browser;

  beforeAll(async () => {
    gw = await startTestGateway({
      http: { tokens: [{ role: 'admin', name: 'it', tokenHash: hashToken(SECRETS.it) }] },
      devices: [{ id: 'band-base-7', template: 'student-wristband', room: '107', building: 'A' }, { id: 'aqm-7', template: 'air-quality-monitor', room: '107', building: 'A' }],
    });
    await gw.publish('student-wristband', 'band-base-7', [{ band: 'W-7', hr: 80, steps: 1, spo2: 98, temp: 36.5, bat: 35 }]);
    await gw.publish('air-quality-monitor', 'aqm-7', { pm25: 12, pm10: 20, co2: 640, tvoc: 0.2, hcho: 0.02, t: 22.5, rh: 45 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('signs in, shows devices (battery bar styled through CSSOM) and a device chart with no CSP violation', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript({ content: "document.addEventListener('securitypolicyviolation', (e) => console.error('Content-Security-Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));" });
    const first = await page.goto(`${gw.base}/`);
    expect(first?.headers()['content-security-policy']).toContain("default-src 'self'");
    await page.locator('#token-form').waitFor();
    await page.fill('#token-input', `it.${SECRETS.it}`);
    await page.click('#token-form button[type=submit]');
    await page.locator('.tile[data-device="band-base-7"] .battery-fill').waitFor({ state: 'attached' });
    // Set through CSSOM: the bar has its width (35%), not the default of an unstyled span.
    expect(await page.locator('.tile[data-device="band-base-7"] .battery-fill').getAttribute('style')).toBe('width: 35%;');
    await expect.poll(() => page.locator('#site').textContent()).toContain('Test School');
    await page.click('.tile[data-device="aqm-7"]');
    await page.locator('#device-latest [data-field="co2_ppm"]').waitFor();
    await page.locator('#device-charts figure .uplot canvas').first().waitFor({ state: 'attached' });
    await page.goto(`${gw.base}/#/teacher`);
    await page.locator('#session-form').waitFor();
    await page.goto(`${gw.base}/#/district`);
    await page.locator('#district-empty').waitFor();
    expect(violations).toEqual([]);
    await page.close();
  });
});
