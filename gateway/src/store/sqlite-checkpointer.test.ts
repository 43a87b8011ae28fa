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

/** A database in WAL mode (table `t`) that only the worker under test checkpoints. */
function walDatabase(): { file: string; db: Database.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'cg-ckpt-'));
  dirs.push(dir);
  const file = join(dir, 'db.sqlite');
  // As the store's connection: no busy wait, a refused commit is simply tried again.
  const db = new Database(file, { timeout: 0 });
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');
  return { file, db };
}

describe('startCheckpointer', () => {
  it('copies the write-ahead log back into the database from its own thread', async () => {
    const { file, db } = walDatabase();
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

  it('starts the log over under steady writes, so it does not grow without bound', async () => {
    const { file, db } = walDatabase();
    const ins = db.prepare('INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)');
    let released = 0;
    const ck = await startCheckpointer({ file, everyMs: 100, restartAtBytes: 1024 * 1024, onReleased: () => released++, onFailure: (r) => { throw new Error(r); } });
    let commits = 0;
    let busy = 0;
    try {
      // One small commit per turn of the event loop, as the store makes under steady load: each
      // writes at least one 4 KiB page to the log.
      const t0 = Date.now();
      while (ck.restarts() < 3 || Date.now() - t0 < 1_000) {
        if (Date.now() - t0 > 30_000) throw new Error(`the log was started over ${ck.restarts()} times in 30 s`);
        // As the store: no transaction while the checkpointer holds the gate for its RESTART.
        if (ck.holding()) {
          await new Promise((r) => setImmediate(r));
          continue;
        }
        try {
          ins.run(commits % 500, 'x'.repeat(200));
          commits++;
        } catch (err) {
          if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
          busy++;
        }
        await new Promise((r) => setImmediate(r));
      }
      // Without restarts the log holds every page ever committed (≥ 4 KiB a commit).
      expect(statSync(`${file}-wal`).size).toBeLessThan((commits * 4_096) / 2);
      expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(Math.min(commits, 500));
      // A commit is refused only when it starts in the instant between the gate going up and the
      // RESTART taking the writer lock: with SQLite's busy handler instead, ~1 commit in 1,000 was refused at 5,000 msg/s.
      expect(busy).toBeLessThanOrEqual(ck.restarts());
      // Every RESTART lets the writer go again, done or not.
      expect(released).toBeGreaterThanOrEqual(ck.restarts());
      expect(ck.holding()).toBe(false);
      // Each hold is timed, done or given up: one per release, the last 16 kept.
      const holds = ck.holds();
      expect(holds.count).toBe(released);
      expect(holds.lastMs).toHaveLength(Math.min(holds.count, 16));
      for (const ms of holds.lastMs) expect(ms).toBeGreaterThanOrEqual(0);
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
  // The writer mid-log and quiet, the log not all copied (a reader's snapshot): what the worker
  // reads while nothing is written, over 600 ms. Also checks what it read before.
  async function quietReads(refreshEveryMs: number): Promise<number> {
    const { file, db } = walDatabase();
    const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
    const write = (pages: number) => db.transaction(() => { for (let i = 0; i < pages; i++) ins.run('x'.repeat(3_000)); })();
    const MiB = 1024 * 1024;
    // A 6 MiB log, written before the worker starts: the writer is at its end, nothing to read ahead.
    write(1_500);
    const logBytes = statSync(`${file}-wal`).size;
    expect(logBytes).toBeGreaterThan(5 * MiB);
    const failures: string[] = [];
    let quiet = 0;
    const ck = await startCheckpointer({ file, everyMs: 20, restartAtBytes: 4 * MiB, warmAheadBytes: 2 * MiB, refreshEveryMs, onFailure: (r) => failures.push(r) });
    try {
      await until(() => ck.restarts() >= 1, 'the first restart');
      // Started over: the writer's next frames overwrite the log from its beginning.
      await until(() => ck.warmedBytes() >= 2 * MiB, 'the first 2 MiB of the log read after the restart');
      const afterRestart = ck.warmedBytes();
      // A reader's snapshot keeps the passes from copying all of the log, so the writer does not
      // start it over again: it moves on (~1.2 MiB), and the worker reads on ahead of it.
      write(1);
      const reader = new Database(file, { readonly: true });
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM t').get();
      try {
        write(300);
        await until(() => ck.warmedBytes() > afterRestart, 'reading on ahead of the writer');
        await new Promise((r) => setTimeout(r, 300));
        const settled = ck.warmedBytes();
        await new Promise((r) => setTimeout(r, 600));
        quiet = ck.warmedBytes() - settled;
      } finally {
        reader.exec('COMMIT');
        reader.close();
      }
      // Reading never grows the file.
      expect(statSync(`${file}-wal`).size).toBe(logBytes);
    } finally {
      await ck.stop();
      db.close();
    }
    expect(failures).toEqual([]);
    return quiet;
  }

  it('reads the log ahead of the writer, from its beginning once it starts over, never past its end', async () => {
    // What is ahead was read already: nothing more until it is time to read it again.
    expect(await quietReads(60_000)).toBe(0);
  }, 30_000);

  it('reads what is ahead of a quiet writer again every refreshEveryMs, so it stays in the page cache', async () => {
    expect(await quietReads(100)).toBeGreaterThanOrEqual(2 * 1024 * 1024);
  }, 30_000);
});
