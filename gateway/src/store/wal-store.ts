/**
 * A store in front of a slower one (InfluxDB): `write()` resolves once the
 * readings are in the write-ahead log (one fdatasync per group of concurrent
 * writes), so a QoS 1 PUBACK costs a local fsync rather than an HTTP round trip.
 * The inner store is written at once, in the background; the log is checkpointed up to
 * the highest contiguous record the inner store has confirmed. On start, every
 * record after the checkpoint is replayed into the inner store (its writes are
 * idempotent: same series and timestamp overwrite), so `kill -9` loses nothing
 * that was acknowledged.
 */
import type { Logger } from 'pino';
import type { Reading } from '../core/reading.js';
import type { ReadingStore, StoreHealth } from './types.js';
import { createWal, type Wal } from './wal.js';

const DONE: Promise<void> = Promise.resolve();

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

  /**
   * Not async on purpose: the readings go to the inner store (which encodes them into its batch)
   * in the same tick, so no reading object waits for the fsync. Under load that wait outlasts two
   * young-generation GCs and every waiting reading would be promoted (found in a heap snapshot of
   * a QoS 0 flood). Writing the inner store before the record is synced is safe: its writes are
   * idempotent, and a reading whose record never reached the log is not acknowledged (the device
   * sends it again). The record is confirmed (checkpointable) once both are done.
   */
  function logAndForward(readings: readonly Reading[]): Promise<void> {
    const n = readings.length;
    const lsn = wal.nextLsn();
    const synced = wal.append([JSON.stringify(readings)]);
    if (wal.nextLsn() === lsn) return synced.then(() => undefined); // refused before taking an LSN (not started): nothing to track
    pending.set(lsn, n);
    pendingReadings += n;
    let logged: boolean | undefined;
    let written: boolean | undefined;
    const finish = (): void => {
      if (logged === undefined || written === undefined) return;
      if (written) confirmed.add(lsn);
      // Left in the log (not checkpointed past), replayed into the store at the next start.
      else if (logged) failed.add(lsn);
      settle(lsn, n);
    };
    inner.write(readings).then(
      () => { written = true; finish(); },
      (err: unknown) => {
        innerErrors += 1;
        written = false;
        finish();
        log.warn({ err, lsn }, 'inner store refused a logged batch; it stays in the write-ahead log');
      },
    );
    return synced.then(
      () => { logged = true; finish(); },
      (err: unknown) => { logged = false; finish(); throw err; },
    );
  }

  async function writeWhenRoom(readings: readonly Reading[]): Promise<void> {
    while (pendingReadings >= maxPending) await new Promise<void>((r) => waiters.push(r));
    return logAndForward(readings);
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
    write(readings) {
      if (readings.length === 0) return DONE;
      return pendingReadings >= maxPending ? writeWhenRoom(readings) : logAndForward(readings);
    },
    ...(inner.query ? { query: (q) => inner.query!(q) } : {}),
    ...(inner.seriesTemplates ? { seriesTemplates: (d, from, to) => inner.seriesTemplates!(d, from, to) } : {}),
    ...(inner.latest ? { latest: () => inner.latest!() } : {}),
    health(): StoreHealth {
      const h = inner.health();
      return { ...h, detail: { ...h.detail, wal: { ...wal.stats(), pending_readings: pendingReadings, replayed_at_start: replayed, inner_errors: innerErrors } } };
    },
  };
}
