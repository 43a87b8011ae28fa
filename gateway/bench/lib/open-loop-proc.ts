/**
 * Starts the fixed-rate load generator in its own lean process (`open-loop-child.ts`) and runs
 * open-loop loads in it, one at a time.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FixedRateSpec } from './fixed-loads.js';
import type { OpenLoopResult } from './open-loop.js';

export interface OpenLoopJob {
  id: number;
  url: string;
  httpBase?: string;
  spec: FixedRateSpec;
  durationMs: number;
  prefix: string;
  probeEveryMs: number;
  traceFile?: string;
}

/** The generator's own major GCs during a run (count, and their pauses added up). */
export interface SenderGcs { count: number; pause_ms: number }

/** A run's result as the generator answers it: with its own major GCs during the run. */
export type GeneratorResult = OpenLoopResult & { sender_major_gcs: SenderGcs };

export type OpenLoopReply = { id: number; result: GeneratorResult } | { id: number; error: string };

export interface OpenLoopProc {
  run(job: Omit<OpenLoopJob, 'id'>): Promise<GeneratorResult>;
  stop(): Promise<void>;
}

export function startOpenLoopProc(): OpenLoopProc {
  const child = fork(fileURLToPath(new URL('./open-loop-child.ts', import.meta.url)), [], {
    execArgv: ['--conditions=source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 0;
  const waiting = new Map<number, { resolve(r: GeneratorResult): void; reject(e: Error): void }>();
  child.on('message', (m: OpenLoopReply) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if ('error' in m) w.reject(new Error(`load generator: ${m.error}`));
    else w.resolve(m.result);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    for (const w of waiting.values()) w.reject(new Error(`load generator exited (${signal ?? code}) during a run`));
    waiting.clear();
    resolve();
  }));
  return {
    run(job) {
      const id = ++next;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ ...job, id } satisfies OpenLoopJob);
      });
    },
    async stop() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}
