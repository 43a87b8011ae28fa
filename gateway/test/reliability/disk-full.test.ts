/**
 * Disk full (issue #10), on a 2 MiB tmpfs mounted by the test (needs root):
 * the InfluxDB store's spool, the write-ahead log and the uplink outbox run out
 * of space. Nothing crashes; a write that could not be made durable is refused
 * (so it is never acknowledged) or counted by reason; writing resumes once space
 * returns; and everything that was acknowledged before is still delivered.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { influxConfig } from './influx-config.js';
import type { Reading } from '../../src/core/reading.js';
import { silentLogger } from '../../src/log.js';
import { createInfluxStore } from '../../src/store/influx-store.js';
import { createWal } from '../../src/store/wal.js';
import { openOutbox } from '../../src/uplink/outbox.js';
import { startInflux, type InfluxServer } from '../kit/index.js';
import { waitFor } from './mqtt-bytes.js';

const T = 240_000;
let root: string;
let mnt: string;
let influx: InfluxServer;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

/** Fills the tmpfs with a file until only `leaveBytes` remain; returns its path. */
function fill(name: string, leaveBytes: number): string {
  const free = Number(execFileSync('df', ['--output=avail', '-B1', mnt]).toString().split('\n')[1]);
  const file = join(mnt, name);
  writeFileSync(file, Buffer.alloc(Math.max(0, free - leaveBytes)));
  return file;
}

function readings(device: string, from: number, n: number): Reading[] {
  return Array.from({ length: n }, (_, i) => ({
    template: 'energy-meter-1p', device, ts: 1_767_600_000_000 + (from + i) * 1000,
    fields: { voltage_v: 230 + ((from + i) % 10), current_a: 1.5, note: `r${from + i}-${randomBytes(40).toString('base64')}` }, tags: { room: '101' },
  }));
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('disk-full tests mount a tmpfs and need root (run the suite as root, as CI does)');
  process.on('unhandledRejection', onUnhandled);
  root = mkdtempSync(join(tmpdir(), 'rel-diskfull-'));
  mnt = join(root, 'mnt');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
  influx = await startInflux();
  await influx.createDatabase('campus');
}, T);

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await influx?.stop();
  try { execFileSync('umount', ['-l', mnt]); } catch { /* not mounted */ }
  rmSync(root, { recursive: true, force: true });
}, T);

describe('disk full', () => {
  it('influx store spool: refused or counted while full, resumes when space returns, every acknowledged reading delivered', async () => {
    const spoolDir = join(mnt, 'spool');
    const store = createInfluxStore({
      config: influxConfig(parseConfig({ store: { kind: 'influx', url: influx.url, database: 'campus', flushMs: 50 } }).store),
      site: 'rel', spoolDir, retryBaseMs: 100, retryMaxMs: 500, requestTimeoutMs: 3_000,
    }, { log: silentLogger() });
    await store.start();
    await influx.stop(); // InfluxDB down: everything goes to the spool on the tmpfs
    const filler = fill('filler', 256 * 1024);
    const acked: Reading[] = [];
    let refused = 0;
    for (let b = 0; b < 60; b++) {
      const batch = readings('em-full', b * 200, 200);
      try {
        await store.write(batch);
        acked.push(...batch);
      } catch {
        refused += batch.length;
      }
    }
    const h = store.health();
    console.log(`[reliability] spool on a full disk: ${acked.length} acknowledged, ${refused} refused, dropped ${JSON.stringify(h.dropped)}, last_error ${String(h.detail?.last_error)}`);
    // The disk holds far less than 12,000 readings: the rest was refused or counted, not silently lost.
    const counted = Object.values(h.dropped).reduce((a, b) => a + b, 0);
    expect(refused + counted).toBeGreaterThan(0);
    rmSync(filler); // space returns
    const more = readings('em-full', 100_000, 200);
    await store.write(more);
    acked.push(...more);
    await influx.start();
    await waitFor(() => Number(store.health().detail?.spool_lines ?? 0) === 0 && store.health().ok, 180_000, 'spool did not drain');
    await store.stop();
    const res = await influx.query(`SELECT count(voltage_v) FROM energy_meter_1p WHERE device='em-full'`, 'campus');
    const stored = Number(res.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
    const droppedOldest = store.health().dropped.spool_full_dropped_oldest ?? 0;
    // Every acknowledged reading is in InfluxDB, except those the spool policy dropped and counted.
    expect(stored + droppedOldest).toBeGreaterThanOrEqual(acked.length);
    expect(unhandled).toEqual([]);
  }, T);

  it('write-ahead log: an append that cannot be made durable is refused; appends resume; every acknowledged record replays', async () => {
    const dir = join(mnt, 'wal');
    mkdirSync(dir);
    const wal = createWal({ dir, segmentBytes: 256 * 1024 }, { log: silentLogger() });
    await wal.start();
    const filler = fill('filler-wal', 64 * 1024);
    const acked = new Set<string>();
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const rec = Buffer.from(`rec-${i}-${'y'.repeat(500)}`);
      try {
        await wal.append([rec]);
        acked.add(rec.toString());
      } catch {
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
    rmSync(filler);
    const after = Buffer.from(`rec-after-${'z'.repeat(100)}`);
    await wal.append([after]);
    acked.add(after.toString());
    await wal.stop();
    const again = createWal({ dir, segmentBytes: 256 * 1024 }, { log: silentLogger() });
    await again.start();
    const replayed = new Set<string>();
    for await (const r of again.replay()) replayed.add(r.data.toString());
    await again.stop();
    const missing = [...acked].filter((a) => !replayed.has(a));
    console.log(`[reliability] WAL on a full disk: ${acked.size} acknowledged, ${refused} refused, ${replayed.size} replayed, missing ${missing.map((m) => m.slice(0, 12)).join(' ')}`);
    expect(missing).toEqual([]);
    expect(unhandled).toEqual([]);
  }, T);

  it('uplink outbox (SQLite): a push on a full disk throws instead of pretending; earlier messages survive; pushes resume', () => {
    const path = join(mnt, 'outbox', 'outbox.db');
    const box = openOutbox(path, 100_000);
    const filler = fill('filler-outbox', 32 * 1024);
    const pushed: string[] = [];
    let refused = 0;
    for (let i = 0; i < 2_000; i++) {
      try {
        box.push({ id: `m-${i}`, topic: 'hub/rel/summary/energy', payload: JSON.stringify({ i, pad: 'p'.repeat(300) }), priority: 0 });
        pushed.push(`m-${i}`);
      } catch {
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
    rmSync(filler);
    box.push({ id: 'm-after', topic: 'hub/rel/summary/energy', payload: '{}', priority: 0 });
    pushed.push('m-after');
    box.close();
    const reopened = openOutbox(path, 100_000);
    const ids = new Set(reopened.next(0, 100_000).map((e) => e.id));
    reopened.close();
    console.log(`[reliability] outbox on a full disk: ${pushed.length} pushed, ${refused} refused, ${ids.size} after reopening`);
    expect(pushed.filter((id) => !ids.has(id))).toEqual([]);
  }, T);
});
