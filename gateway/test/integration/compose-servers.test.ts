// The compose files' healthchecks and hub services against real servers: each healthcheck
// command as compose runs it (after its `$$` escapes) passes on a live server and fails on a
// dead port; the hub role, started with the service's command on the config the service
// mounts (host names of the compose network swapped for this machine's servers), stores a
// school's summary in the district database and acknowledges it: for the site (stand-in
// broker, edge/site/hub.yaml) and for a district (TLS broker with edge/hub's conf and ACL,
// edge/hub/hub.compose.example.yaml).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot, startInflux, startMosquitto, until, type InfluxServer, type MosquittoServer } from '../kit/index.js';
import { makeTempDir } from '../kit/processes.js';
import { loadCompose, mount } from './compose-files.js';
import { startDistrictBroker, type DistrictBroker } from './district-broker.js';

const site = loadCompose('docker-compose.yml').doc.services;
const district = loadCompose('edge/hub/docker-compose.yml').doc.services;
const dir = makeTempDir('compose-servers');
const children: ChildProcess[] = [];
let influx: InfluxServer;
let standIn: MosquittoServer;
let districtBroker: DistrictBroker;

/** A healthcheck `test` as compose runs it: `$$` is a literal `$`. */
function healthcheck(test: string[], swap: (s: string) => string): Promise<number> {
  const [kind, ...rest] = test.map((w) => swap(w.replaceAll('$$', '$')));
  const [file, args] = kind === 'CMD-SHELL' ? ['sh', ['-c', rest.join(' ')]] : [rest[0]!, rest.slice(1)];
  return new Promise((resolve) => execFile(file, args, { timeout: 20_000 }, (err) => resolve(err ? (typeof err.code === 'number' ? err.code : 1) : 0)));
}

/** Runs a compose service's command with the bins npm linked (the image has them on PATH). */
function runCommand(command: string[], configFile: string, target: string): { output: () => string } {
  const args = command.slice(1).map((a) => (a === target ? configFile : a));
  const env = { ...process.env, NODE_OPTIONS: '', PATH: `${join(repoRoot, 'node_modules/.bin')}:${process.env.PATH ?? ''}` };
  const child = spawn(command[0]!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
  children.push(child);
  return { output: () => out.slice(-4000) };
}

/** Names the hub's output when the step fails. */
async function withOutput<T>(hub: { output: () => string }, step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    throw new Error(`${(err as Error).message}\nthe hub's output:\n${hub.output()}`);
  }
}

/** Publishes a school's window summary (as its gateway's uplink does) until the hub acknowledges it. */
async function summaryAcknowledged(url: string, school: string, auth: { username?: string; password?: string; ca?: string } = {}): Promise<string> {
  const client = await mqtt.connectAsync(url, { clientId: `gw-${school}-${randomUUID()}`, ...auth, ...(auth.ca ? { ca: readFileSync(auth.ca) } : {}), reconnectPeriod: 500 });
  const id = randomUUID();
  const acked = new Promise<void>((resolve) => client.on('message', (_t, payload) => {
    if ((JSON.parse(payload.toString()) as { ids: string[] }).ids.includes(id)) resolve();
  }));
  await client.subscribeAsync(`hub/${school}/ack`, { qos: 1 });
  const start = Date.parse('2026-03-02T08:00:00Z');
  const message = JSON.stringify({ id, site: school, kind: 'environment', resolution: 'window', windowStart: new Date(start).toISOString(), windowEnd: new Date(start + 60_000).toISOString(), values: { rooms: 1, co2_high_min: 0.5 }, rows: [] });
  let done = false;
  void acked.then(() => { done = true; });
  // Resent until acknowledged, like the uplink: the hub may not have subscribed yet.
  await until(`hub acknowledgement of ${school}'s summary`, async () => {
    if (!done) await client.publishAsync(`hub/${school}/summary/environment`, message, { qos: 1 });
    await new Promise((r) => setTimeout(r, done ? 0 : 1000));
    return done || undefined;
  }, 60_000);
  await client.endAsync();
  return id;
}

async function storedIds(database: string, school: string): Promise<string[]> {
  const res = await influx.query(`SELECT msg_id FROM summary_environment WHERE site='${school}' AND scope='site'`, database);
  return (res.results[0]?.series?.[0]?.values ?? []).map((v) => String(v[1]));
}

beforeAll(async () => {
  const siteConf = readFileSync(join(repoRoot, site['hub-mqtt']!.volumes!.map(mount).find((m) => m.target === '/mosquitto/config/mosquitto.conf')!.source), 'utf8');
  // The stand-in broker's own settings; the kit chooses the listener, persistence location and logging.
  const settings = siteConf.split('\n').filter((l) => !/^(#|listener|persistence_location|log_dest)/.test(l)).join('\n');
  [influx, standIn, districtBroker] = await Promise.all([startInflux(), startMosquitto({ configExtra: settings }), startDistrictBroker()]);
});

afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all([standIn?.stop(), influx?.stop(), districtBroker?.stop()]);
});

describe('the site compose on real servers', () => {
  it('healthchecks of the stand-in hub broker and InfluxDB pass on live servers and fail on a dead port', async () => {
    const dead = await freePort();
    const mqttCheck = site['hub-mqtt']!.healthcheck!.test!;
    expect(await healthcheck(mqttCheck, (w) => (w === '1883' ? String(standIn.port) : w))).toBe(0);
    expect(await healthcheck(mqttCheck, (w) => (w === '1883' ? String(dead) : w))).not.toBe(0);
    const influxCheck = site['influxdb']!.healthcheck!.test!;
    expect(await healthcheck(influxCheck, (w) => w.replace('127.0.0.1:8086', `127.0.0.1:${influx.port}`))).toBe(0);
    expect(await healthcheck(influxCheck, (w) => w.replace('127.0.0.1:8086', `127.0.0.1:${dead}`))).not.toBe(0);
  });

  it('the hub service stores and acknowledges what the site gateway sends to the stand-in broker', async () => {
    const hubMount = site['hub']!.volumes!.map(mount).find((m) => m.target === '/etc/campus-hub/hub.yaml')!;
    const config = parseYaml(readFileSync(join(repoRoot, hubMount.source), 'utf8')) as { broker: { url: string }; influx: { url: string; database: string }; dedup: { path: string } };
    config.broker.url = config.broker.url.replace('//hub-mqtt:1883', `//127.0.0.1:${standIn.port}`);
    config.influx.url = config.influx.url.replace('//influxdb:8086', `//127.0.0.1:${influx.port}`);
    config.dedup.path = join(dir, 'site-dedup.db');
    writeFileSync(join(dir, 'site-hub.yaml'), stringify(config));
    const hub = runCommand(site['hub']!.command!, join(dir, 'site-hub.yaml'), hubMount.target);
    const id = await withOutput(hub, summaryAcknowledged(standIn.url, 'demo-school'));
    expect(await storedIds(config.influx.database, 'demo-school')).toContain(id);
  });
});

describe('the district compose on real servers', () => {
  it('the broker healthcheck passes on the TLS broker and fails on a dead port', async () => {
    const check = district['broker']!.healthcheck!.test!;
    const swap = (port: number) => (w: string) => w.replace('-p 8883', `-p ${port}`).replace('/etc/mosquitto/certs/ca.pem', districtBroker.caFile);
    expect(await healthcheck(check, swap(districtBroker.port))).toBe(0);
    expect(await healthcheck(check, swap(await freePort()))).not.toBe(0);
  });

  it('a hub service on the example config stores and acknowledges a school\'s summary over TLS', async () => {
    const config = parseYaml(readFileSync(join(repoRoot, 'edge/hub/hub.compose.example.yaml'), 'utf8')) as {
      broker: { url: string; password: string; caFile: string; clientId?: string }; influx: { url: string; database: string }; dedup: { path: string };
    };
    expect(config.broker.clientId).toBeUndefined();
    config.broker.url = config.broker.url.replace(/\/\/[^/]+:8883$/, `//127.0.0.1:${districtBroker.port}`);
    config.broker.password = districtBroker.passwords['district-hub']!;
    config.broker.caFile = districtBroker.caFile;
    config.influx.url = config.influx.url.replace('//influxdb:8086', `//127.0.0.1:${influx.port}`);
    config.dedup.path = join(dir, 'district-dedup.db');
    writeFileSync(join(dir, 'district-hub.yaml'), stringify(config));
    const hub = runCommand(district['hub-1']!.command!, join(dir, 'district-hub.yaml'), '/etc/campus-hub/hub.yaml');
    const school = { username: 'school-17', password: districtBroker.passwords['school-17']!, ca: districtBroker.caFile };
    const id = await withOutput(hub, summaryAcknowledged(districtBroker.url, 'school-17', school));
    expect(await storedIds(config.influx.database, 'school-17')).toContain(id);
  });
});
