/**
 * Attacks on the embedded broker (issue #16, items 5–8 and the broker parts of 16), each
 * against the real broker (aedes on port 0) with real clients: MQTT.js, raw TCP and TLS
 * sockets, `ws`, and a TLS listener with a certificate made by openssl.
 */
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createBroker } from '../../src/broker/broker.js';
import { createDeviceAuth } from '../../src/broker/device-auth.js';
import { hashSecret } from '../../src/broker/secrets.js';
import { parseConfig } from '../../src/config/load.js';
import { connackCode, connectClient, ensureMosquittoClients, startTestBroker, waitFor, type TestBroker } from '../integration/broker-fixture.js';
import { countingLogger, makeServerCert, openSocket, rawLogin, trickle, within, type ServerCert } from './security-broker-kit.js';

const CHEAP = { N: 1024, r: 4, p: 1 };
const SMOKE = { id: 'smoke-101', template: 'smoke-detector', secret: 'smoke-secret' };
const LIGHT = { id: 'light-101-1', template: 'classroom-light', secret: 'light-secret' };
const OPS = { username: 'ops', password: 'ops-secret' };
const login = (d: { id: string; secret: string }) => ({ username: d.id, password: d.secret });

async function credentials(cost = CHEAP) {
  return {
    enabled: true,
    devices: [
      { id: SMOKE.id, template: SMOKE.template, secretHash: await hashSecret(SMOKE.secret, cost) },
      { id: LIGHT.id, template: LIGHT.template, secretHash: await hashSecret(LIGHT.secret, cost) },
    ],
    internalUsers: [{ username: OPS.username, secretHash: await hashSecret(OPS.password, CHEAP), publish: ['campus/+/+/command'], subscribe: ['campus/#'] }],
  };
}

describe('item 5: a client id belongs to one login', () => {
  let t: TestBroker;
  beforeAll(async () => { t = await startTestBroker({}, await credentials()); });
  afterAll(async () => t?.stop());

  it('refuses a light\'s credentials with the smoke detector\'s client id (0x02); the detector still gets its queued command', async () => {
    const smoke = await connectClient(t.url, { ...login(SMOKE), clientId: SMOKE.id, clean: false });
    await smoke.subscribeAsync(`campus/${SMOKE.template}/${SMOKE.id}/command`, { qos: 1 });
    await smoke.endAsync();
    await t.broker.publish(`campus/${SMOKE.template}/${SMOKE.id}/command`, 'self-test', { qos: 1 });
    // the attack of the issue: another device's credentials, the detector's client id, CleanSession 0
    expect(await connackCode(t.url, { ...login(LIGHT), clientId: SMOKE.id, clean: false })).toBe(2);
    expect(await connackCode(t.url, { ...OPS, clientId: SMOKE.id, clean: false })).toBe(2);
    expect(await connackCode(t.url, { ...login(LIGHT), clientId: 'mqttjs_1f2e3d4c' })).toBe(2);
    expect(t.broker.stats().identifierRejected).toBe(3);
    const got: string[] = [];
    const back = await connectClient(t.url, { ...login(SMOKE), clientId: SMOKE.id, clean: false });
    back.on('message', (_topic, payload) => got.push(payload.toString()));
    await waitFor('the queued command reaches its owner', () => got.includes('self-test'));
    await back.endAsync();
  });

  it('lets an internal user connect as <username> or <username>:<suffix>', async () => {
    expect(await connackCode(t.url, { ...OPS, clientId: 'ops' })).toBe(0);
    expect(await connackCode(t.url, { ...OPS, clientId: 'ops:console-2' })).toBe(0);
  });
});

describe('item 6: idle and slow sockets on every listener', () => {
  const TIMEOUT_MS = 1_000;
  let pki: ServerCert;
  let t: TestBroker;
  let ports: { mqtt: number; mqtts: number; ws: number };

  beforeAll(async () => {
    await ensureMosquittoClients(); // openssl
    pki = await makeServerCert();
    t = await startTestBroker({
      tls: { port: 0, certFile: pki.certFile, keyFile: pki.keyFile, requestClientCert: false },
      websocket: { port: 0, path: '/mqtt' },
      limits: { connectTimeoutMs: TIMEOUT_MS, maxConnections: 20, maxConnectionsPerAddress: 50 },
    }, await credentials());
    const p = t.broker.ports();
    ports = { mqtt: p.mqtt!, mqtts: p.mqtts!, ws: p.ws! };
  });
  afterAll(async () => t?.stop());

  it('closes an idle socket on the TLS and WebSocket ports after connectTimeoutMs (it lived past 200 s)', async () => {
    const tls = openSocket(ports.mqtts, '127.0.0.11');
    const ws = openSocket(ports.ws, '127.0.0.11');
    const [tlsMs, wsMs] = await Promise.all([within(tls.closed, 20_000), within(ws.closed, 20_000)]);
    console.log(`idle TLS socket closed after ${tlsMs} ms, idle WebSocket socket after ${wsMs} ms (connectTimeoutMs ${TIMEOUT_MS})`);
    expect(tlsMs).not.toBe('timeout');
    expect(wsMs).not.toBe('timeout');
    expect(tlsMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  });

  it('holds one deadline from accept to CONNECT: a trickled ClientHello or HTTP upgrade, and a TLS handshake or upgrade with no CONNECT, are all closed', async () => {
    const dripTls = openSocket(ports.mqtts, '127.0.0.12');
    trickle(dripTls, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, ...Array(40).fill(7)]), 200);
    const dripWs = openSocket(ports.ws, '127.0.0.12');
    trickle(dripWs, Buffer.from('GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'), 200);
    const secure = tlsConnect({ socket: netConnect({ port: ports.mqtts, host: '127.0.0.1', localAddress: '127.0.0.12' }), host: '127.0.0.1', ca: pki.ca });
    let handshakeDone = false;
    secure.once('secureConnect', () => { handshakeDone = true; });
    secure.on('error', () => undefined);
    const secureClosed = new Promise<void>((resolve) => secure.once('close', () => resolve()));
    const upgraded = new WebSocket(`ws://127.0.0.1:${ports.ws}/mqtt`, 'mqtt', { localAddress: '127.0.0.12' });
    upgraded.on('error', () => undefined);
    const upgradedClosed = new Promise<void>((resolve) => upgraded.once('close', () => resolve()));
    const closing: Array<Promise<unknown>> = [dripTls.closed, dripWs.closed, secureClosed, upgradedClosed];
    const results = await Promise.all(closing.map((p) => within(p, 20_000)));
    expect(results).not.toContain('timeout');
    expect(handshakeDone).toBe(true);
  });

  it('after 260 idle sockets on the TLS and WebSocket ports, real TLS and WebSocket logins work again once they are closed', async () => {
    const idle = [];
    for (let i = 0; i < 260; i++) idle.push(openSocket(i % 2 ? ports.mqtts : ports.ws, `127.0.0.${20 + (i % 6)}`));
    const closedAll = await within(Promise.all(idle.map((s) => s.closed)), 30_000);
    expect(closedAll).not.toBe('timeout');
    const viaTls = await connectClient(`mqtts://127.0.0.1:${ports.mqtts}`, { ...login(LIGHT), ca: pki.ca });
    const viaWs = await connectClient(`ws://127.0.0.1:${ports.ws}/mqtt`, login(SMOKE));
    // a logged-in client is not subject to the connect deadline
    await new Promise((r) => setTimeout(r, 2 * TIMEOUT_MS));
    await viaTls.publishAsync(`campus/${LIGHT.template}/${LIGHT.id}/telemetry`, '{"via":"tls"}', { qos: 1 });
    await viaWs.publishAsync(`campus/${SMOKE.template}/${SMOKE.id}/telemetry`, '{"via":"ws"}', { qos: 1 });
    expect(t.broker.stats().connectTimeouts).toBeGreaterThanOrEqual(100);
    await viaTls.endAsync();
    await viaWs.endAsync();
  });
});

describe('item 6: connections per source address', () => {
  let t: TestBroker;
  let pki: ServerCert;
  beforeAll(async () => {
    await ensureMosquittoClients();
    pki = await makeServerCert();
    // a long connect deadline, so the sockets held below stay open for the whole test
    t = await startTestBroker({
      tls: { port: 0, certFile: pki.certFile, keyFile: pki.keyFile, requestClientCert: false },
      limits: { connectTimeoutMs: 60_000, maxConnectionsPerAddress: 50 },
    }, await credentials());
  });
  afterAll(async () => t?.stop());

  it('caps open sockets per source address over all listeners; other addresses are served', async () => {
    const held = [];
    for (let i = 0; i < 40; i++) held.push(openSocket(t.broker.ports().mqtts!, '127.0.0.31'));
    for (let i = 0; i < 20; i++) held.push(openSocket(t.port, '127.0.0.31'));
    await waitFor('10 sockets over the cap refused', () => t.broker.stats().perAddressRefused === 10);
    // the same address is refused on any listener while 50 are open; another address logs in
    expect(await within(rawLogin(t.port, { clientId: LIGHT.id, ...login(LIGHT) }, '127.0.0.31'), 5_000)).toBe('closed');
    expect(await rawLogin(t.port, { clientId: LIGHT.id, ...login(LIGHT) }, '127.0.0.32')).toBe(0);
    // loopback (127.0.0.1: processes on the gateway itself) is exempt by default
    const local = [];
    for (let i = 0; i < 60; i++) local.push(openSocket(t.port, '127.0.0.1'));
    expect(await rawLogin(t.port, { clientId: SMOKE.id, ...login(SMOKE) }, '127.0.0.1')).toBe(0);
    expect(t.broker.stats().perAddressRefused).toBe(11);
    for (const s of [...held, ...local]) s.socket.destroy();
  });
});

describe('item 8: the lockout holds under a burst and interleaved good logins', () => {
  let t: TestBroker;
  beforeAll(async () => {
    // real-cost scrypt (N=16384): the cost the lockout must protect
    t = await startTestBroker({ limits: { maxConnectionsPerAddress: 1_000 } }, { ...(await credentials({ N: 16384, r: 8, p: 1 })), maxFailures: 5 });
  });
  afterAll(async () => t?.stop());

  it('300 simultaneous wrong secrets from one address: at most maxFailures run scrypt, a first login elsewhere is served, the address is locked', async () => {
    const runsBefore = t.auth.stats().scryptRuns;
    const burst = Promise.all(Array.from({ length: 300 }, (_, i) =>
      rawLogin(t.port, { clientId: SMOKE.id, username: SMOKE.id, password: `guess-${i}` }, '127.0.0.41')));
    // a real device's first login while the burst is being checked
    await waitFor('the burst reaches scrypt', () => t.auth.stats().scryptRuns > runsBefore);
    const t0 = Date.now();
    const first = await rawLogin(t.port, { clientId: LIGHT.id, ...login(LIGHT) }, '127.0.0.42');
    const firstMs = Date.now() - t0;
    const codes = await burst;
    const scrypt = t.auth.stats().scryptRuns - runsBefore - 1;
    console.log(`300 simultaneous wrong logins: ${scrypt} scrypt runs, codes ${JSON.stringify(tally(codes))}; a first login from another address meanwhile took ${firstMs} ms`);
    expect(first).toBe(0);
    expect(scrypt).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 4)).toHaveLength(scrypt);
    expect(codes.every((c) => c === 3 || c === 4 || c === 5)).toBe(true);
    expect(await rawLogin(t.port, { clientId: SMOKE.id, ...login(SMOKE) }, '127.0.0.41')).toBe(5);
  });

  it('a good login of another device every fourth attempt no longer resets the guessing address', async () => {
    const codes: Array<number | 'closed'> = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++) codes.push(await rawLogin(t.port, { clientId: SMOKE.id, username: SMOKE.id, password: `r${round}-${i}` }, '127.0.0.43'));
      codes.push(await rawLogin(t.port, { clientId: LIGHT.id, ...login(LIGHT) }, '127.0.0.43'));
    }
    expect(codes.slice(0, 4)).toEqual([4, 4, 4, 0]);
    expect(codes.slice(-2)).toEqual([5, 5]);
  });
});

describe('item 7: log amplification', () => {
  it('a device reconnecting to publish on a 60 KB topic, with rotating client ids, and guessed usernames: the log stays small', async () => {
    const logged = countingLogger();
    const auth = createDeviceAuth({ maxFailures: 1_000, lockoutSeconds: 60, ...(await credentials()) });
    const broker = createBroker({ port: 0, host: '127.0.0.1' }, { log: logged.log, auth, onDevicePublish: async () => undefined, onDeviceStatus: () => undefined });
    await broker.start();
    const url = `mqtt://127.0.0.1:${broker.port()}`;
    const bigTopic = `campus/${LIGHT.template}/${LIGHT.id}/${'x'.repeat(60_000)}`;
    const startBytes = logged.bytes();
    const t0 = Date.now();
    for (let i = 0; i < 40; i++) {
      const c = await connectClient(url, login(LIGHT));
      const gone = new Promise<void>((resolve) => c.once('close', () => resolve()));
      c.publish(bigTopic, 'x', { qos: 0 });
      await gone;
      c.end(true);
      expect(await connackCode(url, { ...login(LIGHT), clientId: `rotating-${i}` })).toBe(2);
      if (i < 10) expect(await connackCode(url, { username: `Zhang Wei 13800138000 ${i}`, password: 'x' })).toBe(4);
    }
    const written = logged.bytes() - startBytes;
    console.log(`log bytes during the attack: ${written} in ${Date.now() - t0} ms (${broker.stats().aclDenials} refused publishes, 40 refused client ids, 10 bad logins)`);
    expect(broker.stats().aclDenials).toBe(40);
    expect(written).toBeLessThan(4_096);
    expect(logged.lines().every((l) => l.length < 1_024)).toBe(true);
    expect(logged.lines().join('')).not.toMatch(/Zhang|x{200}/);
    await broker.stop();
  });

  it('anonymous clients (auth off) rotating client ids are limited by address', async () => {
    const logged = countingLogger();
    const broker = createBroker({ port: 0, host: '127.0.0.1', deny: [{ topic: 'secret/#', action: 'all' }] }, {
      log: logged.log, onDevicePublish: async () => undefined, onDeviceStatus: () => undefined,
    });
    await broker.start();
    const startBytes = logged.bytes();
    for (let i = 0; i < 40; i++) {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port()}`, { clientId: `anon-${i}`, reconnectPeriod: 0 });
      const gone = new Promise<void>((resolve) => c.once('close', () => resolve()));
      c.publish(`secret/${'y'.repeat(60_000)}`, 'x', { qos: 0 });
      await gone;
      c.end(true);
    }
    expect(broker.stats().aclDenials).toBe(40);
    expect(logged.bytes() - startBytes).toBeLessThan(1_024);
    await broker.stop();
  });
});

describe('item 16: WebSocket origins, and TLS without plain TCP', () => {
  let pki: ServerCert;
  beforeAll(async () => {
    await ensureMosquittoClients();
    pki = await makeServerCert();
  });

  it('refuses a browser Origin not listed (403), accepts a listed one and a client that sends none', async () => {
    const t = await startTestBroker({ websocket: { port: 0, path: '/mqtt', allowedOrigins: ['https://dashboard.school.example'] } });
    const url = `ws://127.0.0.1:${t.broker.ports().ws}/mqtt`;
    const status = (origin?: string) => new Promise<number>((resolve) => {
      const ws = new WebSocket(url, 'mqtt', origin ? { origin } : {});
      ws.on('open', () => { ws.terminate(); resolve(101); });
      ws.on('unexpected-response', (_req, res) => { ws.terminate(); resolve(res.statusCode ?? 0); });
      ws.on('error', () => undefined);
    });
    expect(await status('https://evil.example')).toBe(403);
    expect(await status('https://dashboard.school.example')).toBe(101);
    expect(await status()).toBe(101);
    expect(t.broker.stats().wsOriginRefused).toBe(1);
    const c = await connectClient(url, { clientId: 'no-origin-device' });
    await c.endAsync();
    await t.stop();
  });

  it('broker.port: null listens on TLS only; with no listener at all the config is refused', async () => {
    const config = parseConfig({ broker: { port: null, host: '127.0.0.1', tls: { port: 0, certFile: pki.certFile, keyFile: pki.keyFile } } });
    expect(config.broker.port).toBeNull();
    const broker = createBroker(config.broker, { log: countingLogger().log, onDevicePublish: async () => undefined, onDeviceStatus: () => undefined });
    await broker.start();
    expect(Object.keys(broker.ports())).toEqual(['mqtts']);
    const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${broker.ports().mqtts}`, { ca: pki.ca, reconnectPeriod: 0 });
    await c.endAsync();
    await broker.stop();
    expect(() => parseConfig({ broker: { port: null } })).toThrow(/broker\.port/);
  });

  it('refuses at start-up an origin with a path and an internal username that could claim another\'s client ids', () => {
    expect(() => parseConfig({ broker: { websocket: { allowedOrigins: ['https://dashboard.school.example/mqtt'] } } })).toThrow(/broker\.websocket\.allowedOrigins/);
    expect(() => parseConfig({ broker: { auth: { internalUsers: [{ username: 'ops:1', secretHash: 'scrypt$1$1$1$a$b' }] } } })).toThrow(/username/);
  });
});

function tally(codes: Array<number | 'closed'>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of codes) out[String(c)] = (out[String(c)] ?? 0) + 1;
  return out;
}
