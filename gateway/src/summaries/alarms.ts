/**
 * Alarms forwarded at once (the device catalog (docs/devices)): any field a template declares as an
 * alarm (`alarm: true` on a boolean → true raises it; `alarm: [values]` on an enum →
 * one of those values raises it): smoke, leak, forced door, fume-hood alarm bits …;
 * and a device offline for longer than its threshold. An alarm is sent when it is
 * raised and again when it clears; a reading older than the last one seen for that
 * device and field does not change the state.
 *
 * The raised/cleared state per device and field is what decides whether a reading is a
 * transition, so it must outlive the process (`snapshot`/`restore`, saved by the engine after
 * every alarm it hands to the uplink): held only in memory, a gateway `kill -9` forgot a raised
 * alarm and the reading that cleared it after the restart sent nothing (the chaos run lost one
 * `cleared` alarm per detector per gateway crash). The message id is derived from the transition
 * (`messageId`), so the same transition emitted twice is one message at the hub.
 * Offline alarms are not kept across a restart: the registry starts again from its config.
 *
 * The `device` of an alarm is `deviceName(id, template)`: the config id of a provisioned device,
 * the pseudonym of a personal or unprovisioned one (a wristband's id is its student's band), and
 * the message id is derived from that name, so it cannot be recomputed from a list of band ids.
 */
import type { FieldValue, Reading } from '../core/reading.js';
import type { TemplateLike } from '../privacy/template-like.js';
import type { AlarmMessage } from './types.js';
import { messageId } from './message-id.js';
import { iso } from './window.js';

export interface AlarmTrackerOptions {
  site: string;
  /** Offline longer than this raises an `offline` alarm; per template id overrides. */
  offlineAlarmMs: number;
  offlineAlarmMsByTemplate?: Readonly<Record<string, number>>;
  /** What the device is called in the message (default: its id). */
  deviceName?(device: string, template: string): string;
}

export interface AlarmTracker {
  ingest(r: Reading, template: TemplateLike, where: { room?: string; building?: string }): void;
  deviceStatus(device: string, template: string, status: 'online' | 'offline', at: number, where?: { room?: string; building?: string }): void;
  /** Raises `offline` alarms whose threshold has passed. */
  tick(now: number): void;
  raised(): number;
  /** The raised/cleared state of every device and alarm field: `[key, ts, active]`. */
  snapshot(): Array<[string, number, boolean]>;
  restore(entries: ReadonlyArray<readonly [string, number, boolean]>): void;
}

function isAlarm(decl: boolean | readonly string[], v: FieldValue): boolean | undefined {
  if (decl === true) return typeof v === 'boolean' ? v : undefined;
  if (Array.isArray(decl)) return typeof v === 'string' ? decl.includes(v) : undefined;
  return undefined;
}

/** `emit` returns false when the uplink could not take the alarm (e.g. its outbox's disk is full). */
export function createAlarmTracker(options: AlarmTrackerOptions, emit: (m: AlarmMessage) => boolean | void): AlarmTracker {
  const state = new Map<string, { ts: number; active: boolean }>();
  const offline = new Map<string, { template: string; since: number; raised: boolean; where: { room?: string; building?: string } }>();
  let raisedCount = 0;

  function send(template: string, id: string, where: { room?: string; building?: string }, alarm: string, value: FieldValue, active: boolean, ts: number): boolean {
    if (active) raisedCount++;
    const state = active ? 'raised' : 'cleared';
    const device = options.deviceName?.(id, template) ?? id;
    return emit({
      id: messageId([options.site, 'alarm', template, device, alarm, ts, state]),
      site: options.site,
      kind: 'alarm',
      template,
      device,
      ...(where.room !== undefined && { room: where.room }),
      ...(where.building !== undefined && { building: where.building }),
      alarm,
      value,
      state,
      windowStart: iso(ts),
      windowEnd: iso(ts),
    }) !== false;
  }

  return {
    ingest(r, template, where) {
      for (const f of template.fields) {
        if (f.alarm === undefined || f.alarm === false || f.privacy !== undefined) continue;
        const v = r.fields[f.name];
        if (v === undefined) continue;
        const active = isAlarm(f.alarm, v);
        if (active === undefined) continue;
        const key = `${r.device}\u0000${f.name}`;
        const prev = state.get(key);
        if (prev !== undefined && prev.ts > r.ts) continue;
        state.set(key, { ts: r.ts, active });
        if (active === (prev?.active ?? false) || send(template.id, r.device, where, f.name, v, active, r.ts)) continue;
        // Not taken by the uplink: forget this reading, so that the next one makes the transition again.
        if (prev === undefined) state.delete(key);
        else state.set(key, prev);
      }
    },
    deviceStatus(device, template, status, at, where = {}) {
      const cur = offline.get(device);
      if (status === 'offline') {
        if (cur === undefined) offline.set(device, { template, since: at, raised: false, where });
        return;
      }
      if (cur === undefined) return;
      offline.delete(device);
      if (cur.raised) send(template, device, cur.where, 'offline', false, false, at);
    },
    tick(now) {
      for (const [device, o] of offline) {
        const limit = options.offlineAlarmMsByTemplate?.[o.template] ?? options.offlineAlarmMs;
        if (!o.raised && now - o.since >= limit) {
          o.raised = true;
          send(o.template, device, o.where, 'offline', true, true, o.since + limit);
        }
      }
    },
    raised: () => raisedCount,
    snapshot: () => [...state].map(([k, v]) => [k, v.ts, v.active]),
    restore(entries) {
      for (const [k, ts, active] of entries) {
        const cur = state.get(k);
        if (cur === undefined || cur.ts <= ts) state.set(k, { ts, active });
      }
    },
  };
}
