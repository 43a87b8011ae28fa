/**
 * The disk's floor under a durable acknowledgement. A QoS 1 reading is acknowledged only after
 * an fdatasync of the log holding it, so every pause of the disk is in the PUBACK tail, whatever
 * the gateway does. Plain aedes (the other floor) never touches the disk.
 *
 * This writes 8 KiB (about what one commit writes at 5,000 msg/s) and fdatasyncs it, once a
 * millisecond, for the run's duration, in the same filesystem as the gateway's database, and
 * times each sync. From those it derives the latency a message would have if it were acknowledged
 * by the first sync that starts after it is due (group commit at its best: no CPU, no queue),
 * at the load's rate: its p99 is the lowest PUBACK p99 this disk allows that load.
 *
 * On the workplace's 2-core VM, with nothing else running, 40 s of this gave fdatasync p50
 * 0.15 ms, p99 0.41 ms, and 6 pauses of 33-147 ms: one 100 ms pause delays 500 messages at
 * 5,000 msg/s, 1% of a 10 s round.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { latencySummary, round } from './stats.js';

export interface DiskFloorResult {
  /** fdatasync durations. */
  sync: ReturnType<typeof latencySummary> & { max_ms: number; over_10ms: number };
  /** Due → the end of the first sync that started at or after it, for a message every 1/rate s. */
  ack: ReturnType<typeof latencySummary>;
}

/** A sync: when it started and ended (ms, any clock). */
export interface SyncSpan { start: number; end: number }

/**
 * Latency of messages due every `1000 / rate` ms from `from` to `to`, each acknowledged at the
 * end of the first sync that started at or after it was due (`syncs` in start order). Messages
 * after the last sync's start are left out.
 */
export function ackFloor(syncs: readonly SyncSpan[], rate: number, from: number, to: number): number[] {
  const out: number[] = [];
  let k = 0;
  for (let t = from; t < to; t += 1000 / rate) {
    while (k < syncs.length && syncs[k]!.start < t) k++;
    if (k === syncs.length) break;
    out.push(syncs[k]!.end - t);
  }
  return out;
}

/** Blocks the calling thread for `durationMs` (the bench runs it between runs, with nothing else to do). */
export function runDiskFloor(o: { dir: string; durationMs: number; rate: number; everyMs?: number }): DiskFloorResult {
  const dir = mkdtempSync(join(o.dir, 'disk-floor-'));
  const fd = openSync(join(dir, 'log'), 'w');
  const block = Buffer.alloc(8192, 0x5a);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const every = o.everyMs ?? 1;
  const spans: SyncSpan[] = [];
  try {
    // Rewrites the first 16 MiB over and over, as the write-ahead log does once it has started over.
    const t0 = performance.now();
    for (let i = 0; ; i++) {
      const due = t0 + i * every;
      if (due >= t0 + o.durationMs) break;
      const wait = due - performance.now();
      if (wait > 0) Atomics.wait(nap, 0, 0, wait);
      const start = performance.now();
      writeSync(fd, block, 0, block.length, (i % 2048) * block.length);
      fdatasyncSync(fd);
      spans.push({ start, end: performance.now() });
    }
    const durations = spans.map((s) => s.end - s.start);
    return {
      sync: { ...latencySummary(durations), max_ms: round(durations.reduce((m, d) => Math.max(m, d), 0), 1), over_10ms: durations.filter((d) => d > 10).length },
      ack: latencySummary(ackFloor(spans, o.rate, t0, t0 + o.durationMs)),
    };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}
