/**
 * Entry of the gateway-under-test child process (forked by gateway-proc.ts),
 * so its RSS and CPU are its own. Receives its config over IPC, starts the
 * gateway, and answers `stats` requests with process and pipeline figures.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createRootLogger } from '../../src/log.js';

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
