/**
 * Entry of the gateway-under-test child process (forked by gateway-proc.ts),
 * so its RSS and CPU are its own. Receives its config over IPC, starts the
 * gateway, and answers `stats` requests with process and pipeline figures.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type * as LoadModule from '../../src/config/load.js';
import type * as GatewayModule from '../../src/gateway.js';
import type * as LogModule from '../../src/log.js';
import type { Gateway } from '../../src/gateway.js';

// The gateway as it ships (`gateway/dist`, built by `npm run bench`), unless BENCH_FROM_SOURCE=1.
type Modules = [typeof LoadModule, typeof GatewayModule, typeof LogModule];
const fromSource = process.env.BENCH_FROM_SOURCE === '1';
const [{ parseConfig }, { createGateway }, { createRootLogger }] = (fromSource
  ? await Promise.all([import('../../src/config/load.js'), import('../../src/gateway.js'), import('../../src/log.js')])
  : await Promise.all([import('../../dist/config/load.js'), import('../../dist/gateway.js'), import('../../dist/log.js')])) as Modules;

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
  /** Event-loop delay since the previous stats request. */
  eld_p50_ms: number;
  eld_p99_ms: number;
  eld_max_ms: number;
}

type Msg = { type: 'start'; config: unknown } | { type: 'stats'; id: number } | { type: 'stop' };

let gw: Gateway | undefined;

// BENCH_ALLOC_PROF=<dir>: a sampling profile of every allocation (collected ones included), written
// at stop as .heapprofile (open in Chrome DevTools, Memory tab): where the garbage comes from.
const allocDir = process.env.BENCH_ALLOC_PROF;
const inspector = allocDir ? new (await import('node:inspector')).Session() : undefined;
if (inspector) {
  inspector.connect();
  inspector.post('HeapProfiler.startSampling', { samplingInterval: 32_768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
async function writeAllocationProfile(): Promise<void> {
  if (!inspector || !allocDir) return;
  const profile = await new Promise<unknown>((resolve, reject) => inspector.post('HeapProfiler.stopSampling', (err, r) => (err ? reject(err) : resolve(r.profile))));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${allocDir}/alloc-${process.pid}.heapprofile`, JSON.stringify(profile));
}
const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
const send = (m: unknown) => process.send?.(m);
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

function stats(): ChildStats {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  const ingest = gw?.ingest.stats() ?? { readings: {}, rejected: {} };
  const s: ChildStats = {
    rss_bytes: mem.rss, heap_used_bytes: mem.heapUsed, max_rss_bytes: process.resourceUsage().maxRSS * 1024,
    cpu_user_us: cpu.user, cpu_system_us: cpu.system,
    readings: sum(ingest.readings), rejected: sum(ingest.rejected), store_written: gw?.store.health().written ?? 0,
    eld_p50_ms: eld.percentile(50) / 1e6, eld_p99_ms: eld.percentile(99) / 1e6, eld_max_ms: eld.max / 1e6,
  };
  eld.reset();
  return s;
}

process.on('message', (m: Msg) => {
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

// BENCH_MEM_TRACE=1: the child's memory every 500 ms on stderr (where RSS goes under load).
if (process.env.BENCH_MEM_TRACE) {
  const mib = (n: number) => Math.round(n / 1048576);
  setInterval(() => {
    const m = process.memoryUsage();
    process.stderr.write(`[mem] rss ${mib(m.rss)} heapTotal ${mib(m.heapTotal)} heapUsed ${mib(m.heapUsed)} external ${mib(m.external)} arrayBuffers ${mib(m.arrayBuffers)}\n`);
  }, 500).unref();
}
