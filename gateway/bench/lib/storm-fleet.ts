/**
 * A school's devices as raw MQTT 3.1.1 sockets (CONNECT/CONNACK only: 2,000 mqtt.js clients in
 * one process would measure the bench, not the gateway). Each device logs in with client id =
 * username = its device id and its secret, and behaves like the firmware: on a refused login
 * (CONNACK ≠ 0) or a dropped socket it retries after a capped exponential backoff with jitter.
 */
import { connect as netConnect, type Socket } from 'node:net';

export interface FleetDevice { id: string; secret: string }

/** What one reconnect of the whole fleet saw. */
export interface StormRound {
  devices: number;
  online: number;
  /** From the first CONNECT to the last CONNACK 0. */
  all_online_ms: number;
  /** Per device, from the first CONNECT to its CONNACK 0. */
  p50_ms: number;
  p99_ms: number;
  /** Refused logins by CONNACK return code (3: busy / throttled, 4: bad secret, 5: locked out). */
  refused: Record<string, number>;
  /** Sockets closed or failed before a CONNACK (backlog full, reset). */
  dropped: number;
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

/** CONNECT, MQTT 3.1.1 [MQTT-3.1], clean session, keepalive 0, username and password. */
export function connectPacket(clientId: string, username: string, password: string): Buffer {
  const body = Buffer.concat([str('MQTT'), Buffer.from([0x04, 0xc2, 0x00, 0x00]), str(clientId), str(username), str(password)]);
  const len: number[] = [];
  for (let n = body.length; ; ) {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    len.push(byte);
    if (n === 0) break;
  }
  return Buffer.concat([Buffer.from([0x10, ...len]), body]);
}

/** One login attempt: the socket when CONNACK 0 came, else the return code or 'dropped'. */
function attempt(port: number, packet: Buffer, timeoutMs: number): Promise<Socket | number | 'dropped'> {
  return new Promise((resolve) => {
    const s = netConnect({ port, host: '127.0.0.1', noDelay: true }, () => s.write(packet));
    const timer = setTimeout(() => { s.destroy(); resolve('dropped'); }, timeoutMs);
    s.once('data', (d) => {
      clearTimeout(timer);
      // CONNACK [MQTT-3.2]: 0x20, remaining length 2, flags, return code
      if (d[0] === 0x20 && d[3] === 0) resolve(s);
      else { s.destroy(); resolve(d[0] === 0x20 ? d[3] ?? -1 : -1); }
    });
    s.once('error', () => undefined);
    s.once('close', () => { clearTimeout(timer); resolve('dropped'); });
  });
}

export interface FleetOptions {
  /** First retry delay; doubled per failure up to `maxBackoffMs`, with ±50 % jitter. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Give up on the round after this long (the round reports who is still offline). */
  deadlineMs?: number;
  attemptTimeoutMs?: number;
}

export interface Fleet {
  /** Every device connects at once (a restart, or the end of a blip); resolves when all are online or the deadline passed. */
  connectAll(port: number): Promise<StormRound>;
  /** The blip: every device's socket destroyed at once (no DISCONNECT, as when a switch reboots). */
  dropAll(): void;
  online(): number;
}

export function createFleet(devices: readonly FleetDevice[], options: FleetOptions = {}): Fleet {
  const backoffMs = options.backoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 2_000;
  const deadlineMs = options.deadlineMs ?? 120_000;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 15_000;
  const packets = devices.map((d) => connectPacket(d.id, d.id, d.secret));
  const sockets = new Map<number, Socket>();

  async function connectAll(port: number): Promise<StormRound> {
    const t0 = performance.now();
    const end = t0 + deadlineMs;
    const refused: Record<string, number> = {};
    let dropped = 0;
    const times: number[] = [];
    await Promise.all(packets.map(async (packet, i) => {
      for (let failures = 0; performance.now() < end; failures++) {
        const r = await attempt(port, packet, attemptTimeoutMs);
        if (typeof r === 'object') {
          r.on('error', () => undefined);
          sockets.set(i, r);
          times.push(performance.now() - t0);
          return;
        }
        if (r === 'dropped') dropped += 1;
        else refused[String(r)] = (refused[String(r)] ?? 0) + 1;
        const wait = Math.min(maxBackoffMs, backoffMs * 2 ** failures) * (0.5 + Math.random());
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }));
    times.sort((a, b) => a - b);
    const at = (p: number) => Math.round(times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] ?? NaN);
    return {
      devices: devices.length, online: times.length, all_online_ms: times.length === devices.length ? at(1) : NaN,
      p50_ms: at(0.5), p99_ms: at(0.99), refused, dropped,
    };
  }

  return {
    connectAll,
    dropAll() {
      for (const s of sockets.values()) s.destroy();
      sockets.clear();
    },
    online: () => sockets.size,
  };
}
