/**
 * One batch of line protocol on its way to InfluxDB, and the promise its writers wait on.
 *
 * Lines are written as UTF-8 straight into 256 KiB buffers, not kept as strings: holding
 * 5,000 line strings for up to a second moved them all to the old generation (GC was a third
 * of the CPU), and turning them into a buffer later cost another copy of every byte.
 */
export interface Batch {
  /** Lines in the batch. */
  count: number;
  createdMs: number;
  /** Settles once the batch is written or spooled (rejects only if it could be neither). */
  done: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
  /** Full chunks, then `buf` filled up to `used`. */
  chunks: Buffer[];
  buf: Buffer | undefined;
  used: number;
}

const CHUNK_BYTES = 256 * 1024;
const FIRST_CHUNK_BYTES = 2 * 1024;

export function newBatch(createdMs: number): Batch {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  done.catch(() => undefined); // the writers get the rejection; never an unhandled one
  return { count: 0, createdMs, done, resolve, reject, chunks: [], buf: undefined, used: 0 };
}

export function appendLine(b: Batch, line: string): void {
  // A UTF-8 byte per UTF-16 unit is the common case; 3 is the most one unit can take.
  const most = line.length * 3 + 1;
  let buf = b.buf;
  if (buf === undefined || buf.length - b.used < most) {
    if (buf !== undefined && b.used > 0) b.chunks.push(buf.subarray(0, b.used));
    // Small first (a quiet moment sends batches of a few lines), doubling up to 256 KiB.
    const size = Math.min(CHUNK_BYTES, buf === undefined ? FIRST_CHUNK_BYTES : buf.length * 2);
    buf = b.buf = Buffer.allocUnsafe(Math.max(size, most)); // under 4 KiB from the shared pool
    b.used = 0;
  }
  b.used += buf.write(line, b.used);
  buf[b.used++] = 0x0a;
  b.count++;
}

/** The batch's body: lines, each ended by a newline (InfluxDB accepts the last one). */
export function batchBody(b: Batch): Buffer {
  if (b.buf !== undefined) {
    if (b.used > 0) b.chunks.push(b.buf.subarray(0, b.used));
    b.buf = undefined;
    b.used = 0;
  }
  if (b.chunks.length !== 1) b.chunks = [Buffer.concat(b.chunks)];
  return b.chunks[0] as Buffer;
}

export function splitLines(body: Buffer): string[] {
  return body.toString('utf8').split('\n').filter((l) => l.length > 0);
}
