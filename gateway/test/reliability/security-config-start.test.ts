/**
 * Issue #17, config: `config check` refuses what `start` refuses, with the same plain message and
 * no stack trace, before anything is created; every file a gateway (or hub) writes is under its
 * data dir, so two of them started from one working directory share nothing.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, parseConfig, silentLogger, type Gateway } from '../../src/index.js';
import { freePort, repoRoot, startInflux, startMosquitto, until, type InfluxServer, type MosquittoServer } from '../kit/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-config-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI from source, run from any working directory. */
const TSX = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href;
const CLI = ['--conditions=source', '--import', TSX, join(repoRoot, 'gateway', 'src', 'cli.ts')];
const baseEnv = { ...process.env, GATEWAY_CONFIG: '', GATEWAY_DATA_DIR: '', GATEWAY_HTTP_PORT: '', GATEWAY_MQTT_PORT: '' };

function cli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI, ...args], { cwd: opts.cwd ?? repoRoot, env: { ...baseEnv, ...opts.env }, timeout: 45_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Every file under `root`, relative to it. */
function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(root, f)).isFile()).sort();
}

describe('config check = start', () => {
  const both = async (file: string, env: NodeJS.ProcessEnv) => {
    const [check, start] = await Promise.all([cli(['config', 'check', file], { env }), cli(['start', '--config', file], { env })]);
    expect(check.code, check.stderr).toBe(1);
    expect(start.code, start.stderr).toBe(1);
    expect(start.stderr).toBe(check.stderr);
    expect(check.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
    return check.stderr;
  };

  it('names three mistakes of one file in plain words, the same for check and start', async () => {
    const data = join(dir, 'three-data');
    const file = join(dir, 'three.yaml');
    writeFileSync(file, [
      'insecure: true',
      'store:',
      '  kind: influxdb',
      'http:',
      '  port: 80a',
      'adapters:',
      '  modbus:',
      '    - { transport: tcp, host: 10.0.0.9, template: energy-meter-3p, deviceId: meter-1, unitid: 3 }',
      '',
    ].join('\n'));
    const stderr = await both(file, { GATEWAY_DATA_DIR: data });
    expect(stderr).toBe(`${file}: invalid configuration\n`
      + '  - adapters.modbus.0.unitid: unknown key; did you mean "unitId"?\n'
      + '  - store.kind: "influxdb" is not one of: embedded, influx\n'
      + '  - http.port: expected a number, got the text "80a"\n');
    expect(existsSync(data)).toBe(false);
  });

  it('refuses a template that does not exist, a port used twice and a missing certificate before anything starts', async () => {
    const data = join(dir, 'template-data');
    const file = join(dir, 'template.yaml');
    writeFileSync(file, JSON.stringify({
      insecure: true,
      broker: { port: 18830, tls: { port: 18830, certFile: join(dir, 'missing-cert.pem'), keyFile: join(dir, 'missing-key.pem') } },
      adapters: { modbus: [{ transport: 'tcp', host: '127.0.0.1', port: 1502, template: 'energy-meter-4p', deviceId: 'meter-1' }] },
    }));
    const stderr = await both(file, { GATEWAY_DATA_DIR: data });
    expect(stderr).toContain('adapters.modbus.0.template: no device template "energy-meter-4p"; did you mean "energy-meter-1p"?');
    expect(stderr).toContain('broker.tls.port: 18830 is also broker.port; expected a port of its own for each listener');
    expect(stderr).toContain(`broker.tls.certFile: cannot read ${join(dir, 'missing-cert.pem')} (no such file)`);
    expect(existsSync(data)).toBe(false);
  });

  it('shows a YAML syntax error with its line and a caret under the column', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'site:\n  id: north\n  name: [North School\n');
    const stderr = await both(file, {});
    expect(stderr).toMatch(/not valid YAML at line \d+, column \d+: .*\n {6}.*\n {6} *\^\n/);
  });

  it('checks the hub config with `hub config check`, the same as `config check --hub`', async () => {
    const file = join(dir, 'hub.yaml');
    writeFileSync(file, `broker: { url: "mqtts://hub.district:8883", caFile: ${JSON.stringify(join(dir, 'hub-ca.pem'))}, topicprefix: hub }\ninflux: { url: "http://127.0.0.1:8086" }\n`);
    const [a, b] = await Promise.all([cli(['hub', 'config', 'check', file]), cli(['config', 'check', '--hub', file])]);
    expect(a).toEqual(b);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('broker.topicprefix: unknown key; did you mean "topicPrefix"?');
    writeFileSync(file, `broker: { url: "mqtt://127.0.0.1:1883" }\ninflux: { url: "http://127.0.0.1:8086" }\ndedup: { path: ${JSON.stringify(join(dir, 'hub', 'dedup.db'))} }\n`);
    const ok = await cli(['hub', 'config', 'check', file]);
    expect(ok).toMatchObject({ code: 0, stdout: `${file}: ok\n` });
  });
});

describe('one data directory: two gateways in this process share nothing', () => {
  let influx: InfluxServer;
  let hub: MosquittoServer;
  const gateways: Gateway[] = [];
  const cwdData = join(process.cwd(), 'data');
  const before = filesUnder(cwdData).map((f) => `${f} ${statSync(join(cwdData, f)).mtimeMs}`);
  beforeAll(async () => {
    [influx, hub] = await Promise.all([startInflux(), startMosquitto()]);
    await influx.createDatabase('campus');
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.stop().catch(() => undefined);
    await Promise.all([influx?.stop(), hub?.stop()]);
  });

  it('keeps the store, spool, log, key, outbox, summaries and alarms under each GATEWAY_DATA_DIR', async () => {
    const common = { insecure: true, broker: { port: 0, host: '127.0.0.1' }, http: { port: 0, host: '127.0.0.1' }, uplink: { url: hub.url }, log: { level: 'silent' } };
    const stores = [{ kind: 'embedded' }, { kind: 'influx', url: influx.url, database: 'campus', wal: true, flushMs: 50 }];
    const dataDirs = stores.map((_, i) => join(dir, `in-process-${i}`));
    for (const [i, store] of stores.entries()) {
      const gw = createGateway(parseConfig({ ...common, store }, 'site.yaml', { GATEWAY_DATA_DIR: dataDirs[i] }), { log: silentLogger() });
      gateways.push(gw);
      await gw.start();
      const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, { clientId: `smoke-${i}`, reconnectPeriod: 0 });
      await device.publishAsync(`campus/smoke-detector/smoke-${i}/event`, JSON.stringify({ alarm: true, smoke: 0.35, bat: 90, tamper: false }), { qos: 1 });
      await device.endAsync();
      await until(`gateway ${i}'s alarm state on disk`, () => (existsSync(`${gw.paths.summariesState}.alarms.json`) ? true : undefined), 30_000, 100);
    }
    for (const gw of gateways.splice(0)) await gw.stop();

    const a = filesUnder(dataDirs[0]!);
    const b = filesUnder(dataDirs[1]!);
    expect(a).toEqual(expect.arrayContaining(['gateway.db', 'pseudonym.key', 'uplink-outbox.db', 'summaries-state.bin', 'summaries-state.bin.alarms.json']));
    expect(b).toEqual(expect.arrayContaining(['pseudonym.key', 'uplink-outbox.db', 'summaries-state.bin', 'summaries-state.bin.alarms.json']));
    expect(b.some((f) => f.startsWith('influx-wal/')), b.join(' ')).toBe(true);
    expect(existsSync(join(dataDirs[1]!, 'influx-spool'))).toBe(true);
    // Each run's raised alarms are its own: one smoke alarm each, none carried over from the other.
    const alarms = dataDirs.map((d) => (JSON.parse(readFileSync(join(d, 'summaries-state.bin.alarms.json'), 'utf8')) as { entries: Array<[string, number, boolean]> }).entries);
    expect(alarms.map((entries) => entries.filter(([, , active]) => active).length)).toEqual([1, 1]);
    expect(readFileSync(join(dataDirs[0]!, 'pseudonym.key'))).not.toEqual(readFileSync(join(dataDirs[1]!, 'pseudonym.key')));
    expect(filesUnder(cwdData).map((f) => `${f} ${statSync(join(cwdData, f)).mtimeMs}`)).toEqual(before);
  });
});

describe('one data directory: two gateways and a hub started by the CLI from one working directory', () => {
  const cwd = join(dir, 'shared-cwd');
  const children: ChildProcess[] = [];
  let hub: MosquittoServer;
  beforeAll(async () => {
    mkdirSync(cwd);
    hub = await startMosquitto();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await hub?.stop();
  });

  const stopped = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null ? r() : c.once('exit', () => r())));

  it('writes nothing under ./data, and each one\'s files only under its own GATEWAY_DATA_DIR', async () => {
    writeFileSync(join(cwd, 'site.yaml'), `insecure: true\nbroker: { host: 127.0.0.1 }\nhttp: { host: 127.0.0.1 }\nuplink: { url: "${hub.url}" }\nlog: { level: warn }\n`);
    writeFileSync(join(cwd, 'hub.yaml'), `broker: { url: "${hub.url}", clientId: hub-test }\ninflux: { url: "http://127.0.0.1:9", createDatabase: false }\nlog: { level: warn }\n`);
    const dataDirs = [join(dir, 'cli-a'), join(dir, 'cli-b')];
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    for (const [i, data] of dataDirs.entries()) {
      const env = { ...baseEnv, GATEWAY_DATA_DIR: data, GATEWAY_HTTP_PORT: String(ports[2 * i]), GATEWAY_MQTT_PORT: String(ports[2 * i + 1]) };
      children.push(spawn(process.execPath, [...CLI, 'start', '--config', 'site.yaml'], { cwd, env, stdio: 'ignore' }));
    }
    const hubData = join(dir, 'cli-hub');
    children.push(spawn(process.execPath, [...CLI, 'hub', '--config', 'hub.yaml'], { cwd, env: { ...baseEnv, GATEWAY_DATA_DIR: hubData }, stdio: 'ignore' }));
    for (const port of [ports[0], ports[2]]) {
      await until(`the gateway on ${port}`, () => fetch(`http://127.0.0.1:${port}/api/health`).then((r) => (r.ok ? true : undefined), () => undefined), 90_000, 250);
    }
    await until('the hub\'s dedup database', () => (existsSync(join(hubData, 'hub-dedup.db')) ? true : undefined), 60_000, 250);
    await Promise.all(children.map(async (c) => {
      c.kill('SIGTERM');
      await stopped(c);
    }));

    expect(readdirSync(cwd).sort()).toEqual(['hub.yaml', 'site.yaml']);
    const [a, b] = dataDirs.map((d) => filesUnder(d));
    for (const files of [a, b]) expect(files).toEqual(expect.arrayContaining(['gateway.db', 'pseudonym.key', 'uplink-outbox.db', 'summaries-state.bin']));
    expect(readFileSync(join(dataDirs[0]!, 'pseudonym.key'))).not.toEqual(readFileSync(join(dataDirs[1]!, 'pseudonym.key')));
    expect(filesUnder(hubData)).toEqual(expect.arrayContaining(['hub-dedup.db']));
  });
});
