import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { countSlow, createGroupSync, openWalSync, type SlowSyncs } from './sqlite-wal-sync.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('group sync', () => {
  it('runs one sync at a time; requests made during one share the next', async () => {
    const started: Array<() => void> = [];
    const g = createGroupSync(() => new Promise<void>((r) => started.push(r)));
    const done: string[] = [];
    const a = g.request().then(() => done.push('a'));
    const b = g.request().then(() => done.push('b'));
    const c = g.request().then(() => done.push('c'));
    expect(started).toHaveLength(1); // a's sync; b and c wait: their commits may have come after it started
    started[0]!();
    await a;
    expect(done).toEqual(['a']);
    expect(started).toHaveLength(2);
    started[1]!();
    await Promise.all([b, c]);
    expect(done).toEqual(['a', 'b', 'c']);
    expect(g.rounds()).toBe(2);
  });

  it('rejects the requests of a failed sync and serves later ones', async () => {
    let fail = true;
    const g = createGroupSync(async () => { if (fail) { fail = false; throw new Error('EIO'); } });
    await expect(g.request()).rejects.toThrow('EIO');
    await expect(g.request()).resolves.toBeUndefined();
  });
});

describe('slow fdatasyncs', () => {
  it('counts each sync into every threshold it passed', () => {
    const slow: SlowSyncs = { over_10ms: 0, over_25ms: 0, over_50ms: 0, over_100ms: 0 };
    for (const ms of [0.3, 10, 10.5, 30, 60, 150]) countSlow(slow, ms);
    expect(slow).toEqual({ over_10ms: 4, over_25ms: 3, over_50ms: 2, over_100ms: 1 });
  });
});

describe('fdatasync of an SQLite write-ahead log', () => {
  it('opens the -wal file of a database in WAL mode and syncs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-walsync-'));
    dirs.push(dir);
    const file = join(dir, 'gateway.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (v INTEGER)');
    const sync = await openWalSync(file);
    db.prepare('INSERT INTO t VALUES (1)').run();
    await sync.afterCommit();
    await sync.afterCommit();
    expect(sync.rounds()).toBe(2);
    // Two syncs counted; a slow one is rare on a quiet disk, so only the counters' shape is certain here.
    const slow = sync.slow();
    expect(Object.keys(slow).sort()).toEqual(['over_100ms', 'over_10ms', 'over_25ms', 'over_50ms']);
    expect(slow.over_10ms).toBeLessThanOrEqual(2);
    await sync.close();
    db.close();
  });

  it('fails when there is no write-ahead log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-walsync-'));
    dirs.push(dir);
    await expect(openWalSync(join(dir, 'none.db'))).rejects.toThrow(/ENOENT/);
  });
});
