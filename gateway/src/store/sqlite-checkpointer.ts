/**
 * Checkpoints an SQLite database in WAL mode from a worker thread.
 *
 * SQLite's automatic checkpoint runs inside the commit that takes the write-ahead log past 1,000
 * pages, on the thread that commits: for the embedded store that is the event loop, which then
 * stopped for the copy back into the database and its fsync every ~4 MiB written. At 5,000 QoS 1
 * messages a second those stops were the tail of publish → PUBACK (p99 13.8 ms, p99.9 22-48 ms;
 * 8.0 and 12.4 ms without them). The store turns the automatic checkpoint off and this worker,
 * with a connection of its own, checkpoints every `everyMs`:
 * - up to 4 PASSIVE passes copy the log back (they never wait for the writer, nor the writer
 *   for them); each copies what was committed during the one before;
 * - once the log holds `restartAtBytes` (256 MiB), a RESTART checkpoint copies the rest and lets
 *   the writer start the log over from its beginning (the file is then overwritten, not grown).
 * PASSIVE alone never gets there under steady writes: SQLite starts the log over only once every
 * frame in it is copied, and the writer always commits more during the copy. The log grew
 * without bound: 576 MB in 10 s at 5,000 commits a second (for 6 MB of data), 113 MB in 20 s at
 * a quiet school's 600 a second, until the disk was full. RESTART holds the writer back while it
 * copies the last frames and syncs the database: 3-5 ms at 5,000 telemetry readings a second,
 * ~30 ms with ten classrooms of pens (40,000 points a second), whose database grows fast and whose
 * fsync is slow. Once per 256 MiB: every ~12 s at 5,000 readings a second, every ~15 s with the pens;
 * with 64 MiB, every 3-4 s, and those holds were the pens' p99 (47 ms against 10.9 ms in the
 * same hour). The log file then stays that large on disk. It first raises a gate (`holding()`) so that the
 * writer starts no transaction until `onReleased`: with SQLite's busy handler instead, the
 * RESTART and the writer's retries met each other's locks and slept 1, 2, 5 ms between tries,
 * 7-14 ms in all, ~50 refused commits per 30 s at 5,000 msg/s; with the gate, none. It tries
 * for at most `restartWaitMs` (a long read keeps it waiting) and then again next time. No
 * `journal_size_limit`: cutting a 120 MB log back when it starts over is an ftruncate on the committing thread, and it stopped the event
 * loop for up to 100 ms (PUBACK p99 22.5 ms at 5,000 msg/s against 11.8 without it).
 * If the worker fails, the store's connection checkpoints automatically again (`onFailure`), so
 * the log never grows without bound.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

// An ES module given as a data: URL: the same code whether the gateway runs from dist or from
// source (an `eval` worker is CommonJS or ESM depending on where it is started from).
const WORKER = `
import { parentPort, workerData } from 'node:worker_threads';
const say = (err) => parentPort.postMessage({ error: String((err && err.message) || err) });
let db;
try {
  const { default: Database } = await import(workerData.driver);
  // No busy handler: it sleeps 1, 2, 5 ms… between tries while holding what it has; the RESTART
  // below tries again every 0.2 ms itself.
  db = new Database(workerData.file, { fileMustExist: true, timeout: 0 });
} catch (err) {
  say(err);
}
if (db) {
  let restarts = 0;
  const pageSize = db.pragma('page_size', { simple: true });
  // The gate asks the writer to start no transaction until it is down again: a RESTART then
  // finds neither the writer lock nor a reader's snapshot taken, and holds the writer back only
  // for its own copy and syncs.
  const gate = new Int32Array(workerData.gate);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  // The log a RESTART left stays as it is until the writer commits again (it then starts over from
  // the beginning): a quiet store is not held back every second for nothing.
  let restartedAt = -1;
  const restart = (frames) => {
    const until = Date.now() + workerData.restartWaitMs;
    let done = false;
    Atomics.store(gate, 0, 1);
    try {
      for (;;) {
        const [r] = db.pragma('wal_checkpoint(RESTART)');
        if (r && r.busy === 0) { done = true; restartedAt = frames; break; }
        if (Date.now() >= until) break;
        Atomics.wait(nap, 0, 0, 0.2);
      }
    } finally {
      Atomics.store(gate, 0, 0);
      parentPort.postMessage(done ? { released: true, restarts: ++restarts } : { released: true });
    }
  };
  const timer = setInterval(() => {
    try {
      // Each pass copies what was committed during the one before: a few passes leave little
      // for the RESTART to copy while it holds the writer back.
      let frames = 0;
      for (let pass = 0; pass < 4; pass++) {
        const [p] = db.pragma('wal_checkpoint(PASSIVE)');
        frames = p ? p.log : 0;
        if (!p || p.log - p.checkpointed < 64) break;
      }
      if (frames * pageSize >= workerData.restartAtBytes && frames !== restartedAt) restart(frames);
    } catch (err) { say(err); }
  }, workerData.everyMs);
  parentPort.on('message', (m) => {
    if (m !== 'stop') return;
    clearInterval(timer);
    db.close();
    parentPort.close();
  });
  parentPort.postMessage({ ready: true });
}
`;

export interface Checkpointer {
  /** Times the log was started over (a RESTART checkpoint that was not busy). */
  restarts(): number;
  /**
   * True while a RESTART is under way: the writer should start no transaction (it would be
   * refused, and its snapshot would keep the RESTART waiting) until `onReleased` is called.
   */
  holding(): boolean;
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  /** The database file (its `-wal` beside it). */
  file: string;
  everyMs?: number;
  /** The log is started over once it holds this much (default 256 MiB). */
  restartAtBytes?: number;
  /** How long a RESTART checkpoint waits for the writer and readers before it gives up until next time (default 10 ms). */
  restartWaitMs?: number;
  /** A RESTART is over (done or given up): the writer may commit again. */
  onReleased?(): void;
  /** The worker could not start, or a checkpoint failed: the caller checkpoints again itself. */
  onFailure(reason: string): void;
}

export async function startCheckpointer(o: CheckpointerOptions): Promise<Checkpointer> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const driver = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;
  // A small heap: the worker only calls into SQLite.
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER)}`), {
    workerData: { file: o.file, driver, gate: gate.buffer, everyMs: o.everyMs ?? 1_000, restartWaitMs: o.restartWaitMs ?? 10, restartAtBytes: o.restartAtBytes ?? 256 * 1024 * 1024 },
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
  });
  let failed = false;
  let stopping = false;
  let restarts = 0;
  const release = () => {
    Atomics.store(gate, 0, 0);
    o.onReleased?.();
  };
  const fail = (reason: string) => {
    if (failed || stopping) return;
    failed = true;
    // A worker that died holding the gate must not keep the writer back.
    release();
    o.onFailure(reason);
    void worker.terminate();
  };
  await new Promise<void>((resolve) => {
    worker.on('message', (m: { ready?: true; error?: string; restarts?: number; released?: true }) => {
      if (m.restarts !== undefined) restarts = m.restarts;
      if (m.released) o.onReleased?.();
      if (m.ready) resolve();
      if (m.error !== undefined) {
        fail(m.error);
        resolve();
      }
    });
    // An error thrown in the worker arrives as a plain object when its class cannot be cloned.
    worker.on('error', (err: unknown) => { fail(String((err as { message?: unknown } | null)?.message ?? err)); resolve(); });
    worker.on('exit', (code) => { if (!stopping) fail(`checkpoint worker exited (${code})`); resolve(); });
  });
  return {
    restarts: () => restarts,
    holding: () => Atomics.load(gate, 0) === 1,
    async stop() {
      if (stopping) return;
      stopping = true;
      if (failed) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('stop');
      await exited;
      release();
    },
  };
}
