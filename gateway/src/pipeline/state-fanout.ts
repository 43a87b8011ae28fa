/**
 * Fan-out of the gateway's view of each device to the school's own apps: the latest normalized
 * (de-identified) reading of every transport on `campus/<template>/<id>/state` and the registry's
 * availability on `campus/<template>/<id>/availability`, both retained, and the same events to
 * in-process subscribers (the `GET /api/stream` SSE route).
 *
 * Rate: a class of 40 pens sends ~4,000 points/s in ~40 messages/s; at most one `state` per
 * device per `minIntervalMs` leaves (last value wins), the rest is coalesced. When MQTT state
 * topics are off and nobody streams, a batch costs one branch: no JSON, no timer, no slot.
 * Event readings (`evt`: door access, check-ins) are not state and are left out.
 */
import type { Logger } from 'pino';
import type { FieldValue, Reading } from '../core/reading.js';
import type { ReadingListener } from './fanout.js';

export type Availability = 'online' | 'offline';

export type StateEvent =
  | { kind: 'state'; template: string; device: string; ts: number; fields: Readonly<Record<string, FieldValue>> }
  | { kind: 'availability'; template: string; device: string; status: Availability; ts: number };

export interface StateFanoutOptions {
  /** Publish on the MQTT `state` and `availability` topics (`broker.stateTopics.enabled`). */
  enabled: boolean;
  /** At most one `state` per device per this many ms (`broker.stateTopics.minIntervalMs`). */
  minIntervalMs: number;
}

export interface StateFanoutDeps {
  log: Logger;
  /** Publishes a retained QoS 0 message from the gateway itself (never a client). */
  publish(topic: string, payload: string): void;
  /** Epoch ms (tests). */
  now?: () => number;
}

export interface StateFanout extends ReadingListener {
  /** The device registry's view of a device changed (its `status` event). */
  availability(device: string, template: string, status: Availability): void;
  /** Receives every state (after the rate limit) and availability event; returns the unsubscribe. */
  subscribe(fn: (event: StateEvent) => void): () => void;
  stats(): { published: number; coalesced: number; subscribers: number };
  stop(): void;
}

interface Slot {
  template: string;
  device: string;
  sentAt: number;
  pendingTs: number;
  /** The newest fields not yet sent; undefined when nothing waits. */
  pending: Readonly<Record<string, FieldValue>> | undefined;
  timer: NodeJS.Timeout | undefined;
}

export function stateTopic(template: string, device: string): string {
  return `campus/${template}/${device}/state`;
}

export function availabilityTopic(template: string, device: string): string {
  return `campus/${template}/${device}/availability`;
}

/** The `state` payload: `ts` (ISO 8601) and the normalized fields, as `/api/devices/:id/latest` answers. */
export function statePayload(ts: number, fields: Readonly<Record<string, FieldValue>>): string {
  return JSON.stringify({ ts: new Date(ts).toISOString(), ...fields });
}

export function createStateFanout(options: StateFanoutOptions, deps: StateFanoutDeps): StateFanout {
  const log = deps.log.child({ component: 'state-fanout' });
  const now = deps.now ?? Date.now;
  const slots = new Map<string, Slot>();
  const subscribers = new Set<(event: StateEvent) => void>();
  const counters = { published: 0, coalesced: 0 };
  let stopped = false;

  const active = (): boolean => !stopped && (options.enabled || subscribers.size > 0);

  function emit(event: StateEvent): void {
    for (const fn of subscribers) {
      try {
        fn(event);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'a state subscriber failed');
      }
    }
  }

  function flush(slot: Slot): void {
    slot.timer = undefined;
    const fields = slot.pending;
    if (fields === undefined || stopped) return;
    slot.pending = undefined;
    slot.sentAt = now();
    if (options.enabled) {
      deps.publish(stateTopic(slot.template, slot.device), statePayload(slot.pendingTs, fields));
      counters.published += 1;
    }
    if (subscribers.size > 0) emit({ kind: 'state', template: slot.template, device: slot.device, ts: slot.pendingTs, fields });
  }

  function schedule(slot: Slot): void {
    if (slot.pending === undefined || slot.timer !== undefined) return;
    const wait = slot.sentAt + options.minIntervalMs - now();
    if (wait <= 0) return flush(slot);
    slot.timer = setTimeout(flush, wait, slot);
    slot.timer.unref();
  }

  return {
    readings(readings: readonly Reading[]) {
      if (!active()) return;
      // first the newest reading of each device in the batch, then one send (or timer) per device
      for (const r of readings) {
        if (r.event !== undefined) continue;
        let slot = slots.get(r.device);
        if (slot === undefined) {
          slot = { template: r.template, device: r.device, sentAt: -Infinity, pendingTs: r.ts, pending: undefined, timer: undefined };
          slots.set(r.device, slot);
        }
        if (slot.pending !== undefined) {
          counters.coalesced += 1;
          if (r.ts < slot.pendingTs) continue;
        }
        slot.template = r.template;
        slot.pending = r.fields;
        slot.pendingTs = r.ts;
      }
      for (const r of readings) {
        const slot = slots.get(r.device);
        if (slot !== undefined) schedule(slot);
      }
    },
    availability(device, template, status) {
      if (!active()) return;
      if (options.enabled) deps.publish(availabilityTopic(template, device), status);
      if (subscribers.size > 0) emit({ kind: 'availability', template, device, status, ts: now() });
    },
    subscribe(fn) {
      subscribers.add(fn);
      return () => { subscribers.delete(fn); };
    },
    stats: () => ({ ...counters, subscribers: subscribers.size }),
    stop() {
      stopped = true;
      for (const slot of slots.values()) if (slot.timer !== undefined) clearTimeout(slot.timer);
      slots.clear();
      subscribers.clear();
    },
  };
}
