/**
 * The fixed-rate load generator in a process of its own (`open-loop-proc.ts` starts it): it
 * imports only the MQTT client, the loads and the statistics, so its heap is ~7 MB instead of
 * the bench's ~60 MB (the bench loads every section and the gateway's own modules). The
 * generator shares the two cores with the gateway it measures; a major GC of the bench's heap
 * marked ~60 MB on V8's background threads in the middle of measured runs, and its time was the
 * gateway's time too. Jobs arrive as IPC messages (`OpenLoopJob`), one at a time; each answer
 * carries the run's result and the generator's own major GCs during it.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { loadFor } from './fixed-loads.js';
import { runOpenLoop } from './open-loop.js';
import type { OpenLoopJob, OpenLoopReply } from './open-loop-proc.js';

let majors: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
    if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors.push(e.duration);
  }
}).observe({ entryTypes: ['gc'] });

process.on('message', (job: OpenLoopJob) => {
  const load = loadFor(job.spec);
  majors = [];
  void runOpenLoop({
    url: job.url, httpBase: job.httpBase, rate: load.rate, durationMs: job.durationMs, connections: load.devices, qos: 1,
    topic: load.topic, device: load.device, payload: load.payload, clientPrefix: job.prefix, probeEveryMs: job.probeEveryMs,
    ...(job.traceFile ? { traceFile: job.traceFile } : {}),
  }).then(
    (result) => process.send!({ id: job.id, result: { ...result, sender_major_gcs: { count: majors.length, pause_ms: Math.round(majors.reduce((a, b) => a + b, 0) * 10) / 10 } } } satisfies OpenLoopReply),
    (err: Error) => process.send!({ id: job.id, error: err.message } satisfies OpenLoopReply),
  );
});
process.on('disconnect', () => process.exit(0));
