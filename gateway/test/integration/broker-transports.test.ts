/**
 * The broker's TLS (mqtts) and WebSocket listeners, with a CA, server and
 * client certificates made by the openssl CLI in the test, and real clients
 * (MQTT.js over mqtts/ws, mosquitto_pub over TLS).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/broker/secrets.js';
import { parseConfig } from '../../src/config/load.js';
import { makeTempDir } from '../kit/processes.js';
import { closed, connackCode, connectClient, ensureMosquittoClients, run, startTestBroker, waitFor, type TestBroker } from './broker-fixture.js';

interface Pki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCa: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const r = await run('openssl', args.map((a) => (a.startsWith('@') ? join(cwd, a.slice(1)) : a)));
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

async function makePki(): Promise<Pki> {
  const dir = makeTempDir('broker-pki');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', '@ca.key', '-out', '@ca.crt', '-days', '2', '-subj', '/CN=campus test CA'], dir);
  await openssl(['req', '-x509', ...ec, '-keyout', '@other-ca.key', '-out', '@other-ca.crt', '-days', '2', '-subj', '/CN=some other CA'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [['server', '127.0.0.1'], ['client', 'meter-1']] as const) {
    await openssl(['req', ...ec, '-keyout', `@${name}.key`, '-out', `@${name}.csr`, '-subj', `/CN=${cn}`], dir);
    await openssl(['x509', '-req', '-in', `@${name}.csr`, '-CA', '@ca.crt', '-CAkey', '@ca.key', '-CAcreateserial', '-out', `@${name}.crt`, '-days', '2', '-extfile', `@${name}.ext`], dir);
  }
  const p = (f: string) => join(dir, f);
  return { dir, ca: p('ca.crt'), serverCert: p('server.crt'), serverKey: p('server.key'), clientCert: p('client.crt'), clientKey: p('client.key'), otherCa: p('other-ca.crt') };
}

describe('broker TLS and WebSocket listeners', () => {
  let pki: Pki;
  let t: TestBroker;
  let mtls: TestBroker;

  beforeAll(async () => {
    await ensureMosquittoClients();
    pki = await makePki();
    const devices = [{ id: 'meter-1', template: 'energy-meter-1p', secretHash: await hashSecret('meter-secret') }];
    t = await startTestBroker({
      tls: { port: 0, certFile: pki.serverCert, keyFile: pki.serverKey, requestClientCert: false },
      websocket: { port: 0, path: '/mqtt' },
      limits: { maxPacketBytes: 4096 },
    }, { enabled: true, devices, internalUsers: [{ username: 'ops', secretHash: await hashSecret('ops-secret'), publish: [], subscribe: ['campus/#'] }] });
    mtls = await startTestBroker({
      tls: { port: 0, certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.ca, requestClientCert: true },
    }, { enabled: true, devices });
  });
  afterAll(async () => {
    await t?.stop();
    await mtls?.stop();
  });

  const login = { username: 'meter-1', password: 'meter-secret' };

  it('serves mqtts to MQTT.js trusting the test CA, and ingests over it', async () => {
    const c = await connectClient(`mqtts://127.0.0.1:${t.broker.ports().mqtts}`, { ...login, ca: readFileSync(pki.ca) });
    await c.publishAsync('campus/energy-meter-1p/meter-1/telemetry', '{"via":"tls"}', { qos: 1 });
    expect(t.ingested.some((r) => r.payload === '{"via":"tls"}')).toBe(true);
    await c.endAsync();
  });

  it('serves mqtts to mosquitto_pub with --cafile, and a client trusting another CA fails the handshake', async () => {
    const port = String(t.broker.ports().mqtts);
    const ok = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '--cafile', pki.ca, '-i', login.username, '-u', login.username, '-P', login.password,
      '-q', '1', '-t', 'campus/energy-meter-1p/meter-1/telemetry', '-m', '{"via":"mosquitto-tls"}']);
    expect(ok.code, ok.stderr).toBe(0);
    await waitFor('mosquitto tls reading', () => t.ingested.some((r) => r.payload === '{"via":"mosquitto-tls"}'));
    const bad = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '--cafile', pki.otherCa, '-i', login.username, '-u', login.username, '-P', login.password,
      '-t', 'campus/energy-meter-1p/meter-1/telemetry', '-m', 'x']);
    expect(bad.code).not.toBe(0);
    await expect(connectClient(`mqtts://127.0.0.1:${port}`, { ...login, ca: readFileSync(pki.otherCa) })).rejects.toThrow(/certificate|self.signed|verify/i);
  });

  it('with requestClientCert, refuses a TLS client without a certificate and accepts one signed by the CA', async () => {
    const url = `mqtts://127.0.0.1:${mtls.broker.ports().mqtts}`;
    await expect(connectClient(url, { ...login, ca: readFileSync(pki.ca) })).rejects.toThrow();
    const c = await connectClient(url, { ...login, ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) });
    await c.publishAsync('campus/energy-meter-1p/meter-1/telemetry', '{"via":"mtls"}', { qos: 1 });
    expect(mtls.ingested.some((r) => r.payload === '{"via":"mtls"}')).toBe(true);
    await c.endAsync();
    const mq = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(mtls.broker.ports().mqtts), '--cafile', pki.ca, '--cert', pki.clientCert,
      '--key', pki.clientKey, '-i', login.username, '-u', login.username, '-P', login.password, '-q', '1', '-t', 'campus/energy-meter-1p/meter-1/telemetry', '-m', '{"via":"mosquitto-mtls"}']);
    expect(mq.code, mq.stderr).toBe(0);
    // credentials are still required on top of the certificate
    expect(await connackCode(url, { username: 'meter-1', password: 'wrong', ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) })).toBe(4);
  });

  it('refuses a config asking for client certificates without the CA that signs them', () => {
    expect(() => parseConfig({ broker: { tls: { certFile: pki.serverCert, keyFile: pki.serverKey, requestClientCert: true } } })).toThrow(/broker\.tls\.caFile/);
  });

  it('serves MQTT over WebSocket at the configured path, sharing topics with TCP clients', async () => {
    const wsUrl = `ws://127.0.0.1:${t.broker.ports().ws}/mqtt`;
    const ws = await connectClient(wsUrl, login);
    // a device has one connection (its client id is its device id): the TCP side is an internal user
    const tcp = await connectClient(t.url, { username: 'ops', password: 'ops-secret' });
    const seen: string[] = [];
    tcp.on('message', (_topic, payload) => seen.push(payload.toString()));
    await tcp.subscribeAsync('campus/energy-meter-1p/meter-1/telemetry', { qos: 1 });
    await ws.subscribeAsync('campus/energy-meter-1p/meter-1/command', { qos: 1 });
    const got: string[] = [];
    ws.on('message', (_topic, payload) => got.push(payload.toString()));
    await ws.publishAsync('campus/energy-meter-1p/meter-1/telemetry', '{"via":"ws"}', { qos: 1 });
    expect(t.ingested.some((r) => r.payload === '{"via":"ws"}')).toBe(true);
    await waitFor('WebSocket reading delivered to the TCP subscriber', () => seen.includes('{"via":"ws"}'));
    await t.broker.publish('campus/energy-meter-1p/meter-1/command', 'reset', { qos: 1 });
    await waitFor('command delivered to the WebSocket device', () => got.includes('reset'));
    // the ACL holds over WebSocket too
    expect(await connackCode(wsUrl, { username: 'meter-1', password: 'nope' })).toBe(4);
    await ws.endAsync();
    await tcp.endAsync();
  });

  it('closes a WebSocket client that sends an oversize packet', async () => {
    const before = t.broker.stats().oversizePackets;
    const ws = await connectClient(`ws://127.0.0.1:${t.broker.ports().ws}/mqtt`, login);
    const gone = closed(ws);
    ws.publish('campus/energy-meter-1p/meter-1/telemetry', Buffer.alloc(10_000, 0x42), { qos: 0 });
    await gone;
    await waitFor('oversize counted', () => t.broker.stats().oversizePackets === before + 1);
    expect(t.ingested.some((r) => r.payload.length === 10_000)).toBe(false);
  });
});
