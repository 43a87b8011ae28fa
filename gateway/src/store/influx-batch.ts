/**
 * One batch of line protocol on its way to InfluxDB, and the promise its writers wait on.
 *
 * The text is kept as UTF-8 chunks, not as an array of line strings: lines built by
 * concatenation are ropes, and holding 5,000 of them for up to a second moves them all to
 * the old generation (GC was a third of the CPU); the pending text is flattened into a
 * chunk every 256 lines.
 */
export interface Batch {
  /** Lines in the batch. */
  count: number;
  createdMs: number;
  /** Settles once the batch is written or spooled (rejects only if it could be neither). */
  done: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
  chunks: Buffer[];
  pending: string;
  pendingCount: number;
}

export function newBatch(createdMs: number): Batch {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  done.catch(() => undefined); // the writers get the rejection; never an unhandled one
  return { count: 0, createdMs, done, resolve, reject, chunks: [], pending: '', pendingCount: 0 };
}

export function appendLine(b: Batch, line: string): void {
  b.pending += `${line}\n`;
  b.count++;
  if (++b.pendingCount >= 256) flatten(b);
}

function flatten(b: Batch): void {
  if (b.pendingCount === 0) return;
  b.chunks.push(Buffer.from(b.pending, 'utf8'));
  b.pending = '';
  b.pendingCount = 0;
}

/** The batch's body: lines, each ended by a newline (InfluxDB accepts the last one). */
export function batchBody(b: Batch): Buffer {
  flatten(b);
  if (b.chunks.length !== 1) b.chunks = [Buffer.concat(b.chunks)];
  return b.chunks[0] as Buffer;
}

export function splitLines(body: Buffer): string[] {
  return body.toString('utf8').split('\n').filter((l) => l.length > 0);
}
