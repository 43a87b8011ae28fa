/**
 * A store in front of a slower one (InfluxDB): `write()` resolves once the
 * readings are in the write-ahead log (one fdatasync per group of concurrent
 * writes), so a QoS 1 PUBACK costs a local fsync rather than an HTTP round trip.
 * The inner store is written in the background; the log is checkpointed up to
 * the highest contiguous record the inner store has confirmed. On start, every
 * record after the checkpoint is replayed into the inner store (its writes are
 * idempotent: same series and timestamp overwrite), so `kill -9` loses nothing
 * that was acknowledged.
 */
import type { Logger } from 'pino';
import type { Reading } from '../core/reading.js';
import type { ReadingStore, StoreHealth } from './types.js';
import { createWal, type Wal } from './wal.js';

export interface WalStoreOptions {
  dir: string;
  /** Readings written to the log but not yet confirmed by the inner store before `write()` waits (back-pressure). */
  maxPendingReadings?: number;
  checkpointEveryMs?: number;
}

export function createWalStore(inner: ReadingStore, options: WalStoreOptions, deps: { log: Logger; wal?: Wal }): ReadingStore {
  const log = deps.log.child({ component: 'wal-store' });
  const wal = deps.wal ?? createWal({ dir: options.dir }, { log: deps.log });
  const maxPending = options.maxPendingReadings ?? 200_000;
  /** LSN → readings count of records written to the log and not yet confirmed by the inner store. */
  const pending = new Map<number, number>();
  const confirmed = new Set<number>();
  /** Records the inner store refused: the checkpoint never passes them (replayed at the next start). */
  const failed = new Set<number>();
  let pendingReadings = 0;
  let checkpointed = 0;
  let replayed = 0;
  let innerErrors = 0;
  let timer: NodeJS.Timeout | undefined;
  let waiters: Array<() => void> = [];

  function settle(lsn: number, n: number): void {
    pending.delete(lsn);
    pendingReadings -= n;
    if (pendingReadings < maxPending && waiters.length > 0) {
      const w = waiters;
      waiters = [];
      for (const fn of w) fn();
    }
  }

  function forward(lsn: number, readings: readonly Reading[]): void {
    inner.write(readings).then(
      () => {
        confirmed.add(lsn);
        settle(lsn, readings.length);
      },
      (err: unknown) => {
        // Left in the log (not checkpointed past), replayed into the store at the next start.
        innerErrors += 1;
        failed.add(lsn);
        settle(lsn, readings.length);
        log.warn({ err, lsn }, 'inner store refused a logged batch; it stays in the write-ahead log');
      },
    );
  }

  /** Highest LSN such that every logged record up to it is confirmed. */
  async function checkpoint(): Promise<void> {
    let upTo = checkpointed;
    let barrier = Infinity;
    for (const lsn of pending.keys()) if (lsn < barrier) barrier = lsn;
    for (const lsn of failed) if (lsn < barrier) barrier = lsn;
    const sorted = [...confirmed].sort((a, b) => a - b);
    for (const lsn of sorted) {
      if (lsn >= barrier) break;
      upTo = lsn;
      confirmed.delete(lsn);
    }
    if (upTo > checkpointed) {
      await wal.checkpoint(upTo);
      checkpointed = upTo;
    }
  }

  return {
    async start() {
      await inner.start();
      await wal.start();
      for await (const rec of wal.replay()) {
        const readings = JSON.parse(rec.data.toString('utf8')) as Reading[];
        await inner.write(readings);
        replayed += readings.length;
        checkpointed = rec.lsn;
      }
      if (checkpointed > 0) await wal.checkpoint(checkpointed);
      if (replayed > 0) log.info({ readings: replayed }, 'replayed the write-ahead log into the store');
      timer = setInterval(() => void checkpoint().catch((err: unknown) => log.warn({ err }, 'checkpoint failed')), options.checkpointEveryMs ?? 1_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      while (pending.size > 0) await new Promise((r) => setTimeout(r, 20));
      await checkpoint();
      await wal.stop();
      await inner.stop();
    },
    async write(readings) {
      if (readings.length === 0) return;
      while (pendingReadings >= maxPending) await new Promise<void>((r) => waiters.push(r));
      const lsn = await wal.append([Buffer.from(JSON.stringify(readings))]);
      pending.set(lsn, readings.length);
      pendingReadings += readings.length;
      forward(lsn, readings);
    },
    ...(inner.query ? { query: (q) => inner.query!(q) } : {}),
    ...(inner.latest ? { latest: () => inner.latest!() } : {}),
    health(): StoreHealth {
      const h = inner.health();
      return { ...h, detail: { ...h.detail, wal: { ...wal.stats(), pending_readings: pendingReadings, replayed_at_start: replayed, inner_errors: innerErrors } } };
    },
  };
}
