/**
 * Checkpoints an SQLite database in WAL mode from a worker thread.
 *
 * SQLite's automatic checkpoint runs inside the commit that takes the write-ahead log past 1,000
 * pages, on the thread that commits: for the embedded store that is the event loop, which then
 * stopped for the copy back into the database and its fsync every ~4 MiB written. At 5,000 QoS 1
 * messages a second those stops were the tail of publish → PUBACK (p99 13.8 ms, p99.9 22-48 ms;
 * 8.0 and 12.4 ms without them). The store turns the automatic checkpoint off and this worker,
 * with a connection of its own, runs a PASSIVE checkpoint (it never waits for the writer, nor
 * the writer for it) every `everyMs`. If the worker fails, the store's connection checkpoints
 * automatically again (`onFailure`), so the log never grows without bound.
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
  db = new Database(workerData.file, { fileMustExist: true });
} catch (err) {
  say(err);
}
if (db) {
  const timer = setInterval(() => {
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { say(err); }
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
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  /** The database file (its `-wal` beside it). */
  file: string;
  everyMs?: number;
  /** The worker could not start, or a checkpoint failed: the caller checkpoints again itself. */
  onFailure(reason: string): void;
}

export async function startCheckpointer(o: CheckpointerOptions): Promise<Checkpointer> {
  const driver = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;
  // A small heap: the worker only calls into SQLite.
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER)}`), {
    workerData: { file: o.file, driver, everyMs: o.everyMs ?? 1_000 },
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
  });
  let failed = false;
  let stopping = false;
  const fail = (reason: string) => {
    if (failed || stopping) return;
    failed = true;
    o.onFailure(reason);
    void worker.terminate();
  };
  await new Promise<void>((resolve) => {
    worker.on('message', (m: { ready?: true; error?: string }) => {
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
    async stop() {
      if (stopping) return;
      stopping = true;
      if (failed) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('stop');
      await exited;
    },
  };
}
