import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePrivateDir, preparePrivateSqlite, tightenFile } from './private-files.js';

const modeOf = (p: string) => statSync(p).mode & 0o777;

describe('private data files, under a umask of 022', () => {
  let dir: string;
  let umask: number;
  beforeAll(() => {
    umask = process.umask(0o022);
    dir = mkdtempSync(join(tmpdir(), 'cg-private-'));
  });
  afterAll(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives an SQLite database, its -wal and its -shm 0600 in a 0700 directory', () => {
    const file = join(dir, 'a', 'b', 'gateway.db');
    preparePrivateSqlite(file);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (v TEXT); INSERT INTO t VALUES (\'heart rate 120\')');
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect([f, modeOf(f).toString(8)]).toEqual([f, '600']);
    db.close();
    expect(modeOf(join(dir, 'a')).toString(8)).toBe('700');
    expect(modeOf(join(dir, 'a', 'b')).toString(8)).toBe('700');
  });

  it('tightens what an older version left 0644, and its own directory when 0755', () => {
    const own = join(dir, 'store');
    mkdirSync(own, { mode: 0o755 });
    const file = join(own, 'gateway.db');
    writeFileSync(file, '');
    writeFileSync(`${file}-wal`, '');
    chmodSync(file, 0o644);
    chmodSync(`${file}-wal`, 0o644);
    makePrivateDir(own, { own: true });
    preparePrivateSqlite(file);
    expect(modeOf(own).toString(8)).toBe('700');
    expect(modeOf(file).toString(8)).toBe('600');
    expect(modeOf(`${file}-wal`).toString(8)).toBe('600');
    expect(tightenFile(join(dir, 'missing'))).toBe(false);
  });

  it('leaves an existing parent directory that is not its own as it is', () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared, { mode: 0o755 });
    preparePrivateSqlite(join(shared, 'outbox.db'));
    expect(modeOf(shared).toString(8)).toBe('755');
    expect(modeOf(join(shared, 'outbox.db')).toString(8)).toBe('600');
  });
});
