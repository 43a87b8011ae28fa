// A real influxd 1.x (Debian's influxdb package) on a free loopback port, with
// its meta, data and WAL under a fresh temp dir. Queries and writes go through
// the v1 HTTP API (/query, /write), as the gateway's InfluxDB store does.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePackages } from './packages.js';
import { freePort } from './ports.js';
import { makeTempDir, spawnReady, type TrackedProcess } from './processes.js';

const START_TIMEOUT_MS = 20_000;

export type InfluxValue = string | number | boolean | null;

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: InfluxValue[][];
}

/** One statement's result, as the v1 `/query` endpoint returns it. */
export interface InfluxStatementResult {
  statement_id: number;
  series?: InfluxSeries[];
  error?: string;
}

export interface InfluxQueryResult {
  results: InfluxStatementResult[];
}

export interface InfluxServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The temp dir holding influxd's config, meta, data and wal. */
  dataDir: string;
  /** Runs InfluxQL through POST /query; throws if the request or any statement fails. Times are RFC 3339 strings. */
  query(q: string, db?: string): Promise<InfluxQueryResult>;
  /** Writes line protocol through POST /write; throws unless InfluxDB answers 204. Precision defaults to ns. */
  write(lines: string, db: string, precision?: 'ns' | 'ms' | 's'): Promise<void>;
  createDatabase(name: string): Promise<void>;
  /** SIGTERM, resolves once influxd has exited. */
  stop(): Promise<void>;
  /** Starts influxd again after stop() or kill9(): same port, same data. */
  start(): Promise<void>;
  /** SIGKILL (a crash or power cut), resolves once influxd has exited. */
  kill9(): Promise<void>;
}

function influxConfig(dir: string, httpPort: number, rpcPort: number): string {
  return `# Written by gateway/test/kit/influx.ts
reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
  trace-logging-enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false
  log-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false

[[udp]]
  enabled = false

[logging]
  level = "warn"
  suppress-logo = true
`;
}

async function ping(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return res.status === 204;
  } catch {
    return false;
  }
}

function launch(configFile: string, url: string): Promise<TrackedProcess> {
  return spawnReady('influxd', ['run', '-config', configFile], `influxd (${url}, config ${configFile}; waiting for GET /ping to answer 204)`, () => ping(url), START_TIMEOUT_MS);
}

/** Starts influxd 1.x on a free port with fresh data; installs influxdb if missing (as root). */
export async function startInflux(): Promise<InfluxServer> {
  await ensurePackages(['influxdb', 'influxdb-client']);
  const dataDir = makeTempDir('influx');
  const configFile = join(dataDir, 'influxdb.conf');
  let port = 0;
  let proc: TrackedProcess | undefined;
  for (let attempt = 1; proc === undefined; attempt++) {
    port = await freePort();
    writeFileSync(configFile, influxConfig(dataDir, port, await freePort()));
    try {
      proc = await launch(configFile, `http://127.0.0.1:${port}`);
    } catch (err) {
      // A port taken by a process outside the kit between freePort() and bind: try new ones.
      if (attempt >= 3 || !/address already in use/i.test(String(err))) throw err;
    }
  }
  const url = `http://127.0.0.1:${port}`;

  async function query(q: string, db?: string): Promise<InfluxQueryResult> {
    const body = new URLSearchParams({ q });
    if (db !== undefined) body.set('db', db);
    const res = await fetch(`${url}/query`, { method: 'POST', body });
    const text = await res.text();
    let parsed: InfluxQueryResult & { error?: string };
    try {
      parsed = JSON.parse(text) as InfluxQueryResult & { error?: string };
    } catch {
      throw new Error(`InfluxDB query failed (HTTP ${res.status}, not JSON): ${text.slice(0, 500)}; query: ${q}`);
    }
    const failed = parsed.error ?? parsed.results?.find((r) => r.error !== undefined)?.error;
    if (!res.ok || failed !== undefined) throw new Error(`InfluxDB query failed (HTTP ${res.status}): ${failed ?? text}; query: ${q}`);
    return { results: parsed.results };
  }

  async function write(lines: string, db: string, precision?: 'ns' | 'ms' | 's'): Promise<void> {
    const params = new URLSearchParams({ db });
    if (precision !== undefined) params.set('precision', precision);
    const res = await fetch(`${url}/write?${params.toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: lines,
    });
    if (res.status !== 204) throw new Error(`InfluxDB write to ${db} failed (HTTP ${res.status}): ${await res.text()}`);
  }

  return {
    url,
    port,
    dataDir,
    query,
    write,
    async createDatabase(name: string): Promise<void> {
      await query(`CREATE DATABASE "${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
    },
    async stop(): Promise<void> {
      await proc?.stop('SIGTERM');
    },
    async start(): Promise<void> {
      if (proc !== undefined && !proc.hasExited()) return;
      proc = await launch(configFile, url);
    },
    async kill9(): Promise<void> {
      await proc?.stop('SIGKILL');
    },
  };
}
