/** Starts the gateway under test in a child process and talks to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RUNTIME_ENV, RUNTIME_NODE_FLAGS } from '../../src/runtime-env.js';
import type { SlowSyncs } from '../../src/store/sqlite-wal-sync.js';

/** What the gateway child (gateway-child.mjs) answers to `stats`. */
export interface ChildStats {
  rss_bytes: number;
  heap_used_bytes: number;
  /** Peak RSS of the process so far (getrusage maxrss). */
  max_rss_bytes: number;
  cpu_user_us: number;
  cpu_system_us: number;
  /** Readings stored (ingest accepted after the store resolved). */
  readings: number;
  rejected: number;
  store_written: number;
  /** The embedded store's log restarts so far and the last 16 holds (ms); zero and none on other stores. */
  wal_restart_holds: { count: number; last_ms: number[] };
  /** The embedded store's fdatasyncs of its log that took over 10, 25, 50, 100 ms so far; null on other stores. */
  wal_syncs_slow: SlowSyncs | null;
  /** Event-loop delay since the previous stats request: how late the loop ran a 10 ms timer (its interval minus 10 ms). */
  eld_p50_ms: number;
  eld_p99_ms: number;
  eld_max_ms: number;
}

export interface GatewayProc {
  readonly pid: number;
  readonly mqttUrl: string;
  readonly httpPort: number;
  stats(): Promise<ChildStats>;
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./gateway-child.mjs', import.meta.url));

export async function startGatewayProc(config: Record<string, unknown>): Promise<GatewayProc> {
  // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of the gateway child there (open in Chrome DevTools).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  // BENCH_NODE_FLAGS: extra node flags for the gateway child (e.g. V8 heap settings to compare).
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const source = process.env.BENCH_FROM_SOURCE === '1' ? ['--conditions=source', '--import', 'tsx'] : [];
  // RUNTIME_ENV and RUNTIME_NODE_FLAGS: the environment and V8 heap bound the gateway ships with, as in production.
  const child: ChildProcess = fork(CHILD, [], { execArgv: [...source, '--no-deprecation', ...RUNTIME_NODE_FLAGS, ...flags, ...prof], env: { ...process.env, ...RUNTIME_ENV }, stdio: ['ignore', process.env.BENCH_CHILD_STDOUT ? 'inherit' : 'ignore', 'inherit', 'ipc'] });
  let nextId = 1;
  const waiting = new Map<number, (s: ChildStats) => void>();
  let onReady: ((p: { mqtt: number; http: number }) => void) | undefined;
  let onFail: ((e: Error) => void) | undefined;
  let onStopped: (() => void) | undefined;
  child.on('message', (m: { type: string; id?: number; stats?: ChildStats; ports?: { mqtt: number; http: number }; message?: string }) => {
    if (m.type === 'ready' && m.ports) onReady?.(m.ports);
    else if (m.type === 'stats' && m.id !== undefined) { waiting.get(m.id)?.(m.stats!); waiting.delete(m.id); }
    else if (m.type === 'error') onFail?.(new Error(`gateway child: ${m.message}`));
    else if (m.type === 'stopped') onStopped?.();
  });
  child.once('exit', (code) => onFail?.(new Error(`gateway child exited with ${code}`)));
  const ports = await new Promise<{ mqtt: number; http: number }>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
    child.send({ type: 'start', config });
  });
  onFail = (e) => process.stderr.write(`${e.message}\n`);
  return {
    pid: child.pid!,
    mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`,
    httpPort: ports.http,
    stats: () => new Promise<ChildStats>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      child.send({ type: 'stats', id });
    }),
    async stop() {
      if (child.exitCode !== null) return;
      onFail = undefined;
      const done = new Promise<void>((r) => { onStopped = r; child.once('exit', () => r()); });
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await done;
      clearTimeout(timer);
    },
  };
}
