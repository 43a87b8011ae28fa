import { appendFile, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWal, type Wal, type WalRecord } from './wal.js';
import { frameHeader, segmentPath } from './wal-segment.js';

const log = pino({ level: 'silent' });
let dir: string;
const open: Wal[] = [];

async function startWal(opts: { segmentBytes?: number } = {}): Promise<Wal> {
  const wal = createWal({ dir, ...opts }, { log });
  await wal.start();
  open.push(wal);
  return wal;
}

async function all(wal: Wal): Promise<WalRecord[]> {
  const out: WalRecord[] = [];
  for await (const r of wal.replay()) out.push(r);
  return out;
}

const rec = (i: number): Buffer => Buffer.from(`reading-${i}`);

beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'wal-test-')); });
afterEach(async () => {
  for (const w of open.splice(0)) await w.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('wal', () => {
  it('replays every appended record in order after a restart', async () => {
    const wal = await startWal();
    expect(await wal.append([rec(1), rec(2)])).toBe(2);
    expect(await wal.append([rec(3)])).toBe(3);
    await wal.stop();
    const again = await startWal();
    const got = await all(again);
    expect(got.map((r) => [r.lsn, r.data.toString()])).toEqual([[1, 'reading-1'], [2, 'reading-2'], [3, 'reading-3']]);
    expect(await again.append([rec(4)])).toBe(4);
  });

  it('writes a string record as UTF-8 and tells the LSN the next record gets', async () => {
    const wal = await startWal();
    expect(wal.nextLsn()).toBe(1);
    const pending = wal.append(['{"room":"教室 3","v":1}', rec(2)]);
    expect(wal.nextLsn()).toBe(3); // assigned before the group is synced
    expect(await pending).toBe(2);
    await wal.stop();
    const got = await all(await startWal());
    expect(got.map((r) => r.data.toString('utf8'))).toEqual(['{"room":"教室 3","v":1}', 'reading-2']);
  });

  it('commits concurrent appends in groups (fewer syncs than appends)', async () => {
    const wal = await startWal();
    const lsns = await Promise.all(Array.from({ length: 500 }, (_, i) => wal.append([rec(i)])));
    expect(new Set(lsns).size).toBe(500);
    const s = wal.stats();
    expect(s.appended).toBe(500);
    expect(s.groups).toBeGreaterThan(0);
    expect(s.groups).toBeLessThan(500);
    expect((await all(wal)).map((r) => r.data.toString())).toEqual(Array.from({ length: 500 }, (_, i) => `reading-${i}`));
  });

  it('truncates a torn tail (half-written frame) and keeps appending after it', async () => {
    const wal = await startWal();
    await wal.append([rec(1), rec(2)]);
    await wal.stop();
    const seg = segmentPath(dir, 'wal', 1);
    const good = (await stat(seg)).size;
    const payload = Buffer.alloc(8 + 100, 7);
    await appendFile(seg, Buffer.concat([frameHeader(payload), payload.subarray(0, 40)])); // kill -9 mid-write
    const again = await startWal();
    expect(again.stats().torn_bytes_at_start).toBe(8 + 40);
    expect((await stat(seg)).size).toBe(good);
    expect((await all(again)).map((r) => r.data.toString())).toEqual(['reading-1', 'reading-2']);
    await again.append([rec(3)]);
    expect((await all(again)).map((r) => r.data.toString())).toEqual(['reading-1', 'reading-2', 'reading-3']);
  });

  it('stops at a record whose CRC does not match', async () => {
    const wal = await startWal();
    await wal.append([rec(1)]);
    await wal.stop();
    const payload = Buffer.alloc(8 + 5, 1);
    const header = frameHeader(payload);
    header.writeUInt32LE(header.readUInt32LE(4) ^ 1, 4);
    await appendFile(segmentPath(dir, 'wal', 1), Buffer.concat([header, payload]));
    const again = await startWal();
    expect(again.stats().torn_bytes_at_start).toBe(8 + 13);
    expect((await all(again)).map((r) => r.lsn)).toEqual([1]);
  });

  it('checkpoint hides confirmed records from replay, deletes their segments, keeps LSNs growing', async () => {
    const wal = await startWal({ segmentBytes: 200 });
    for (let i = 1; i <= 30; i++) await wal.append([rec(i)]);
    const before = (await readdir(dir)).filter((n) => n.endsWith('.seg')).length;
    expect(before).toBeGreaterThan(3);
    await wal.checkpoint(25);
    const after = (await readdir(dir)).filter((n) => n.endsWith('.seg')).length;
    expect(after).toBeLessThan(before);
    expect((await all(wal)).map((r) => r.lsn)).toEqual([26, 27, 28, 29, 30]);
    await wal.checkpoint(30);
    await wal.stop();
    const again = await startWal({ segmentBytes: 200 });
    expect(await all(again)).toEqual([]);
    expect(await again.append([rec(31)])).toBe(31);
  });

  it('ignores files that are not its segments', async () => {
    await writeFile(join(dir, 'notes.txt'), 'x');
    const wal = await startWal();
    expect(await all(wal)).toEqual([]);
    expect(await wal.append([rec(1)])).toBe(1);
  });
});
