/**
 * Append-only segment files with length + CRC framing and group commit, shared by the
 * write-ahead log (wal.ts) and the influx spool (spool.ts).
 *
 * Frame: u32 LE payload length, u32 LE CRC-32 of the payload, payload. A record is valid
 * only when its header and payload are complete and the CRC matches; recovery stops a
 * segment at its first invalid frame and truncates it there (a torn tail after kill -9 or a
 * power cut: the write never completed, so it was never acknowledged).
 *
 * Group commit: appends queue while a write+fdatasync is in flight; the next round writes
 * every queued frame with one writev and one fdatasync, then resolves them all.
 */
import { open, readdir, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { makePrivateDirAsync, PRIVATE_FILE_MODE, tightenFileAsync } from '../config/private-files.js';
import { gwError } from '../errors.js';

export const FRAME_HEADER_BYTES = 8;
/** Refuse absurd lengths when scanning (a corrupt header must not allocate gigabytes). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export function frameHeader(payload: Buffer): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  h.writeUInt32LE(payload.length, 0);
  h.writeUInt32LE(crc32(payload), 4);
  return h;
}

export interface ScannedRecord {
  /** Offset of the frame header in the segment. */
  offset: number;
  /** Frame size including the header. */
  bytes: number;
  payload: Buffer;
}

/** Valid frames of a segment image, and where the valid part ends. */
export function scanFrames(buf: Buffer): { records: ScannedRecord[]; validBytes: number } {
  const records: ScannedRecord[] = [];
  let off = 0;
  while (off + FRAME_HEADER_BYTES <= buf.length) {
    const len = buf.readUInt32LE(off);
    const crc = buf.readUInt32LE(off + 4);
    const end = off + FRAME_HEADER_BYTES + len;
    if (len > MAX_RECORD_BYTES || end > buf.length) break;
    const payload = buf.subarray(off + FRAME_HEADER_BYTES, end);
    if (crc32(payload) !== crc) break;
    records.push({ offset: off, bytes: end - off, payload });
    off = end;
  }
  return { records, validBytes: off };
}

export function segmentPath(dir: string, prefix: string, seq: number): string {
  return join(dir, `${prefix}-${String(seq).padStart(12, '0')}.seg`);
}

export async function listSegments(dir: string, prefix: string): Promise<number[]> {
  const re = new RegExp(`^${prefix}-(\\d{12})\\.seg$`);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.flatMap((n) => {
    const m = re.exec(n);
    return m?.[1] ? [Number(m[1])] : [];
  }).sort((a, b) => a - b);
}

export interface RecoveredSegment {
  seq: number;
  records: ScannedRecord[];
  /** Size after truncation of a torn tail. */
  bytes: number;
  /** Bytes cut off (0 when the segment was intact). */
  tornBytes: number;
}

/** Reads every segment in order, truncating each at its first invalid frame. */
export async function recoverSegments(dir: string, prefix: string): Promise<RecoveredSegment[]> {
  await makePrivateDirAsync(dir, { own: true });
  const out: RecoveredSegment[] = [];
  for (const seq of await listSegments(dir, prefix)) {
    const path = segmentPath(dir, prefix, seq);
    await tightenFileAsync(path);
    const buf = await readFile(path);
    const { records, validBytes } = scanFrames(buf);
    if (validBytes < buf.length) await truncate(path, validBytes);
    out.push({ seq, records, bytes: validBytes, tornBytes: buf.length - validBytes });
  }
  return out;
}

export interface RecordLocation {
  seq: number;
  offset: number;
  bytes: number;
}

export interface SegmentLogOptions {
  dir: string;
  prefix: string;
  /** Roll to a new segment once the current one reaches this size. */
  segmentBytes: number;
  /** fdatasync each group before resolving (true for anything that acknowledges durability). */
  sync: boolean;
  /** Called synchronously after each group is written (and synced), before the appends resolve. */
  onWritten?: (seq: number, payloads: readonly Buffer[], locs: readonly RecordLocation[]) => void;
}

interface Pending {
  payloads: readonly Buffer[];
  resolve: (locs: RecordLocation[]) => void;
  reject: (err: unknown) => void;
}

export interface SegmentLog {
  append(payloads: readonly Buffer[]): Promise<RecordLocation[]>;
  /** Sequence number of the segment being appended to. */
  currentSeq(): number;
  /**
   * End of everything written and synced: nothing before it is still in flight (a group
   * being written is not counted until its sync completed).
   */
  position(): { seq: number; bytes: number };
  /** Number of write(+sync) rounds so far: appends / groups is the group-commit factor. */
  groups(): number;
  /** Closes the current segment; the next append opens a new one. */
  roll(): Promise<void>;
  close(): Promise<void>;
}

/** Opens a log appending after the last recovered segment (or a new one at `startSeq`). */
export async function openSegmentLog(opts: SegmentLogOptions, last?: { seq: number; bytes: number }): Promise<SegmentLog> {
  await makePrivateDirAsync(opts.dir, { own: true });
  let seq = last?.seq ?? 1;
  let size = last?.bytes ?? 0;
  let fh: FileHandle | undefined;
  let queue: Pending[] = [];
  let running: Promise<void> | undefined;
  let closed = false;
  let groups = 0;
  let durable = { seq, bytes: size };

  async function syncDir(): Promise<void> {
    const d = await open(opts.dir, 'r');
    try { await d.sync(); } finally { await d.close(); }
  }

  async function ensureOpen(incoming: number): Promise<void> {
    if (fh && size > 0 && size + incoming > opts.segmentBytes) {
      await fh.close();
      fh = undefined;
      seq += 1;
      size = 0;
    }
    if (!fh) {
      fh = await open(segmentPath(opts.dir, opts.prefix, seq), 'a', PRIVATE_FILE_MODE);
      if (opts.sync) await syncDir();
    }
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const group = queue;
      queue = [];
      let start = -1;
      try {
        const bufs: Buffer[] = [];
        let incoming = 0;
        for (const p of group) for (const pl of p.payloads) incoming += FRAME_HEADER_BYTES + pl.length;
        await ensureOpen(incoming);
        start = size;
        const locs: RecordLocation[][] = [];
        for (const p of group) {
          const mine: RecordLocation[] = [];
          for (const pl of p.payloads) {
            bufs.push(frameHeader(pl), pl);
            mine.push({ seq, offset: size, bytes: FRAME_HEADER_BYTES + pl.length });
            size += FRAME_HEADER_BYTES + pl.length;
          }
          locs.push(mine);
        }
        const handle = fh as FileHandle;
        for (let i = 0; i < bufs.length; i += 1024) {
          const chunk = bufs.slice(i, i + 1024);
          const want = chunk.reduce((n, b) => n + b.length, 0);
          const { bytesWritten } = await handle.writev(chunk);
          // A full disk can give a short write without an error: never acknowledge a torn frame.
          if (bytesWritten !== want) throw gwError('GW_ERR_SHORT_WRITE', `wrote ${bytesWritten} of ${want} bytes (disk full?)`);
        }
        if (opts.sync) await handle.datasync();
        groups += 1;
        durable = { seq, bytes: size };
        if (opts.onWritten) group.forEach((p, i) => opts.onWritten?.(seq, p.payloads, locs[i] ?? []));
        group.forEach((p, i) => p.resolve(locs[i] ?? []));
      } catch (err) {
        // Cut a partly written group off again, so later frames do not land after a torn one (recovery
        // stops a segment at its first invalid frame and would drop them); if that fails, start a new segment.
        if (start >= 0 && fh) {
          const old = fh;
          size = start;
          if (!(await old.truncate(start).then(() => true, () => false))) {
            fh = undefined;
            seq += 1;
            size = 0;
            await old.close().catch(() => undefined);
          }
        }
        for (const p of group) p.reject(err);
      }
    }
  }

  function kick(): void {
    if (running) return;
    running = drain().finally(() => {
      running = undefined;
      if (queue.length > 0) kick(); // appended after the loop looked, before this ran
    });
  }

  return {
    append(payloads) {
      if (closed) return Promise.reject(gwError('GW_ERR_LOG_CLOSED', 'segment log is closed'));
      return new Promise<RecordLocation[]>((resolve, reject) => {
        queue.push({ payloads, resolve, reject });
        kick();
      });
    },
    currentSeq: () => seq,
    position: () => durable,
    groups: () => groups,
    async roll() {
      while (running) await running;
      if (fh) {
        // Switch before awaiting the close: an append arriving meanwhile opens the next segment.
        const old = fh;
        fh = undefined;
        seq += 1;
        size = 0;
        durable = { seq, bytes: 0 };
        await old.close();
      }
    },
    async close() {
      closed = true;
      while (running) await running;
      await fh?.close();
      fh = undefined;
    },
  };
}
