/**
 * The hub role: subscribes to every school's summaries and alarms on the hub broker,
 * drops duplicates by message `id`, writes the rest to the district InfluxDB.
 *
 * - Shared subscriptions (`$share/<group>/…`) when the broker offers them (MQTT 5 CONNACK
 *   "Shared Subscription Available", absent = available), so several hub processes share
 *   the load; plain subscriptions otherwise or with `sharedGroup: null`.
 * - A persistent session (clean start off, session expiry) so the broker keeps
 *   messages for the hub while it restarts.
 * - The PUBACK for a message is sent only after it is stored (or known to be a
 *   duplicate or invalid): mqtt.js calls `handleMessage` one message at a time and
 *   acknowledges when its callback runs, so an InfluxDB outage backs up into the broker
 *   instead of losing data. mqtt.js reads a connection's next packet only after that
 *   callback (lib/client.js `work` → `nextTickWork`), so one connection stores one message
 *   at a time; `broker.connections` opens several in the shared group, each with its own
 *   client id and session, so that many writes run at once (PUBACKs stay in order per
 *   connection, [MQTT-4.6.0-2]).
 * - A message delivered twice to one process at once (a resend on another connection while
 *   the first is being written) waits for the first and counts as its duplicate.
 * - Once a message is stored (or found to be a duplicate, or invalid), its id is sent back
 *   to the school on `<prefix>/<site>/ack` (batched), and only then does the gateway drop
 *   it from its outbox: end-to-end delivery that no broker restart or crash can break.
 * Duplicates that reach two hub processes are harmless: the same point is overwritten.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type IPublishPacket, type ISubscriptionMap, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { backoffDelay } from '../lib/backoff.js';
import type { HubConfig } from './config.js';
import { openSeenIds, type SeenIds } from './dedup.js';
import { startErrors } from '../errors.js';
import { createHttpPoster, influxTarget, withoutCredentials } from '../lib/influx/http.js';
import { prepareInflux } from '../lib/influx/setup.js';
import { InfluxWriteError, writeLines } from '../lib/influx/write-lines.js';
import { hubMessageSchema, toLines, type HubMessage } from './points.js';
import { createAckBatcher } from './ack-batcher.js';
import { retireSessions } from './retire-sessions.js';

/** What the hub's HTTP API (monitor.ts) learns from each message; all optional. */
export interface HubObserver {
  /** A message stored in InfluxDB. */
  stored?(message: HubMessage): void;
  /** A resend dropped by its id. */
  duplicate?(site: string): void;
  /** One InfluxDB write attempt: its duration, and the error when it failed. */
  write?(seconds: number, error?: Error): void;
}

export interface HubStats {
  received: number;
  stored: number;
  duplicates: number;
  invalid: number;
  writeRetries: number;
  shared: boolean;
  /** Every connection (`broker.connections`) is up and subscribed. */
  connected: boolean;
  /** Connections up and subscribed, of `broker.connections`. */
  connectionsOpen: number;
  connections: number;
  /** Message ids in the dedup set. */
  dedupIds: number;
}

export interface Hub {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): HubStats;
}

const SETUP_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 20_000;

export function createHub(config: HubConfig, deps: { log: Logger; observer?: HubObserver }): Hub {
  const log = deps.log.child({ component: 'hub' });
  const b = config.broker;
  const observer = deps.observer ?? {};
  const stats: HubStats = {
    received: 0, stored: 0, duplicates: 0, invalid: 0, writeRetries: 0, shared: false, connected: false,
    connectionsOpen: 0, connections: b.connections, dedupIds: 0,
  };
  let clients: MqttClient[] = [];
  // Ids being written now (any connection) → whether the write stored them.
  const inflight = new Map<string, Promise<boolean>>();
  let seen: SeenIds | undefined;
  let stopping = false;
  // The district InfluxDB did not answer at start: its check (and database creation) runs before the first write.
  let setupPending = false;
  const brokerUrl = withoutCredentials(b.url);
  // The district InfluxDB through the same client as a school's influx store (v1 API).
  const influx = influxTarget({ ...config.influx, apiVersion: 1 });
  // One socket per connection that can be writing, plus one for the setup check.
  const send = createHttpPoster(Math.max(2, b.connections + 1));
  const acks = createAckBatcher({ topicPrefix: b.topicPrefix, enabled: b.ack }, {
    publish(topic, payload) {
      const c = clients.find((x) => x.connected) ?? clients[0];
      c?.publish(topic, payload, { qos: 1 }, () => undefined);
    },
  });
  const ack = (site: string, id: unknown) => acks.ack(site, id);

  function parseTopic(topic: string): { site: string; channel: string } | undefined {
    const parts = topic.split('/');
    if (parts.length !== 4 || parts[0] !== b.topicPrefix || (parts[2] !== 'summary' && parts[2] !== 'alarm')) return undefined;
    return { site: parts[1]!, channel: parts[2] };
  }

  /** The start-up check of the district InfluxDB (lib/influx/setup.ts): false while it does not answer. */
  async function checkInflux(): Promise<boolean> {
    const ready = await prepareInflux(influx, { createDatabase: config.influx.createDatabase, timeoutMs: SETUP_TIMEOUT_MS, keys: 'influx' });
    if (ready.kind === 'unreachable') {
      if (!setupPending) log.warn({ reason: ready.reason }, 'district InfluxDB unreachable at start: messages stay unacknowledged at the hub broker until it answers');
      setupPending = true;
      return false;
    }
    if (ready.created) log.info({ database: config.influx.database }, 'created the district InfluxDB database');
    setupPending = false;
    return true;
  }

  /** The check again before the first write, when InfluxDB did not answer at start. */
  async function setUp(): Promise<void> {
    let ok: boolean;
    try {
      ok = await checkInflux();
    } catch (err) {
      // Fatal at start; later the message stays unacknowledged (kept by the broker) until a person acts.
      throw new InfluxWriteError((err as Error).message, true);
    }
    if (!ok) throw new InfluxWriteError('district InfluxDB unreachable', true);
  }

  async function store(lines: string[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      try {
        if (setupPending) await setUp();
        await writeLines(influx, lines, { send });
        observer.write?.((performance.now() - t0) / 1000);
        return;
      } catch (err) {
        observer.write?.((performance.now() - t0) / 1000, err as Error);
        if (!(err instanceof InfluxWriteError) || !err.retryable || stopping) throw err;
        stats.writeRetries++;
        const delay = backoffDelay(attempt + 1, { baseMs: 200, capMs: 30_000, jitter: 'equal' });
        log.warn({ err: err.message, delayMs: delay }, 'district InfluxDB write failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async function handle(packet: IPublishPacket): Promise<void> {
    stats.received++;
    const where = parseTopic(packet.topic);
    let parsed: unknown;
    try {
      parsed = JSON.parse(packet.payload.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const msg = hubMessageSchema.safeParse(parsed);
    if (where === undefined || !msg.success || msg.data.site !== where.site || (msg.data.kind === 'alarm') !== (where.channel === 'alarm')) {
      stats.invalid++;
      log.warn({ topic: packet.topic }, 'dropped an invalid hub message');
      // Acknowledged all the same, so the gateway does not resend it for ever.
      if (where !== undefined && parsed !== null && typeof parsed === 'object') ack(where.site, (parsed as { id?: unknown }).id);
      return;
    }
    const id = msg.data.id;
    const running = inflight.get(id);
    if (seen!.has(id) || (running !== undefined && await running)) {
      stats.duplicates++;
      observer.duplicate?.(where.site);
      ack(where.site, id);
      return;
    }
    let settle!: (stored: boolean) => void;
    inflight.set(id, new Promise<boolean>((r) => (settle = r)));
    let stored = false;
    try {
      stored = await storeMessage(msg.data, where.site, packet.topic);
    } finally {
      inflight.delete(id);
      settle(stored);
    }
  }

  /** Writes one valid message; true once it is stored (false: refused or cannot be stored, acknowledged all the same). */
  async function storeMessage(m: HubMessage, site: string, topic: string): Promise<boolean> {
    let lines: string[];
    try {
      lines = toLines(m);
    } catch (err) {
      stats.invalid++;
      log.warn({ topic, err: (err as Error).message }, 'dropped a hub message that cannot be stored');
      ack(site, m.id);
      return false;
    }
    try {
      await store(lines);
    } catch (err) {
      if (stopping) throw err;
      // Refused by InfluxDB (400, 413): resending would not help, so it is counted and acknowledged.
      stats.invalid++;
      log.error({ topic, err: (err as Error).message }, 'district InfluxDB refused a hub message');
      ack(site, m.id);
      return false;
    }
    seen!.add(m.id);
    stats.stored++;
    observer.stored?.(m);
    ack(site, m.id);
    return true;
  }

  return {
    async start() {
      stopping = false;
      try {
        await startParts();
      } catch (err) {
        // Nothing may keep the process alive after a failed start: no reconnecting client, no open file.
        await close(true);
        throw err;
      }
    },
    stop: () => close(false),
    stats: () => ({ ...stats, dedupIds: seen?.size() ?? 0 }),
  };

  async function startParts(): Promise<void> {
    try {
      seen = openSeenIds(config.dedup.path, config.dedup.capacity);
    } catch (err) {
      throw startErrors.fileUnwritable(config.dedup.path, (err as Error).message);
    }
    await checkInflux();
    const ids = Array.from({ length: b.connections }, (_, k) => (k === 0 ? b.clientId : `${b.clientId}-${k + 1}`));
    const stale = seen.clientIds().filter((id) => !ids.includes(id));
    const kept = stale.length === 0 ? [] : await retireSessions(b.url, clientOptions(), stale, log);
    seen.setClientIds([...ids, ...kept]);
    const connecting: Array<Promise<void>> = [];
    for (const id of ids) {
      const c = connect(id);
      clients.push(c);
      connecting.push(new Promise<void>((resolve) => c.once('connect', () => resolve())));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(connecting),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(startErrors.hubConnect(brokerUrl, CONNECT_TIMEOUT_MS / 1000)), CONNECT_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Protocol, credentials and CA of every connection. */
  function clientOptions(): IClientOptions {
    return {
      protocolVersion: b.protocolVersion,
      ...(b.username !== undefined && { username: b.username }),
      ...(b.password !== undefined && { password: b.password }),
      ...(b.caFile !== undefined && { ca: readFileSync(b.caFile) }),
    };
  }

  function connect(clientId: string): MqttClient {
    const c = mqtt.connect(b.url, {
      ...clientOptions(),
      clientId,
      clean: false,
      reconnectPeriod: 1000,
      ...(b.protocolVersion === 5 && { properties: { sessionExpiryInterval: b.sessionExpirySeconds } }),
    });
    let up = false;
    const setUp = (now: boolean) => {
      if (up === now) return;
      up = now;
      stats.connectionsOpen += now ? 1 : -1;
      stats.connected = stats.connectionsOpen === b.connections;
    };
    c.handleMessage = (packet, done) => {
      handle(packet).then(() => done(), (err: Error) => {
        // Only when stopping: leave it unacknowledged, the broker delivers it again.
        log.error({ err: err.message, topic: packet.topic }, 'could not store a hub message; not acknowledged');
        if (!stopping) done();
      });
    };
    c.on('error', (err) => log.warn({ err: err.message, clientId }, 'hub broker connection error'));
    c.on('close', () => setUp(false));
    c.on('connect', (connack) => {
      const offered = connack.properties?.sharedSubscriptionAvailable !== false;
      stats.shared = b.sharedGroup !== null && offered;
      const base = [`${b.topicPrefix}/+/summary/#`, `${b.topicPrefix}/+/alarm/#`];
      const topics = stats.shared ? base.map((t) => `$share/${b.sharedGroup}/${t}`) : base;
      // Always subscribe again, forcing mqtt.js past its cache (`resubscribe`): a broker that kept
      // the session may still have lost shared subscriptions (mosquitto 2.0.11 after a restart).
      const map = Object.fromEntries(topics.map((t) => [t, { qos: 1 as const }]));
      c.subscribe({ ...map, resubscribe: true } as ISubscriptionMap, (err) => {
        if (err) {
          log.error({ err: err.message, clientId }, 'hub could not subscribe');
          return;
        }
        setUp(true);
        log.info({ topics, url: brokerUrl, clientId }, 'hub subscribed');
      });
    });
    return c;
  }

  async function close(force: boolean): Promise<void> {
    stopping = true;
    if (force) acks.cancel();
    else acks.flush();
    await Promise.all(clients.map((c) => c.endAsync(force)));
    clients = [];
    stats.connectionsOpen = 0;
    stats.connected = false;
    seen?.close();
    seen = undefined;
  }
}
