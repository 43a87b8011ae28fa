// Issue #19 item 2: the site's time zone. A running gateway with `site.timezone: Asia/Shanghai`
// reports its zone (/api/me, /api/health) and exports a class session in local time with the
// offset: a reading at 23:32Z is 07:32+08:00 in the CSV and JSON, the same instant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/token-hash.js';
import { until } from '../kit/index.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

const LI = 'teacher-li-5e4d3c2b1a0f9e8d';
const LOCAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$/;
/** What Asia/Shanghai (no DST since 1991) shows for an instant, computed apart from the gateway. */
const shanghai = (ts: number): string => `${new Date(ts + 8 * 3_600_000).toISOString().slice(0, 23)}+08:00`;

describe('site time zone (Asia/Shanghai)', () => {
  let gw: RunningGateway;
  let id: string;
  let t0: number;

  beforeAll(async () => {
    gw = await startTestGateway({
      site: { timezone: 'Asia/Shanghai' },
      http: { tokens: [{ role: 'teacher', tokenHash: hashToken(LI), name: 'ms-li' }] },
      devices: [{ id: 'W-3001', template: 'student-wristband', person: 'S-A' }],
    });
  });
  afterAll(async () => gw?.stop());

  it('/api/me tells the dashboard the site\'s zone', async () => {
    const me = await (await gw.api('/api/me', { token: LI })).json() as { site: { timezone: string } };
    expect(me.site.timezone).toBe('Asia/Shanghai');
  });

  it('exports a session with every time local to the site, with its offset (JSON and CSV)', async () => {
    const created = await gw.api('/api/sessions', {
      method: 'POST', token: LI,
      body: JSON.stringify({ room: '101', class: '7B', subject: 'PE', end: new Date(Date.now() + 3_600_000).toISOString(), roster: [{ device: 'W-3001', student: 'Alice Wang' }] }),
    });
    expect(created.status).toBe(201);
    id = (await created.json() as { id: string }).id;
    t0 = Date.now();
    await gw.publish('student-wristband', 'band-base-101', [{ band: 'W-3001', hr: 120, steps: 100, spo2: 98, temp: 36.4, bat: 66, ts: t0 }]);
    await until('the reading captured by the session', async () => ((await (await gw.api(`/api/sessions/${id}`, { token: LI })).json()) as { captured: number }).captured === 1 ? true : undefined);
    await gw.api(`/api/sessions/${id}/stop`, { method: 'POST', token: LI });

    const json = await (await gw.api(`/api/sessions/${id}/export?format=json`, { token: LI })).json() as {
      time_zone: string; exported_at: string; session: { start: string; end: string; stopped_at: string };
      students: Array<{ readings: Array<{ ts: string }> }>;
    };
    expect(json.time_zone).toBe('Asia/Shanghai');
    for (const v of [json.exported_at, json.session.start, json.session.end, json.session.stopped_at]) expect(v).toMatch(LOCAL);
    expect(json.students[0]!.readings[0]!.ts).toBe(shanghai(t0));

    const csv = (await (await gw.api(`/api/sessions/${id}/export?format=csv`, { token: LI })).text()).trimEnd().split('\r\n');
    const ts = csv[0]!.split(',').indexOf('ts');
    expect(csv[1]!.split(',')[ts]).toBe(shanghai(t0));
    expect(Date.parse(csv[1]!.split(',')[ts]!)).toBe(t0);
  });
});
