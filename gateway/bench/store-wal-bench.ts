/**
 * WAL micro benchmark: durable appends/s with group commit, by number of concurrent
 * appenders (each awaits its own fsync'ed append before the next, like one QoS 1 client).
 * Run: node --import tsx gateway/bench/store-wal-bench.ts [seconds-per-case]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createWal } from '../src/store/wal.js';

const seconds = Number(process.argv[2] ?? 3);
const record = Buffer.alloc(200, 'x');
const rows: { concurrency: number; appends_per_s: number; groups: number; records_per_sync: number; p50_ms: number; p99_ms: number }[] = [];

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

for (const concurrency of [1, 16, 256, 2048]) {
  const dir = await mkdtemp(join(tmpdir(), 'wal-bench-'));
  const wal = createWal({ dir }, { log: pino({ level: 'silent' }) });
  await wal.start();
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await wal.append([record]);
      lat.push(performance.now() - t);
      n++;
    }
  }));
  const s = wal.stats();
  await wal.stop();
  await rm(dir, { recursive: true, force: true });
  lat.sort((a, b) => a - b);
  rows.push({
    concurrency,
    appends_per_s: Math.round(n / seconds),
    groups: s.groups,
    records_per_sync: Number((n / Math.max(1, s.groups)).toFixed(1)),
    p50_ms: Number(pct(lat, 0.5).toFixed(2)),
    p99_ms: Number(pct(lat, 0.99).toFixed(2)),
  });
}

console.log('WAL durable appends (200-byte records, fdatasync per group)');
console.log('concurrency  appends/s  records/sync  p50 ms  p99 ms');
for (const r of rows) {
  console.log(`${String(r.concurrency).padStart(11)}  ${String(r.appends_per_s).padStart(9)}  ${String(r.records_per_sync).padStart(12)}  ${String(r.p50_ms).padStart(6)}  ${String(r.p99_ms).padStart(6)}`);
}
console.log(JSON.stringify({ bench: 'store-wal', record_bytes: record.length, seconds_per_case: seconds, rows }));
