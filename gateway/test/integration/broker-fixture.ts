/**
 * Shared set-up for the broker-*.test.ts files: a real aedes broker on port 0
 * (createBroker) with a recording ingest, and real clients (MQTT.js, the
 * mosquitto-clients CLIs, raw sockets for packets a client library will not send).
 */
import { spawn } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { createBroker, type Broker, type BrokerOptions } from '../../src/broker/broker.js';
import { createDeviceAuth, type DeviceAuth, type DeviceCredential, type InternalUser } from '../../src/broker/device-auth.js';
import type { DeviceTopic } from '../../src/core/topics.js';
import { ensurePackages } from '../kit/index.js';

export interface Recorded {
  topic: DeviceTopic;
  payload: string;
}

export interface TestBroker {
  broker: Broker;
  auth: DeviceAuth;
  url: string;
  port: number;
  /** Device telemetry/event publishes that reached ingest. */
  ingested: Recorded[];
  statuses: Recorded[];
  connects: string[];
  stop(): Promise<void>;
}

export async function startTestBroker(
  options: Partial<BrokerOptions> = {},
  auth: { enabled?: boolean; maxFailures?: number; lockoutSeconds?: number; devices?: DeviceCredential[]; internalUsers?: InternalUser[] } = {},
): Promise<TestBroker> {
  const ingested: Recorded[] = [];
  const statuses: Recorded[] = [];
  const connects: string[] = [];
  const deviceAuth = createDeviceAuth({
    enabled: auth.enabled ?? false, maxFailures: auth.maxFailures ?? 5, lockoutSeconds: auth.lockoutSeconds ?? 300,
    devices: auth.devices ?? [], internalUsers: auth.internalUsers ?? [],
  });
  const broker = createBroker({ port: 0, host: '127.0.0.1', ...options }, {
    log: pino({ level: 'silent' }),
    auth: deviceAuth,
    onDevicePublish: async (topic, payload) => {
      ingested.push({ topic, payload: payload.toString() });
    },
    onDeviceStatus: (topic, payload) => statuses.push({ topic, payload: payload.toString() }),
    onDeviceConnect: (id) => connects.push(id),
  });
  await broker.start();
  const port = broker.port();
  return { broker, auth: deviceAuth, port, url: `mqtt://127.0.0.1:${port}`, ingested, statuses, connects, stop: () => broker.stop() };
}

export type ClientOptions = IClientOptions & { localAddress?: string };

/**
 * Connects with MQTT.js (no reconnects); rejects with the CONNACK error (err.code =
 * return code). `localAddress` (e.g. 127.0.0.7) makes the login come from another
 * loopback address, to test per-address lockouts. With a username and no clientId, the
 * client id is the username (with auth on, a device's client id must be its device id).
 */
export function connectClient(url: string, opts: ClientOptions = {}): Promise<MqttClient> {
  const { localAddress, ...rest } = opts;
  const options: IClientOptions = {
    reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4, ...(rest.username !== undefined ? { clientId: rest.username } : {}), ...rest,
  };
  return new Promise((resolve, reject) => {
    let c: MqttClient;
    if (localAddress !== undefined) {
      const u = new URL(url);
      c = new mqtt.MqttClient(() => netConnect({ host: u.hostname, port: Number(u.port), localAddress }), options);
    } else {
      c = mqtt.connect(url, options);
    }
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

/** The CONNACK return code a login gets (0 = accepted). */
export async function connackCode(url: string, opts: ClientOptions = {}): Promise<number> {
  try {
    const c = await connectClient(url, opts);
    await c.endAsync();
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
}

export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (client.disconnected || !client.connected) return resolve();
    client.once('close', () => resolve());
  });
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command (mosquitto_pub/sub, openssl) to completion, with an optional stdin. */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A client refused at once (bad login, wrong client id) may exit before reading its stdin:
    // the write then fails with EPIPE, which is the child's answer, not an error of the test.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

export async function ensureMosquittoClients(): Promise<void> {
  await ensurePackages(['mosquitto-clients', 'openssl']);
}

/** Sends raw bytes and collects what the broker answers until it closes the connection (or timeout). */
export function rawExchange(port: number, bytes: Buffer, opts: { timeoutMs?: number; until?: (answer: Buffer) => boolean } = {}): Promise<{ answer: Buffer; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = netConnect(port, '127.0.0.1', () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ answer: Buffer.concat(chunks), closedByServer: false });
    }, opts.timeoutMs ?? 10_000);
    s.on('data', (d) => {
      chunks.push(d);
      if (opts.until?.(Buffer.concat(chunks))) {
        clearTimeout(timer);
        s.destroy();
        resolve({ answer: Buffer.concat(chunks), closedByServer: false });
      }
    });
    s.on('error', reject);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ answer: Buffer.concat(chunks), closedByServer: true });
    });
  });
}

/** An MQTT 3.1.1 CONNECT packet with no username/password/will. */
export function connectPacket(clientId: string, clean: boolean, keepaliveS = 60): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, clean ? 0x02 : 0x00, keepaliveS >> 8, keepaliveS & 0xff]);
  const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  const remaining = variable.length + payload.length;
  if (remaining > 127) throw new Error('connectPacket: keep it short');
  return Buffer.concat([Buffer.from([0x10, remaining]), variable, payload]);
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Subscribes and returns the SUBACK return codes in order (0x80 = refused), whether or not MQTT.js calls it an error. */
export async function subackCodes(client: MqttClient, topics: string[], qos: 0 | 1 | 2 = 1): Promise<number[]> {
  try {
    const granted = await client.subscribeAsync(topics, { qos });
    return granted.map((g) => g.qos);
  } catch (err) {
    const codes = (err as { packet?: { granted?: unknown } }).packet?.granted;
    if (Array.isArray(codes)) return codes.map((c) => (typeof c === 'number' ? c : -1));
    throw err;
  }
}
