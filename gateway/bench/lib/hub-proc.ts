/**
 * The hub role as a district runs it: `campus-gateway hub --config FILE` from the built CLI
 * (gateway/bin/campus-gateway.js → dist), a tracked child of the test kit (killed if we die),
 * ready once it logged "hub subscribed". Its counters come from its own HTTP API
 * (`/api/health/details`, open: the config says `insecure: true`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot } from '../../test/kit/index.js';
import { spawnTracked, waitUntil, type TrackedProcess } from '../../test/kit/processes.js';

export interface HubProcOptions {
  dir: string;
  name: string;
  brokerUrl: string;
  influxUrl: string;
  database: string;
  /** `$share/<group>/…` when set. */
  sharedGroup: string | null;
  /** `broker.connections` (default 1). */
  connections?: number;
}

export interface HubCounters { received: number; stored: number; duplicates: number; invalid: number }

export interface HubProc {
  pid: number;
  counters(): Promise<HubCounters>;
  stop(): Promise<void>;
}

export async function startHubProc(o: HubProcOptions): Promise<HubProc> {
  const port = await freePort();
  const file = join(o.dir, `${o.name}.yaml`);
  // JSON is YAML: the hub reads it as any config file. MQTT 3.1.1 and QoS 1 only, as a clustered broker offers.
  writeFileSync(file, JSON.stringify({
    broker: { url: o.brokerUrl, clientId: o.name, sharedGroup: o.sharedGroup, connections: o.connections ?? 1, protocolVersion: 4 },
    influx: { url: o.influxUrl, database: o.database },
    dedup: { path: join(o.dir, `${o.name}-dedup.db`) },
    log: { level: 'info' },
    http: { port, host: '127.0.0.1' },
    insecure: true, // loopback, a measurement: no tokens on purpose
  }, null, 2));
  const proc: TrackedProcess = spawnTracked(process.execPath, [join(repoRoot, 'gateway/bin/campus-gateway.js'), 'hub', '--config', file], { cwd: repoRoot });
  try {
    // Every connection subscribed (one line each).
    const want = o.connections ?? 1;
    await waitUntil(`hub ${o.name}`, () => proc.outputTail().split('hub subscribed').length > want, { timeoutMs: 60_000, intervalMs: 100, proc });
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
  return {
    pid: proc.pid,
    async counters() {
      const res = await fetch(`http://127.0.0.1:${port}/api/health/details`);
      const body = await res.json() as { messages: HubCounters };
      return body.messages;
    },
    async stop() {
      await proc.stop('SIGTERM', 20_000);
    },
  };
}
