/**
 * The embedded MQTT 3.1.1 broker (aedes; no MQTT 5) on TCP, and optionally TLS
 * and WebSocket. Device telemetry and events are handed to ingest from
 * `authorizePublish`, which runs before aedes sends PUBACK [MQTT-4.3.2]: for
 * QoS 1 the callback waits until the readings are stored, so an acknowledged
 * reading is a stored reading. Status messages (including last wills) are taken
 * from the `publish` event.
 *
 * Hardening (see README.md): authentication and topic ACLs (access-hooks.ts,
 * acl.ts), connection/packet-size/publish-rate/queue limits (limits.ts). A
 * publish the ACL or the rate limit refuses closes the connection: MQTT 3.1.1
 * cannot tell a client why, and closing is one of the two allowed answers
 * [MQTT-3.3.5-2]; a QoS 1 message so refused is resent after the reconnect.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket } from 'aedes';
import mqttPacket from 'mqtt-packet';
import type { Logger } from 'pino';
import { parseDeviceTopic, type DeviceTopic } from '../core/topics.js';
import { checkPublish, type DenyRule, type Identity } from './acl.js';
import { createAccessHooks, describeClient, warnKey, type AccessCounters } from './access-hooks.js';
import { createConnectionGate } from './connection-gate.js';
import { createDeviceAuth, type DeviceAuth } from './device-auth.js';
import { guardPacketSize, isProtocolError } from './aedes-internals.js';
import { createBucketTable, type TokenBucket } from './limits.js';
import { createSessionPersistence } from './session-persistence.js';
import { GatewayError, gwError } from '../errors.js';
import { listenTcp, listenTls, listenWebSocket, type ConnectionHandlers, type Listener, type ListenerKind } from './listeners.js';
import { createLogLimiter, quote } from './log-limiter.js';

export interface BrokerLimits {
  maxPacketBytes: number;
  maxConnections: number;
  publishesPerSecond: number;
  offlineQueueLength: number;
  connectTimeoutMs: number;
  drainTimeoutMs: number;
  /** Open sockets per source address, on all listeners together (TLS handshakes and upgrades included). */
  maxConnectionsPerAddress: number;
  /** Addresses `maxConnectionsPerAddress` does not apply to. */
  perAddressExempt: readonly string[];
}

export interface BrokerOptions {
  /** Plain MQTT over TCP; null: no plain listener (TLS and/or WebSocket only). */
  port: number | null;
  host: string;
  tls?: { port: number; certFile: string; keyFile: string; caFile?: string | undefined; requestClientCert: boolean } | undefined;
  /** `allowedOrigins`: browser origins that may connect (none by default; requests without Origin are allowed). */
  websocket?: { port: number; path: string; allowedOrigins?: readonly string[] | undefined } | undefined;
  /** Used only when `deps.auth` is not given (then no device can log in with auth on). */
  auth?: { enabled: boolean; maxFailures: number; lockoutSeconds: number } | undefined;
  deny?: readonly DenyRule[] | undefined;
  limits?: Partial<BrokerLimits> | undefined;
}

export interface BrokerDeps {
  log: Logger;
  /** Called for device telemetry/event publishes; the returned promise gates the QoS 1 PUBACK. */
  onDevicePublish(topic: DeviceTopic, payload: Buffer, receivedAt: number): Promise<void>;
  /** Called for device status publishes (retained status and last wills). */
  onDeviceStatus(topic: DeviceTopic, payload: Buffer, receivedAt: number): void;
  /** An authenticated device connected (auth on only): it is alive. */
  onDeviceConnect?(device: string, template: string, at: number): void;
  /** Extra authorization hook, after the ACL. */
  authorizePublish?(client: Client, packet: PublishPacket): Error | null;
  /** Credentials (shared with the admin devices API); defaults to one built from `options.auth` with no devices. */
  auth?: DeviceAuth;
}

export interface BrokerStats {
  /** Connections accepted since start, on all listeners. */
  connections: number;
  connectionsOpen: number;
  /** Refused because `maxConnections` were open. */
  connectionsRefused: number;
  /** Refused because `maxConnectionsPerAddress` sockets from the same address were open. */
  perAddressRefused: number;
  /** Sockets closed because no CONNECT arrived within `connectTimeoutMs` of the accept (TLS handshake / upgrade included). */
  connectTimeouts: number;
  /** WebSocket upgrades refused (403) for a browser Origin not in `allowedOrigins`. */
  wsOriginRefused: number;
  published: number;
  ingestErrors: number;
  authFailures: number;
  lockouts: number;
  lockoutRejections: number;
  /** Logins refused with 0x03 because too many waited for scrypt. */
  authBusy: number;
  /** Logins refused with 0x03 because too many from the same address were waiting to be checked (login-failures.ts). */
  authThrottled: number;
  identifierRejected: number;
  aclDenials: number;
  oversizePackets: number;
  rateLimitDisconnects: number;
  queueDrops: number;
  /** QoS 0 publishes answered only once stored, because too many others waited for the store. */
  qos0Throttled: number;
  /** Connections closed for a protocol error (garbage, a bad CONNECT, a malformed packet). */
  protocolErrors: number;
}

export interface Broker {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The port actually bound (useful with port 0). */
  port(): number;
  /** Bound ports of every listener. */
  ports(): Partial<Record<ListenerKind, number>>;
  publish(topic: string, payload: string | Buffer, opts?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
  connectedClients(): number;
  /** Closes the connections of an authenticated device (after its credentials changed or were removed). */
  disconnectDevice(id: string): number;
  stats(): BrokerStats;
  aedes(): Aedes;
}

export const DEFAULT_LIMITS: BrokerLimits = {
  maxPacketBytes: 256 * 1024, maxConnections: 10_000, publishesPerSecond: 2_000, offlineQueueLength: 1_000, connectTimeoutMs: 10_000, drainTimeoutMs: 5_000,
  maxConnectionsPerAddress: 100, perAddressExempt: ['127.0.0.1', '::1'],
};

/** QoS 0 readings that may wait for the store before further QoS 0 publishes are read only as the store keeps up. */
const QOS0_MAX_PENDING = 2_000;

export function createBroker(options: BrokerOptions, deps: BrokerDeps): Broker {
  // mqtt-packet (aedes' encoder) otherwise pre-builds 65,536 two-byte Buffers for packet ids on
  // its first write: ~6 MiB of old generation held for the life of the process.
  mqttPacket.writeToStream.cacheNumbers = false;
  const log = deps.log.child({ component: 'broker' });
  const limits: BrokerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const deny = options.deny ?? [];
  const auth = deps.auth ?? createDeviceAuth({ enabled: false, maxFailures: 5, lockoutSeconds: 300, ...options.auth, devices: [] });
  const warnLimited = createLogLimiter(log, { intervalMs: 60_000 });
  const gate = createConnectionGate({ connectTimeoutMs: limits.connectTimeoutMs, maxPerAddress: limits.maxConnectionsPerAddress, exempt: limits.perAddressExempt });
  /** The accepted socket under each connection (itself for TCP), whose connect deadline CONNECT clears. */
  const rawOf = new WeakMap<object, Socket>();
  let aedes: Aedes | undefined;
  let listeners: Listener[] = [];
  /** Every open connection and the aedes client reading it (from `aedes.handle`). */
  const open = new Map<Duplex, Client>();
  const addresses = new WeakMap<object, string>();
  const oversized = new WeakSet<Duplex>();
  const rateCut = new WeakSet<Client>();
  // Keyed by identity (device, user) or, when anonymous, client id: reconnecting does not refill a drained bucket.
  const buckets = createBucketTable(limits.publishesPerSecond, Math.max(1_000, 2 * limits.maxConnections));
  const counters = {
    connections: 0, connectionsRefused: 0, wsOriginRefused: 0, published: 0, ingestErrors: 0, oversizePackets: 0, rateLimitDisconnects: 0, queueDrops: 0,
    qos0Throttled: 0, protocolErrors: 0,
  };
  const protocolErrored = new WeakSet<Client>();
  // QoS 0 accounting without a closure per publish: a promise chain per message kept every
  // packet of a client's 64 KiB read chunk (~300 under a flood) in three reactions and contexts.
  let qos0Pending = 0;
  /** Callbacks of QoS 0 publishes held back until the store catches up (FIFO; `qos0Head` is the next). */
  let qos0Held: Array<(err?: Error | null) => void> = [];
  let qos0Head = 0;
  const releaseQos0 = (): void => {
    while (qos0Head < qos0Held.length && qos0Pending < QOS0_MAX_PENDING) {
      const next = qos0Held[qos0Head]!;
      qos0Held[qos0Head++] = undefined as never;
      next(null);
    }
    if (qos0Head === qos0Held.length && qos0Head > 0) { qos0Held = []; qos0Head = 0; }
  };
  const qos0Stored = (): void => {
    qos0Pending--;
    if (qos0Head < qos0Held.length) releaseQos0();
  };
  const qos0Failed = (err: unknown): void => {
    counters.ingestErrors += 1;
    log.warn({ err }, 'QoS 0 reading could not be stored');
    qos0Stored();
  };
  // Made anew by each start(): aedes sets up the persistence it is given.
  const makePersistence = () => createSessionPersistence({
    maxQueueLength: limits.offlineQueueLength,
    onDrop(clientId) {
      counters.queueDrops += 1;
      // one key for all sessions: a client id is the client's to choose, so it cannot key a log limit
      warnLimited('queue', { client: quote(clientId, 64), max: limits.offlineQueueLength }, 'session queue full; dropping messages');
    },
  });
  let persistence = makePersistence();
  const addressOf = (client: Client): string => addresses.get(client.conn) ?? 'unknown';
  const access: AccessCounters = { authFailures: 0, identifierRejected: 0, aclDenials: 0 };
  const hooks = createAccessHooks({
    log, auth, deny: () => deny, counters: access, warnLimited, addressOf,
  });

  function bucketFor(client: Client, who: Identity): TokenBucket {
    return buckets(who.kind === 'device' ? `d:${who.id}` : who.kind === 'internal' ? `u:${who.username}` : `c:${client.id}`);
  }

  function authorizePublish(client: Client | null, packet: PublishPacket, callback: (err?: Error | null) => void): void {
    if (client) {
      const who = hooks.identityOf(client);
      const refused = checkPublish(who, packet.topic, deny);
      if (refused) {
        access.aclDenials += 1;
        const address = addressOf(client);
        warnLimited(`acl:${warnKey(who, address)}`, { ...describeClient(who, address), topic: quote(packet.topic), reason: refused }, 'MQTT publish refused; closing the connection');
        return callback(gwError('GW_ERR_ACL', `publish to ${quote(packet.topic)} refused: ${refused}`));
      }
      if (deps.authorizePublish) {
        const denied = deps.authorizePublish(client, packet);
        if (denied) return callback(denied);
      }
      if (!persistence.isWill(client, packet)) {
        if (!bucketFor(client, who).take()) {
          // the rest of the socket's read chunk may still arrive here: one disconnect counted per connection
          if (!rateCut.has(client)) counters.rateLimitDisconnects += 1;
          rateCut.add(client);
          const address = addressOf(client);
          warnLimited(`rate:${warnKey(who, address)}`, { ...describeClient(who, address), limit: limits.publishesPerSecond }, 'publish rate limit exceeded; closing the connection');
          return callback(gwError('GW_ERR_RATE_LIMIT', `more than ${limits.publishesPerSecond} publishes per second`));
        }
      }
    }
    const topic = parseDeviceTopic(packet.topic);
    if (!topic || (topic.channel !== 'telemetry' && topic.channel !== 'event')) return callback(null);
    counters.published += 1;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const stored = deps.onDevicePublish(topic, payload, Date.now());
    // The callbacks below name only the topic string: a closure over `packet` would keep its
    // payload, and with it the whole socket read chunk it is a slice of, until the store answers.
    const topicName = packet.topic;
    if (packet.qos === 0) {
      // QoS 0 is answered at once, unless too many readings already wait for the store: then this
      // client's next read waits too (TCP backpressure), so a flood cannot fill memory.
      qos0Pending++;
      stored.then(qos0Stored, qos0Failed);
      if (qos0Pending <= QOS0_MAX_PENDING && qos0Head === qos0Held.length) return callback(null);
      counters.qos0Throttled += 1;
      qos0Held.push(callback);
      return;
    }
    stored.then(
      () => callback(null),
      (err: unknown) => {
        // Not stored: refuse, so the client's QoS 1 retry delivers it again later.
        counters.ingestErrors += 1;
        log.warn({ err, topic: topicName }, 'QoS 1 reading could not be stored; not acknowledged');
        callback(err instanceof GatewayError ? err : gwError('GW_ERR_NOT_STORED', undefined, { cause: err }));
      },
    );
  }

  function onPublish(packet: AedesPublishPacket, client: Client | null): void {
    if (!client && !packet.topic.endsWith('/status')) return;
    const topic = parseDeviceTopic(packet.topic);
    if (topic?.channel === 'status') {
      deps.onDeviceStatus(topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload), Date.now());
    }
  }

  function onConnection(conn: Duplex, raw: Socket, address: string, kind: ListenerKind, req?: IncomingMessage): void {
    const a = aedes;
    if (!a || open.size >= limits.maxConnections) {
      counters.connectionsRefused += 1;
      warnLimited('maxConnections', { address, kind, open: open.size, max: limits.maxConnections }, 'connection refused: too many connections');
      conn.destroy();
      return;
    }
    counters.connections += 1;
    addresses.set(conn, address);
    rawOf.set(conn, raw);
    conn.once('close', () => open.delete(conn));
    const client = a.handle(conn, req);
    open.set(conn, client);
    guardPacketSize(client, limits.maxPacketBytes, (length) => onOversize(conn, address, length));
  }

  function admit(socket: Socket, address: string, kind: ListenerKind): boolean {
    if (gate.admit(socket, address)) return true;
    warnLimited(`perAddress:${address}`, { address, kind, max: limits.maxConnectionsPerAddress }, 'connection refused: too many connections from this address');
    return false;
  }

  function onOriginRefused(address: string, origin: string): void {
    counters.wsOriginRefused += 1;
    warnLimited(`origin:${address}`, { address, origin: quote(origin) }, 'WebSocket refused: browser origin not in broker.websocket.allowedOrigins');
  }

  function onOversize(conn: Duplex, address: string, length?: number): void {
    if (oversized.has(conn)) return; // counted once per connection (WebSocket frame limit and MQTT header guard)
    oversized.add(conn);
    counters.oversizePackets += 1;
    warnLimited(`size:${address}`, { address, length, max: limits.maxPacketBytes }, 'oversize MQTT packet; closing the connection');
  }

  return {
    async start() {
      persistence = makePersistence();
      aedes = await Aedes.createBroker({
        authorizePublish,
        preConnect(client, packet, callback) {
          // CONNECT arrived: the accept-to-CONNECT deadline (connection-gate.ts) is met
          const raw = rawOf.get(client.conn);
          if (raw) gate.connected(raw);
          hooks.preConnect(client, packet, callback);
        },
        authenticate: hooks.authenticate,
        authorizeSubscribe: hooks.authorizeSubscribe,
        connectTimeout: limits.connectTimeoutMs,
        drainTimeout: limits.drainTimeoutMs,
        persistence,
      });
      const a = aedes;
      a.on('publish', onPublish);
      a.on('clientReady', (client) => {
        const who = hooks.identityOf(client);
        if (who.kind === 'device') deps.onDeviceConnect?.(who.id, who.template, Date.now());
      });
      // A connection closed for a protocol error (garbage, a bad CONNECT, a malformed packet) is
      // counted once; socket errors (reset, broken pipe) carry a code and are not protocol errors.
      const protocolError = (client: Client, err: Error): void => {
        if (!isProtocolError(err) || protocolErrored.has(client)) return;
        protocolErrored.add(client);
        counters.protocolErrors += 1;
      };
      a.on('clientError', (client, err) => {
        protocolError(client, err);
        log.debug({ client: quote(client.id, 64), err: quote(err.message) }, 'client error');
      });
      a.on('connectionError', (client, err) => {
        protocolError(client, err);
        log.debug({ err: quote(err.message) }, 'connection error');
      });
      try {
        // each server also caps its own sockets (a margin above the shared limit, which onConnection enforces),
        // so sockets still in a TLS handshake or WebSocket upgrade are bounded too
        const cap = limits.maxConnections + 100;
        const handlers: ConnectionHandlers = { admit, onConnection };
        if (options.port !== null) listeners.push(await listenTcp(options.port, options.host, handlers, cap));
        if (options.tls) listeners.push(await listenTls({ ...options.tls, handshakeTimeoutMs: limits.connectTimeoutMs, maxConnections: cap }, options.host, handlers));
        if (options.websocket) {
          const ws = { ...options.websocket, allowedOrigins: options.websocket.allowedOrigins ?? [], maxPayloadBytes: limits.maxPacketBytes + 8, maxConnections: cap };
          listeners.push(await listenWebSocket(ws, options.host, handlers, { onOversize, onOriginRefused }));
        }
        if (listeners.length === 0) throw gwError('GW_ERR_BROKER_CONFIG', 'no listener: broker.port is null and neither broker.tls nor broker.websocket is set');
      } catch (err) {
        await this.stop();
        throw err;
      }
      log.info({ host: options.host, ports: this.ports(), auth: auth.enabled ? 'on' : 'off' }, 'MQTT broker listening');
    },
    async stop() {
      const a = aedes;
      const ls = listeners;
      aedes = undefined;
      listeners = [];
      for (const s of open.keys()) s.destroy();
      gate.close();
      await Promise.all(ls.map((l) => l.close()));
      if (a) await new Promise<void>((resolve) => a.close(() => resolve()));
    },
    port: () => listeners.find((l) => l.kind === 'mqtt')?.port() ?? 0,
    ports: () => Object.fromEntries(listeners.map((l) => [l.kind, l.port()])),
    publish(topic, payload, opts = {}) {
      const a = aedes;
      if (!a) return Promise.reject(gwError('GW_ERR_BROKER_CLOSED'));
      return new Promise<void>((resolve, reject) => {
        a.publish(
          { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: opts.qos ?? 0, retain: opts.retain ?? false, dup: false },
          (err) => (err ? reject(err) : resolve()),
        );
      });
    },
    connectedClients: () => aedes?.connectedClients ?? 0,
    disconnectDevice(id) {
      let closed = 0;
      for (const c of open.values()) {
        const who = hooks.identityOf(c);
        if (who.kind === 'device' && who.id === id) {
          c.close();
          closed += 1;
        }
      }
      return closed;
    },
    stats() {
      const a = auth.stats();
      return {
        ...counters, ...access, ...gate.stats(), connectionsOpen: open.size,
        lockouts: a.lockouts, lockoutRejections: a.lockoutRejections, authBusy: a.busyRefusals, authThrottled: a.authThrottled,
      };
    },
    aedes() {
      if (!aedes) throw gwError('GW_ERR_BROKER_CLOSED');
      return aedes;
    },
  };
}
