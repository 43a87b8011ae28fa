/**
 * The device registry: every device the gateway knows (provisioned in config,
 * or seen on the broker or an adapter), its status online|offline|never,
 * last-seen time, last error and latest normalized fields.
 *
 * Lifecycle: `never` until a provisioned device first appears; `online` on any
 * message, poll answer or retained `online` status; `offline` on a retained
 * `offline` status / last will, or when `sweep` finds it silent for longer than
 * its timeout: `missedPolls` × its poll interval for a polled device (a meter
 * polled every 10 s is offline after 3 missed polls, i.e. > 30 s), else its
 * template's `offlineAfterMs`. A device offline for `offlineAlarmAfterMs`
 * raises one `offline-alarm` (per offline spell); coming back raises `back-online`.
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
  /** ISO 8601 of the transition to offline; null unless offline. */
  offlineSince: string | null;
}

export interface OfflineAlarm {
  id: string;
  template: string;
  room?: string | undefined;
  building?: string | undefined;
  offlineSince: string;
  lastSeen: string | null;
  /** How long it has been offline when the alarm is raised (or, for back-online, in total). */
  offline_ms: number;
}

export interface DeviceRegistryOptions {
  /** A polled device is offline after this many missed polls (default 3). */
  missedPolls?: number;
  /** Raise `offline-alarm` after a device has been offline this long; 0 = never (default 15 min). */
  offlineAlarmAfterMs?: number;
}

export interface DeviceRegistry {
  /** Sets what is given; `null` clears a room, building or person (a re-provisioned device that no longer has one). */
  upsert(d: { id: string; template: string; room?: string | null; building?: string | null; person?: string | null; provisioned?: boolean }): DeviceInfo;
  get(id: string): DeviceInfo | undefined;
  list(): DeviceInfo[];
  remove(id: string): boolean;
  /** A message or poll answer arrived from the device; adapters pass their poll interval. */
  seen(id: string, template: string, at: number, opts?: { pollIntervalMs?: number }): void;
  /** Retained status topic / last will, or an adapter's view of reachability. */
  setStatus(id: string, template: string, status: 'online' | 'offline', at: number): void;
  setLatest(id: string, template: string, ts: number, fields: Record<string, FieldValue>): void;
  setError(id: string, template: string, error: string | null): void;
  /**
   * Marks devices offline whose last-seen is older than their timeout (see above;
   * `timeoutMsFor` gives the template's), and raises due offline alarms. Returns the ids marked offline.
   */
  sweep(now: number, timeoutMsFor: (template: string) => number): string[];
  on(event: 'status', fn: (d: DeviceInfo, previous: DeviceStatus) => void): void;
  on(event: 'offline-alarm' | 'back-online', fn: (alarm: OfflineAlarm) => void): void;
  counts(): Record<DeviceStatus, number>;
}

export function createDeviceRegistry(options: DeviceRegistryOptions = {}): DeviceRegistry {
  const missedPolls = options.missedPolls ?? 3;
  const alarmAfterMs = options.offlineAlarmAfterMs ?? 15 * 60_000;
  const devices = new Map<string, DeviceInfo>();
  const lastSeenMs = new Map<string, number>();
  const pollIntervalMs = new Map<string, number>();
  const offlineSinceMs = new Map<string, number>();
  const alarmed = new Set<string>();
  const events = new EventEmitter();

  function ensure(id: string, template: string): DeviceInfo {
    let d = devices.get(id);
    if (!d) {
      d = { id, template, provisioned: false, status: 'never', lastSeen: null, lastError: null, latest: null, offlineSince: null };
      devices.set(id, d);
    }
    return d;
  }

  function alarmOf(d: DeviceInfo, since: number, now: number): OfflineAlarm {
    return { id: d.id, template: d.template, room: d.room, building: d.building, offlineSince: new Date(since).toISOString(), lastSeen: d.lastSeen, offline_ms: now - since };
  }

  function transition(d: DeviceInfo, status: DeviceStatus, at: number): void {
    if (d.status === status) return;
    const previous = d.status;
    d.status = status;
    if (status === 'offline') {
      offlineSinceMs.set(d.id, at);
      d.offlineSince = new Date(at).toISOString();
    } else {
      const since = offlineSinceMs.get(d.id);
      offlineSinceMs.delete(d.id);
      d.offlineSince = null;
      if (alarmed.delete(d.id) && since !== undefined) events.emit('back-online', alarmOf(d, since, at));
    }
    events.emit('status', d, previous);
  }

  return {
    upsert(input) {
      const d = ensure(input.id, input.template);
      d.template = input.template;
      if (input.room === null) delete d.room;
      else if (input.room !== undefined) d.room = input.room;
      if (input.building === null) delete d.building;
      else if (input.building !== undefined) d.building = input.building;
      if (input.person === null) delete d.person;
      else if (input.person !== undefined) d.person = input.person;
      if (input.provisioned) d.provisioned = true;
      return d;
    },
    get: (id) => devices.get(id),
    list: () => [...devices.values()].sort((a, b) => a.id.localeCompare(b.id)),
    remove: (id) => {
      lastSeenMs.delete(id);
      pollIntervalMs.delete(id);
      offlineSinceMs.delete(id);
      alarmed.delete(id);
      return devices.delete(id);
    },
    seen(id, template, at, opts) {
      const d = ensure(id, template);
      if (opts?.pollIntervalMs !== undefined) pollIntervalMs.set(id, opts.pollIntervalMs);
      lastSeenMs.set(id, Math.max(at, lastSeenMs.get(id) ?? at));
      d.lastSeen = new Date(lastSeenMs.get(id)!).toISOString();
      transition(d, 'online', at);
    },
    setStatus(id, template, status, at) {
      const d = ensure(id, template);
      if (status === 'online') {
        lastSeenMs.set(id, at);
        d.lastSeen = new Date(at).toISOString();
      }
      transition(d, status, at);
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
        if (d.status === 'online') {
          const seenAt = lastSeenMs.get(d.id);
          const interval = pollIntervalMs.get(d.id);
          const timeout = interval !== undefined ? missedPolls * interval : timeoutMsFor(d.template);
          if (seenAt !== undefined && now - seenAt > timeout) {
            // offline since the moment it should have answered last, not since the sweep
            transition(d, 'offline', Math.min(now, seenAt + timeout));
            changed.push(d.id);
          }
        }
        const since = offlineSinceMs.get(d.id);
        if (d.status === 'offline' && since !== undefined && alarmAfterMs > 0 && !alarmed.has(d.id) && now - since >= alarmAfterMs) {
          alarmed.add(d.id);
          events.emit('offline-alarm', alarmOf(d, since, now));
        }
      }
      return changed;
    },
    on(event: string, fn: (...args: never[]) => void) {
      events.on(event, fn as (...args: unknown[]) => void);
    },
    counts() {
      const c: Record<DeviceStatus, number> = { online: 0, offline: 0, never: 0 };
      for (const d of devices.values()) c[d.status] += 1;
      return c;
    },
  };
}
