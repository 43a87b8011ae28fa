/**
 * V8's background threads (concurrent garbage collection, compiling) at a lower priority than
 * the event loop (Linux). On a site's two cores the event loop, V8's four background threads,
 * libuv's pool and the store's checkpoint worker take turns; when both cores are busy the kernel
 * shares them out by weight, and a message waits while its event loop waits. Traced on a 2-core
 * VM at 5,000 QoS 1 msg/s, in the moments the loop was over 10 ms late it waited for a core
 * 273 ms, 131 ms of that behind V8's own threads. At nice 10 they get a tenth of the event loop's
 * share while both want a core, and all of a core that is free. Measured in turn (the bench's
 * latency section, ten pairs, 30 rounds each way): PUBACK p99 median 13.2 against 18.4 ms with
 * ten classrooms of pens, 12.5 against 15.2 ms at 5,000 msg/s (a smaller and less steady gain);
 * saturated throughput and CPU per message no worse (DEVELOPERS.md has the runs).
 *
 * Node does not say which threads are V8's. Node 24 names them `V8Worker`; before that they are
 * found by the order node starts its threads in, before any code runs: the main thread, the
 * delayed-task scheduler (named `DelayedTaskSche` from node 22), V8's pool (`--v8-pool-size`,
 * 4 unless set), the inspector's signal thread; libuv's pool (`libuv-worker` from node 22) and
 * worker threads come later. A layout that does not fit is left alone and said so.
 *
 * GATEWAY_V8_NICE=<0..19> sets the nice value (default 10); 0 leaves the threads as they are.
 * Lowering a priority needs no privilege, and it is only ever lowered.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { gwError } from './errors.js';

export const DEFAULT_V8_THREADS_NICE = 10;

export interface Task {
  tid: number;
  /** The thread's name (`/proc/<pid>/task/<tid>/comm`). */
  name: string;
}

export type V8Threads = { tids: number[]; by: 'name' | 'order' } | { tids?: undefined; reason: string };

/** V8's pool size from node's flags (`--v8-pool-size=N` on the command line or in NODE_OPTIONS), 4 when not set. */
export function v8PoolSize(execArgv: readonly string[], nodeOptions = ''): number {
  let size = 4;
  for (const arg of [...nodeOptions.split(/\s+/), ...execArgv]) {
    const m = /^--v8[-_]pool[-_]size=(\d+)$/.exec(arg);
    if (m) size = Number(m[1]);
  }
  return size;
}

/** Which of a process's threads are V8's background threads, from their names or their order. */
export function pickV8Threads(pid: number, tasks: readonly Task[], poolSize: number): V8Threads {
  const named = tasks.filter((t) => t.name === 'V8Worker').map((t) => t.tid);
  if (named.length > 0) return { tids: named, by: 'name' };
  if (poolSize < 1) return { reason: `V8's pool size is ${poolSize}: node picks it, so which threads are V8's is not known` };
  const sorted = [...tasks].sort((a, b) => a.tid - b.tid);
  if (sorted[0]?.tid !== pid) return { reason: 'the main thread is not the first thread' };
  if (sorted.length < poolSize + 3) return { reason: `${sorted.length} threads, fewer than the ${poolSize + 3} node starts with` };
  const main = sorted[0]!.name;
  const scheduler = sorted[1]!;
  const pool = sorted.slice(2, 2 + poolSize);
  // From node 22 the scheduler and libuv's pool carry names; V8's pool then keeps the main thread's.
  const namesKnown = scheduler.name === 'DelayedTaskSche';
  if (!namesKnown && scheduler.name !== main) return { reason: `the second thread is "${scheduler.name}", not node's delayed-task scheduler` };
  if (pool.some((t) => t.name !== main)) return { reason: 'a thread in V8\'s place has a name of its own' };
  if (!namesKnown && sorted.slice(1).some((t) => t.name !== main)) return { reason: 'threads with names node 20 does not give' };
  return { tids: pool.map((t) => t.tid), by: 'order' };
}

function readTasks(pid: number): Task[] {
  return readdirSync(`/proc/${pid}/task`).map((t) => ({ tid: Number(t), name: readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim() }));
}

/** The nice value asked for by GATEWAY_V8_NICE (default 10); a clear error for anything but 0..19. */
export function v8NiceFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.GATEWAY_V8_NICE;
  if (raw === undefined || raw === '') return DEFAULT_V8_THREADS_NICE;
  if (!/^\d+$/.test(raw) || Number(raw) > 19) throw gwError('GW_ERR_CONFIG', `GATEWAY_V8_NICE must be a whole number from 0 (leave V8's threads alone) to 19, not "${raw}"`);
  return Number(raw);
}

export type LowerResult = { nice: number; tids: number[]; by: 'name' | 'order' } | { nice: number; skipped: string };

/**
 * Lowers V8's background threads of this process to `nice`. Call it first thing in a process's
 * entry, before it starts threads of its own; `env` is the process's environment (NODE_OPTIONS
 * may set V8's pool size). Never throws for the layout: a result says what was done.
 */
export function lowerV8Threads(nice: number, env: { NODE_OPTIONS?: string }, deps: { pid?: number; tasks?: (pid: number) => Task[]; setPriority?: (tid: number, nice: number) => void; platform?: string; execArgv?: readonly string[] } = {}): LowerResult {
  if (nice === 0) return { nice, skipped: 'GATEWAY_V8_NICE=0' };
  if ((deps.platform ?? process.platform) !== 'linux') return { nice, skipped: 'not Linux' };
  const pid = deps.pid ?? process.pid;
  let tasks: Task[];
  try {
    tasks = (deps.tasks ?? readTasks)(pid);
  } catch (err) {
    return { nice, skipped: `could not list the threads (${(err as Error).message})` };
  }
  const picked = pickV8Threads(pid, tasks, v8PoolSize(deps.execArgv ?? process.execArgv, env.NODE_OPTIONS ?? ''));
  if (!picked.tids) return { nice, skipped: picked.reason };
  const set = deps.setPriority ?? setPriority;
  let done = 0;
  try {
    for (const tid of picked.tids) {
      set(tid, nice);
      done++;
    }
  } catch (err) {
    // A priority is only ever lowered, so the ones already set stay: say so rather than undo them.
    const before = done > 0 ? `; ${done} of ${picked.tids.length} lowered before it` : '';
    return { nice, skipped: `could not set a thread's priority (${(err as Error).message})${before}` };
  }
  return { nice, tids: picked.tids, by: picked.by };
}
