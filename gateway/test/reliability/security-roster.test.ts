// Issue #16's rules for the rosters of issue #19, attacked through a real gateway over HTTP
// (aedes on port 0 with a real MQTT publish, role tokens):
//  1. the preview answers a probe of an unknown id, a device only seen on the broker, a relay
//     registered to nobody, a room sensor and a real student's pen another way only by line:
//     no device value, person id or template of a device not on the roster comes back;
//  2. a teacher's saved roster is theirs: another teacher reads 404 (as if none was saved) and
//     cannot overwrite it; facilities and district may not preview or save rosters;
//  3. an unreadable roster is refused naming the line, never the names typed;
//  4. hostile class names (`__proto__`, `../../etc/passwd`) are keys, not paths or prototypes;
//     oversized pastes are refused with 400 and past-500 lines named.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/token-hash.js';
import { startTestGateway, type RunningGateway } from '../integration/api-harness.js';

const TOKENS = {
  li: 'tea-li-4b1d9e2f3a7c5c6d0e1f2a3b', wu: 'tea-wu-0a9b8c7d6e5f4a3b2c1d0e9f',
  facilities: 'fac-7e6d5c4b3a291807f6e5d4c3', district: 'dis-1f2e3d4c5b6a79881726354a',
};
type Who = keyof typeof TOKENS;

interface Preview { ok: boolean; lines: Array<{ line: number; status: string; device?: string; student: string; message: string }>; errors: unknown[] }

describe('security: pasted rosters, previews and saved rosters', () => {
  let gw: RunningGateway;
  const as = (who: Who, path: string, init: RequestInit = {}) => gw.api(path, { ...init, token: TOKENS[who] });
  const preview = async (who: Who, text: string) => as(who, '/api/sessions/roster-preview', { method: 'POST', body: JSON.stringify({ text }) });

  beforeAll(async () => {
    gw = await startTestGateway({
      http: {
        tokens: [
          { role: 'teacher', tokenHash: hashToken(TOKENS.li), name: 'ms-li' }, { role: 'teacher', tokenHash: hashToken(TOKENS.wu), name: 'mr-wu' },
          { role: 'facilities', tokenHash: hashToken(TOKENS.facilities), name: 'caretaker' },
          { role: 'district', tokenHash: hashToken(TOKENS.district), name: 'district-office' },
        ],
      },
      devices: [
        { id: 'P-A103-1-04', template: 'smart-pen', person: 'S2023104' },
        { id: 'band-base-gym', template: 'student-wristband', room: 'GYM', building: 'B' },
        { id: 'occ-101', template: 'occupancy-sensor', room: '101', building: 'A' },
      ],
    });
    // A band only seen on the broker: known to the registry, never registered by the school.
    await gw.publish('student-wristband', 'W-SEEN-77', [{ band: 'W-SEEN-77', hr: 99, steps: 1, spo2: 98, temp: 36.5, bat: 50 }]);
  });
  afterAll(async () => gw?.stop());

  it('answers every device not registered for a student the same way, echoing none of it', async () => {
    const res = await preview('li', 'NOPE-1，张伟\nW-SEEN-77，张伟\nband-base-gym，张伟\nocc-101，张伟\nP-A103-1-04，张伟');
    expect(res.status).toBe(200);
    const p = await res.json() as Preview;
    const probes = p.lines.slice(0, 4).map(({ line, ...rest }) => ({ ...rest, message: rest.message.replace(`line ${line}: `, '') }));
    expect(new Set(probes.map((x) => JSON.stringify(x))).size).toBe(1);
    expect(probes[0]).toEqual({ status: 'unknown_device', student: '张伟', message: expect.stringMatching(/^not a device the school registered for one student/) });
    expect(p.lines[4]).toMatchObject({ line: 5, status: 'ok', device: 'P-A103-1-04' });
    const body = JSON.stringify(p);
    for (const leak of ['NOPE-1', 'W-SEEN-77', 'band-base-gym', 'occ-101', 'S2023104', 'student-wristband', 'occupancy-sensor', 'GYM']) expect(body).not.toContain(leak);
  });

  it('keeps a teacher\'s saved roster theirs', async () => {
    expect((await as('li', '/api/rosters/7B', { method: 'PUT', body: JSON.stringify({ text: 'P-A103-1-04，张伟' }) })).status).toBe(200);
    const wuRead = await as('wu', '/api/rosters/7B');
    expect(wuRead.status).toBe(404);
    expect(await wuRead.text()).not.toContain('张伟');
    expect((await as('wu', '/api/rosters/7B', { method: 'PUT', body: JSON.stringify({ text: 'X-1，李四' }) })).status).toBe(200);
    expect((await (await as('li', '/api/rosters/7B')).json() as { roster: unknown }).roster).toEqual([{ device: 'P-A103-1-04', student: '张伟' }]);
    for (const who of ['facilities', 'district'] as const) {
      expect((await as(who, '/api/rosters/7B')).status).toBe(403);
      expect((await as(who, '/api/rosters/7B', { method: 'PUT', body: JSON.stringify({ text: 'P-A103-1-04，张伟' }) })).status).toBe(403);
      expect((await preview(who, 'P-A103-1-04，张伟')).status).toBe(403);
    }
  });

  it('refuses an unreadable roster naming the line, not the names typed', async () => {
    const res = await as('li', '/api/rosters/7C', { method: 'PUT', body: JSON.stringify({ text: 'P-A103-1-04，张伟\n欧阳娜娜' }) });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'GW_ERR_ROSTER', message: expect.stringMatching(/^line 2: has no separator/) } });
    expect(text).not.toContain('欧阳娜娜');
    expect(text).not.toContain('P-A103-1-04');
  });

  it('keeps hostile class names as keys and refuses oversized pastes', async () => {
    for (const cls of ['__proto__', '../../etc/passwd', 'constructor']) {
      const put = await as('li', `/api/rosters/${encodeURIComponent(cls)}`, { method: 'PUT', body: JSON.stringify({ text: `P-A103-1-04，${cls}` }) });
      expect(put.status).toBe(200);
      expect(await (await as('li', `/api/rosters/${encodeURIComponent(cls)}`)).json()).toMatchObject({ class: cls, roster: [{ device: 'P-A103-1-04', student: cls }] });
    }
    const data = join(gw.dir, 'data');
    const saved = JSON.parse(readFileSync(join(data, 'rosters.json'), 'utf8')) as { rosters: Record<string, Record<string, unknown>> };
    expect(Object.keys(saved.rosters['ms-li']!).sort()).toEqual(['../../etc/passwd', '7B', '__proto__', 'constructor']);
    expect(readdirSync(data).filter((f) => f.startsWith('rosters'))).toEqual(['rosters.json']);
    expect((await preview('li', 'x'.repeat(100_001))).status).toBe(400);
    const many = await preview('li', Array.from({ length: 501 }, (_, i) => `P-${i}，学生${i}`).join('\n'));
    expect((await many.json() as { errors: Array<{ line: number }> }).errors.map((e) => e.line)).toEqual([501]);
  });
});
