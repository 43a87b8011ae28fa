// The WAL under kill -9: a child process appends with many concurrent writers and prints
// every append it saw acknowledged (fsync'ed); the test kills it with SIGKILL mid-stream,
// reopens the log and checks that every acknowledged record is replayed, intact and in order.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createWal } from '../../src/store/wal.js';

const walModule = fileURLToPath(new URL('../../src/store/wal.ts', import.meta.url));
const dirs: string[] = [];
afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }); });

const CHILD = `
import { createWal } from ${JSON.stringify(walModule)};
// Runs from a temp dir where pino does not resolve: a logger that says nothing.
const log = { child() { return log; }, info() {}, warn() {}, error() {}, debug() {} };
const wal = createWal({ dir: process.argv[2], segmentBytes: 256 * 1024 }, { log });
await wal.start();
let next = 0;
await Promise.all(Array.from({ length: 64 }, async () => {
  for (;;) {
    const id = next++;
    await wal.append([Buffer.from(JSON.stringify({ id, pad: 'x'.repeat(id % 300) }))]);
    process.stdout.write('ack ' + id + '\\n');
  }
}));
`;

describe('wal under kill -9', () => {
  it('replays every record whose append had resolved before the kill', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wal-kill9-'));
    dirs.push(dir);
    const walDir = join(dir, 'wal');
    const script = join(dir, 'child.mts');
    await writeFile(script, CHILD);
    const child = spawn(process.execPath, ['--import', 'tsx', script, walDir], { cwd: fileURLToPath(new URL('../../..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Set<number>();
    let buf = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.on('exit', () => reject(new Error('child exited before the kill')));
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        for (const p of parts) if (p.startsWith('ack ')) acked.add(Number(p.slice(4)));
        if (acked.size >= 3_000) resolve();
      });
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const wal = createWal({ dir: walDir, segmentBytes: 256 * 1024 }, { log: pino({ level: 'silent' }) });
    await wal.start();
    const replayed = new Set<number>();
    let lastLsn = 0;
    for await (const r of wal.replay()) {
      expect(r.lsn).toBeGreaterThan(lastLsn);
      lastLsn = r.lsn;
      const rec = JSON.parse(r.data.toString()) as { id: number; pad: string };
      expect(rec.pad).toBe('x'.repeat(rec.id % 300));
      replayed.add(rec.id);
    }
    const missing = [...acked].filter((id) => !replayed.has(id));
    expect(missing).toEqual([]);
    expect(replayed.size).toBeGreaterThanOrEqual(acked.size);
    expect(await wal.append([Buffer.from('after')])).toBe(lastLsn + 1);
    await wal.stop();
  }, 60_000);
});
