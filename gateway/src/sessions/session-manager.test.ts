import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import type { Reading } from '../core/reading.js';
import { buildSessionExport, sessionExportCsv } from './export.js';
import { createSessionManager } from './session-manager.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const pseudonym = (v: string) => `p-${Buffer.from(v).toString('hex').padEnd(24, '0').slice(0, 24)}`;
const band = (id: string, ts: number, hr: number): Reading => ({
  template: 'student-wristband', device: 'band-base-1', ts, fields: { band: pseudonym(id), heart_rate_bpm: hr }, tags: { room: '101' },
});

describe('session manager', () => {
  it('captures roster readings matched by pseudonym, within the session, until stopped', async () => {
    let now = T0;
    const m = createSessionManager({}, { log: silentLogger(), pseudonym, now: () => now });
    await m.start();
    const view = m.create({ room: '101', class: '7B', subject: 'PE', start: new Date(T0).toISOString(), end: new Date(T0 + 3_600_000).toISOString(), roster: [{ device: 'W-1', student: 'Ann' }] }, 'ms-li');
    m.readings([band('W-1', T0 - 1000, 90), band('W-1', T0 + 1000, 120), band('W-2', T0 + 1000, 100)]);
    now = T0 + 60_000;
    const s = m.get(view.id)!;
    expect(m.live(s)).toMatchObject({ status: 'live', captured: 1, connected: 1, live: [{ device: 'W-1', connected: true, readings: 1 }] });
    m.stopSession(s);
    m.readings([band('W-1', T0 + 61_000, 130)]);
    expect(m.live(s)).toMatchObject({ status: 'stopped', captured: 1 });
    expect(m.list('mr-wu')).toEqual([]);
    expect(m.list('ms-li')).toHaveLength(1);
  });

  it('persists sessions and their captured readings across a restart, and forgets them after keepDays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sessions-'));
    const file = join(dir, 'sessions.json');
    const a = createSessionManager({ file }, { log: silentLogger(), now: () => T0 });
    await a.start();
    const v = a.create({ room: '102', class: '8A', subject: 'Maths', roster: [{ device: 'P-1', student: 'Bo' }] }, 't');
    a.readings([{ template: 'smart-pen', device: 'rx', ts: T0 + 5, fields: { pen: 'P-1', x_mm: 1 }, tags: {} }]);
    await a.stop();
    expect(readFileSync(file, 'utf8')).not.toContain('x_mm');
    expect(statSync(join(dir, 'sessions', `${v.id}.ndjson`)).mode & 0o777).toBe(0o600);
    const b = createSessionManager({ file }, { log: silentLogger(), now: () => T0 + 60_000 });
    await b.start();
    const s = b.get(v.id)!;
    expect(s).toMatchObject({ room: '102', roster: [{ device: 'P-1', student: 'Bo' }] });
    expect(b.captured(s)).toEqual([{ student: 'Bo', key: 'P-1', reading: expect.objectContaining({ ts: T0 + 5, fields: { pen: 'P-1', x_mm: 1 } }) }]);
    await b.stop();
    const later = createSessionManager({ file, keepDays: 30 }, { log: silentLogger(), now: () => T0 + 31 * 86_400_000 });
    await later.start();
    expect(later.get(v.id)).toBeUndefined();
    expect(existsSync(join(dir, 'sessions', `${v.id}.ndjson`))).toBe(false);
  });
});

describe('session export', () => {
  it('writes CSV with quoting and without spreadsheet formulas', () => {
    const session = { id: 's', owner: 't', room: '1', class: 'c', subject: 's', start: '', end: '', stoppedAt: null, status: 'stopped' as const, roster: [{ device: 'W-1', student: '=cmd|"x"' }] };
    const e = buildSessionExport(session, [{ student: '=cmd|"x"', key: 'W-1', reading: band('W-1', T0, 100) }], T0);
    const csv = sessionExportCsv(e).split('\r\n');
    expect(csv[0]).toBe('student,device,template,ts,event,tag_room,band,heart_rate_bpm');
    expect(csv[1]).toBe(`"'=cmd|""x""",W-1,student-wristband,2026-03-02T08:00:00.000Z,,101,${pseudonym('W-1')},100`);
  });
});
