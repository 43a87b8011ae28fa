import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from './sqlite-checkpointer.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('startCheckpointer', () => {
  it('copies the write-ahead log back into the database from its own thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-ckpt-'));
    dirs.push(dir);
    const file = join(dir, 'db.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');
    const failures: string[] = [];
    const ck = await startCheckpointer({ file, everyMs: 100, onFailure: (r) => failures.push(r) });
    try {
      const ins = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
      db.transaction(() => { for (let i = 0; i < 3_000; i++) ins.run(i, 'x'.repeat(1_000)); })();
      // Nothing on this connection checkpoints: the rows reach the database file only through the worker.
      await until(() => statSync(file).size > 2_000_000, 'database file filled by the checkpoint');
      expect(failures).toEqual([]);
      expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(3_000);
    } finally {
      await ck.stop();
      db.close();
    }
  });

  it('says so when it cannot work, so the caller checkpoints itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-ckpt-'));
    dirs.push(dir);
    const failures: string[] = [];
    const ck = await startCheckpointer({ file: join(dir, 'missing.sqlite'), onFailure: (r) => failures.push(r) });
    await ck.stop();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/missing\.sqlite|unable to open|does not exist/i);
  });
});
