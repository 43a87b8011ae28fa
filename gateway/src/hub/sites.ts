/**
 * Every school the hub has heard from (or is told to expect, `http.sites`): its last summary,
 * its last alarm, when this hub process last received from it, how late that message arrived
 * (delivery lag: receipt − window end, which grows while a gateway catches up from its outbox)
 * and whether it has gone silent. Filled at start from the district InfluxDB (district-query.ts
 * `history`), then kept up to date by every stored message. Bounded: past `maxSites` a new site
 * is counted, not tracked (the broker's ACL lets a school publish only as itself, so more sites
 * than schools means a misconfigured broker).
 */
import type { SiteHistory } from './district-query.js';
import type { HubMessage } from './points.js';

export interface SiteView {
  id: string;
  name: string;
  /** The newest summary: seen by this process (`received_at`) or, after a restart, read from InfluxDB. */
  last_summary: { kind: string; resolution: string | null; window_start: string; received_at: string | null } | null;
  last_alarm: { alarm: string; state: 'raised' | 'cleared'; template: string; device: string; room?: string; building?: string; value: string; at: string; received_at: string | null } | null;
  /** When this hub process last stored a message of the site (null: not since it started). */
  last_received_at: string | null;
  /** Receipt − window end of the last message this process stored (seconds); large while the gateway empties its outbox. */
  delivery_lag_s: number | null;
  /**
   * The gateway's own outbox, when its device-health summaries carry `outbox_queued` (messages
   * waiting) and optionally `outbox_oldest_s` (age of the oldest); null while none has.
   */
  outbox: { queued: number; oldest_s: number | null; at: string } | null;
  /** Since this process started. */
  messages: { stored: number; duplicates: number; by_kind: Record<string, number> };
  /** Nothing heard for longer than `silentAfterSeconds` (or never, for a site named in the config). */
  silent: boolean;
}

interface SiteState {
  summary?: { kind: string; resolution: string | null; windowStart: number; receivedAt: number | null };
  alarm?: { alarm: string; state: 'raised' | 'cleared'; template: string; device: string; room?: string | undefined; building?: string | undefined; value: string; at: number; receivedAt: number | null };
  receivedAt: number | null;
  lagS: number | null;
  outbox?: { queued: number; oldestS: number | null; at: number };
  stored: number;
  duplicates: number;
  byKind: Map<string, number>;
}

export interface SiteTracker {
  /** Adds what InfluxDB holds (at start); never overrides what this process has received. */
  seed(history: readonly SiteHistory[]): void;
  stored(message: HubMessage): void;
  duplicate(site: string): void;
  list(): SiteView[];
  /** Per site: stored messages by kind, duplicates and the last delivery lag (for /metrics). */
  counters(): Array<{ site: string; byKind: ReadonlyMap<string, number>; duplicates: number; lagS: number | null }>;
  summary(): { sites: number; silent: number; untracked: number; maxDeliveryLagS: number | null; lastReceivedAt: string | null };
}

export interface SiteTrackerOptions {
  /** Display names by site id; these sites are listed (silent) before they are heard from. */
  names?: Readonly<Record<string, string>>;
  silentAfterMs: number;
  maxSites?: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function createSiteTracker(options: SiteTrackerOptions, deps: { now?: () => number } = {}): SiteTracker {
  const now = deps.now ?? Date.now;
  const names = options.names ?? {};
  const maxSites = options.maxSites ?? 10_000;
  const sites = new Map<string, SiteState>();
  let untracked = 0;
  const blank = (): SiteState => ({ receivedAt: null, lagS: null, stored: 0, duplicates: 0, byKind: new Map() });
  for (const id of Object.keys(names)) sites.set(id, blank());

  const state = (site: string): SiteState | undefined => {
    const s = sites.get(site);
    if (s !== undefined) return s;
    if (sites.size >= maxSites) {
      untracked++;
      return undefined;
    }
    const fresh = blank();
    sites.set(site, fresh);
    return fresh;
  };

  /** The last sign of life: a receipt, else the newest time InfluxDB holds. */
  const lastActivity = (s: SiteState) => Math.max(s.receivedAt ?? -Infinity, s.summary?.windowStart ?? -Infinity, s.alarm?.at ?? -Infinity);
  const isSilent = (s: SiteState, t: number) => t - lastActivity(s) > options.silentAfterMs;

  return {
    seed(history) {
      for (const h of history) {
        const s = state(h.site);
        if (s === undefined) continue;
        if (h.lastSummary && (s.summary === undefined || (s.summary.receivedAt === null && s.summary.windowStart < h.lastSummary.windowStart))) {
          s.summary = { kind: h.lastSummary.kind, resolution: null, windowStart: h.lastSummary.windowStart, receivedAt: null };
        }
        const a = h.lastAlarm;
        if (a && (s.alarm === undefined || (s.alarm.receivedAt === null && s.alarm.at < Date.parse(a.at)))) {
          s.alarm = { alarm: a.alarm, state: a.state, template: a.template, device: a.device, room: a.room, building: a.building, value: a.value, at: Date.parse(a.at), receivedAt: null };
        }
      }
    },
    stored(m) {
      const s = state(m.site);
      if (s === undefined) return;
      const t = now();
      s.receivedAt = t;
      s.lagS = Math.max(0, Math.round((t - Date.parse(m.windowEnd)) / 100) / 10);
      s.stored++;
      s.byKind.set(m.kind, (s.byKind.get(m.kind) ?? 0) + 1);
      // Several connections (and hub processes) store one school's messages side by side, and a
      // resend arrives after newer ones: the newest by its own time wins, not the last stored.
      const at = Date.parse(m.windowStart);
      if (m.kind === 'alarm') {
        if (s.alarm !== undefined && s.alarm.at > at) return;
        s.alarm = { alarm: m.alarm, state: m.state, template: m.template, device: m.device, room: m.room, building: m.building, value: String(m.value), at, receivedAt: t };
      } else {
        if (s.summary === undefined || s.summary.windowStart <= at) s.summary = { kind: m.kind, resolution: m.resolution, windowStart: at, receivedAt: t };
        const queued = m.kind === 'device-health' ? m.values.outbox_queued : undefined;
        const end = Date.parse(m.windowEnd);
        if (queued !== undefined && (s.outbox === undefined || s.outbox.at <= end)) s.outbox = { queued, oldestS: m.values.outbox_oldest_s ?? null, at: end };
      }
    },
    duplicate(site) {
      const s = state(site);
      if (s !== undefined) s.duplicates++;
    },
    list() {
      const t = now();
      return [...sites.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([id, s]) => ({
        id,
        name: names[id] ?? id,
        last_summary: s.summary ? { kind: s.summary.kind, resolution: s.summary.resolution, window_start: iso(s.summary.windowStart)!, received_at: iso(s.summary.receivedAt) } : null,
        last_alarm: s.alarm ? {
          alarm: s.alarm.alarm, state: s.alarm.state, template: s.alarm.template, device: s.alarm.device,
          ...(s.alarm.room !== undefined ? { room: s.alarm.room } : {}), ...(s.alarm.building !== undefined ? { building: s.alarm.building } : {}),
          value: s.alarm.value, at: iso(s.alarm.at)!, received_at: iso(s.alarm.receivedAt),
        } : null,
        last_received_at: iso(s.receivedAt),
        delivery_lag_s: s.lagS,
        outbox: s.outbox ? { queued: s.outbox.queued, oldest_s: s.outbox.oldestS, at: iso(s.outbox.at)! } : null,
        messages: { stored: s.stored, duplicates: s.duplicates, by_kind: Object.fromEntries(s.byKind) },
        silent: isSilent(s, t),
      }));
    },
    counters: () => [...sites.entries()].map(([site, s]) => ({ site, byKind: s.byKind, duplicates: s.duplicates, lagS: s.lagS })),
    summary() {
      const t = now();
      let silent = 0;
      let maxLag: number | null = null;
      let last: number | null = null;
      for (const s of sites.values()) {
        if (isSilent(s, t)) silent++;
        if (s.lagS !== null) maxLag = Math.max(maxLag ?? 0, s.lagS);
        if (s.receivedAt !== null) last = Math.max(last ?? 0, s.receivedAt);
      }
      return { sites: sites.size, silent, untracked, maxDeliveryLagS: maxLag, lastReceivedAt: iso(last) };
    },
  };
}
