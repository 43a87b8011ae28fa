/**
 * The device registry: every device the gateway knows (provisioned in config,
 * or seen on the broker or an adapter), its status online|offline|never,
 * last-seen time, last error and latest normalized fields.
 */
import { EventEmitter } from 'node:events';
import type { FieldValue } from '../core/reading.js';

export type DeviceStatus = 'online' | 'offline' | 'never';

export interface DeviceInfo {
  id: string;
  template: string;
  room?: string;
  building?: string;
  person?: string;
  provisioned: boolean;
  status: DeviceStatus;
  /** ISO 8601 of the last message or poll answer; null when never seen. */
  lastSeen: string | null;
  lastError: string | null;
  /** Latest normalized fields and the timestamp of the reading they came from. */
  latest: { ts: string; fields: Record<string, FieldValue> } | null;
}

export interface DeviceRegistry {
  upsert(d: { id: string; template: string; room?: string; building?: string; person?: string; provisioned?: boolean }): DeviceInfo;
  get(id: string): DeviceInfo | undefined;
  list(): DeviceInfo[];
  remove(id: string): boolean;
  /** A message or poll answer arrived from the device. */
  seen(id: string, template: string, at: number): void;
  /** Retained status topic / last will, or an adapter's view of reachability. */
  setStatus(id: string, template: string, status: 'online' | 'offline', at: number): void;
  setLatest(id: string, template: string, ts: number, fields: Record<string, FieldValue>): void;
  setError(id: string, template: string, error: string | null): void;
  /** Marks devices offline whose last-seen is older than their timeout. Returns the ids changed. */
  sweep(now: number, timeoutMsFor: (template: string) => number): string[];
  on(event: 'status', fn: (d: DeviceInfo, previous: DeviceStatus) => void): void;
  counts(): Record<DeviceStatus, number>;
}

export function createDeviceRegistry(): DeviceRegistry {
  const devices = new Map<string, DeviceInfo>();
  const lastSeenMs = new Map<string, number>();
  const events = new EventEmitter();

  function ensure(id: string, template: string): DeviceInfo {
    let d = devices.get(id);
    if (!d) {
      d = { id, template, provisioned: false, status: 'never', lastSeen: null, lastError: null, latest: null };
      devices.set(id, d);
    }
    return d;
  }

  function transition(d: DeviceInfo, status: DeviceStatus): void {
    if (d.status === status) return;
    const previous = d.status;
    d.status = status;
    events.emit('status', d, previous);
  }

  return {
    upsert(input) {
      const d = ensure(input.id, input.template);
      d.template = input.template;
      if (input.room !== undefined) d.room = input.room;
      if (input.building !== undefined) d.building = input.building;
      if (input.person !== undefined) d.person = input.person;
      if (input.provisioned) d.provisioned = true;
      return d;
    },
    get: (id) => devices.get(id),
    list: () => [...devices.values()].sort((a, b) => a.id.localeCompare(b.id)),
    remove: (id) => {
      lastSeenMs.delete(id);
      return devices.delete(id);
    },
    seen(id, template, at) {
      const d = ensure(id, template);
      lastSeenMs.set(id, at);
      d.lastSeen = new Date(at).toISOString();
      transition(d, 'online');
    },
    setStatus(id, template, status, at) {
      const d = ensure(id, template);
      if (status === 'online') {
        lastSeenMs.set(id, at);
        d.lastSeen = new Date(at).toISOString();
      }
      transition(d, status);
    },
    setLatest(id, template, ts, fields) {
      const d = ensure(id, template);
      const prevTs = d.latest ? Date.parse(d.latest.ts) : -Infinity;
      if (ts < prevTs) return;
      d.latest = { ts: new Date(ts).toISOString(), fields: { ...d.latest?.fields, ...fields } };
    },
    setError(id, template, error) {
      ensure(id, template).lastError = error;
    },
    sweep(now, timeoutMsFor) {
      const changed: string[] = [];
      for (const d of devices.values()) {
        if (d.status !== 'online') continue;
        const seenAt = lastSeenMs.get(d.id);
        if (seenAt !== undefined && now - seenAt > timeoutMsFor(d.template)) {
          transition(d, 'offline');
          changed.push(d.id);
        }
      }
      return changed;
    },
    on(event, fn) {
      events.on(event, fn);
    },
    counts() {
      const c: Record<DeviceStatus, number> = { online: 0, offline: 0, never: 0 };
      for (const d of devices.values()) c[d.status] += 1;
      return c;
    },
  };
}
