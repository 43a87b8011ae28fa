/**
 * Reads the district InfluxDB back for the hub's API, in InfluxQL through the store's query
 * client (lib/influx/), in the layout points.ts writes: `summary_<kind>` with one
 * `scope=site` point per message (its values) and one point per row, `alarm` one point each.
 *
 * A summary answer is rebuilt into the message shape the gateway sent (`values` and `rows`,
 * grouped by `msg_id`). To stay bounded whatever the range, it runs in two steps: the newest
 * `limit + 1` site points (one per message; LIMIT applies per measurement without GROUP BY)
 * give the oldest time to keep, then only the points from that time on are read.
 */
import { SUMMARY_KINDS } from '../core/topics.js';
import { influxTarget, type FetchLike } from '../lib/influx/http.js';
import { influxQl, quoteIdent, quoteString, type InfluxQlSeries } from '../lib/influx/influxql.js';
import type { HubConfig } from './config.js';

export interface SummaryQuery { site?: string | undefined; kind?: string | undefined; resolution?: string | undefined; from: number; to: number; limit: number }
export interface AlarmQuery { site?: string | undefined; from: number; to: number; limit: number }

export interface SummaryItem {
  id: string;
  site: string;
  kind: string;
  resolution: string;
  windowStart: string;
  values: Record<string, number>;
  rows: Array<{ tags: Record<string, string>; values: Record<string, number> }>;
}

export interface AlarmItem {
  id: string;
  site: string;
  template: string;
  device: string;
  room?: string;
  building?: string;
  alarm: string;
  /** As stored: a string ("true", "forced"). */
  value: string;
  state: 'raised' | 'cleared';
  at: string;
}

/** The newest summary and alarm per site in the history window (fills /api/schools at start). */
export interface SiteHistory {
  site: string;
  lastSummary?: { kind: string; windowStart: number };
  lastAlarm?: Omit<AlarmItem, 'id' | 'site'> & { id: string };
}

export interface DistrictReader {
  summaries(q: SummaryQuery): Promise<{ items: SummaryItem[]; truncated: boolean }>;
  alarms(q: AlarmQuery): Promise<{ items: AlarmItem[]; truncated: boolean }>;
  history(days: number): Promise<SiteHistory[]>;
  /** InfluxDB answers /ping. */
  ping(): Promise<boolean>;
}

const measurementOf = (kind: string) => `summary_${kind.replaceAll('-', '_')}`;
const KIND_OF = new Map<string, string>(SUMMARY_KINDS.map((k) => [measurementOf(k), k]));
export const kindOf = (measurement: string) => KIND_OF.get(measurement) ?? measurement.replace(/^summary_/, '').replaceAll('_', '-');

function from(rp: string | undefined, measurement: string | RegExp): string {
  const m = typeof measurement === 'string' ? quoteIdent(measurement) : `/${measurement.source}/`;
  return rp === undefined ? m : `${quoteIdent(rp)}.${m}`;
}

function where(conds: Record<string, string | undefined>, fromMs: number, toMs: number): string {
  const parts = [`time >= ${Math.floor(fromMs)}ms`, `time < ${Math.floor(toMs)}ms`];
  for (const [tag, value] of Object.entries(conds)) if (value !== undefined) parts.push(`${quoteIdent(tag)} = ${quoteString(value)}`);
  return `WHERE ${parts.join(' AND ')}`;
}

/** The InfluxQL statements, pure (unit-tested beside). */
export const statements = {
  summaryHeads(q: SummaryQuery, rp?: string): string {
    const m = q.kind === undefined ? /^summary_/ : measurementOf(q.kind);
    return `SELECT "msg_id" FROM ${from(rp, m)} ${where({ site: q.site, resolution: q.resolution, scope: 'site' }, q.from, q.to)} ORDER BY time DESC LIMIT ${q.limit + 1}`;
  },
  summaryPoints(q: SummaryQuery, since: number, rp?: string): string {
    const m = q.kind === undefined ? /^summary_/ : measurementOf(q.kind);
    return `SELECT * FROM ${from(rp, m)} ${where({ site: q.site, resolution: q.resolution }, since, q.to)} GROUP BY *`;
  },
  alarms(q: AlarmQuery, rp?: string): string {
    return `SELECT * FROM ${from(rp, 'alarm')} ${where({ site: q.site }, q.from, q.to)} ORDER BY time DESC LIMIT ${q.limit + 1}`;
  },
  lastSummaries(days: number, rp?: string): string {
    return `SELECT last("msg_id") FROM ${from(rp, /^summary_/)} WHERE time > now() - ${Math.floor(days)}d GROUP BY "site"`;
  },
  lastAlarms(days: number, rp?: string): string {
    return `SELECT * FROM ${from(rp, 'alarm')} WHERE time > now() - ${Math.floor(days)}d GROUP BY "site" ORDER BY time DESC LIMIT 1`;
  },
};

/** Each row of a series as `{ column: value }`, with the series' tags. */
function rowsOf(series: readonly InfluxQlSeries[]): Array<{ name: string; tags: Record<string, string>; row: Record<string, unknown> }> {
  const out: Array<{ name: string; tags: Record<string, string>; row: Record<string, unknown> }> = [];
  for (const s of series) {
    for (const values of s.values) {
      const row: Record<string, unknown> = {};
      s.columns.forEach((c, i) => {
        if (values[i] !== null && values[i] !== undefined) row[c] = values[i];
      });
      out.push({ name: s.name, tags: Object.fromEntries(Object.entries(s.tags ?? {}).filter(([, v]) => v !== '')), row });
    }
  }
  return out;
}

/** Groups summary points into messages by `msg_id`, newest first. */
export function toSummaryItems(series: readonly InfluxQlSeries[]): SummaryItem[] {
  const byId = new Map<string, SummaryItem & { ts: number }>();
  for (const { name, tags, row } of rowsOf(series)) {
    const ts = Number(row.time);
    const { site = '', resolution = '', scope, ...rowTags } = tags;
    const id = typeof row.msg_id === 'string' ? row.msg_id : `${name}|${site}|${resolution}|${ts}`;
    let item = byId.get(id);
    if (item === undefined) {
      item = { id, site, kind: kindOf(name), resolution, windowStart: new Date(ts).toISOString(), values: {}, rows: [], ts };
      byId.set(id, item);
    }
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(row)) if (k !== 'time' && k !== 'msg_id' && typeof v === 'number') values[k] = v;
    if (scope === 'site') item.values = values;
    else item.rows.push({ tags: { ...(scope !== undefined ? { scope } : {}), ...rowTags }, values });
  }
  const items = [...byId.values()];
  for (const item of items) item.rows.sort((a, b) => (JSON.stringify(a.tags) < JSON.stringify(b.tags) ? -1 : 1));
  items.sort((a, b) => b.ts - a.ts || a.site.localeCompare(b.site) || a.kind.localeCompare(b.kind) || a.resolution.localeCompare(b.resolution));
  return items.map(({ ts: _ts, ...item }) => item);
}

function toAlarm(row: Record<string, unknown>, tags: Record<string, string>): AlarmItem {
  const all = { ...row, ...tags };
  const str = (k: string) => (typeof all[k] === 'string' && all[k] !== '' ? (all[k] as string) : undefined);
  return {
    id: str('msg_id') ?? '', site: str('site') ?? '', template: str('template') ?? '', device: str('device') ?? '',
    ...(str('room') ? { room: str('room')! } : {}), ...(str('building') ? { building: str('building')! } : {}),
    alarm: str('alarm') ?? '', value: String(all.value ?? ''), state: all.raised === true ? 'raised' : 'cleared', at: new Date(Number(all.time)).toISOString(),
  };
}

export function createDistrictReader(influx: HubConfig['influx'], deps: { fetch?: FetchLike; timeoutMs?: number } = {}): DistrictReader {
  const target = influxTarget({ ...influx, apiVersion: 1 });
  const { headers } = target;
  const base = influx.url.replace(/\/+$/, '');
  const f = deps.fetch ?? fetch;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const rp = influx.retentionPolicy;
  const run = (q: string) => influxQl(target, q, timeoutMs, f);

  return {
    async summaries(q) {
      const heads = rowsOf(await run(statements.summaryHeads(q, rp))).map((r) => Number(r.row.time)).sort((a, b) => b - a);
      if (heads.length === 0) return { items: [], truncated: false };
      const truncated = heads.length > q.limit;
      const since = heads[Math.min(q.limit, heads.length) - 1]!;
      const items = toSummaryItems(await run(statements.summaryPoints(q, since, rp)));
      return { items: items.slice(0, q.limit), truncated: truncated || items.length > q.limit };
    },
    async alarms(q) {
      const items = rowsOf(await run(statements.alarms(q, rp))).map((r) => toAlarm(r.row, r.tags));
      return { items: items.slice(0, q.limit), truncated: items.length > q.limit };
    },
    async history(days) {
      const sites = new Map<string, SiteHistory>();
      const entry = (site: string) => sites.get(site) ?? sites.set(site, { site }).get(site)!;
      for (const { name, tags, row } of rowsOf(await run(statements.lastSummaries(days, rp)))) {
        if (!tags.site) continue;
        const e = entry(tags.site);
        const ts = Number(row.time);
        if (e.lastSummary === undefined || e.lastSummary.windowStart < ts) e.lastSummary = { kind: kindOf(name), windowStart: ts };
      }
      for (const { tags, row } of rowsOf(await run(statements.lastAlarms(days, rp)))) {
        if (!tags.site) continue;
        const { site: _site, ...alarm } = toAlarm(row, tags);
        entry(tags.site).lastAlarm = alarm;
      }
      return [...sites.values()];
    },
    async ping() {
      try {
        const res = await f(`${base}/ping`, { headers, signal: AbortSignal.timeout(Math.min(timeoutMs, 3000)) });
        await res.body?.cancel();
        return res.status === 204 || res.ok;
      } catch {
        return false;
      }
    },
  };
}
