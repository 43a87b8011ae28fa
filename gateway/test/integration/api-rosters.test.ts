// Rosters as teachers have them (issue #19): a roster pasted from a spreadsheet or typed with
// full-width commas is previewed line by line against the registry, saved for the class and
// loaded again, and starts a session; through a real gateway over HTTP.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/token-hash.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

const LI = 'teacher-li-7c1d9e2f3a4b5c6d';

interface Preview {
  ok: boolean;
  lines: Array<{ line: number; status: string; device?: string; student: string; message: string }>;
  errors: Array<{ line: number; message: string }>;
  roster: Array<{ device: string; student: string }>;
}

// As pasted: a header, the line of issue #19, a tab from a spreadsheet, 、 and ；, a full-width space, an unknown pen.
const PASTED = [
  '设备，学生',
  'P-A103-1-04，张伟',
  'W-A103-04\t张伟',
  '',
  '\u3000P-A103-1-05、李娜\u3000',
  'P-A103-1-99，王芳',
  'C-A103-05；李娜',
].join('\n');

describe('api: rosters pasted, previewed, saved and reused', () => {
  let gw: RunningGateway;
  const api = (path: string, init: RequestInit = {}) => gw.api(path, { ...init, token: LI });
  const preview = async (text: string) => {
    const res = await api('/api/sessions/roster-preview', { method: 'POST', body: JSON.stringify({ text }) });
    expect(res.status).toBe(200);
    return await res.json() as Preview;
  };

  beforeAll(async () => {
    gw = await startTestGateway({
      http: { tokens: [{ role: 'teacher', tokenHash: hashToken(LI), name: 'ms-li' }] },
      devices: [
        { id: 'P-A103-1-04', template: 'smart-pen', person: 'S-0104' }, { id: 'P-A103-1-05', template: 'smart-pen', person: 'S-0105' },
        { id: 'W-A103-04', template: 'student-wristband', person: 'S-0104' }, { id: 'C-A103-05', template: 'response-clicker', person: 'S-0105' },
      ],
    });
  });
  afterAll(async () => gw?.stop());

  it('previews a pasted roster line by line, flagging the unknown pen by its typed line', async () => {
    const p = await preview(PASTED);
    expect(p.errors).toEqual([]);
    expect(p.lines.map((l) => [l.line, l.status, l.device ?? null, l.student])).toEqual([
      [2, 'ok', 'P-A103-1-04', '张伟'], [3, 'ok', 'W-A103-04', '张伟'], [5, 'ok', 'P-A103-1-05', '李娜'],
      [6, 'unknown_device', null, '王芳'], [7, 'ok', 'C-A103-05', '李娜'],
    ]);
    expect(p.ok).toBe(false);
    expect(p.roster).toHaveLength(4);
    expect(JSON.stringify(p)).not.toContain('P-A103-1-99');
  });

  it('names a line it cannot read in plain words, quoting what the teacher typed', async () => {
    const p = await preview('P-A103-1-04，张伟\nP-A103-1-05，\nP-A103-1-05 李娜');
    expect(p.errors).toEqual([
      { line: 2, reason: 'no_student', message: 'line 2: "P-A103-1-05，" has no student name after the separator' },
      { line: 3, reason: 'no_separator', message: 'line 3: "P-A103-1-05 李娜" has no separator between device and student (use a tab, comma, "，", "、" or ";")' },
    ]);
  });

  it('flags a device twice, two pens for one student, and a device another session holds', async () => {
    const p = await preview('P-A103-1-04，张伟\nP-A103-1-04，李娜\nP-A103-1-05，张伟');
    expect(p.lines.map((l) => l.status)).toEqual(['ok', 'duplicate_device', 'duplicate_student']);
    expect(p.lines[1]!.message).toBe('line 2: the same device as line 1');
  });

  it('saves the roster for the class (0600 under the data directory) and loads it again', async () => {
    const put = await api('/api/rosters/7B', { method: 'PUT', body: JSON.stringify({ text: PASTED }) });
    expect(put.status).toBe(200);
    const file = join(gw.dir, 'data', 'rosters.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const got = await api('/api/rosters/7B');
    expect(got.status).toBe(200);
    const saved = await got.json() as { class: string; roster: Array<{ device: string; student: string }>; text: string };
    expect(saved.class).toBe('7B');
    expect(saved.roster).toEqual([
      { device: 'P-A103-1-04', student: '张伟' }, { device: 'W-A103-04', student: '张伟' }, { device: 'P-A103-1-05', student: '李娜' },
      { device: 'P-A103-1-99', student: '王芳' }, { device: 'C-A103-05', student: '李娜' },
    ]);
    // What is loaded into the textarea previews the same.
    expect((await preview(saved.text)).lines.map((l) => l.status)).toEqual(['ok', 'ok', 'ok', 'unknown_device', 'ok']);
    expect((await api('/api/rosters/8C')).status).toBe(404);
  });

  it('refuses to save a roster it cannot read, naming the line only', async () => {
    const res = await api('/api/rosters/7B', { method: 'PUT', body: JSON.stringify({ text: 'P-A103-1-04，张伟\nP-A103-1-05，' }) });
    expect(res.status).toBe(400);
    const body = await res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('GW_ERR_ROSTER');
    expect(body.error.message).toBe('line 2: has no student name after the separator');
    expect((await (await api('/api/rosters/7B')).json() as { roster: unknown[] }).roster).toHaveLength(5);
  });

  it('starts a session from the previewed roster of the line of issue #19, then flags its devices in use', async () => {
    const p = await preview('P-A103-1-04，张伟\nW-A103-04，张伟');
    expect(p.ok).toBe(true);
    const res = await api('/api/sessions', {
      method: 'POST', body: JSON.stringify({ room: 'A103', class: '7B', subject: '物理', roster: p.roster }),
    });
    expect(res.status).toBe(201);
    const s = await res.json() as { roster: Array<{ device: string; student: string; template: string }> };
    expect(s.roster).toEqual([
      { device: 'P-A103-1-04', student: '张伟', template: 'smart-pen' }, { device: 'W-A103-04', student: '张伟', template: 'student-wristband' },
    ]);
    expect((await preview('P-A103-1-04，张伟\nP-A103-1-05，李娜')).lines.map((l) => l.status)).toEqual(['in_use', 'ok']);
  });
});
