/**
 * The broker's network listeners: plain MQTT over TCP, MQTT over TLS (mqtts,
 * optional client certificates) and MQTT over WebSocket (plain `ws`). Each hands
 * every accepted connection, as a Duplex with its peer address, to `onConnection`.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';

export type ListenerKind = 'mqtt' | 'mqtts' | 'ws';

export interface Listener {
  kind: ListenerKind;
  port(): number;
  close(): Promise<void>;
}

export type OnConnection = (conn: Duplex, address: string, kind: ListenerKind, req?: IncomingMessage) => void;

export interface TlsListenerOptions {
  port: number;
  certFile: string;
  keyFile: string;
  caFile?: string | undefined;
  /** Require a client certificate signed by the CA (rejected at the TLS handshake otherwise). */
  requestClientCert: boolean;
  handshakeTimeoutMs: number;
  /** Also bounds sockets still in the TLS handshake (not yet seen by onConnection). */
  maxConnections?: number | undefined;
}

function listen(server: NetServer | HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closer(server: NetServer | HttpServer, extra?: () => void): () => Promise<void> {
  return () => new Promise<void>((resolve) => {
    extra?.();
    server.close(() => resolve());
  });
}

function boundPort(server: NetServer | HttpServer): number {
  const a = server.address() as AddressInfo | null;
  return a ? a.port : 0;
}

export async function listenTcp(port: number, host: string, onConnection: OnConnection, maxConnections?: number): Promise<Listener> {
  const server = createNetServer((socket) => {
    socket.setNoDelay(true);
    onConnection(socket, socket.remoteAddress ?? 'unknown', 'mqtt');
  });
  if (maxConnections !== undefined) server.maxConnections = maxConnections;
  await listen(server, port, host);
  return { kind: 'mqtt', port: () => boundPort(server), close: closer(server) };
}

export async function listenTls(options: TlsListenerOptions, host: string, onConnection: OnConnection): Promise<Listener> {
  if (options.requestClientCert && !options.caFile) {
    throw new Error('GW_ERR_TLS_CONFIG: broker.tls.requestClientCert needs broker.tls.caFile, the CA that signs client certificates');
  }
  const server = createTlsServer({
    cert: readFileSync(options.certFile),
    key: readFileSync(options.keyFile),
    ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}),
    requestCert: options.requestClientCert,
    rejectUnauthorized: options.requestClientCert,
    handshakeTimeout: options.handshakeTimeoutMs,
  }, (socket: TLSSocket) => {
    socket.setNoDelay(true);
    onConnection(socket, socket.remoteAddress ?? 'unknown', 'mqtts');
  });
  // failed handshakes (no or bad client certificate, plain TCP on the TLS port) are normal noise
  server.on('tlsClientError', () => undefined);
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  await listen(server, options.port, host);
  return { kind: 'mqtts', port: () => boundPort(server), close: closer(server) };
}

export async function listenWebSocket(
  options: { port: number; path: string; maxPayloadBytes: number; maxConnections?: number | undefined },
  host: string,
  onConnection: OnConnection,
  /** A WebSocket message over maxPayloadBytes (the socket is closed with 1009). */
  onOversize?: (conn: Duplex, address: string) => void,
): Promise<Listener> {
  const http = createHttpServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
  });
  if (options.maxConnections !== undefined) http.maxConnections = options.maxConnections;
  const wss = new WebSocketServer({
    server: http,
    path: options.path,
    maxPayload: options.maxPayloadBytes,
    // MQTT clients ask for the `mqtt` (3.1.1) or `mqttv3.1` subprotocol [MQTT-6.0.0-3]
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  wss.on('connection', (ws, req) => {
    req.socket.setNoDelay(true);
    const stream = createWebSocketStream(ws);
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') onOversize?.(stream, req.socket.remoteAddress ?? 'unknown');
    });
    stream.on('error', () => undefined);
    onConnection(stream, req.socket.remoteAddress ?? 'unknown', 'ws', req);
  });
  await listen(http, options.port, host);
  return {
    kind: 'ws',
    port: () => boundPort(http),
    close: closer(http, () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
    }),
  };
}
