/**
 * The broker's network listeners: plain MQTT over TCP, MQTT over TLS (mqtts,
 * optional client certificates) and MQTT over WebSocket (plain `ws`). Each shows
 * every accepted socket to `admit` first, before any TLS handshake or HTTP upgrade
 * (connection-gate.ts: per-address cap, connect deadline), then hands the connection,
 * as a Duplex with its underlying socket and peer address, to `onConnection`.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { normalizeAddress } from './connection-gate.js';
import { gwError } from '../errors.js';

export type ListenerKind = 'mqtt' | 'mqtts' | 'ws';

export interface Listener {
  kind: ListenerKind;
  port(): number;
  close(): Promise<void>;
}

export interface ConnectionHandlers {
  /** A socket was accepted, before TLS or the WebSocket upgrade; false: it is destroyed. */
  admit(socket: Socket, address: string, kind: ListenerKind): boolean;
  /** An MQTT connection is ready (`raw` is the accepted socket under TLS or WebSocket). */
  onConnection(conn: Duplex, raw: Socket, address: string, kind: ListenerKind, req?: IncomingMessage): void;
}

function admitOrDestroy(handlers: ConnectionHandlers, kind: ListenerKind): (socket: Socket) => void {
  return (socket) => {
    if (!handlers.admit(socket, normalizeAddress(socket.remoteAddress), kind)) socket.destroy();
  };
}

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

export async function listenTcp(port: number, host: string, handlers: ConnectionHandlers, maxConnections?: number): Promise<Listener> {
  const server = createNetServer((socket) => {
    const address = normalizeAddress(socket.remoteAddress);
    if (!handlers.admit(socket, address, 'mqtt')) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    handlers.onConnection(socket, socket, address, 'mqtt');
  });
  if (maxConnections !== undefined) server.maxConnections = maxConnections;
  await listen(server, port, host);
  return { kind: 'mqtt', port: () => boundPort(server), close: closer(server) };
}

export async function listenTls(options: TlsListenerOptions, host: string, handlers: ConnectionHandlers): Promise<Listener> {
  if (options.requestClientCert && !options.caFile) {
    throw gwError('GW_ERR_TLS_CONFIG', 'broker.tls.requestClientCert needs broker.tls.caFile, the CA that signs client certificates');
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
    // the TLS socket wraps the accepted one (`_parent`, set by node's TLS server), which carries the deadline
    const raw = (socket as TLSSocket & { _parent?: Socket })._parent ?? socket;
    handlers.onConnection(socket, raw, normalizeAddress(socket.remoteAddress), 'mqtts');
  });
  // runs after node's own listener has wrapped the socket in TLS; destroying the plain socket ends both
  server.on('connection', admitOrDestroy(handlers, 'mqtts'));
  // A failed handshake (timeout, no or bad client certificate, plain TCP on the TLS port) is normal
  // noise, but with a listener here node leaves the socket open: it must be destroyed, or it stays
  // forever (an idle TLS socket was found alive after 200 s).
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  await listen(server, options.port, host);
  return { kind: 'mqtts', port: () => boundPort(server), close: closer(server) };
}

export interface WebSocketListenerOptions {
  port: number;
  path: string;
  maxPayloadBytes: number;
  maxConnections?: number | undefined;
  /**
   * Browser origins allowed to open the socket (exact `scheme://host[:port]`). A request
   * without an Origin header (devices, non-browser clients) is allowed; a browser always
   * sends one, so by default no web page can make a visitor's browser connect.
   */
  allowedOrigins: readonly string[];
}

const normalizeOrigin = (origin: string): string => origin.trim().replace(/\/+$/, '').toLowerCase();

export async function listenWebSocket(
  options: WebSocketListenerOptions,
  host: string,
  handlers: ConnectionHandlers,
  events: {
    /** A WebSocket message over maxPayloadBytes (the socket is closed with 1009). */
    onOversize?: (conn: Duplex, address: string) => void;
    /** An upgrade refused (403) for its Origin. */
    onOriginRefused?: (address: string, origin: string) => void;
  } = {},
): Promise<Listener> {
  const allowed = new Set(options.allowedOrigins.map(normalizeOrigin));
  const http = createHttpServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
  });
  if (options.maxConnections !== undefined) http.maxConnections = options.maxConnections;
  http.on('connection', admitOrDestroy(handlers, 'ws'));
  const wss = new WebSocketServer({
    server: http,
    path: options.path,
    maxPayload: options.maxPayloadBytes,
    verifyClient: (info: { origin?: string; req: IncomingMessage }, callback: (ok: boolean, code?: number, message?: string) => void) => {
      if (!info.origin || allowed.has(normalizeOrigin(info.origin))) return callback(true);
      events.onOriginRefused?.(normalizeAddress(info.req.socket.remoteAddress), info.origin);
      callback(false, 403, 'Origin not allowed');
    },
    // MQTT clients ask for the `mqtt` (3.1.1) or `mqttv3.1` subprotocol [MQTT-6.0.0-3]
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  wss.on('connection', (ws, req) => {
    req.socket.setNoDelay(true);
    const address = normalizeAddress(req.socket.remoteAddress);
    const stream = createWebSocketStream(ws);
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') events.onOversize?.(stream, address);
    });
    stream.on('error', () => undefined);
    handlers.onConnection(stream, req.socket, address, 'ws', req);
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
