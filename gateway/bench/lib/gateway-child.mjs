/**
 * Entry of the gateway-under-test child process (forked by gateway-proc.ts), so its RSS and CPU
 * are its own. Plain JavaScript on purpose: it runs the gateway as it ships (`gateway/dist`,
 * built by `npm run bench`) in a bare `node`, without a TypeScript loader (tsx's loader thread
 * alone is ~25 MiB of RSS). BENCH_FROM_SOURCE=1 runs gateway/src under tsx instead.
 * Receives its config over IPC, starts the gateway, and answers `stats` requests with process
 * and pipeline figures (the ChildStats type in gateway-proc.ts).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { watchLoopGaps } from './loop-gaps.mjs';

const root = process.env.BENCH_FROM_SOURCE === '1' ? '../../src' : '../../dist';
const ext = process.env.BENCH_FROM_SOURCE === '1' ? 'ts' : 'js';
// As `campus-gateway start` does first: V8's background threads below the event loop
// (src/runtime-threads.ts; GATEWAY_V8_NICE=0 leaves them alone, for an A/B).
const { lowerV8Threads, v8NiceFromEnv } = await import(`${root}/runtime-threads.${ext}`);
const v8Threads = lowerV8Threads(v8NiceFromEnv(process.env), process.env);
if ('skipped' in v8Threads && v8Threads.nice !== 0) process.stderr.write(`gateway child: V8 background threads left at normal priority (${v8Threads.skipped})\n`);
const [{ parseConfig }, { createGateway }, { createRootLogger }] = await Promise.all(
  ['config/load', 'gateway', 'log'].map((m) => import(`${root}/${m}.${ext}`)),
);

/** @type {{ start(): Promise<void>, stop(): Promise<void>, ports(): unknown, pipeline: { stats(): { readings: Record<string, number>, rejected: Record<string, number> } }, store: { health(): { written: number, detail?: Record<string, unknown> } } } | undefined} */
let gw;

// BENCH_ALLOC_PROF=<dir>: a sampling profile of every allocation (collected ones included), written
// at stop as .heapprofile (open in Chrome DevTools, Memory tab): where the garbage comes from.
// BENCH_ALLOC_PROF_PROMOTED=1 leaves out what scavenges collected: what is left was promoted to the
// old generation (and is still alive, or was collected by a major GC): what grows old space.
const allocDir = process.env.BENCH_ALLOC_PROF;
const inspector = allocDir ? new Session() : undefined;
if (inspector) {
  inspector.connect();
  inspector.post('HeapProfiler.startSampling', { samplingInterval: 32_768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.BENCH_ALLOC_PROF_PROMOTED !== '1' });
}
async function writeAllocationProfile() {
  if (!inspector || !allocDir) return;
  const profile = await new Promise((resolve, reject) => inspector.post('HeapProfiler.stopSampling', (err, r) => (err ? reject(err) : resolve(r.profile))));
  writeFileSync(`${allocDir}/alloc-${process.pid}.heapprofile`, JSON.stringify(profile));
}

// The histogram holds the intervals between the 10 ms timer's runs: the delay is what exceeds 10 ms.
const ELD_RESOLUTION_MS = 10;
const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
eld.enable();
const send = (m) => process.send?.(m);
const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);

const loopDelay = (ns) => Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS);

function stats() {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  const ingest = gw?.pipeline.stats() ?? { readings: {}, rejected: {} };
  const health = gw?.store.health();
  const s = {
    rss_bytes: mem.rss, heap_used_bytes: mem.heapUsed, max_rss_bytes: process.resourceUsage().maxRSS * 1024,
    cpu_user_us: cpu.user, cpu_system_us: cpu.system,
    readings: sum(ingest.readings), rejected: sum(ingest.rejected), store_written: health?.written ?? 0,
    // The embedded store's log restarts: how many were tried and how long the last 16 held commits back.
    wal_restart_holds: health?.detail?.wal_restart_holds ?? { count: 0, last_ms: [] },
    // The embedded store's fdatasyncs of its log over 10, 25, 50, 100 ms so far (null on other stores).
    wal_syncs_slow: health?.detail?.wal_syncs_slow ?? null,
    eld_p50_ms: loopDelay(eld.percentile(50)), eld_p99_ms: loopDelay(eld.percentile(99)), eld_max_ms: loopDelay(eld.max),
  };
  eld.reset();
  return s;
}

process.on('message', (m) => {
  void (async () => {
    try {
      if (m.type === 'start') {
        const config = parseConfig(m.config);
        gw = createGateway(config, { log: createRootLogger(config.log.level, undefined) });
        await gw.start();
        send({ type: 'ready', ports: gw.ports() });
      } else if (m.type === 'stats') {
        send({ type: 'stats', id: m.id, stats: stats() });
      } else if (m.type === 'stop') {
        await writeAllocationProfile();
        if (process.env.BENCH_MEM_TRACE) process.stderr.write(`[store] ${JSON.stringify(gw?.store.health())}\n`);
        await gw?.stop();
        send({ type: 'stopped' });
        process.exit(0);
      }
    } catch (err) {
      send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
    }
  })();
});
process.on('disconnect', () => process.exit(0));

// BENCH_TRACE=<dir>: what happened inside the gateway, for lib/trace-report.ts. Event-loop gaps
// over 6 ms with the main thread's time on a CPU and waiting for one (from the scheduler's
// per-thread counters: a gap spent waiting is the machine's other work, not the gateway's),
// GC pauses over 2 ms, and each time the store's write-ahead log started over.
if (process.env.BENCH_TRACE) {
  const { PerformanceObserver, constants: c, performance } = await import('node:perf_hooks');
  const gcKind = { [c.NODE_PERFORMANCE_GC_MINOR]: 'minor', [c.NODE_PERFORMANCE_GC_MAJOR]: 'major', [c.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [c.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' };
  const events = [];
  const at = (t) => (performance.timeOrigin + t).toFixed(1);
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.duration > 2) events.push(`gc ${at(e.startTime)} ${e.duration.toFixed(1)} ${gcKind[e.detail?.kind] ?? e.detail?.kind}`);
  }).observe({ entryTypes: ['gc'] });
  let restarts = 0;
  let polled = 0;
  watchLoopGaps('loop', events, (now) => {
    if (gw && ++polled % 20 === 0) {
      const r = gw.store.health().detail?.wal_restarts;
      if (typeof r === 'number' && r > restarts) events.push(`restart ${at(now)} 0`);
      if (typeof r === 'number') restarts = r;
    }
  });
  process.on('exit', () => writeFileSync(`${process.env.BENCH_TRACE}/gw-${process.pid}.txt`, `${events.join('\n')}\n`));
}

// BENCH_MEM_TRACE=1: the child's memory every 500 ms on stderr (where RSS goes under load).
if (process.env.BENCH_MEM_TRACE) {
  const mib = (n) => Math.round(n / 1048576);
  setInterval(() => {
    const m = process.memoryUsage();
    const space = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, mib(s.physical_space_size)]));
    process.stderr.write(`[mem] rss ${mib(m.rss)} heapTotal ${mib(m.heapTotal)} heapUsed ${mib(m.heapUsed)} external ${mib(m.external)} arrayBuffers ${mib(m.arrayBuffers)} new ${space.new_space} old ${space.old_space} large ${space.large_object_space}\n`);
  }, 500).unref();
}
