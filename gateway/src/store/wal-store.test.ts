import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reading } from '../core/reading.js';
import { silentLogger } from '../log.js';
import type { ReadingStore, StoreHealth } from './types.js';
import { createWalStore } from './wal-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cg-walstore-'));
  dirs.push(d);
  return d;
}

/** An inner store whose writes complete only when the test says so. */
function gatedStore() {
  const written: Reading[] = [];
  const gates: Array<{ readings: readonly Reading[]; ok: () => void; fail: () => void }> = [];
  let open = false;
  const store: ReadingStore = {
    start: async () => undefined,
    stop: async () => undefined,
    write(readings) {
      if (open) {
        written.push(...readings);
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => gates.push({ readings, ok: () => { written.push(...readings); resolve(); }, fail: () => reject(new Error('refused')) }));
    },
    health: (): StoreHealth => ({ kind: 'gated', ok: true, written: written.length, dropped: {} }),
  };
  return { store, written, gates, openAll: () => { open = true; for (const g of gates.splice(0)) g.ok(); } };
}

const r = (device: string, ts: number): Reading => ({ template: 'classroom-light', device, ts, tags: {}, fields: { power_w: ts } });

describe('write-ahead store', () => {
  it('acknowledges once logged, before the inner store has written', async () => {
    const inner = gatedStore();
    const s = createWalStore(inner.store, { dir: tempDir() }, { log: silentLogger() });
    await s.start();
    await s.write([r('a', 1)]);
    expect(inner.written).toEqual([]);
    expect(inner.gates).toHaveLength(1);
    inner.openAll();
    await s.stop();
    expect(inner.written.map((x) => x.ts)).toEqual([1]);
  });

  it('hands the readings to the inner store in the same tick, before the log is synced', async () => {
    const inner = gatedStore();
    const s = createWalStore(inner.store, { dir: tempDir() }, { log: silentLogger() });
    await s.start();
    const logged = s.write([r('a', 1), r('a', 2)]);
    // The inner store has them already (it encodes them into its batch now): no reading object
    // waits for the fsync, so none is promoted to the old generation under load.
    expect(inner.gates.map((g) => g.readings.map((x) => x.ts))).toEqual([[1, 2]]);
    await logged;
    expect(s.health().detail?.wal).toMatchObject({ pending_readings: 2 }); // logged, not yet confirmed
    inner.openAll();
    await s.stop();
    expect(inner.written.map((x) => x.ts)).toEqual([1, 2]);
  });

  it('replays what the inner store had not confirmed after a crash, and not what it had', async () => {
    const dir = tempDir();
    const first = gatedStore();
    const a = createWalStore(first.store, { dir, checkpointEveryMs: 10 }, { log: silentLogger() });
    await a.start();
    await a.write([r('a', 1)]);
    first.gates[0]!.ok();
    await new Promise((res) => setTimeout(res, 60)); // a checkpoint passes record 1
    await a.write([r('a', 2)]);
    await a.write([r('a', 3), r('b', 3)]);
    // Crash: the process dies with records 2 and 3 only in the log (no stop()).
    const second = gatedStore();
    second.openAll();
    const b = createWalStore(second.store, { dir }, { log: silentLogger() });
    await b.start();
    expect(second.written.map((x) => `${x.device}${x.ts}`)).toEqual(['a2', 'a3', 'b3']);
    await b.stop();
  });

  it('never checkpoints past a batch the inner store refused', async () => {
    const dir = tempDir();
    const first = gatedStore();
    const a = createWalStore(first.store, { dir, checkpointEveryMs: 10 }, { log: silentLogger() });
    await a.start();
    await a.write([r('a', 1)]);
    await a.write([r('a', 2)]);
    first.gates[0]!.fail();
    first.gates[1]!.ok();
    await new Promise((res) => setTimeout(res, 60));
    expect(a.health().detail).toMatchObject({ wal: { inner_errors: 1 } });
    const second = gatedStore();
    second.openAll();
    const b = createWalStore(second.store, { dir }, { log: silentLogger() });
    await b.start();
    expect(second.written.map((x) => x.ts)).toEqual([1, 2]);
    await b.stop();
  });
});
