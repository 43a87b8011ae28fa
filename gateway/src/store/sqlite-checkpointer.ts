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
 * The worker also reads the log file ahead of the writer. Once the log starts over, the writer
 * overwrites the file from its beginning, and its frames (a 24-byte header and a page, after a
 * 32-byte file header) do not line up with the file's 4 KiB blocks: every frame writes part of
 * a block, and a block no longer in the page cache is first read from disk, inside the commit's
 * `pwrite`, on the event loop. Pages written a minute ago are not always still cached: the
 * kernel's reclaim (or, on the VMs the project is measured on, a proactive one that pages out
 * what was not touched for ~a minute, even with 22 GB free) takes them. The gateway's main
 * thread, sampled every 2 ms through whole latency sections, was found blocked in those reads
 * (`ext4_block_write_begin`) 165-235 times a section, up to 49 times (~100 ms) in one second;
 * with this read-ahead, 0 (one section, 2026-12-07 08:47). So every
 * `followEveryMs` the worker reads where the writer is (mxFrame, from the wal-index header in
 * the `-shm` file) and reads the file from there as far as the writer went in its busiest
 * second lately (at least `warmAheadBytes`); once every frame is copied (a RESTART, or a quiet
 * spell), the writer will start over, and the start of the file is read again. Pages read
 * ahead can leave the cache again before the writer gets there (a quiet spell), so the whole
 * stretch ahead of it is read again every `refreshEveryMs` (without that: 10, 24 and 164 samples a section, 154 of them
 * within two seconds of a load starting after a quiet spell). A read that
 * finds its pages cached is a copy (~20 MiB a second at 5,000 readings a second, in the worker).
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
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
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

  // Reading ahead of the writer (see warmAheadBytes). Where it is: mxFrame, the frames in the log,
  // from the wal-index header at the start of the -shm file (a 32-bit integer at byte 16, in the
  // machine's byte order); each frame is a 24-byte header and a page, after the log's 32-byte header.
  const frameBytes = 24 + pageSize;
  const warmBuf = Buffer.allocUnsafe(1 << 20);
  const shmBuf = Buffer.alloc(4);
  const le = endianness() === 'LE';
  let walFd = -1;
  let shmFd = -1;
  let writerWas = -1;
  let warmedTo = 32;
  let peak = 0;
  let refreshedAt = 0;
  let warmedBytes = 0;
  const open = (suffix) => { try { return openSync(workerData.file + suffix, 'r'); } catch { return -1; } };
  const read = (from, to) => {
    if (walFd < 0 && (walFd = open('-wal')) < 0) return from;
    to = Math.min(to, fstatSync(walFd).size);
    let at = from;
    while (at < to) {
      const n = readSync(walFd, warmBuf, 0, Math.min(warmBuf.length, to - at), at);
      if (n <= 0) break;
      at += n;
      warmedBytes += n;
    }
    return at;
  };
  // As far ahead as the writer went in the busiest second lately (at least warmAheadBytes).
  const ahead = () => Math.max(workerData.warmAheadBytes, peak * (1000 / workerData.followEveryMs));
  const follow = () => {
    if (shmFd < 0 && (shmFd = open('-shm')) < 0) return;
    if (readSync(shmFd, shmBuf, 0, 4, 16) !== 4) return;
    const writerAt = 32 + (le ? shmBuf.readUInt32LE(0) : shmBuf.readUInt32BE(0)) * frameBytes;
    // Behind where it was: it started the log over.
    if (writerAt < writerWas) warmedTo = writerAt;
    // Forgets a busy spell slowly (about half of it a minute): a load that starts again after a
    // few quiet minutes still finds the stretch it overwrites first read.
    if (writerWas >= 0) peak = Math.max(writerAt - writerWas, peak * 0.9995 ** (workerData.followEveryMs / 50));
    writerWas = writerAt;
    // What was read ahead can leave the page cache again before the writer gets there (a quiet
    // spell between loads): every refreshEveryMs the whole stretch ahead is read again, busy or not.
    const now = Date.now();
    const from = now - refreshedAt >= workerData.refreshEveryMs ? writerAt : Math.max(warmedTo, writerAt);
    if (from === writerAt) refreshedAt = now;
    warmedTo = Math.max(warmedTo, read(from, writerAt + ahead()));
  };
  // Every frame is copied (a RESTART, or a pass in a quiet spell): the writer starts the log over
  // at its next commit. What it will overwrite first is read again each time, so that pages
  // left alone since are back in the page cache too.
  const startOver = () => { read(32, 32 + ahead()); };
  const following = setInterval(() => { try { follow(); } catch (err) { say(err); } }, workerData.followEveryMs);

  const restart = (frames) => {
    const until = Date.now() + workerData.restartWaitMs;
    const raised = performance.now();
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
      const heldMs = Math.round((performance.now() - raised) * 10) / 10;
      parentPort.postMessage(done ? { released: true, heldMs, restarts: ++restarts } : { released: true, heldMs });
    }
    if (done) startOver();
  };
  const timer = setInterval(() => {
    try {
      // Each pass copies what was committed during the one before: a few passes leave little
      // for the RESTART to copy while it holds the writer back.
      let frames = 0;
      let drained = false;
      for (let pass = 0; pass < 4; pass++) {
        const [p] = db.pragma('wal_checkpoint(PASSIVE)');
        frames = p ? p.log : 0;
        drained = !!p && p.log > 0 && p.checkpointed === p.log;
        if (!p || p.log - p.checkpointed < 64) break;
      }
      if (drained) startOver();
      if (frames * pageSize >= workerData.restartAtBytes && frames !== restartedAt) restart(frames);
      parentPort.postMessage({ warmedBytes });
    } catch (err) { say(err); }
  }, workerData.everyMs);
  parentPort.on('message', (m) => {
    if (m !== 'stop') return;
    clearInterval(timer);
    clearInterval(following);
    db.close();
    for (const fd of [walFd, shmFd]) if (fd >= 0) closeSync(fd);
    parentPort.close();
  });
  parentPort.postMessage({ ready: true });
}
`;

export interface Checkpointer {
  /** Times the log was started over (a RESTART checkpoint that was not busy). */
  restarts(): number;
  /**
   * RESTARTs tried (`count`, those that gave up after `restartWaitMs` too) and how long each of
   * the last 16 held the writer back (`lastMs`, oldest first): the writer commits nothing
   * meanwhile, so a hold is a gap in the acknowledgements.
   */
  holds(): { count: number; lastMs: number[] };
  /** Bytes of the log file read ahead of the writer (see `warmAheadBytes`). */
  warmedBytes(): number;
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
  /**
   * The worker reads the log file ahead of the writer, at least this far (default 4 MiB) and as far
   * as the writer went in its busiest second lately, every `followEveryMs` (default 50 ms), and
   * all of that again every `refreshEveryMs` (default 1 s).
   */
  warmAheadBytes?: number;
  followEveryMs?: number;
  refreshEveryMs?: number;
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
    workerData: { file: o.file, driver, gate: gate.buffer, everyMs: o.everyMs ?? 1_000, restartWaitMs: o.restartWaitMs ?? 10, restartAtBytes: o.restartAtBytes ?? 256 * 1024 * 1024, warmAheadBytes: o.warmAheadBytes ?? 4 * 1024 * 1024, followEveryMs: o.followEveryMs ?? 50, refreshEveryMs: o.refreshEveryMs ?? 1_000 },
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
  });
  let failed = false;
  let stopping = false;
  let restarts = 0;
  let warmedBytes = 0;
  const holds: number[] = [];
  let holdCount = 0;
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
    worker.on('message', (m: { ready?: true; error?: string; restarts?: number; released?: true; heldMs?: number; warmedBytes?: number }) => {
      if (m.restarts !== undefined) restarts = m.restarts;
      if (m.heldMs !== undefined) {
        holdCount++;
        if (holds.push(m.heldMs) > 16) holds.shift();
      }
      if (m.warmedBytes !== undefined) warmedBytes = m.warmedBytes;
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
    holds: () => ({ count: holdCount, lastMs: [...holds] }),
    warmedBytes: () => warmedBytes,
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
