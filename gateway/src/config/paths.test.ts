import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.js';
import { resolveStatePaths, writtenPaths } from './paths.js';

const paths = (raw: unknown, env: NodeJS.ProcessEnv = {}) => resolveStatePaths(parseConfig(raw, 'x', env), '/srv/cwd');

describe('resolveStatePaths', () => {
  it('puts every file under GATEWAY_DATA_DIR when the config names none', () => {
    const p = paths({ uplink: { url: 'mqtt://hub' } }, { GATEWAY_DATA_DIR: '/var/lib/cg' });
    expect(p).toEqual({
      dataDir: '/var/lib/cg',
      storeDir: '/var/lib/cg',
      devicesFile: '/var/lib/cg/devices.json',
      sessionsFile: '/var/lib/cg/sessions.json',
      rostersFile: '/var/lib/cg/rosters.json',
      summariesDb: '/var/lib/cg/summaries.db',
      pseudonymKeyFile: '/var/lib/cg/pseudonym.key',
      uplinkOutbox: '/var/lib/cg/uplink-outbox.db',
      summariesState: '/var/lib/cg/summaries-state.bin',
      influxSpoolDir: '/var/lib/cg/influx-spool',
      influxWalDir: '/var/lib/cg/influx-wal',
    });
  });

  it('keeps the paths a config names, relative ones from the working directory', () => {
    const p = paths({
      dataDir: 'state',
      store: { kind: 'influx', url: 'http://x:8086', database: 'd', spoolPath: '/spool/a', wal: true },
      privacy: { pseudonymKeyFile: 'keys/p.key' },
      uplink: { url: 'mqtt://hub', outboxPath: '/o/out.db', summariesStatePath: 'sum.bin' },
    }, { GATEWAY_DATA_DIR: '' });
    expect(p).toMatchObject({
      dataDir: '/srv/cwd/state', devicesFile: '/srv/cwd/state/devices.json', pseudonymKeyFile: '/srv/cwd/keys/p.key',
      uplinkOutbox: '/o/out.db', summariesState: '/srv/cwd/sum.bin', influxSpoolDir: '/spool/a', influxWalDir: '/spool/a-wal',
    });
  });

  it('without a data dir, uses where the config keeps private data, else ./data', () => {
    expect(paths({ store: { kind: 'embedded', path: '/e' } }).dataDir).toBe('/e');
    expect(paths({ store: { kind: 'embedded', path: ':memory:' } })).toMatchObject({ dataDir: '/srv/cwd/data', storeDir: ':memory:' });
    expect(paths({ store: { kind: 'influx', url: 'http://x:8086', database: 'd' }, privacy: { pseudonymKeyFile: '/k/p.key' } }).devicesFile).toBe('/k/devices.json');
    expect(paths({}).dataDir).toBe('/srv/cwd/data');
  });

  it('lists what a config writes: the store of its kind, the uplink files only with an uplink', () => {
    const embedded = parseConfig({ dataDir: '/d' });
    expect(writtenPaths(embedded, resolveStatePaths(embedded)).map((w) => w.key)).toEqual(['store.path', 'privacy.pseudonymKeyFile', 'dataDir (devices.json)', 'dataDir (sessions.json)', 'dataDir (rosters.json)', 'dataDir (summaries.db)']);
    const influx = parseConfig({ dataDir: '/d', store: { kind: 'influx', url: 'http://x:8086', database: 'd', wal: true }, uplink: { url: 'mqtt://hub' } });
    expect(writtenPaths(influx, resolveStatePaths(influx)).map((w) => w.path)).toEqual([
      '/d/influx-spool', '/d/influx-wal', '/d/pseudonym.key', '/d/devices.json', '/d/sessions.json', '/d/rosters.json', '/d/summaries.db', '/d/uplink-outbox.db', '/d/summaries-state.bin',
    ]);
  });
});
