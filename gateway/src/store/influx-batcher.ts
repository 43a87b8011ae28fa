/**
 * When the InfluxDB store's batches are sealed and where each sealed one goes: the open batch,
 * the queue of sealed ones, group commit and its pacing. Delivery, the spool and replay stay in
 * influx-store.ts, which tells this module whether InfluxDB is down and how many requests are in
 * flight, and is handed each batch to send or to spool.
 */
import { appendLine, createChunkPool, createLinger, newBatch, type Batch, type ChunkPool, type Linger } from './influx-batch.js';

export interface BatcherOptions {
  /** Lines per batch: a full batch is sealed at once. */
  batchSize: number;
  /** The oldest line of the open batch waits at most this long. */
  flushMs: number;
  maxInFlight: number;
  /** Sealed batches that may wait in memory for a request slot before going to the spool. */
  maxQueued: number;
  /** Group commit (see `flushSoon`); false: batches go when full or `flushMs` old. */
  eagerFlush: boolean;
  linger?: Linger;
}

export interface BatcherDeps {
  now: () => number;
  /** InfluxDB is down: sealed batches go to the spool and batches keep their full age. */
  down: () => boolean;
  /** Requests in flight (live batches and spool replay). */
  inFlight: () => number;
  /** A sealed batch for a free request slot. */
  send: (b: Batch) => void;
  /** A sealed batch that cannot go now. */
  spool: (b: Batch) => void;
}

export interface Batcher {
  /** Appends lines to the open batch; resolves once every batch holding them is written or spooled. */
  add(lines: readonly string[]): Promise<void>;
  /** Seals the open batch now. */
  seal(): void;
  /** Sends or spools what waits in the queue (a slot freed, InfluxDB came back). */
  pump(): void;
  /** Cancels pending eager sends (the store is stopping). */
  cancel(): void;
  /** Every batch not yet written or spooled, the open one included. */
  readonly live: ReadonlySet<Batch>;
  /** The open batch, if any. */
  current(): Batch | undefined;
  queued(): number;
  chunks: ChunkPool;
}

export function createBatcher(o: BatcherOptions, deps: BatcherDeps): Batcher {
  const live = new Set<Batch>();
  // Enough for every batch that can hold a chunk at once: the open one, the queue, the requests in
  // flight, and the batches being gzipped for the spool while InfluxDB lags (up to ~10 at once in
  // the school-day bench). A chunk dropped because the pool was full is dead external memory until
  // a major GC, and V8 starts one for external memory only ~64 MiB later.
  const chunks = createChunkPool(undefined, o.maxInFlight + o.maxQueued + 12);
  const linger = o.linger ?? createLinger();
  const queue: Batch[] = [];
  let current: Batch | undefined;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let lingerTimer: NodeJS.Timeout | undefined;

  function createBatch(): Batch {
    const b = newBatch(deps.now(), chunks);
    live.add(b);
    void b.done.finally(() => live.delete(b)).catch(() => undefined);
    return b;
  }

  function pump(): void {
    while (queue.length > 0) {
      const b = queue[0] as Batch;
      if (deps.down()) deps.spool(b);
      else if (deps.inFlight() < o.maxInFlight) deps.send(b);
      else if (queue.length > o.maxQueued) deps.spool(b); // InfluxDB is slower than the input
      else break;
      queue.shift();
    }
    if (current && queue.length === 0 && deps.inFlight() === 0) flushSoon();
  }

  /**
   * Group commit: no request is in flight and nothing waits, so the open batch goes now (after
   * the writes of this turn of the event loop joined it) instead of at `flushMs`. While one is
   * in flight the batch grows until it is full or that request is answered; the other slots
   * take full batches. Sending a batch whenever any slot was free made ~1,150-line requests
   * under the pen load instead of 5,000-line ones, and influxd spends its CPU per request.
   * Under load it goes no sooner than `linger` allows after the previous eager send.
   * While InfluxDB is down, batches keep their full age so the spool gets few, large records.
   */
  function flushSoon(): void {
    if (!o.eagerFlush || immediate || lingerTimer || deps.down()) return;
    const go = () => {
      immediate = undefined;
      lingerTimer = undefined;
      if (current && queue.length === 0 && deps.inFlight() === 0 && !deps.down()) {
        linger.sent();
        seal();
      }
    };
    const wait = linger.wait();
    if (wait > 0) lingerTimer = setTimeout(go, wait);
    else immediate = setImmediate(go);
  }

  function seal(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!current) return;
    queue.push(current);
    current = undefined;
    pump();
  }

  return {
    add(lines) {
      if (lines.length === 0) return Promise.resolve();
      const touched: Promise<void>[] = [];
      for (const line of lines) {
        if (!current) {
          current = createBatch();
          timer = setTimeout(seal, o.flushMs);
        }
        appendLine(current, line);
        if (touched.at(-1) !== current.done) touched.push(current.done);
        if (current.count >= o.batchSize) seal();
      }
      linger.added(lines.length);
      if (current && queue.length === 0 && deps.inFlight() === 0) flushSoon();
      return touched.length === 1 ? (touched[0] as Promise<void>) : Promise.all(touched).then(() => undefined);
    },
    seal,
    pump,
    cancel() {
      if (immediate) clearImmediate(immediate);
      if (lingerTimer) clearTimeout(lingerTimer);
      immediate = undefined;
      lingerTimer = undefined;
    },
    live,
    current: () => current,
    queued: () => queue.length,
    chunks,
  };
}
