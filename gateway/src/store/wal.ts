/**
 * Write-ahead log with group commit, for "PUBACK only after the reading is durably recorded".
 *
 * - `append(records)` resolves with the last record's LSN once its group is fdatasync'ed;
 *   appends that arrive while a sync is in flight share the next one (group commit), so a
 *   burst of QoS 1 publishes costs one fsync per round, not one per message.
 * - `replay()` yields, in order, every record after the last checkpoint (torn tail removed
 *   by CRC at `start()`); the gateway feeds them to its stores, which are idempotent.
 * - `checkpoint(lsn)` records that every record ≤ lsn is safely in the stores and deletes
 *   the segments that hold nothing newer.
 * Record payload: f64 LE LSN, then the caller's bytes.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PRIVATE_FILE_MODE } from '../config/private-files.js';
import { writeFileAtomic } from '../lib/atomic-file.js';
import { openSegmentLog, recoverSegments, scanFrames, segmentPath, type SegmentLog } from './wal-segment.js';
import { gwError } from '../errors.js';

export interface WalOptions {
  dir: string;
  /** Segment size before rolling (default 64 MiB). */
  segmentBytes?: number;
  /** fdatasync every group (default true; false only for benchmarks of the framing itself). */
  sync?: boolean;
}

export interface WalRecord {
  lsn: number;
  data: Buffer;
}

export interface WalStats {
  segments: number;
  next_lsn: number;
  checkpoint_lsn: number;
  appended: number;
  groups: number;
  torn_bytes_at_start: number;
}

export interface Wal {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A string record is written as UTF-8 (one copy fewer than `Buffer.from` first). */
  append(records: readonly (Buffer | string)[]): Promise<number>;
  /** The LSN the next appended record gets (assigned synchronously by `append`). */
  nextLsn(): number;
  replay(): AsyncGenerator<WalRecord>;
  checkpoint(lsn: number): Promise<void>;
  stats(): WalStats;
}

const PREFIX = 'wal';

export function createWal(options: WalOptions, deps: { log: Logger }): Wal {
  const log = deps.log.child({ component: 'wal' });
  const segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
  const checkpointFile = join(options.dir, 'checkpoint');
  /** Highest LSN in each live segment. */
  const maxLsnOf = new Map<number, number>();
  let seglog: SegmentLog | undefined;
  let nextLsn = 1;
  let checkpointLsn = 0;
  let appended = 0;
  let tornBytes = 0;

  async function writeCheckpoint(lsn: number): Promise<void> {
    // The content synced, not the directory: a lost rename only replays a little more.
    await writeFileAtomic(checkpointFile, String(lsn), { mode: PRIVATE_FILE_MODE, fsync: 'file' });
  }

  return {
    async start() {
      checkpointLsn = Number(await readFile(checkpointFile, 'utf8').catch(() => '0')) || 0;
      const segs = await recoverSegments(options.dir, PREFIX);
      let maxLsn = checkpointLsn;
      for (const s of segs) {
        tornBytes += s.tornBytes;
        if (s.tornBytes > 0) log.warn({ segment: s.seq, torn_bytes: s.tornBytes }, 'truncated a torn WAL tail');
        let segMax = 0;
        for (const r of s.records) segMax = Math.max(segMax, r.payload.readDoubleLE(0));
        maxLsnOf.set(s.seq, segMax);
        maxLsn = Math.max(maxLsn, segMax);
      }
      nextLsn = maxLsn + 1;
      const last = segs.at(-1);
      seglog = await openSegmentLog(
        {
          dir: options.dir, prefix: PREFIX, segmentBytes, sync: options.sync ?? true,
          onWritten: (seq, payloads) => {
            const last = payloads.at(-1);
            if (last) maxLsnOf.set(seq, Math.max(maxLsnOf.get(seq) ?? 0, last.readDoubleLE(0)));
          },
        },
        last ? { seq: last.seq, bytes: last.bytes } : undefined,
      );
      log.info({ segments: segs.length, next_lsn: nextLsn, checkpoint_lsn: checkpointLsn }, 'WAL open');
    },

    async stop() {
      await seglog?.close();
      seglog = undefined;
    },

    nextLsn: () => nextLsn,

    async append(records) {
      if (!seglog) throw gwError('GW_ERR_WAL_NOT_STARTED', 'append before start()');
      if (records.length === 0) return nextLsn - 1;
      const payloads = records.map((data) => {
        const text = typeof data === 'string';
        const p = Buffer.allocUnsafe(8 + (text ? Buffer.byteLength(data) : data.length));
        p.writeDoubleLE(nextLsn++, 0);
        if (text) p.write(data, 8);
        else data.copy(p, 8);
        return p;
      });
      const lastLsn = nextLsn - 1;
      await seglog.append(payloads);
      appended += records.length;
      return lastLsn;
    },

    async *replay() {
      for (const seq of [...maxLsnOf.keys()].sort((a, b) => a - b)) {
        if ((maxLsnOf.get(seq) ?? 0) <= checkpointLsn) continue;
        const buf = await readFile(segmentPath(options.dir, PREFIX, seq)).catch(() => Buffer.alloc(0));
        for (const r of scanFrames(buf).records) {
          const lsn = r.payload.readDoubleLE(0);
          if (lsn > checkpointLsn) yield { lsn, data: r.payload.subarray(8) };
        }
      }
    },

    async checkpoint(lsn) {
      if (lsn <= checkpointLsn) return;
      checkpointLsn = lsn;
      await writeCheckpoint(lsn);
      if (!seglog) return;
      const current = seglog.currentSeq();
      if ((maxLsnOf.get(current) ?? Infinity) <= lsn) await seglog.roll();
      const live = seglog.currentSeq();
      for (const [seq, max] of maxLsnOf) {
        if (seq !== live && max <= lsn) {
          maxLsnOf.delete(seq);
          await rm(segmentPath(options.dir, PREFIX, seq), { force: true });
        }
      }
    },

    stats: () => ({
      segments: maxLsnOf.size,
      next_lsn: nextLsn,
      checkpoint_lsn: checkpointLsn,
      appended,
      groups: seglog?.groups() ?? 0,
      torn_bytes_at_start: tornBytes,
    }),
  };
}
