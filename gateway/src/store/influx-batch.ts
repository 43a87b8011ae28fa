/**
 * One batch of line protocol on its way to InfluxDB, and the promise its writers wait on.
 *
 * Lines are written as UTF-8 straight into pooled 4 MiB buffers, not kept as strings: holding
 * 5,000 line strings for up to a second moved them all to the old generation (GC was a third
 * of the CPU), and turning them into a buffer later cost another copy of every byte.
 *
 * The buffers come from a small pool and go back to it once the batch is written: a batch lives
 * up to a second, long enough to be promoted, so fresh buffers per batch piled up as dead
 * external memory until a major GC (tens of MiB of RSS under the pen workload).
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
  pool: ChunkPool;
  /** Buffers taken from the pool (or made for it), handed back by `releaseBatch`. */
  owned: Buffer[];
}

/** Reusable buffers for batch text. */
export interface ChunkPool {
  /** A buffer of at least `min` bytes: a pooled one when it fits, else a new one. */
  take(min: number): Buffer;
  give(buf: Buffer): void;
  /** Buffers waiting in the pool. */
  free(): number;
  /** Buffers made so far (the pool was empty, or a line did not fit one). */
  made(): number;
}

/**
 * A whole batch fits one chunk, so its body needs no concatenation: 5,000 lines of up to ~800
 * bytes. The school day's lines average 225 bytes, so 1 MiB chunks split two thirds of its full
 * batches in two, and each was joined into a fresh 1.1 MiB buffer (dead external memory until a
 * major GC: its peak RSS was 264–287 MiB). A chunk this large costs only the pages a batch wrote:
 * glibc serves it with its own mmap (runtime-env.ts), whose untouched pages are never resident.
 */
const CHUNK_BYTES = 4 * 1024 * 1024;

export function createChunkPool(chunkBytes = CHUNK_BYTES, maxFree = 4): ChunkPool {
  const pool: Buffer[] = [];
  let made = 0;
  const make = (n: number): Buffer => {
    made++;
    return Buffer.allocUnsafeSlow(n);
  };
  return {
    take: (min) => (min <= chunkBytes ? pool.pop() ?? make(chunkBytes) : make(min)),
    give(buf) {
      if (buf.length === chunkBytes && pool.length < maxFree) pool.push(buf);
    },
    free: () => pool.length,
    made: () => made,
  };
}

export function newBatch(createdMs: number, pool: ChunkPool): Batch {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  done.catch(() => undefined); // the writers get the rejection; never an unhandled one
  return { count: 0, createdMs, done, resolve, reject, chunks: [], buf: undefined, used: 0, pool, owned: [] };
}

/** Hands the batch's buffers back to the pool: only once nothing reads its body any more. */
export function releaseBatch(b: Batch): void {
  for (const buf of b.owned) b.pool.give(buf);
  b.owned = [];
  b.chunks = [];
  b.buf = undefined;
  b.used = 0;
}

export function appendLine(b: Batch, line: string): void {
  // A UTF-8 byte per UTF-16 unit is the common case; 3 is the most one unit can take.
  const most = line.length * 3 + 1;
  let buf = b.buf;
  if (buf === undefined || buf.length - b.used < most) {
    if (buf !== undefined && b.used > 0) b.chunks.push(buf.subarray(0, b.used));
    buf = b.buf = b.pool.take(most);
    b.owned.push(buf);
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
  return b.chunks[0] as Buffer; // a view of a pooled buffer: valid until releaseBatch
}

export function splitLines(body: Buffer): string[] {
  return body.toString('utf8').split('\n').filter((l) => l.length > 0);
}

/**
 * Group commit's pace: how long the open batch may still wait for more lines once a request slot
 * is idle. 1 ms per 1,000 lines a second arriving, at most `maxMs`: a quiet school's readings go
 * out at once, a school whose 20 classrooms write with pens (~45,000 lines/s) sends about every
 * 45 ms. Sending whenever a slot was idle made ~110 requests a second of ~350 lines under that
 * load, and each request cost the gateway ~1 ms of CPU (mostly the loopback write waking
 * influxd): paced, the school-day bench made 4,850 requests instead of 9,787 and spent 450-515
 * µs of CPU per message instead of ~600, for a publish → PUBACK p50 of ~46 ms instead of ~13 ms
 * while saturated. The rate is measured over windows of 250 ms.
 */
export interface Linger {
  /** Lines just added to the open batch. */
  added(lines: number): void;
  /** Milliseconds until the next eager send may go (≤ 0: now). */
  wait(): number;
  /** An eager send went now. */
  sent(): void;
}

export function createLinger(now: () => number = () => performance.now(), msPerThousandPerSecond = 1, maxMs = 50): Linger {
  let windowStart = now();
  let windowLines = 0;
  let perSecond = 0;
  let lastSent = -Infinity;
  return {
    added(lines) {
      windowLines += lines;
      const t = now();
      if (t - windowStart >= 250) {
        perSecond = (windowLines * 1000) / (t - windowStart);
        windowStart = t;
        windowLines = 0;
      }
    },
    wait: () => lastSent + Math.min(maxMs, (perSecond / 1000) * msPerThousandPerSecond) - now(),
    sent() {
      lastSent = now();
    },
  };
}
