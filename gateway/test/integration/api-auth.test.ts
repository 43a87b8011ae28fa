// Role-scoped bearer tokens against a running gateway: who may see what, tokens
// stored hashed, /api/health public and saying whether the API is open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, sha256Token } from '../../src/api/token-hash.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

const TOKENS = { facilities: 'fac-9b2f1c7e4d6a8b0c1d2e3f40', teacher: 'tea-1a2b3c4d5e6f708192a3b4c5', district: 'dis-5f4e3d2c1b0a99887766aa55', admin: 'adm-0f1e2d3c4b5a69788796a5b4' };

describe('api: role-scoped tokens', () => {
  let gw: RunningGateway;

  beforeAll(async () => {
    gw = await startTestGateway({
      http: {
        tokens: [
          { role: 'facilities', tokenHash: hashToken(TOKENS.facilities), name: 'caretaker' },
          { role: 'teacher', tokenHash: hashToken(TOKENS.teacher), name: 'ms-li' },
          { role: 'district', tokenHash: sha256Token(TOKENS.district), name: 'district-office' },
          { role: 'admin', tokenHash: hashToken(TOKENS.admin), name: 'it' },
        ],
      },
    });
    await gw.publish('classroom-light', 'light-101-1', { on: true, bri: 80, cct: 5000, lux: 500, pw: 36 });
    await gw.publish('student-wristband', 'band-base-gym', [{ band: 'W-2231', hr: 128, steps: 3021, spo2: 98, temp: 36.4, bat: 66 }]);
  });
  afterAll(async () => gw?.stop());

  it('keeps /api/health and /api/docs public and reports token auth', async () => {
    const health = await gw.api('/api/health');
    const body = await health.json() as { api: { auth: string } };
    expect(body).toMatchObject({ status: 'ok', api: { auth: 'tokens' } });
    // Counters and warnings are for facilities and admin (/api/health/details): one word per section here.
    expect(body).toMatchObject({ broker: { status: 'up' }, store: { status: 'ok' } });
    expect(JSON.stringify(body)).not.toMatch(/auth_failures|connections_open|warnings/);
    const details = await (await gw.api('/api/health/details', { token: TOKENS.facilities })).json() as { api: { auth: string }; warnings: string[] };
    expect(details.api.auth).toBe('tokens');
    expect(details.warnings.join(' ')).not.toMatch(/http\.tokens is not set/);
    const docs = await gw.api('/api/docs');
    expect(docs.status).toBe(200);
    const openapi = await docs.json() as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/devices', '/api/readings', '/api/sessions', '/api/sessions/{id}/export', '/api/summaries']));
    // The reference UI and its files are public too: a browser is sent there, an API client keeps the JSON.
    const browser = await gw.api('/api/docs', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }, redirect: 'manual' });
    expect([browser.status, browser.headers.get('location')]).toEqual([302, '/api/docs/ui/']);
    for (const path of ['/api/docs/ui/', '/api/docs/ui/static/swagger-ui-bundle.js', '/api/docs/ui/json']) expect((await gw.api(path)).status, path).toBe(200);
  });

  it('answers 401 without a token or with a wrong one', async () => {
    for (const token of [undefined, 'not-a-token']) {
      const res = await gw.api('/api/devices', token ? { token } : {});
      expect(res.status).toBe(401);
      expect((await res.json() as { error: { code: string } }).error.code).toBe('GW_ERR_UNAUTHORIZED');
    }
    expect((await gw.api('/metrics')).status).toBe(401);
  });

  it('lets each role reach only its own resources', async () => {
    const status = async (path: string, role: keyof typeof TOKENS) => (await gw.api(path, { token: TOKENS[role] })).status;
    expect(await status('/api/devices', 'facilities')).toBe(200);
    expect(await status('/api/devices', 'teacher')).toBe(200);
    expect(await status('/api/devices', 'district')).toBe(403);
    expect(await status('/api/summaries', 'district')).toBe(200);
    expect(await status('/api/sessions', 'facilities')).toBe(403);
    expect(await status('/api/sessions', 'district')).toBe(403);
    expect(await status('/api/sessions', 'teacher')).toBe(200);
    expect(await status('/metrics', 'facilities')).toBe(200);
    expect(await status('/metrics', 'teacher')).toBe(403);
    expect(await status('/api/templates', 'district')).toBe(200);
  });

  it('hides personal data from facilities but not from admin', async () => {
    const asFacilities = await (await gw.api('/api/devices/band-base-gym', { token: TOKENS.facilities })).json() as { latest: { fields: Record<string, unknown> } };
    expect(asFacilities.latest.fields).toHaveProperty('battery_pct', 66);
    expect(asFacilities.latest.fields).not.toHaveProperty('heart_rate_bpm');
    expect(asFacilities.latest.fields).not.toHaveProperty('band');
    const readings = await gw.api('/api/readings?device=band-base-gym&field=heart_rate_bpm', { token: TOKENS.facilities });
    expect(readings.status).toBe(403);
    const asAdmin = await (await gw.api('/api/devices/band-base-gym', { token: TOKENS.admin })).json() as { latest: { fields: Record<string, unknown> } };
    expect(asAdmin.latest.fields).toHaveProperty('heart_rate_bpm', 128);
    // Even admin sees the band's pseudonym, never the clear id: de-identified at ingest.
    expect(asAdmin.latest.fields.band).toMatch(/^p-[0-9a-f]{24}$/);
    const light = await gw.api('/api/readings?device=light-101-1&field=power_w&from=0', { token: TOKENS.facilities });
    expect(light.status).toBe(200);
    expect((await light.json() as { points: unknown[] }).points).toHaveLength(1);
  });

  it('answers a validation error with 400 naming the key path', async () => {
    const res = await gw.api('/api/sessions', { method: 'POST', token: TOKENS.teacher, body: JSON.stringify({ room: '101', class: '7B', roster: [{ device: 'P-1' }] }) });
    expect(res.status).toBe(400);
    const body = await res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('GW_ERR_VALIDATION');
    expect(body.error.message).toMatch(/subject/);
    expect(body.error.message).toMatch(/roster\.0\.student/);
  });
});

describe('api: no tokens configured', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => gw?.stop());

  it('is open and says so in /api/health', async () => {
    const body = await (await gw.api('/api/health')).json() as { api: { auth: string }; warnings: string[] };
    expect(body.api.auth).toBe('open');
    expect(body.warnings.join(' ')).toMatch(/http\.tokens is not set/);
    expect((await gw.api('/api/devices')).status).toBe(200);
    expect((await gw.api('/api/sessions')).status).toBe(200);
    // Open is not a licence for personal data: health fields stay hidden without an admin token.
    await gw.publish('student-wristband', 'band-base-1', [{ band: 'W-1', hr: 101, steps: 1, spo2: 98, temp: 36.4, bat: 80 }]);
    const latest = await (await gw.api('/api/devices/band-base-1/latest')).json() as Record<string, unknown>;
    expect(latest).toMatchObject({ battery_pct: 80 });
    expect(latest).not.toHaveProperty('heart_rate_bpm');
    expect((await gw.api('/api/readings?device=band-base-1&field=heart_rate_bpm')).status).toBe(403);
  });
});
