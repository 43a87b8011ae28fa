import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lowerV8Threads, pickV8Threads, v8NiceFromEnv, v8PoolSize, type Task } from './runtime-threads.js';

const pid = 1000;
/** A process's threads as node starts them: main, scheduler, V8's pool, the inspector's signal thread, then libuv's pool. */
const layout = (names: string[]): Task[] => names.map((name, i) => ({ tid: pid + i, name }));
const node20 = layout(Array(11).fill('node'));
const node22 = layout(['node', 'DelayedTaskSche', 'node', 'node', 'node', 'node', 'node', 'libuv-worker', 'libuv-worker']);
const node24 = layout(['MainThread', 'DelayedTaskSche', 'V8Worker', 'V8Worker', 'V8Worker', 'V8Worker', 'SignalInspector', 'libuv-worker']);

describe('finding V8\'s background threads', () => {
  it('takes them by name where node names them (24), by their place before that (20, 22)', () => {
    expect(pickV8Threads(pid, node24, 4)).toEqual({ tids: [1002, 1003, 1004, 1005], by: 'name' });
    expect(pickV8Threads(pid, node22, 4)).toEqual({ tids: [1002, 1003, 1004, 1005], by: 'order' });
    expect(pickV8Threads(pid, node20, 4)).toEqual({ tids: [1002, 1003, 1004, 1005], by: 'order' });
    // The order of /proc's listing does not matter, nor do gaps left by other processes' threads.
    const shuffled = [...node20].reverse().map((t) => (t.tid > 1003 ? { ...t, tid: t.tid + 7 } : t));
    expect(pickV8Threads(pid, shuffled, 4)).toEqual({ tids: [1002, 1003, 1011, 1012], by: 'order' });
    expect(pickV8Threads(pid, node20, 2)).toEqual({ tids: [1002, 1003], by: 'order' });
  });

  it('leaves a layout it does not know alone, saying why', () => {
    expect(pickV8Threads(pid, node20.slice(0, 6), 4)).toEqual({ reason: '6 threads, fewer than the 7 node starts with' });
    expect(pickV8Threads(pid, node20.slice(1), 4)).toEqual({ reason: 'the main thread is not the first thread' });
    expect(pickV8Threads(pid, node20, 0)).toMatchObject({ reason: expect.stringMatching(/pool size is 0/) });
    const renamed = node20.map((t, i) => (i === 1 ? { ...t, name: 'tsx-loader' } : t));
    expect(pickV8Threads(pid, renamed, 4)).toEqual({ reason: 'the second thread is "tsx-loader", not node\'s delayed-task scheduler' });
    const inPool = node22.map((t, i) => (i === 3 ? { ...t, name: 'libuv-worker' } : t));
    expect(pickV8Threads(pid, inPool, 4)).toEqual({ reason: 'a thread in V8\'s place has a name of its own' });
    const titled = node20.map((t, i) => (i === 9 ? { ...t, name: 'pino-worker' } : t));
    expect(pickV8Threads(pid, titled, 4)).toEqual({ reason: 'threads with names node 20 does not give' });
  });

  it('reads the pool size from node\'s flags and the nice value from GATEWAY_V8_NICE', () => {
    expect(v8PoolSize([])).toBe(4);
    expect(v8PoolSize(['--v8-pool-size=2'])).toBe(2);
    expect(v8PoolSize([], '--max-old-space-size=1024 --v8_pool_size=3')).toBe(3);
    expect(v8PoolSize(['--v8-pool-size=1'], '--v8-pool-size=3')).toBe(1);
    expect(v8NiceFromEnv({})).toBe(10);
    expect(v8NiceFromEnv({ GATEWAY_V8_NICE: '0' })).toBe(0);
    expect(v8NiceFromEnv({ GATEWAY_V8_NICE: '19' })).toBe(19);
    for (const bad of ['-5', '20', 'high', '1.5']) {
      expect(() => v8NiceFromEnv({ GATEWAY_V8_NICE: bad })).toThrow(`GW_ERR_CONFIG: GATEWAY_V8_NICE must be a whole number from 0 (leave V8's threads alone) to 19, not "${bad}"`);
    }
  });

  it('does nothing when asked for 0, off Linux, or when a priority cannot be set', () => {
    const set = (): void => {
      throw new Error('EACCES');
    };
    expect(lowerV8Threads(0, {})).toEqual({ nice: 0, skipped: 'GATEWAY_V8_NICE=0' });
    expect(lowerV8Threads(10, {}, { platform: 'darwin' })).toEqual({ nice: 10, skipped: 'not Linux' });
    expect(lowerV8Threads(10, {}, { pid, tasks: () => node20, setPriority: set, execArgv: [] })).toEqual({ nice: 10, skipped: 'could not set a thread\'s priority (EACCES)' });
    expect(lowerV8Threads(10, {}, { pid, tasks: () => { throw new Error('ENOENT'); } })).toEqual({ nice: 10, skipped: 'could not list the threads (ENOENT)' });
    let calls = 0;
    const failSecond = (): void => {
      if (++calls === 2) throw new Error('ESRCH');
    };
    expect(lowerV8Threads(10, {}, { pid, tasks: () => node20, setPriority: failSecond, execArgv: [] })).toEqual({ nice: 10, skipped: 'could not set a thread\'s priority (ESRCH); 1 of 4 lowered before it' });
    const lowered: number[] = [];
    expect(lowerV8Threads(10, { NODE_OPTIONS: '--v8-pool-size=2' }, { pid, tasks: () => node20, setPriority: (tid) => void lowered.push(tid), execArgv: [] })).toEqual({ nice: 10, tids: [1002, 1003], by: 'order' });
    expect(lowered).toEqual([1002, 1003]);
  });

  it('in a real node process, lowers exactly the threads that do V8\'s garbage collection', () => {
    // A fresh node (this one's version) lowers its threads, then churns a large heap so that V8's
    // background threads mark it; each thread's nice value and CPU ticks come from /proc.
    const script = `
      import { readdirSync, readFileSync } from 'node:fs';
      import { lowerV8Threads } from ${JSON.stringify(fileURLToPath(new URL('./runtime-threads.ts', import.meta.url)))};
      const r = lowerV8Threads(10, process.env);
      const stat = (t) => readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ');
      const ticks = () => Object.fromEntries(readdirSync('/proc/self/task').map((t) => [t, Number(stat(t)[11]) + Number(stat(t)[12])]));
      const before = ticks();
      let keep = [];
      const t0 = Date.now();
      while (Date.now() - t0 < 3000) {
        keep.push(Array.from({ length: 20000 }, (_, i) => ({ i, s: 'x' + i })));
        if (keep.length > 60) keep = keep.slice(30);
      }
      const after = ticks();
      const nice = Object.fromEntries(Object.keys(after).map((t) => [t, Number(stat(t)[16])]));
      console.log(JSON.stringify({ r, pid: process.pid, before, after, nice }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    const seen = JSON.parse(out) as { r: { tids?: number[]; skipped?: string }; pid: number; before: Record<string, number>; after: Record<string, number>; nice: Record<string, number> };
    expect(seen.r.skipped).toBeUndefined();
    const picked = new Set(seen.r.tids!.map(String));
    expect(picked.size).toBe(4);
    for (const [tid, n] of Object.entries(seen.nice)) expect([tid, n]).toEqual([tid, picked.has(tid) ? 10 : 0]);
    const gained = (tid: string): number => seen.after[tid]! - (seen.before[tid] ?? 0);
    const pickedGain = [...picked].reduce((sum, tid) => sum + gained(tid), 0);
    // The lowered threads did the marking (45-50 ticks each in 3 s here), and no other thread but
    // the main one did a quarter of that.
    for (const tid of picked) expect(gained(tid)).toBeGreaterThan(0);
    for (const tid of Object.keys(seen.after)) {
      if (tid !== String(seen.pid) && !picked.has(tid)) expect(gained(tid)).toBeLessThanOrEqual(Math.max(2, pickedGain / 4));
    }
  });
});
