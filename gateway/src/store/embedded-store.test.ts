import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reading } from '../core/reading.js';
import { silentLogger } from '../log.js';
import { createEmbeddedStore, LATEST_WRITE_EVERY_MS } from './embedded-store.js';
import { openWalSync, type WalSync } from './sqlite-wal-sync.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cg-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const light = (ts: number, bri: number): Reading => ({
  template: 'classroom-light', device: 'L1', ts, tags: {}, fields: { on: bri > 0, brightness_pct: bri },
});

describe('embedded store', () => {
  it('writes, queries raw and downsampled, and keeps the latest fields', async () => {
    const store = createEmbeddedStore({ path: tempDir(), retentionDays: 30 }, { log: silentLogger(), now: () => 100_000 });
    await store.start();
    await store.write([light(1000, 10), light(2000, 20), light(61_000, 30)]);
    expect(await store.query!({ device: 'L1', field: 'brightness_pct', from: 0, to: 100_000 })).toEqual([
      { ts: 1000, value: 10 }, { ts: 2000, value: 20 }, { ts: 61_000, value: 30 },
    ]);
    expect(await store.query!({ device: 'L1', field: 'brightness_pct', from: 0, to: 100_000, everyMs: 60_000 })).toEqual([
      { ts: 0, value: 15 }, { ts: 60_000, value: 30 },
    ]);
    // spread: each bucket's min and max beside the mean (a chart's band when zoomed out).
    expect(await store.query!({ device: 'L1', field: 'brightness_pct', from: 0, to: 100_000, everyMs: 60_000, spread: true })).toEqual([
      { ts: 0, value: 15, min: 10, max: 20 }, { ts: 60_000, value: 30, min: 30, max: 30 },
    ]);
    const latest = await store.latest!();
    expect(latest.get('L1')).toEqual({ template: 'classroom-light', ts: 61_000, fields: { on: true, brightness_pct: 30 } });
    expect(store.health().written).toBe(3);
    // The write-ahead log is checkpointed by a worker thread, not inside commits on the event loop.
    expect(store.health().detail).toMatchObject({ checkpoints: 'worker' });
    // Each commit's readings are acknowledged after an fdatasync of that log (power-cut durable).
    expect(store.health().detail).toMatchObject({ durability: 'wal-fdatasync', wal_syncs: 1 });
    await store.stop();
  });

  it('makes a new database with 2 KiB pages and keeps the page size of one that exists', async () => {
    const fresh = tempDir();
    const a = createEmbeddedStore({ path: fresh, retentionDays: 30 }, { log: silentLogger(), now: () => 100_000 });
    await a.start();
    await a.write([light(1000, 10)]);
    expect(a.health().detail).toMatchObject({ page_bytes: 2048 });
    await a.stop();
    const peek = new Database(join(fresh, 'gateway.db'), { readonly: true });
    expect(peek.pragma('page_size', { simple: true })).toBe(2048);
    peek.close();

    // A database made before (4 KiB pages, already in WAL mode) is used as it is, rows and all.
    const older = tempDir();
    const made = new Database(join(older, 'gateway.db'));
    made.pragma('page_size = 4096');
    made.pragma('journal_mode = WAL');
    made.close();
    const b = createEmbeddedStore({ path: older, retentionDays: 30 }, { log: silentLogger(), now: () => 100_000 });
    await b.start();
    await b.write([light(1000, 10), light(2000, 20)]);
    expect(b.health().detail).toMatchObject({ page_bytes: 4096 });
    await b.stop();
    const again = createEmbeddedStore({ path: older, retentionDays: 30 }, { log: silentLogger(), now: () => 100_000 });
    await again.start();
    expect(await again.query!({ device: 'L1', field: 'brightness_pct', from: 0, to: 100_000 })).toEqual([{ ts: 1000, value: 10 }, { ts: 2000, value: 20 }]);
    expect(again.health().detail).toMatchObject({ page_bytes: 4096 });
    await again.stop();
  });

  it('acknowledges a write only once the write-ahead log holding it is fdatasynced', async () => {
    const path = tempDir();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const store = createEmbeddedStore({ path, retentionDays: 30 }, {
      log: silentLogger(),
      openWalSync: async (file) => {
        const real = await openWalSync(file);
        return { ...real, afterCommit: async () => { order.push('sync requested'); await gate; await real.afterCommit(); order.push('synced'); } };
      },
    });
    await store.start();
    const written = store.write([light(1000, 10)]).then(() => order.push('acknowledged'));
    await new Promise((r) => setTimeout(r, 50));
    // Committed (a query sees it) but not acknowledged while the fdatasync is held back.
    expect(await store.query!({ device: 'L1', field: 'brightness_pct', from: 0, to: 2000 })).toEqual([{ ts: 1000, value: 10 }]);
    expect(order).toEqual(['sync requested']);
    expect(store.health().written).toBe(0);
    release();
    await written;
    expect(order).toEqual(['sync requested', 'synced', 'acknowledged']);
    expect(store.health()).toMatchObject({ written: 1, detail: { durability: 'wal-fdatasync' } });
    await store.stop();
  });

  it('refuses the writes whose fdatasync failed, counting them, and goes on', async () => {
    let failNext = true;
    const store = createEmbeddedStore({ path: tempDir(), retentionDays: 30 }, {
      log: silentLogger(),
      openWalSync: async (file): Promise<WalSync> => {
        const real = await openWalSync(file);
        return { ...real, afterCommit: async () => { if (failNext) { failNext = false; throw new Error('EIO: i/o error, fdatasync'); } await real.afterCommit(); } };
      },
    });
    await store.start();
    await expect(store.write([light(1000, 10), light(2000, 20)])).rejects.toThrow('EIO');
    await store.write([light(3000, 30)]);
    expect(store.health()).toMatchObject({ written: 1, dropped: { sync_error: 2 } });
    await store.stop();
  });

  it('fsyncs inside each commit when the write-ahead log cannot be opened for fdatasync', async () => {
    const store = createEmbeddedStore({ path: tempDir(), retentionDays: 30 }, {
      log: silentLogger(), openWalSync: () => Promise.reject(new Error('ENOENT')),
    });
    await store.start();
    await store.write([light(1000, 10)]);
    expect(store.health()).toMatchObject({ written: 1, detail: { durability: 'full' } });
    await store.stop();
  });

  it('tries a commit again while another connection holds the writer lock, without waiting on the event loop', async () => {
    const path = tempDir();
    const store = createEmbeddedStore({ path, retentionDays: 30 }, { log: silentLogger() });
    await store.start();
    // As the checkpointer's RESTART does for a millisecond or two.
    const other = new Database(join(path, 'gateway.db'));
    other.exec('BEGIN IMMEDIATE');
    const t = Date.now();
    const written = store.write([light(t, 10)]);
    let ticks = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 40) {
      await new Promise((r) => setTimeout(r, 1));
      ticks++;
    }
    // The event loop kept turning, and the write waits, unacknowledged.
    expect(ticks).toBeGreaterThan(5);
    expect(store.health()).toMatchObject({ written: 0 });
    expect((store.health().detail as { busy_retries: number }).busy_retries).toBeGreaterThan(0);
    other.exec('COMMIT');
    other.close();
    await written;
    expect(store.health()).toMatchObject({ written: 1, dropped: {} });
    expect(await store.query!({ device: 'L1', field: 'brightness_pct', from: t, to: t + 1 })).toEqual([{ ts: t, value: 10 }]);
    await store.stop();
  });

  it('overwrites the same series and timestamp, and survives a restart', async () => {
    const path = tempDir();
    const t = Date.now();
    const a = createEmbeddedStore({ path, retentionDays: 30 }, { log: silentLogger() });
    await a.start();
    await Promise.all([a.write([light(t, 40)]), a.write([light(t, 41)])]);
    await a.stop();
    const b = createEmbeddedStore({ path, retentionDays: 30 }, { log: silentLogger() });
    await b.start();
    expect(await b.query!({ device: 'L1', field: 'brightness_pct', from: t - 1, to: t + 1 })).toEqual([{ ts: t, value: 41 }]);
    await b.stop();
  });

  it('writes a device\'s latest fields at once the first time, then at most once a second, and merges them back in after a crash', async () => {
    const path = tempDir();
    const store = createEmbeddedStore({ path, retentionDays: 30 }, { log: silentLogger() });
    await store.start();
    const rowOf = (dir: string) => {
      const db = new Database(join(dir, 'gateway.db'), { readonly: true });
      try {
        return db.prepare("SELECT ts, fields FROM latest WHERE device = 'L1'").get() as { ts: number; fields: string } | undefined;
      } finally {
        db.close();
      }
    };
    const t = Date.now();
    await store.write([light(t, 10)]);
    expect(rowOf(path)).toEqual({ ts: t, fields: '{"on":true,"brightness_pct":10}' });
    // Within the second: the row waits, the store's latest() already has the newer fields.
    await store.write([{ ...light(t + 1, 20), fields: { brightness_pct: 20, power_w: 9 } }]);
    await store.write([{ ...light(t + 2, 30), event: 'scene' }]);
    await store.write([light(t - 5, 99)]); // older than the latest: changes nothing
    expect(rowOf(path)?.ts).toBe(t);
    expect((await store.latest!()).get('L1')).toEqual({ template: 'classroom-light', ts: t + 2, fields: { on: true, brightness_pct: 30, power_w: 9 } });
    // A crash now: the database as it is on disk (committed and synced), opened by a new store.
    const crashed = tempDir();
    copyFileSync(join(path, 'gateway.db'), join(crashed, 'gateway.db'));
    copyFileSync(join(path, 'gateway.db-wal'), join(crashed, 'gateway.db-wal'));
    const after = createEmbeddedStore({ path: crashed, retentionDays: 30 }, { log: silentLogger() });
    await after.start();
    // `event` is the row's event name, not a field: it does not come back as one.
    expect((await after.latest!()).get('L1')).toEqual({ template: 'classroom-light', ts: t + 2, fields: { on: true, brightness_pct: 30, power_w: 9 } });
    await after.stop();
    // A second later the next commit writes the row; stop() writes whatever is still pending.
    await new Promise((r) => setTimeout(r, LATEST_WRITE_EVERY_MS + 50));
    await store.write([{ ...light(t + 3, 40), tags: { room: 'A101' } }]);
    expect(rowOf(path)).toEqual({ ts: t + 3, fields: '{"on":true,"brightness_pct":40,"power_w":9}' });
    await store.write([light(t + 4, 50)]);
    await store.stop();
    expect(rowOf(path)).toEqual({ ts: t + 4, fields: '{"on":true,"brightness_pct":50,"power_w":9}' });
  });

  it('keeps points of different series at the same timestamp apart', async () => {
    const store = createEmbeddedStore({ path: ':memory:', retentionDays: 30 }, { log: silentLogger() });
    await store.start();
    const pt = (stroke: string): Reading => ({ template: 'smart-pen', device: 'R1', ts: 7, tags: { page: 'p', stroke }, fields: { x_mm: 1 } });
    await store.write([pt('0'), pt('1')]);
    expect(await store.query!({ device: 'R1', field: 'x_mm', from: 0, to: 10 })).toHaveLength(2);
    await store.stop();
  });

  it('removes readings older than the retention period on start', async () => {
    const path = tempDir();
    const day = 86_400_000;
    const a = createEmbeddedStore({ path, retentionDays: 1 }, { log: silentLogger(), now: () => 10 * day });
    await a.start();
    await a.write([light(1 * day, 1), light(9.5 * day, 2)]);
    await a.stop();
    const b = createEmbeddedStore({ path, retentionDays: 1 }, { log: silentLogger(), now: () => 10 * day });
    await b.start();
    expect(await b.query!({ device: 'L1', field: 'brightness_pct', from: 0, to: 11 * day })).toEqual([{ ts: 9.5 * day, value: 2 }]);
    await b.stop();
  });
});
