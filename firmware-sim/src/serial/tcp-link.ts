/**
 * A serial line served on a TCP port, as a serial device server does (ser2net in raw mode, a Moxa
 * NPort in TCP-server mode): the gateway connects to `tcp://127.0.0.1:<port>` and reads the same
 * bytes it would read from a tty. Lets the demo and tests run a serial device on a machine without
 * socat or a USB adapter. One client at a time, like the real boxes: a new connection replaces the old.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { ReopeningPort } from './port.js';

export interface TcpLinkOptions {
  host?: string;
  /** 0 (default): a free port, see `url` after start(). */
  port?: number;
}

export interface TcpLink extends ReopeningPort {
  /** `tcp://host:port` for the gateway's `adapters.serial[].path`, once started. */
  readonly url: string;
}

export function createTcpLink(options: TcpLinkOptions, onData: (chunk: Buffer) => void, onOpen?: () => void): TcpLink {
  const host = options.host ?? '127.0.0.1';
  let server: Server | undefined;
  let client: Socket | undefined;
  let opens = 0;
  let port = 0;

  return {
    async start() {
      server = createServer((socket) => {
        client?.destroy();
        client = socket;
        opens++;
        socket.setNoDelay(true);
        socket.on('data', onData);
        socket.on('error', () => undefined);
        socket.on('close', () => { if (client === socket) client = undefined; });
        onOpen?.();
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(options.port ?? 0, host, () => { server!.off('error', reject); resolve(); });
      });
      const address = server.address();
      port = typeof address === 'object' && address ? address.port : 0;
    },
    async stop() {
      client?.destroy();
      client = undefined;
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    write(data) {
      if (client && !client.destroyed) client.write(data);
    },
    get isOpen() { return client !== undefined && !client.destroyed; },
    get opens() { return opens; },
    get url() { return `tcp://${host}:${port}`; },
  };
}
