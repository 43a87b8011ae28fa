/**
 * Power-cut durability for the embedded store, off the event loop. The store commits with
 * `synchronous = NORMAL`: SQLite then writes each transaction to the `-wal` file without an
 * fsync, and such a transaction "might roll back following a power loss" (SQLite's docs; it is
 * safe against a crash of the process). `synchronous = FULL` would fsync inside every commit, on
 * the event loop, since better-sqlite3 is synchronous. Instead, after a commit the store asks for
 * an fdatasync of the `-wal` file on libuv's thread pool and acknowledges the readings once it
 * returns: the same guarantee as FULL (a committed frame is on disk before PUBACK), and the loop
 * keeps serving devices meanwhile.
 *
 * Group sync: a request made while an fdatasync is in flight waits for the next one, which starts
 * when that one returns and covers every commit made in between.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createLatencyWindow, type LatencySummary } from '../lib/latency-window.js';

export interface WalSync {
  /** Resolves once everything SQLite wrote to the `-wal` file before this call is on disk. */
  afterCommit(): Promise<void>;
  /** fdatasync rounds so far (commits ÷ rounds is the grouping factor). */
  rounds(): number;
  /** Duration of the last 512 fdatasyncs (ms). */
  latency(): LatencySummary;
  /**
   * fdatasyncs so far that took longer than 10, 25, 50 and 100 ms (as the event loop saw them
   * return): every commit waiting on one waits that long for its PUBACK.
   */
  slow(): SlowSyncs;
  close(): Promise<void>;
}

/** The thresholds (ms) slow fdatasyncs are counted over. */
export const SLOW_SYNC_MS = [10, 25, 50, 100] as const;
export type SlowSyncs = Record<`over_${(typeof SLOW_SYNC_MS)[number]}ms`, number>;

/** Counts one fdatasync of `ms` into the thresholds it passed. */
export function countSlow(slow: SlowSyncs, ms: number): void {
  for (const t of SLOW_SYNC_MS) if (ms > t) slow[`over_${t}ms`]++;
}

/** Group commit of an async `sync`: each caller resolves after a sync that started after its call. */
export function createGroupSync(sync: () => Promise<void>): { request(): Promise<void>; rounds(): number } {
  let inFlight = false;
  let waiting: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  let rounds = 0;
  const run = (): void => {
    if (inFlight || waiting.length === 0) return;
    inFlight = true;
    const group = waiting;
    waiting = [];
    rounds++;
    sync().then(
      () => { for (const w of group) w.resolve(); },
      (err: unknown) => { for (const w of group) w.reject(err instanceof Error ? err : new Error(String(err))); },
    ).finally(() => {
      inFlight = false;
      run();
    });
  };
  return {
    request: () => new Promise<void>((resolve, reject) => {
      waiting.push({ resolve, reject });
      run();
    }),
    rounds: () => rounds,
  };
}

/**
 * Opens `<dbFile>-wal` (SQLite keeps it while a connection is open in WAL mode) and fsyncs its
 * directory once, so the file itself survives a power cut right after it was created.
 */
export async function openWalSync(dbFile: string): Promise<WalSync> {
  const wal: FileHandle = await open(`${dbFile}-wal`, 'r');
  const dir = await open(dirname(dbFile), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  const took = createLatencyWindow(512);
  const slow: SlowSyncs = { over_10ms: 0, over_25ms: 0, over_50ms: 0, over_100ms: 0 };
  const group = createGroupSync(async () => {
    const t0 = performance.now();
    await wal.datasync();
    const ms = performance.now() - t0;
    took.add(ms);
    countSlow(slow, ms);
  });
  return {
    afterCommit: group.request,
    rounds: group.rounds,
    latency: () => took.summary(),
    slow: () => ({ ...slow }),
    close: () => wal.close(),
  };
}
