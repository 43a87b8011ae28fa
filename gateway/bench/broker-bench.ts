/**
 * Broker benchmark (issue #4): connections per second (auth off, and auth on
 * with scrypt secrets), memory per 1,000 idle connections, and the per-client
 * publish rate limit holding under a flood.
 *
 *   node --import tsx gateway/bench/broker-bench.ts [--connections 5000] [--flood-seconds 5]
 *
 * The broker runs in a child process (so its memory is its own); the parent
 * drives raw MQTT 3.1.1 sockets (CONNECT/CONNACK, QoS 0 PUBLISH), which cost far
 * less than full client objects. Prints a table, then one JSON line.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createBroker } from '../src/broker/broker.js';
import { createDeviceAuth } from '../src/broker/device-auth.js';
import { hashSecret } from '../src/broker/secrets.js';

type ChildConfig = { auth: boolean; devices: number; publishesPerSecond: number };
type ChildReply = { port?: number; mem?: NodeJS.MemoryUsage; stats?: Record<string, number>; ingested?: Record<string, number> };

// ---------------------------------------------------------------- child: the broker
async function child(): Promise<void> {
  const cfg = JSON.parse(process.env.BROKER_BENCH_CONFIG ?? '{}') as ChildConfig;
  const devices = [];
  for (let i = 0; i < cfg.devices; i++) devices.push({ id: `dev-${i}`, template: 'energy-meter-1p', secretHash: await hashSecret(`secret-${i}`) });
  const auth = createDeviceAuth({ enabled: cfg.auth, maxFailures: 5, lockoutSeconds: 60, devices });
  const ingested: Record<string, number> = {};
  const broker = createBroker({ port: 0, host: '127.0.0.1', limits: { maxConnections: 20_000, publishesPerSecond: cfg.publishesPerSecond } }, {
    log: pino({ level: 'silent' }), auth,
    onDevicePublish: async (topic) => {
      ingested[topic.device] = (ingested[topic.device] ?? 0) + 1;
    },
    onDeviceStatus: () => undefined,
  });
  await broker.start();
  process.on('message', (msg: string) => {
    if (msg === 'mem') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ mem: process.memoryUsage() } satisfies ChildReply);
    } else if (msg === 'stats') {
      process.send?.({ stats: { ...broker.stats() }, ingested } satisfies ChildReply);
    } else if (msg === 'stop') {
      void broker.stop().then(() => process.exit(0));
    }
  });
  process.send?.({ port: broker.port() } satisfies ChildReply);
}

// ---------------------------------------------------------------- parent: the clients
function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

function connectPacket(clientId: string, login?: { username: string; password: string }): Buffer {
  const flags = 0x02 | (login ? 0xc0 : 0);
  const body = Buffer.concat([str('MQTT'), Buffer.from([0x04, flags, 0x00, 0x00]), str(clientId), ...(login ? [str(login.username), str(login.password)] : [])]);
  return Buffer.concat([Buffer.from([0x10]), varint(body.length), body]);
}

function publishPacket(topic: string, payload: string): Buffer {
  const body = Buffer.concat([str(topic), Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x30]), varint(body.length), body]);
}

/** Opens a socket, sends CONNECT, resolves with the socket once CONNACK 0 arrives. */
function mqttConnect(port: number, packet: Buffer): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ port, host: '127.0.0.1', noDelay: true }, () => s.write(packet));
    s.once('data', (d) => {
      if (d[0] === 0x20 && d[3] === 0) resolve(s);
      else reject(new Error(`CONNACK ${d[3]}`));
    });
    s.once('error', reject);
  });
}

async function connectMany(port: number, n: number, concurrency: number, packetFor: (i: number) => Buffer): Promise<{ sockets: Socket[]; perSecond: number }> {
  const sockets: Socket[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      sockets.push(await mqttConnect(port, packetFor(i)));
    }
  }));
  return { sockets, perSecond: n / ((performance.now() - t0) / 1000) };
}

function ask(c: ChildProcess, msg: string): Promise<ChildReply> {
  return new Promise((resolve) => {
    c.once('message', (m: ChildReply) => resolve(m));
    c.send(msg);
  });
}

async function startChild(cfg: ChildConfig): Promise<{ proc: ChildProcess; port: number }> {
  const proc = fork(fileURLToPath(import.meta.url), ['--child'], {
    execArgv: [...process.execArgv, '--expose-gc'],
    env: { ...process.env, BROKER_BENCH_CONFIG: JSON.stringify(cfg) },
  });
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('message', (m: ChildReply) => (m.port ? resolve(m.port) : reject(new Error('no port'))));
    proc.once('exit', (code) => reject(new Error(`broker child exited with ${code}`)));
  });
  return { proc, port };
}

async function stopChild(c: ChildProcess, sockets: Socket[]): Promise<void> {
  for (const s of sockets) s.destroy();
  c.send('stop');
  await new Promise((resolve) => c.once('exit', resolve));
}

const MiB = 1024 * 1024;
const r1 = (x: number) => Math.round(x * 10) / 10;

async function parent(): Promise<void> {
  const { values } = parseArgs({ options: { connections: { type: 'string', default: '5000' }, 'flood-seconds': { type: 'string', default: '5' }, child: { type: 'boolean' } } });
  const n = Number(values.connections);
  const floodS = Number(values['flood-seconds']);
  const results: Record<string, number> = {};
  const log = (m: string) => process.stderr.write(`[broker-bench] ${m}\n`);

  // 0. ceiling: a bare TCP server answering a fixed CONNACK, in the same kind of child-less set-up
  {
    const server = createNetServer((s) => s.once('data', () => s.write(Buffer.from([0x20, 0x02, 0x00, 0x00]))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { sockets, perSecond } = await connectMany((server.address() as AddressInfo).port, Math.min(n, 2000), 100, (i) => connectPacket(`c-${i}`));
    for (const s of sockets) s.destroy();
    server.close();
    results.connections_per_s_tcp_ceiling = Math.round(perSecond);
    log(`ceiling: bare TCP + fixed CONNACK ${Math.round(perSecond)}/s`);
  }

  // 1. auth off: connection rate and memory of idle connections
  {
    const { proc, port } = await startChild({ auth: false, devices: 0, publishesPerSecond: 2000 });
    const before = (await ask(proc, 'mem')).mem!;
    const { sockets, perSecond } = await connectMany(port, n, 100, (i) => connectPacket(`idle-${i}`));
    await new Promise((r) => setTimeout(r, 500));
    const after = (await ask(proc, 'mem')).mem!;
    results.connections_per_s_auth_off = Math.round(perSecond);
    results.rss_mib_per_1000_idle = r1(((after.rss - before.rss) / MiB / n) * 1000);
    results.heap_mib_per_1000_idle = r1(((after.heapUsed - before.heapUsed) / MiB / n) * 1000);
    results.idle_connections = n;
    log(`auth off: ${n} connections at ${Math.round(perSecond)}/s; RSS +${r1((after.rss - before.rss) / MiB)} MiB, heap +${r1((after.heapUsed - before.heapUsed) / MiB)} MiB`);
    await stopChild(proc, sockets);
  }

  // 2. auth on: a first login verifies the device's scrypt hash (N=16384, r=8) on the thread pool, at most
  //    two at a time; a reconnect with the same secret is answered from the HMAC cache.
  {
    const devices = 40;
    const { proc, port } = await startChild({ auth: true, devices, publishesPerSecond: 2000 });
    // with auth on, a device's client id is its device id: a reconnect of a device takes its session over
    const login = (i: number) => connectPacket(`dev-${i % devices}`, { username: `dev-${i % devices}`, password: `secret-${i % devices}` });
    const cold = await connectMany(port, devices, 16, login);
    for (const s of cold.sockets) s.destroy();
    const warm = await connectMany(port, Math.min(n, 2000), 100, (i) => login(i));
    results.logins_per_s_auth_on_first = r1(cold.perSecond);
    results.logins_per_s_auth_on_reconnect = Math.round(warm.perSecond);
    log(`auth on: first logins (scrypt) ${r1(cold.perSecond)}/s, reconnects (cached) ${Math.round(warm.perSecond)}/s`);
    await stopChild(proc, warm.sockets);
  }

  // 3. flood: one client publishing QoS 0 as fast as it can, reconnecting whenever it is cut off,
  //    against a limit of 1,000/s; a well-behaved client at 200/s publishes beside it.
  {
    const limit = 1000;
    const { proc, port } = await startChild({ auth: false, devices: 0, publishesPerSecond: limit });
    const flood = publishPacket('campus/energy-meter-1p/flooder/telemetry', '{"power_w":1}');
    const polite = publishPacket('campus/energy-meter-1p/polite/telemetry', '{"power_w":2}');
    let sent = 0;
    let politeSent = 0;
    let reconnects = 0;
    const end = performance.now() + floodS * 1000;
    const politeSocket = await mqttConnect(port, connectPacket('polite'));
    const politeTimer = setInterval(() => {
      politeSocket.write(polite);
      politeSent += 1;
    }, 5);
    while (performance.now() < end) {
      const s = await mqttConnect(port, connectPacket('flooder')).catch(() => undefined);
      if (!s) continue;
      reconnects += 1;
      let open = true;
      s.on('close', () => (open = false));
      s.on('error', () => undefined);
      while (open && performance.now() < end) {
        const batch = Buffer.concat(Array.from({ length: 100 }, () => flood));
        sent += 100;
        if (!s.write(batch)) await new Promise((r) => s.once('drain', r).once('close', r));
        await new Promise((r) => setImmediate(r));
      }
      s.destroy();
    }
    clearInterval(politeTimer);
    await new Promise((r) => setTimeout(r, 300));
    const { stats, ingested } = await ask(proc, 'stats');
    const accepted = ingested?.flooder ?? 0;
    results.flood_limit_per_s = limit;
    results.flood_sent_per_s = Math.round(sent / floodS);
    results.flood_accepted_per_s = Math.round(accepted / floodS);
    results.flood_disconnects = stats?.rateLimitDisconnects ?? 0;
    results.flood_reconnects = reconnects;
    results.polite_sent = politeSent;
    results.polite_lost = politeSent - (ingested?.polite ?? 0);
    log(`flood: sent ${Math.round(sent / floodS)}/s, accepted ${Math.round(accepted / floodS)}/s (limit ${limit}/s, burst ${limit}), ${stats?.rateLimitDisconnects} disconnects`);
    politeSocket.destroy();
    await stopChild(proc, []);
  }

  const width = Math.max(...Object.keys(results).map((k) => k.length));
  for (const [k, v] of Object.entries(results)) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'broker', node: process.version, ...results })}\n`);
}

if (process.argv.includes('--child')) await child();
else await parent();
