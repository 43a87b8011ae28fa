/**
 * Issue #19 item 2, the site's time zone, from an attacker's side: `site.timezone` is a name
 * Intl knows or the config is refused naming the key (no path, no InfluxQL fragment, no
 * control character gets through to the dashboards or exports); without a token the health
 * body does not tell which zone (so which region) the school is in; an export's zone is the
 * site's, whatever the request asks for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/token-hash.js';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { startTestGateway, type RunningGateway } from '../integration/api-harness.js';

const TEACHER = 'teacher-tz-9f8e7d6c5b4a3210';

describe('site.timezone values an attacker or a typo could give', () => {
  for (const bad of ['../../../etc/localtime', "Asia/Shanghai') ; DROP DATABASE campus ; --", 'Asia/Shanghai\nx', '', 'A'.repeat(10_000), 'Asia/Beijing', '+25:00']) {
    it(`refuses ${JSON.stringify(bad.slice(0, 40))} naming site.timezone`, () => {
      let err: unknown;
      try {
        parseConfig({ site: { timezone: bad } }, 'gateway.yaml');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/site\.timezone: expected an IANA time zone name such as Asia\/Shanghai/);
    });
  }
});

describe('a running gateway in Asia/Shanghai', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      site: { timezone: 'Asia/Shanghai' },
      http: { tokens: [{ role: 'teacher', tokenHash: hashToken(TEACHER), name: 'ms-tz' }] },
      devices: [{ id: 'W-5001', template: 'student-wristband', person: 'S-A' }],
    });
  });
  afterAll(async () => gw?.stop());

  it('does not tell an anonymous caller its zone; a signed-in one learns it from /api/me', async () => {
    const anon = await (await gw.api('/api/health')).text();
    expect(anon).not.toContain('Asia/Shanghai');
    expect((await gw.api('/api/me')).status).toBe(401);
    const me = await (await gw.api('/api/me', { token: TEACHER })).json() as { site: { timezone: string } };
    expect(me.site.timezone).toBe('Asia/Shanghai');
  });

  it('exports in the site\'s zone whatever zone the request names', async () => {
    const res = await gw.api('/api/sessions', {
      method: 'POST', token: TEACHER,
      body: JSON.stringify({ room: '1', class: '9C', subject: 'PE', end: new Date(Date.now() + 3_600_000).toISOString(), roster: [{ device: 'W-5001', student: 'S' }] }),
    });
    const { id } = await res.json() as { id: string };
    const body = await (await gw.api(`/api/sessions/${id}/export?format=json&tz=America/New_York&timeZone=UTC`, { token: TEACHER })).json() as { time_zone: string; session: { start: string } };
    expect(body.time_zone).toBe('Asia/Shanghai');
    expect(body.session.start).toMatch(/\+08:00$/);
  });
});
