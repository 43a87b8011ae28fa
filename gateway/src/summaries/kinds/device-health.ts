/**
 * device-health: devices online/offline per template (as of the window's end), devices
 * with a low battery per template (latest reading: `battery_pct` below a threshold, a
 * true `low_battery*` flag, or a `low_battery_*` count such as a pen receiver's), and
 * readings rejected per template and reason. Roll-ups keep the latest snapshot of the
 * states and sum the rejections.
 */
import type { Reading } from '../../core/reading.js';
import type { TemplateLike } from '../../privacy/template-like.js';
import type { SummaryBody, SummaryRow } from '../types.js';
import { bump, type KindModule, type Placement } from './kind.js';

export interface TemplateHealth {
  online: number;
  offline: number;
  low_battery: number;
}

export interface DeviceHealthDetail {
  templates: Map<string, TemplateHealth>;
  rejected: Map<string, { template: string; reason: string; count: number }>;
}

export interface DeviceHealthKind extends KindModule<DeviceHealthDetail> {
  deviceStatus(device: string, template: string, status: 'online' | 'offline', at: number): void;
  rejected(template: string, reason: string, at: number): void;
}

function lowBattery(r: Reading, t: TemplateLike, lowPct: number): number | undefined {
  const b = t.behaviour?.battery;
  if (b === undefined) return undefined;
  let seen = false;
  let n = 0;
  const level = b.level === undefined ? undefined : r.fields[b.level];
  if (typeof level === 'number') {
    seen = true;
    if (level < lowPct) n = 1;
  }
  const low = b.low === undefined ? undefined : r.fields[b.low];
  if (typeof low === 'boolean') {
    seen = true;
    if (low) n = 1;
  }
  const count = b.lowCount === undefined ? undefined : r.fields[b.lowCount];
  if (typeof count === 'number') {
    seen = true;
    n += count;
  }
  return seen ? n : undefined;
}

export function createDeviceHealthKind(lowBatteryPct = 20): DeviceHealthKind {
  const status = new Map<string, { template: string; history: Array<{ at: number; online: boolean }> }>();
  const battery = new Map<string, { template: string; ts: number; low: number }>();
  const rejections: Array<{ at: number; template: string; reason: string }> = [];

  return {
    kind: 'device-health',
    ingest(r: Reading, t: TemplateLike, at: Placement) {
      const low = lowBattery(r, t, lowBatteryPct);
      if (low === undefined) return;
      // A wristband or pen relayed by a base is its own battery: key by the pseudonym too.
      const key = `${r.device}\u0000${at.person ?? ''}`;
      const prev = battery.get(key);
      if (prev === undefined || prev.ts <= r.ts) battery.set(key, { template: t.id, ts: r.ts, low });
    },
    deviceStatus(device, template, s, at) {
      let d = status.get(device);
      if (d === undefined) status.set(device, (d = { template, history: [] }));
      d.template = template;
      d.history.push({ at, online: s === 'online' });
      d.history.sort((a, b) => a.at - b.at);
    },
    rejected(template, reason, at) {
      rejections.push({ at, template, reason });
    },
    close(start, end) {
      const templates = new Map<string, TemplateHealth>();
      const entry = (t: string): TemplateHealth => {
        let h = templates.get(t);
        if (h === undefined) templates.set(t, (h = { online: 0, offline: 0, low_battery: 0 }));
        return h;
      };
      for (const d of status.values()) {
        const last = d.history.filter((h) => h.at < end).at(-1);
        if (last !== undefined) entry(d.template)[last.online ? 'online' : 'offline']++;
      }
      for (const b of battery.values()) if (b.ts < end && b.low > 0) entry(b.template).low_battery += b.low;
      const rejected: DeviceHealthDetail['rejected'] = new Map();
      for (const r of rejections) {
        if (r.at < start || r.at >= end) continue;
        const key = `${r.template}\u0000${r.reason}`;
        const e = rejected.get(key) ?? { template: r.template, reason: r.reason, count: 0 };
        e.count++;
        rejected.set(key, e);
      }
      if (templates.size === 0 && rejected.size === 0) return undefined;
      return { templates, rejected };
    },
    prune(before) {
      for (const d of status.values()) {
        const keepFrom = d.history.findLastIndex((h) => h.at < before);
        if (keepFrom > 0) d.history.splice(0, keepFrom);
      }
      let i = 0;
      while (i < rejections.length && rejections[i]!.at < before) i++;
      if (i > 0) rejections.splice(0, i);
    },
    merge(into, next) {
      into.templates = new Map([...into.templates, ...next.templates]);
      for (const [k, r] of next.rejected) {
        const a = into.rejected.get(k);
        if (a === undefined) into.rejected.set(k, { ...r });
        else a.count += r.count;
      }
      return into;
    },
    publish(detail): SummaryBody {
      const rows: SummaryRow[] = [];
      const site: Record<string, number> = { devices_online: 0, devices_offline: 0, low_battery: 0, rejected: 0 };
      for (const [template, h] of detail.templates) {
        rows.push({ tags: { scope: 'template', template }, values: { online: h.online, offline: h.offline, low_battery: h.low_battery } });
        bump(site, 'devices_online', h.online);
        bump(site, 'devices_offline', h.offline);
        bump(site, 'low_battery', h.low_battery);
      }
      for (const r of detail.rejected.values()) {
        rows.push({ tags: { scope: 'rejected', template: r.template, reason: r.reason }, values: { count: r.count } });
        bump(site, 'rejected', r.count);
      }
      return { values: site, rows };
    },
  };
}
