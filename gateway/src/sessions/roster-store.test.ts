import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { createRosterStore } from './roster-store.js';

describe('createRosterStore', () => {
  const dirs: string[] = [];
  const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'rosters-')); dirs.push(d); return d; };
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  it('keeps a roster per teacher and class, 0600 on disk, across a restart', () => {
    const file = join(tmp(), 'data', 'rosters.json');
    const a = createRosterStore({ file }, { log: silentLogger(), now: () => Date.parse('2026-03-02T08:00:00Z') });
    a.put('ms-li', '七年级二班', [{ device: 'P-1', student: '张伟' }]);
    a.put('mr-wu', '七年级二班', [{ device: 'P-2', student: '李娜' }]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const b = createRosterStore({ file }, { log: silentLogger() });
    expect(b.get('ms-li', '七年级二班')).toEqual({ class: '七年级二班', roster: [{ device: 'P-1', student: '张伟' }], savedAt: '2026-03-02T08:00:00.000Z' });
    expect(b.get('mr-wu', '七年级二班')?.roster).toEqual([{ device: 'P-2', student: '李娜' }]);
    expect(b.get('ms-li', '8C')).toBeUndefined();
  });

  it('keeps an unreadable file aside and starts empty, writing the next save anew', () => {
    const dir = tmp();
    const file = join(dir, 'rosters.json');
    writeFileSync(file, '{"version":1,"rosters":');
    const s = createRosterStore({ file }, { log: silentLogger(), now: () => 42 });
    expect(s.get('ms-li', '7B')).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['rosters.json.bad-42']);
    s.put('ms-li', '7B', [{ device: 'P-1', student: 'Li' }]);
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, rosters: { 'ms-li': { '7B': { roster: [{ device: 'P-1', student: 'Li' }] } } } });
  });
});
