/**
 * Durable on-disk spool of line-protocol batches, used while InfluxDB is unreachable or slow.
 *
 * Batches are appended (gzip body + line count + creation time) to CRC-framed segment files
 * with group commit (wal-segment.ts): `append` resolves after fdatasync, so a spooled batch
 * survives kill -9 and power cuts; a torn tail is detected by CRC and truncated at start.
 * Replay is FIFO: `peek()` the oldest batch, send it, then `ack(id)` (written) or
 * `release(id)` (not yet). The head position is saved after acks without fsync: after a
 * crash a few batches may be sent twice, which InfluxDB absorbs (same series and timestamp
 * overwrite), so nothing is counted twice.
 * Bounded by bytes and age; when full, `drop-oldest` or `drop-newest`, and every dropped
 * batch is counted by reason in lines (never silently).
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PRIVATE_FILE_MODE } from '../config/private-files.js';
import { writeFileAtomic } from '../lib/atomic-file.js';
import { openSegmentLog, recoverSegments, segmentPath, FRAME_HEADER_BYTES, type SegmentLog } from './wal-segment.js';
import { gwError } from '../errors.js';

export type SpoolFullPolicy = 'drop-oldest' | 'drop-newest';
export type SpoolDropReason = 'spool_full_dropped_oldest' | 'spool_full_dropped_newest' | 'spool_expired';

export interface SpoolOptions {
  dir: string;
  maxBytes?: number;
  maxAgeMs?: number;
  whenFull?: SpoolFullPolicy;
  segmentBytes?: number;
}

export interface SpoolBatch {
  createdMs: number;
  lines: number;
  /** gzip-compressed line protocol, ready to POST. */
  body: Buffer;
}

export interface SpoolEntry extends SpoolBatch {
  id: number;
}

export interface SpoolDepth {
  batches: number;
  bytes: number;
  lines: number;
  oldest_created_ms: number | undefined;
}

export interface Spool {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Durably stores a batch; false when it was dropped (drop-newest when full, or larger than the spool). */
  append(batch: SpoolBatch): Promise<boolean>;
  /** The oldest batch not yet sent (expired ones are dropped and counted first). */
  peek(): Promise<SpoolEntry | undefined>;
  ack(id: number): Promise<void>;
  release(id: number): void;
  depth(): SpoolDepth;
  /** Dropped lines by reason. */
  dropped(): Record<SpoolDropReason, number>;
}

interface IndexEntry { id: number; seq: number; offset: number; bytes: number; createdMs: number; lines: number }

const PREFIX = 'spool';
const META_BYTES = 1 + 8 + 4;

export function createSpool(options: SpoolOptions, deps: { log: Logger; now?: () => number }): Spool {
  const log = deps.log.child({ component: 'influx-spool' });
  const now = deps.now ?? Date.now;
  const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  const maxAgeMs = options.maxAgeMs ?? 7 * 24 * 3600 * 1000;
  const whenFull = options.whenFull ?? 'drop-oldest';
  const headFile = join(options.dir, 'head');
  const drops: Record<SpoolDropReason, number> = { spool_full_dropped_oldest: 0, spool_full_dropped_newest: 0, spool_expired: 0 };
  const index: IndexEntry[] = [];
  let bytes = 0;
  let lines = 0;
  let nextId = 1;
  let seglog: SegmentLog | undefined;
  let inflight: IndexEntry | undefined;
  /** The in-flight batch was dropped meanwhile: counted only if its send fails. */
  let orphan: { entry: IndexEntry; reason: SpoolDropReason } | undefined;
  let headWrite: Promise<void> = Promise.resolve();
  let headDirty = false;

  function count(e: IndexEntry, reason: SpoolDropReason): void {
    drops[reason] += e.lines;
    log.warn({ reason, lines: e.lines, created_ms: e.createdMs }, 'spool dropped a batch');
  }

  function dropHead(reason: SpoolDropReason): void {
    const e = index.shift();
    if (!e) return;
    bytes -= e.bytes;
    lines -= e.lines;
    if (inflight && e.id === inflight.id) orphan = { entry: e, reason };
    else count(e, reason);
    saveHead();
  }

  /** Saves the head position and removes segments nothing points into any more. */
  function saveHead(): void {
    if (headDirty) return;
    headDirty = true;
    headWrite = headWrite.then(async () => {
      headDirty = false;
      // Everything before the first unsent record (or before the write position) is consumed.
      const first = index[0];
      const pos = seglog?.position() ?? { seq: 1, bytes: 0 };
      const seq = first?.seq ?? pos.seq;
      const off = first?.offset ?? pos.bytes;
      await writeFileAtomic(headFile, `${seq} ${off}`, { mode: PRIVATE_FILE_MODE, fsync: 'none' });
      const current = seglog?.currentSeq() ?? seq;
      for (const s of segmentsOnDisk) {
        if (s < seq && s !== current) {
          segmentsOnDisk.delete(s);
          await rm(segmentPath(options.dir, PREFIX, s), { force: true });
        }
      }
    }).catch((err: unknown) => log.error({ err }, 'could not save the spool head'));
  }
  const segmentsOnDisk = new Set<number>();

  async function readEntry(e: IndexEntry): Promise<Buffer> {
    const fh = await open(segmentPath(options.dir, PREFIX, e.seq), 'r');
    try {
      const buf = Buffer.allocUnsafe(e.bytes - FRAME_HEADER_BYTES);
      await fh.read(buf, 0, buf.length, e.offset + FRAME_HEADER_BYTES);
      return buf.subarray(META_BYTES);
    } finally {
      await fh.close();
    }
  }

  return {
    async start() {
      const [hs, ho] = (await readFile(headFile, 'utf8').catch(() => '0 0')).split(' ').map(Number);
      const headSeq = hs ?? 0;
      const headOff = ho ?? 0;
      const segs = await recoverSegments(options.dir, PREFIX);
      for (const s of segs) {
        segmentsOnDisk.add(s.seq);
        if (s.tornBytes > 0) log.warn({ segment: s.seq, torn_bytes: s.tornBytes }, 'truncated a torn spool tail');
        for (const r of s.records) {
          if (s.seq < headSeq || (s.seq === headSeq && r.offset < headOff)) continue;
          const e = { id: nextId++, seq: s.seq, offset: r.offset, bytes: r.bytes, createdMs: r.payload.readDoubleLE(1), lines: r.payload.readUInt32LE(9) };
          index.push(e);
          bytes += e.bytes;
          lines += e.lines;
        }
      }
      // Append at or after the head, never before it: the next start skips everything before the
      // head as consumed. Once the spool drained, the head points into a segment that was never
      // created (roll) and every older one is deleted, so no segment may be left at all; a log
      // restarted at segment 1 then wrote records the next start skipped, losing acknowledged
      // readings spooled after a restart (issue #10, found by the chaos run).
      const last = segs.at(-1);
      const afterHead = last !== undefined && (last.seq > headSeq || (last.seq === headSeq && last.bytes >= headOff));
      seglog = await openSegmentLog(
        {
          dir: options.dir, prefix: PREFIX, segmentBytes: options.segmentBytes ?? 8 * 1024 * 1024, sync: true,
          // Indexed synchronously once on disk, so the index always matches what was written.
          onWritten: (seq, payloads, locs) => payloads.forEach((p, i) => {
            const loc = locs[i];
            if (!loc) return;
            segmentsOnDisk.add(seq);
            const e = { id: nextId++, seq, offset: loc.offset, bytes: loc.bytes, createdMs: p.readDoubleLE(1), lines: p.readUInt32LE(9) };
            index.push(e);
            bytes += e.bytes;
            lines += e.lines;
          }),
        },
        afterHead ? { seq: last.seq, bytes: last.bytes } : { seq: headSeq + 1, bytes: 0 },
      );
      if (index.length > 0) log.info({ batches: index.length, lines, bytes }, 'spool has batches to replay');
    },

    async stop() {
      await seglog?.close();
      seglog = undefined;
      await headWrite;
    },

    async append(batch) {
      if (!seglog) throw gwError('GW_ERR_SPOOL_NOT_STARTED', 'append before start()');
      const frameBytes = FRAME_HEADER_BYTES + META_BYTES + batch.body.length;
      const tooBig = frameBytes > maxBytes;
      if (tooBig || (bytes + frameBytes > maxBytes && whenFull === 'drop-newest')) {
        drops.spool_full_dropped_newest += batch.lines;
        log.warn({ lines: batch.lines, spool_bytes: bytes, too_big: tooBig }, 'spool full: dropped the newest batch');
        return false;
      }
      while (bytes + frameBytes > maxBytes && index.length > 0) dropHead('spool_full_dropped_oldest');
      const payload = Buffer.allocUnsafe(META_BYTES + batch.body.length);
      payload.writeUInt8(1, 0);
      payload.writeDoubleLE(batch.createdMs, 1);
      payload.writeUInt32LE(batch.lines, 9);
      batch.body.copy(payload, META_BYTES);
      await seglog.append([payload]);
      return true;
    },

    async peek() {
      while (index[0] && now() - index[0].createdMs > maxAgeMs) dropHead('spool_expired');
      const e = index[0];
      if (!e) return undefined;
      inflight = e;
      return { id: e.id, createdMs: e.createdMs, lines: e.lines, body: await readEntry(e) };
    },

    async ack(id) {
      if (inflight?.id === id) inflight = undefined;
      if (orphan?.entry.id === id) { orphan = undefined; return; } // written after all: not a drop
      if (index[0]?.id === id) {
        const e = index.shift() as IndexEntry;
        bytes -= e.bytes;
        lines -= e.lines;
        if (index.length === 0 && seglog) await seglog.roll();
        saveHead();
        await headWrite;
      }
    },

    release(id) {
      if (inflight?.id === id) inflight = undefined;
      if (orphan?.entry.id === id) {
        count(orphan.entry, orphan.reason);
        orphan = undefined;
      }
    },

    depth: () => ({ batches: index.length, bytes, lines, oldest_created_ms: index[0]?.createdMs }),
    dropped: () => ({ ...drops }),
  };
}
