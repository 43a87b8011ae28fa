/**
 * The uplink: summaries and alarms from the outbox to the hub's MQTT broker, QoS 1,
 * topics `<prefix>/<site>/summary/<kind>` and `<prefix>/<site>/alarm/<template>`
 * (docs/interfaces.md "Uplink"). Every message passes the privacy guard twice: before it is
 * written to the outbox and again just before it is published (an outbox written by an
 * older version, or a device removed from the config since). The guard leaves out what it
 * refuses; an alarm always leaves, a summary is refused whole only if it is not the gateway's.
 *
 * Delivery: at least once, in order (except after a resend). Up to `inflight` messages
 * are on the wire. With `hubAck` (default) a message leaves the outbox only when the hub
 * role says it has stored it, on `<prefix>/<site>/ack` (`{"ids":[…]}`): end to end, so
 * neither a broker restart that loses its queue or subscriptions nor a broker crash can
 * lose a summary. Messages not acknowledged within `ackTimeoutMs` are sent again from
 * the head of the outbox, waiting twice as long after each unanswered resend. Without
 * `hubAck` (another consumer than our hub), the broker's PUBACK is enough. On any disconnect the
 * client is dropped and, after a capped exponential backoff with jitter, a fresh one resends from
 * the head of the outbox. The hub drops duplicates by `id`.
 *
 * Catch-up after an outage (issue #20): the backoff is capped at 5 s (was 60 s: a school noticed
 * a hub broker back after a 60 s outage only ~50 s later) and starts again from the first step on
 * every CONNACK. After each (re)connect, until the hub acknowledges something on this connection,
 * the ack timeout starts at `reconnectAckMs` (1 s) instead of `ackTimeoutMs`: a restarted broker
 * without persistence drops what the gateway published before the hub role had resubscribed, and
 * waiting the full 30 s for those made the catch-up last ~86 s.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Admission } from '../privacy/guard.js';
import type { UplinkMessage } from '../summaries/types.js';
import { backoffDelay } from '../lib/backoff.js';
import { openOutbox, type Outbox } from './outbox.js';
import { gwError } from '../errors.js';

export interface UplinkOptions {
  site: string;
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  /** CA certificate (PEM) that signed the hub broker's certificate, for mqtts://. */
  caFile?: string | undefined;
  topicPrefix?: string;
  outboxPath: string;
  maxMessages?: number;
  inflight?: number;
  clientId?: string;
  backoff?: { initialMs?: number; maxMs?: number };
  connectTimeoutMs?: number;
  keepaliveSeconds?: number;
  /** Keep each message until the hub acknowledges storing it (default true). */
  hubAck?: boolean;
  ackTimeoutMs?: number;
  /** After a (re)connect, the first ack timeout (doubling per unanswered resend) until the hub acknowledges anything. */
  reconnectAckMs?: number;
}

export interface UplinkHealth {
  connected: boolean;
  queued: number;
  inflight: number;
  /** Acknowledged: by the hub with hubAck, else by the broker. */
  sent: number;
  resends: number;
  dropped: number;
  refused: number;
  lastError?: string;
}

export interface Uplink {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Queues a message durably, as the guard admits it; false when the guard refused it whole (counted, never sent). */
  send(message: UplinkMessage): boolean;
  health(): UplinkHealth;
  /** Messages waiting in the outbox and when the oldest was queued (epoch ms, null when empty). */
  backlog(): { queued: number; oldestMs: number | null };
}

export interface UplinkDeps {
  log: Logger;
  guard: { admit(message: unknown): Admission };
}

const PRIORITY = { window: 0, hour: 1, day: 2, alarm: 3 } as const;

export function ackTopic(prefix: string, site: string): string {
  return `${prefix}/${site}/ack`;
}

export function topicOf(prefix: string, site: string, m: UplinkMessage): string {
  return m.kind === 'alarm' ? `${prefix}/${site}/alarm/${m.template}` : `${prefix}/${site}/summary/${m.kind}`;
}

export function createUplink(options: UplinkOptions, deps: UplinkDeps): Uplink {
  const log = deps.log.child({ component: 'uplink' });
  const prefix = options.topicPrefix ?? 'hub';
  const window = options.inflight ?? 32;
  const initialMs = options.backoff?.initialMs ?? 1000;
  const maxMs = options.backoff?.maxMs ?? 5_000;
  const hubAck = options.hubAck ?? true;
  const ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
  const reconnectAckMs = Math.min(options.reconnectAckMs ?? 1_000, ackTimeoutMs);
  const acks = ackTopic(prefix, options.site);
  let outbox: Outbox | undefined;
  let client: MqttClient | undefined;
  let connected = false;
  let stopped = true;
  let attempt = 0;
  let retry: NodeJS.Timeout | undefined;
  let resendTimer: NodeJS.Timeout | undefined;
  let lastSeq = 0;
  /** id → when it was published, for messages not yet acknowledged. */
  const inflight = new Map<string, number>();
  const counts = { sent: 0, refused: 0, resends: 0 };
  // Resends without any acknowledgement in between: each doubles the wait (capped at an hour), so
  // a hub that is down for days does not get the same messages queued for it every 30 s.
  let unansweredResends = 0;
  /** False from each (re)connect until the hub's first ack on it: resends start at `reconnectAckMs`. */
  let ackedSinceConnect = false;
  let lastError: string | undefined;
  let ca: Buffer | undefined;

  /** The guard has logged the refusal (rate-limited, path only); never log the message, it is what was refused. */
  function refuse(where: string): void {
    counts.refused++;
    log.debug({ where }, 'GW_ERR_UPLINK_GUARD: uplink guard refused a whole message');
  }

  function pump(): void {
    if (!connected || client === undefined || outbox === undefined) return;
    const c = client;
    const room = window - inflight.size;
    if (room <= 0) return;
    for (const e of outbox.next(lastSeq, room)) {
      lastSeq = e.seq;
      const admitted = admitStored(e.payload);
      if (admitted === undefined) {
        refuse('send');
        outbox.remove(e.seq);
        continue;
      }
      inflight.set(e.id, Date.now());
      c.publish(e.topic, admitted, { qos: 1 }, (err) => {
        if (err !== undefined && err !== null) return; // connection lost: resent from the outbox later
        if (hubAck) return; // the message stays until the hub acknowledges it
        inflight.delete(e.id);
        outbox?.remove(e.seq);
        counts.sent++;
        if (c === client) pump();
      });
    }
  }

  /** The stored payload as the guard admits it now: unchanged unless something was refused; undefined if all of it was. */
  function admitStored(payload: string): string | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      parsed = undefined;
    }
    const a = deps.guard.admit(parsed);
    if (!a.ok) return undefined;
    return a.refused.length === 0 ? payload : JSON.stringify(a.message);
  }

  function onAck(payload: Buffer): void {
    let ids: unknown;
    try {
      ids = (JSON.parse(payload.toString('utf8')) as { ids?: unknown }).ids;
    } catch {
      return;
    }
    if (!Array.isArray(ids) || outbox === undefined) return;
    unansweredResends = 0;
    ackedSinceConnect = true;
    for (const id of ids) {
      if (typeof id !== 'string') continue;
      inflight.delete(id);
      if (outbox.removeId(id)) counts.sent++;
    }
    pump();
  }

  function checkAckTimeouts(): void {
    if (!connected || inflight.size === 0) return;
    const oldest = Math.min(...inflight.values());
    const base = ackedSinceConnect ? ackTimeoutMs : reconnectAckMs;
    if (Date.now() - oldest < Math.min(base * 2 ** unansweredResends, Math.max(ackTimeoutMs, 3_600_000))) return;
    counts.resends++;
    unansweredResends++;
    log.warn({ unacknowledged: inflight.size }, 'hub did not acknowledge in time; resending from the head of the outbox');
    inflight.clear();
    lastSeq = 0;
    pump();
  }

  function scheduleReconnect(reason: string): void {
    if (stopped || retry !== undefined) return;
    const delay = backoffDelay(++attempt, { baseMs: initialMs, capMs: maxMs, jitter: 'equal' });
    log.warn({ reason, delayMs: delay, attempt }, 'uplink disconnected; reconnecting');
    retry = setTimeout(() => {
      retry = undefined;
      connect();
    }, delay);
  }

  function drop(c: MqttClient, reason: string): void {
    if (c !== client) return;
    connected = false;
    client = undefined;
    inflight.clear();
    lastSeq = 0;
    c.removeAllListeners();
    c.on('error', () => undefined);
    c.end(true);
    scheduleReconnect(reason);
  }

  function connect(): void {
    const opts: IClientOptions = {
      clientId: options.clientId ?? `campus-gateway-${options.site}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      keepalive: options.keepaliveSeconds ?? 30,
      protocolVersion: 4,
      ...(options.username !== undefined && { username: options.username }),
      ...(options.password !== undefined && { password: options.password }),
      ...(ca !== undefined && { ca }),
    };
    const c = mqtt.connect(options.url, opts);
    client = c;
    c.on('connect', () => {
      if (c !== client) return;
      // A fresh start on every successful connection: the next outage backs off from the first step,
      // and what was sent before it is resent at once if the hub does not answer (see the top).
      attempt = 0;
      unansweredResends = 0;
      ackedSinceConnect = false;
      lastError = undefined;
      log.info({ url: options.url, queued: outbox?.size() }, 'uplink connected');
      if (!hubAck) {
        connected = true;
        pump();
        return;
      }
      c.subscribe(acks, { qos: 1 }, (err) => {
        if (c !== client) return;
        if (err) return drop(c, `cannot subscribe to ${acks}: ${err.message}`);
        connected = true;
        pump();
      });
    });
    c.on('message', (topic, payload) => {
      if (topic === acks) onAck(payload);
    });
    c.on('error', (err) => {
      lastError = err.message;
      drop(c, err.message);
    });
    c.on('close', () => drop(c, 'connection closed'));
    c.on('offline', () => drop(c, 'offline'));
  }

  return {
    async start() {
      // Read once at start: a missing CA file is a start-up error, not a crash in a reconnect timer.
      if (options.caFile !== undefined) ca = readFileSync(options.caFile);
      outbox = openOutbox(options.outboxPath, options.maxMessages ?? 100_000);
      stopped = false;
      connect();
      if (hubAck) {
        resendTimer = setInterval(checkAckTimeouts, Math.min(250, reconnectAckMs));
        resendTimer.unref();
      }
    },
    async stop() {
      stopped = true;
      if (resendTimer !== undefined) clearInterval(resendTimer);
      if (retry !== undefined) clearTimeout(retry);
      retry = undefined;
      const c = client;
      client = undefined;
      connected = false;
      if (c !== undefined) {
        c.removeAllListeners();
        c.on('error', () => undefined);
        await c.endAsync(true);
      }
      outbox?.close();
      outbox = undefined;
    },
    send(message) {
      const a = deps.guard.admit(message);
      if (!a.ok) {
        refuse('enqueue');
        return false;
      }
      if (outbox === undefined) throw gwError('GW_ERR_UPLINK_STOPPED', 'the uplink is not started');
      const m = a.message;
      const priority = m.kind === 'alarm' ? PRIORITY.alarm : PRIORITY[m.resolution];
      outbox.push({ id: m.id, topic: topicOf(prefix, options.site, m), payload: JSON.stringify(m), priority });
      pump();
      return true;
    },
    backlog: () => ({ queued: outbox?.size() ?? 0, oldestMs: outbox?.oldestQueuedMs() ?? null }),
    health: () => ({
      connected,
      queued: outbox?.size() ?? 0,
      inflight: inflight.size,
      sent: counts.sent,
      resends: counts.resends,
      dropped: outbox?.dropped() ?? 0,
      refused: counts.refused,
      ...(lastError !== undefined && { lastError }),
    }),
  };
}
