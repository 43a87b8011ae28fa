// Attacks on what packaging ships: the district hub broker as edge/hub configures it (TLS,
// passwords, campus-hub.acl) against a school that tries to pass as another, read another's
// data or forge the acknowledgements that make a gateway delete its outbox; and the image
// build, which must not carry a checkout's secrets or data into the build context.
// "Not delivered" is asserted behind a barrier, not a sleep: the forbidden publish is
// answered (PUBACK) before an allowed one goes to the same subscriber, so it would have been
// delivered first.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadHubConfig, parseHubConfig } from '../../src/hub/index.js';
import { repoRoot, until } from '../kit/index.js';
import { loadCompose } from '../integration/compose-files.js';
import { dockerignore, parseDockerfile } from '../integration/dockerfile-replay.js';
import { startDistrictBroker, type DistrictBroker } from '../integration/district-broker.js';

let broker: DistrictBroker;
const clients: MqttClient[] = [];

function options(user?: string, password?: string): IClientOptions {
  return { ca: readFileSync(broker.caFile), reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 5, ...(user ? { username: user, password: password ?? broker.passwords[user] } : {}) };
}

/** Connects once: 'connected', or why not. */
function tryConnect(url: string, opts: IClientOptions): Promise<string> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, opts);
    c.once('connect', () => { resolve('connected'); c.end(true); });
    c.once('error', (err) => { resolve(err.message); c.end(true); });
    c.once('close', () => resolve('closed'));
  });
}

async function login(user: string): Promise<MqttClient & { got: Array<{ topic: string; text: string }> }> {
  const c = Object.assign(await mqtt.connectAsync(broker.url, options(user)), { got: [] as Array<{ topic: string; text: string }> });
  c.on('message', (topic, payload) => c.got.push({ topic, text: payload.toString() }));
  clients.push(c);
  return c;
}

beforeAll(async () => {
  broker = await startDistrictBroker();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await broker?.stop();
});

describe('the district hub broker (edge/hub/mosquitto.conf + campus-hub.acl)', () => {
  it('refuses anonymous clients, wrong passwords and plain MQTT', async () => {
    expect(await tryConnect(broker.url, options())).toMatch(/not authori[sz]ed/i);
    expect(await tryConnect(broker.url, options('school-17', 'guess'))).toMatch(/bad user name or password|not authori[sz]ed/i);
    expect(await tryConnect(broker.url.replace('mqtts:', 'mqtt:'), { reconnectPeriod: 0, connectTimeout: 10_000 })).not.toBe('connected');
    expect(await tryConnect(broker.url, options('school-17'))).toBe('connected');
  });

  it('a school cannot publish under another school\'s site id', async () => {
    const hub = await login('district-hub');
    await hub.subscribeAsync('hub/+/summary/#', { qos: 1 });
    const intruder = await login('school-17');
    await intruder.publishAsync('hub/school-18/summary/energy', 'forged', { qos: 1 }).catch(() => 'refused');
    await intruder.publishAsync('hub/school-17/summary/energy', 'own', { qos: 1 });
    await until('the school\'s own summary at the hub', () => (hub.got.some((m) => m.text === 'own') || undefined));
    expect(hub.got.map((m) => m.topic)).toEqual(['hub/school-17/summary/energy']);
  });

  it('a school reads neither other schools\' summaries nor their acknowledgements', async () => {
    const snoop = await login('school-17');
    await snoop.subscribeAsync(['hub/#', 'hub/school-18/ack'], { qos: 1 }).catch(() => undefined);
    await snoop.subscribeAsync('hub/school-17/ack', { qos: 1 });
    const other = await login('school-18');
    const hub = await login('district-hub');
    await other.publishAsync('hub/school-18/summary/energy', 'private', { qos: 1 });
    await hub.publishAsync('hub/school-18/ack', '{"ids":["x"]}', { qos: 1 });
    await hub.publishAsync('hub/school-17/ack', '{"ids":["mine"]}', { qos: 1 });
    await until('the school\'s own acknowledgement', () => (snoop.got.some((m) => m.text.includes('mine')) || undefined));
    expect([...new Set(snoop.got.map((m) => m.topic))]).toEqual(['hub/school-17/ack']);
  });

  it('a school that subscribes like a hub (shared group or not) takes no message from the hub of the example configs', async () => {
    // mosquitto's acl_file checks deliveries, not subscriptions: with a shared group (the old default
    // campus-hub), a school in the same group took every other message, which then reached no one.
    // Both example configs and the schema's default therefore subscribe plainly.
    expect(loadHubConfig(join(repoRoot, 'edge/hub/hub.example.yaml'), { CAMPUS_HUB_MQTT_PASSWORD: 'x' }).broker.sharedGroup).toBeNull();
    expect(parseHubConfig({ broker: { url: 'mqtt://hub:1883' }, influx: { url: 'http://influx:8086', database: 'district' } }).broker.sharedGroup).toBeNull();
    const { sharedGroup } = parseHubConfig(parseYaml(readFileSync(join(repoRoot, 'edge/hub/hub.compose.example.yaml'), 'utf8'))).broker;
    const hub = await login('district-hub');
    await hub.subscribeAsync(`${sharedGroup === null ? '' : `$share/${sharedGroup}/`}hub/+/summary/#`, { qos: 1 });
    const thief = await login('school-17');
    for (const group of ['campus-hub', sharedGroup ?? 'campus-hub']) {
      await thief.subscribeAsync(`$share/${group}/hub/+/summary/#`, { qos: 1 }).catch(() => undefined);
    }
    await thief.subscribeAsync('hub/+/summary/#', { qos: 1 }).catch(() => undefined);
    const school = await login('school-18');
    for (let i = 0; i < 10; i++) await school.publishAsync('hub/school-18/summary/usage', `m${i}`, { qos: 1 });
    await until('ten summaries at the hub', () => (hub.got.length >= 10 || undefined), 10_000).catch(() => undefined);
    expect(thief.got).toEqual([]);
    expect(hub.got.map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
  });

  it('a school cannot forge the acknowledgements that let another gateway delete its outbox', async () => {
    const victim = await login('school-18');
    await victim.subscribeAsync('hub/school-18/ack', { qos: 1 });
    const forger = await login('school-17');
    await forger.publishAsync('hub/school-18/ack', '{"ids":["forged"]}', { qos: 1 }).catch(() => 'refused');
    const hub = await login('district-hub');
    await hub.publishAsync('hub/school-18/ack', '{"ids":["real"]}', { qos: 1 });
    await until('the hub\'s acknowledgement', () => (victim.got.some((m) => m.text.includes('real')) || undefined));
    expect(victim.got.map((m) => m.text)).toEqual(['{"ids":["real"]}']);
  });
});

describe('the image build', () => {
  it('leaves secrets, local data, installed modules and git out of the build context', () => {
    const ignored = dockerignore(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'));
    for (const path of ['.env', 'edge/hub/.env', 'edge/hub/tls/hub.key', 'certs/ca.pem', 'data/pseudonym.key', 'data/uplink-outbox.db',
      '.git/config', 'node_modules/aedes/package.json', 'gateway/node_modules/x', 'gateway/dist/cli.js', 'test-output/run.log']) {
      expect(ignored(path), path).toBe(true);
    }
    for (const path of ['package.json', 'gateway/src/cli.ts', 'gateway/bin/campus-gateway.js', 'device-templates/smart-pen/template.yaml', 'edge/site/grafana.env']) {
      expect(ignored(path), path).toBe(false);
    }
  });

  it('ends as a non-root user, after every RUN of the runtime stage', () => {
    const steps = parseDockerfile(readFileSync(join(repoRoot, 'edge/site/Dockerfile'), 'utf8'));
    const runtime = steps.slice(steps.map((s) => s.op).lastIndexOf('FROM'));
    const user = runtime.map((s, i) => ({ ...s, i })).filter((s) => s.op === 'USER').at(-1);
    expect(user?.args).toBeDefined();
    expect(['root', '0']).not.toContain(user!.args.split(':')[0]);
    expect(Math.max(...runtime.map((s, i) => (s.op === 'RUN' ? i : -1)))).toBeLessThan(user!.i);
  });

  it('publishes InfluxDB and the site\'s stand-in hub broker on loopback only', () => {
    const site = loadCompose('docker-compose.yml').doc.services;
    const district = loadCompose('edge/hub/docker-compose.yml').doc.services;
    for (const ports of [site['influxdb']!.ports!, site['hub-mqtt']!.ports!, district['influxdb']!.ports!]) {
      for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:/);
    }
  });
});
