import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSpool, type Spool, type SpoolOptions } from './spool.js';
import { frameHeader, segmentPath } from './wal-segment.js';

const log = pino({ level: 'silent' });
let dir: string;
let clock = 1_000_000;
const open: Spool[] = [];

async function startSpool(opts: Partial<SpoolOptions> = {}): Promise<Spool> {
  const s = createSpool({ dir, ...opts }, { log, now: () => clock });
  await s.start();
  open.push(s);
  return s;
}

const batch = (i: number, lines = 10): { createdMs: number; lines: number; body: Buffer } =>
  ({ createdMs: clock, lines, body: Buffer.from(`batch-${i}-`.padEnd(100, 'x')) });

async function drain(s: Spool): Promise<string[]> {
  const got: string[] = [];
  for (let e = await s.peek(); e; e = await s.peek()) {
    got.push(e.body.toString().split('-').slice(0, 2).join('-'));
    await s.ack(e.id);
  }
  return got;
}

beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'spool-test-')); clock = 1_000_000; });
afterEach(async () => {
  for (const s of open.splice(0)) await s.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('spool', () => {
  it('replays batches first in, first out and tracks its depth', async () => {
    const s = await startSpool();
    for (let i = 1; i <= 3; i++) expect(await s.append(batch(i))).toBe(true);
    expect(s.depth()).toMatchObject({ batches: 3, lines: 30, oldest_created_ms: clock });
    expect(await drain(s)).toEqual(['batch-1', 'batch-2', 'batch-3']);
    expect(s.depth()).toMatchObject({ batches: 0, bytes: 0, lines: 0 });
  });

  it('survives a restart: acknowledged batches stay gone, the rest replay in order', async () => {
    const s = await startSpool();
    for (let i = 1; i <= 4; i++) await s.append(batch(i));
    const first = await s.peek();
    await s.ack(first?.id ?? -1);
    await s.stop();
    const again = await startSpool();
    expect(again.depth().batches).toBe(3);
    expect(await drain(again)).toEqual(['batch-2', 'batch-3', 'batch-4']);
  });

  it('keeps batches appended after it was emptied, across a restart', async () => {
    const s = await startSpool();
    await s.append(batch(1));
    expect(await drain(s)).toEqual(['batch-1']);
    await s.append(batch(2));
    await s.stop();
    const again = await startSpool();
    expect(await drain(again)).toEqual(['batch-2']);
  });

  it('truncates a torn tail record after kill -9 and keeps the complete ones', async () => {
    const s = await startSpool();
    await s.append(batch(1));
    await s.append(batch(2));
    await s.stop();
    const payload = Buffer.alloc(300, 1);
    await appendFile(segmentPath(dir, 'spool', 1), Buffer.concat([frameHeader(payload), payload.subarray(0, 120)]));
    const again = await startSpool();
    expect(await drain(again)).toEqual(['batch-1', 'batch-2']);
    await again.append(batch(3));
    expect(await drain(again)).toEqual(['batch-3']);
  });

  it('drop-oldest: makes room by dropping the oldest batches, counting their lines', async () => {
    const s = await startSpool({ maxBytes: 400, whenFull: 'drop-oldest' });
    for (let i = 1; i <= 5; i++) expect(await s.append(batch(i, 7))).toBe(true);
    expect(s.depth().bytes).toBeLessThanOrEqual(400);
    const kept = await drain(s);
    expect(kept.at(-1)).toBe('batch-5');
    expect(s.dropped().spool_full_dropped_oldest).toBe((5 - kept.length) * 7);
    expect(kept.length).toBeLessThan(5);
  });

  it('drop-newest: refuses new batches when full, counting their lines', async () => {
    const s = await startSpool({ maxBytes: 400, whenFull: 'drop-newest' });
    const accepted: boolean[] = [];
    for (let i = 1; i <= 5; i++) accepted.push(await s.append(batch(i, 3)));
    const refused = accepted.filter((a) => !a).length;
    expect(refused).toBeGreaterThan(0);
    expect(s.dropped().spool_full_dropped_newest).toBe(refused * 3);
    expect(await drain(s)).toEqual(accepted.flatMap((a, i) => (a ? [`batch-${i + 1}`] : [])));
  });

  it('drops and counts batches older than maxAgeMs', async () => {
    const s = await startSpool({ maxAgeMs: 60_000 });
    await s.append(batch(1, 4));
    clock += 30_000;
    await s.append(batch(2, 5));
    clock += 40_000;
    expect(await drain(s)).toEqual(['batch-2']);
    expect(s.dropped().spool_expired).toBe(4);
  });

  it('a batch dropped while in flight counts as dropped only if its send fails', async () => {
    const s = await startSpool({ maxBytes: 300, whenFull: 'drop-oldest' });
    await s.append(batch(1, 2));
    await s.append(batch(2, 3));
    const e1 = await s.peek();
    await s.append(batch(3, 4)); // pushes batch 1 out while it is being sent
    await s.ack(e1?.id ?? -1);
    expect(s.dropped().spool_full_dropped_oldest).toBe(0);
    const e2 = await s.peek();
    expect(e2?.body.toString()).toMatch(/^batch-2-/);
    await s.append(batch(4, 6));
    s.release(e2?.id ?? -1);
    expect(s.dropped().spool_full_dropped_oldest).toBe(3);
  });

  it('deletes segments once everything in them was sent', async () => {
    const s = await startSpool({ segmentBytes: 250 });
    for (let i = 1; i <= 6; i++) await s.append(batch(i));
    const before = (await readdir(dir)).filter((n) => n.endsWith('.seg')).length;
    expect(before).toBeGreaterThanOrEqual(3);
    expect(await drain(s)).toHaveLength(6);
    const after = (await readdir(dir)).filter((n) => n.endsWith('.seg')).length;
    expect(after).toBeLessThanOrEqual(1);
  });

  it('appends racing the segment roll of an emptied spool are kept', async () => {
    const s = await startSpool();
    const expected: string[] = [];
    for (let i = 0; i < 30; i++) {
      await s.append(batch(i));
      const e = await s.peek();
      // ack empties the spool and rolls the segment while the next append is being written
      await Promise.all([s.ack(e?.id ?? -1), s.append(batch(1000 + i)).then(() => expected.push(`batch-${1000 + i}`))]);
      expect((await drain(s)).sort()).toEqual(expected.splice(0).sort());
    }
    await s.append(batch(7));
    await s.stop();
    const again = await startSpool();
    expect(await drain(again)).toEqual(['batch-7']);
  });
});
