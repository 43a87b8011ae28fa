/**
 * Tools for security-broker.test.ts: a server certificate made by openssl, raw
 * sockets that idle or trickle, raw CONNECTs with credentials from a chosen
 * loopback address, and a pino destination that counts the bytes logged.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as netConnect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { pino, type Logger } from 'pino';
import { makeTempDir } from '../kit/processes.js';
import { run } from '../integration/broker-fixture.js';

export interface ServerCert {
  certFile: string;
  keyFile: string;
  /** The self-signed certificate, for clients to trust. */
  ca: Buffer;
}

export async function makeServerCert(): Promise<ServerCert> {
  const dir = makeTempDir('broker-sec-pki');
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  const r = await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile,
    '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  if (r.code !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { certFile, keyFile, ca: readFileSync(certFile) };
}

export interface WatchedSocket {
  socket: Socket;
  /** Resolves with the ms from open to close, once the server closed the socket. */
  closed: Promise<number>;
}

/** A TCP socket that connects (from `localAddress`) and sends only what `write` is given. */
export function openSocket(port: number, localAddress = '127.0.0.1'): WatchedSocket {
  const t0 = Date.now();
  const socket = netConnect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - t0)));
  return { socket, closed };
}

/** Writes `bytes` one at a time, every `everyMs`, until the socket closes (a slow-loris client). */
export function trickle(s: WatchedSocket, bytes: Buffer, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (s.socket.destroyed || i >= bytes.length) return clearInterval(timer);
    s.socket.write(bytes.subarray(i, ++i));
  }, everyMs);
  void s.closed.then(() => clearInterval(timer));
}

/** Whether `p` settles within `ms` (then its value), without failing the test by itself. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends a CONNECT with credentials from `localAddress` and resolves with the CONNACK
 * return code, or 'closed' when the server closed the socket without one.
 */
export function rawLogin(port: number, login: { clientId: string; username: string; password: string }, localAddress: string): Promise<number | 'closed'> {
  return new Promise((resolve) => {
    const s = netConnect({ port, host: '127.0.0.1', localAddress }, () => {
      s.write(mqttPacket.generate({
        cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60,
        clientId: login.clientId, username: login.username, password: Buffer.from(login.password),
      }));
    });
    let answer = Buffer.alloc(0);
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      answer = Buffer.concat([answer, d]);
      if (answer.length >= 4) {
        s.destroy();
        resolve(answer[3]!);
      }
    });
    s.on('close', () => resolve('closed'));
  });
}

/** A pino logger at `info` whose output is only counted (bytes, lines) and kept for inspection. */
export function countingLogger(): { log: Logger; bytes(): number; lines(): string[] } {
  let bytes = 0;
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: pino({ level: 'info' }, dest), bytes: () => bytes, lines: () => lines };
}
