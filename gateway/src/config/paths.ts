/**
 * Every file and directory the gateway writes, resolved once from the config (README "The data
 * directory"). The composition root (gateway.ts) calls `resolveStatePaths` and hands each component
 * its path; no component picks a default location or reads the environment itself, so two gateways
 * with different data directories share nothing, whatever their working directory.
 *
 * `GATEWAY_DATA_DIR` reaches this function as `config.dataDir` (load.ts applies the environment
 * overrides); a path the config names explicitly is kept as written.
 */
import { dirname, join, resolve } from 'node:path';
import type { GatewayConfig } from './schema.js';

type PathsConfig = Pick<GatewayConfig, 'dataDir' | 'store' | 'privacy' | 'uplink'>;

export interface StatePaths {
  /** Where every file the config does not name goes. */
  dataDir: string;
  /** The embedded store's directory (`gateway.db`, `-wal`, `-shm`) or `:memory:`. */
  storeDir: string;
  /** Devices added, changed or removed through the admin API. */
  devicesFile: string;
  /** This gateway's own summaries (SQLite) for the District tab and `/api/summaries`. */
  summariesDb: string;
  /** Class sessions' metadata; their captured readings go in `sessions/` beside it. */
  sessionsFile: string;
  /** Rosters teachers saved per class (`PUT /api/rosters/:class`). */
  rostersFile: string;
  pseudonymKeyFile: string;
  /** The uplink's durable outbox (SQLite); used only with `uplink`. */
  uplinkOutbox: string;
  /** Summaries roll-ups and counter anchors; the alarm states go in `<it>.alarms.json`. Used only with `uplink`. */
  summariesState: string;
  /** The InfluxDB store's spool directory. */
  influxSpoolDir: string;
  /** The InfluxDB store's write-ahead log directory (`store.wal: true`). */
  influxWalDir: string;
}

export const DEFAULT_DATA_DIR = './data';

/**
 * The data directory: `GATEWAY_DATA_DIR` / `dataDir`; else where the config already keeps private
 * data (the embedded store's `store.path`, else the directory of `privacy.pseudonymKeyFile`);
 * else `./data` under the working directory.
 */
function dataDirOf(config: PathsConfig): string {
  if (config.dataDir) return config.dataDir;
  if (config.store.kind === 'embedded' && config.store.path && config.store.path !== ':memory:') return config.store.path;
  if (config.privacy.pseudonymKeyFile) return dirname(config.privacy.pseudonymKeyFile);
  return DEFAULT_DATA_DIR;
}

/** Absolute paths, relative ones taken from `cwd` (the process's working directory by default). */
export function resolveStatePaths(config: PathsConfig, cwd = process.cwd()): StatePaths {
  const at = (path: string) => resolve(cwd, path);
  const dataDir = at(dataDirOf(config));
  const inData = (name: string) => join(dataDir, name);
  const embedded = config.store.kind === 'embedded' ? config.store : undefined;
  const influx = config.store.kind === 'influx' ? config.store : undefined;
  const spool = influx?.spoolPath ? at(influx.spoolPath) : inData('influx-spool');
  return {
    dataDir,
    // `:memory:` is the embedded store's in-memory database, not a path.
    storeDir: embedded?.path === ':memory:' ? ':memory:' : embedded?.path ? at(embedded.path) : dataDir,
    devicesFile: inData('devices.json'),
    summariesDb: inData('summaries.db'),
    sessionsFile: inData('sessions.json'),
    rostersFile: inData('rosters.json'),
    pseudonymKeyFile: config.privacy.pseudonymKeyFile ? at(config.privacy.pseudonymKeyFile) : inData('pseudonym.key'),
    uplinkOutbox: config.uplink?.outboxPath ? at(config.uplink.outboxPath) : inData('uplink-outbox.db'),
    summariesState: config.uplink?.summariesStatePath ? at(config.uplink.summariesStatePath) : inData('summaries-state.bin'),
    influxSpoolDir: spool,
    // The log lives beside the spool, so two gateways with their own spools never share one.
    influxWalDir: influx?.walPath ? at(influx.walPath) : influx?.spoolPath ? `${spool}-wal` : inData('influx-wal'),
  };
}

export interface WrittenPath {
  /** The config key that names it (or `dataDir` for a file that is always in the data directory). */
  key: string;
  path: string;
  dir: boolean;
  /** Made once, then only read: an existing one needs to be readable, not writable. */
  readOnly?: boolean;
}

/** The files and directories a gateway with this config writes (the start-up check looks at each). */
export function writtenPaths(config: PathsConfig, paths: StatePaths): WrittenPath[] {
  const out: WrittenPath[] = [];
  if (config.store.kind === 'embedded' && paths.storeDir !== ':memory:') out.push({ key: 'store.path', path: paths.storeDir, dir: true });
  if (config.store.kind === 'influx') {
    out.push({ key: 'store.spoolPath', path: paths.influxSpoolDir, dir: true });
    if (config.store.wal) out.push({ key: 'store.walPath', path: paths.influxWalDir, dir: true });
  }
  out.push({ key: 'privacy.pseudonymKeyFile', path: paths.pseudonymKeyFile, dir: false, readOnly: true });
  out.push({ key: 'dataDir (devices.json)', path: paths.devicesFile, dir: false });
  out.push({ key: 'dataDir (sessions.json)', path: paths.sessionsFile, dir: false });
  out.push({ key: 'dataDir (rosters.json)', path: paths.rostersFile, dir: false });
  out.push({ key: 'dataDir (summaries.db)', path: paths.summariesDb, dir: false });
  if (config.uplink) {
    out.push({ key: 'uplink.outboxPath', path: paths.uplinkOutbox, dir: false });
    out.push({ key: 'uplink.summariesStatePath', path: paths.summariesState, dir: false });
  }
  return out;
}

/**
 * Every file the gateway and the hub write, for the table in docs/configuration.md and the config
 * README (`npm run gen` writes both; a test checks they are current).
 */
export const STATE_FILES_TABLE = [
  '| what | where (default) | named by | when |',
  '| --- | --- | --- | --- |',
  '| readings (SQLite: `gateway.db`, `-wal`, `-shm`) | `<dataDir>/` | `store.path` | `store.kind: embedded` |',
  '| devices added through the admin API | `<dataDir>/devices.json` | – | always |',
  '| this gateway\'s summaries (SQLite, `-wal`, `-shm`), for the District tab | `<dataDir>/summaries.db` | – | always |',
  '| class sessions, their captured readings | `<dataDir>/sessions.json`, `<dataDir>/sessions/<id>.ndjson` | – | always |',
  '| rosters teachers saved per class | `<dataDir>/rosters.json` | – | always |',
  '| pseudonym key | `<dataDir>/pseudonym.key` | `privacy.pseudonymKeyFile` | always |',
  '| uplink outbox (SQLite, `-wal`, `-shm`) | `<dataDir>/uplink-outbox.db` | `uplink.outboxPath` | with `uplink` |',
  '| summaries state, raised alarms | `<dataDir>/summaries-state.bin`, `<same>.alarms.json` | `uplink.summariesStatePath` | with `uplink` |',
  '| InfluxDB spool | `<dataDir>/influx-spool/` | `store.spoolPath` | `store.kind: influx` |',
  '| InfluxDB write-ahead log | `<spoolPath>-wal/`, else `<dataDir>/influx-wal/` | `store.walPath` | `store.wal: true` |',
  '| hub: ids of stored messages (SQLite) | `<GATEWAY_DATA_DIR>/hub-dedup.db`, else `./data/hub-dedup.db` | `dedup.path` | `campus-gateway hub` |',
].join('\n');
