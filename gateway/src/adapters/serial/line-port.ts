/**
 * What a serial device's lines arrive through: a serial port (`/dev/ttyUSB0`, a pty), or a TCP
 * connection to a serial device server (`tcp://host:port`: a ser2net port in raw mode, a Moxa NPort or
 * USR-TCP232 box in TCP-server mode, or the demo's simulator when no pty tool is installed). Both are
 * byte streams with the same open / close / write; the line splitting and decoding after them
 * (port-device.ts) are the same code.
 */
import { Socket } from 'node:net';
import { SerialPort } from 'serialport';
import type { SerialSettings } from '../types.js';

export interface LinePort {
  pipe<T extends NodeJS.WritableStream>(dest: T): T;
  on(event: 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
  open(callback: (err: Error | null) => void): void;
  close(callback: () => void): void;
  write(data: string): unknown;
  readonly isOpen: boolean;
}

const TCP = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[^:/\s]+):(\d{1,5})$/;

/** `{ host, port }` of a `tcp://host:port` path, or undefined for a device path. */
export function tcpTarget(path: string): { host: string; port: number } | undefined {
  const m = TCP.exec(path);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65_536 ? { host: m[1]!.replace(/^\[|\]$/g, ''), port } : undefined;
}

/** A TCP connection to a serial device server, shaped like a SerialPort for port-device.ts. */
function tcpLinePort(target: { host: string; port: number }): LinePort {
  const socket = new Socket();
  socket.setNoDelay(true);
  let connected = false;
  socket.on('close', () => { connected = false; });
  return {
    pipe: (dest) => socket.pipe(dest),
    on(event, listener) { return socket.on(event, listener); },
    open(callback) {
      const fail = (err: Error) => callback(err);
      socket.once('error', fail);
      socket.connect(target.port, target.host, () => {
        socket.off('error', fail);
        connected = true;
        callback(null);
      });
    },
    close(callback) {
      if (socket.destroyed) return callback();
      socket.once('close', () => callback());
      socket.destroy();
    },
    write: (data) => socket.write(data, 'latin1'),
    get isOpen() { return connected && !socket.destroyed; },
  };
}

/** The port for `path` with the template's framing (framing does not apply to a TCP link). */
export function createLinePort(path: string, baudRate: number, settings: SerialSettings): LinePort {
  const target = tcpTarget(path);
  if (target) return tcpLinePort(target);
  return new SerialPort({ path, baudRate, dataBits: settings.dataBits, parity: settings.parity, stopBits: settings.stopBits, autoOpen: false });
}
