/**
 * `query()` and `latest()` of the influx store, in InfluxQL (the dashboards' language, which
 * 1.x, 2.x through its v1 compatibility API, and 3.x all answer).
 * A device's template is not part of a SeriesQuery, so the measurement is matched by regex
 * (`FROM /.*\/`) and filtered by the `device` tag.
 */
import type { FieldValue } from '../core/reading.js';
import type { SeriesPoint, SeriesQuery } from './types.js';
import type { FetchLike, InfluxTarget } from '../lib/influx/http.js';
import { influxQl, quoteIdent, quoteString } from '../lib/influx/influxql.js';

export function seriesStatement(q: SeriesQuery, fn: 'mean' | 'last' | undefined): string {
  const where = `WHERE "device" = ${quoteString(q.device)} AND time >= ${Math.floor(q.from)}ms AND time < ${Math.floor(q.to)}ms`;
  if (fn === undefined || q.everyMs === undefined) {
    return `SELECT ${quoteIdent(q.field)} AS "value" FROM /.*/ ${where} LIMIT 100000`;
  }
  const field = quoteIdent(q.field);
  // min/max of a string or boolean field is an error too; the caller falls back to last() alone.
  const spread = q.spread && fn === 'mean' ? `, min(${field}) AS "min", max(${field}) AS "max"` : '';
  return `SELECT ${fn}(${field}) AS "value"${spread} FROM /.*/ ${where} GROUP BY time(${Math.max(1, Math.floor(q.everyMs))}ms) fill(none)`;
}

function points(series: Awaited<ReturnType<typeof influxQl>>): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (const s of series) {
    const ti = s.columns.indexOf('time');
    const vi = s.columns.indexOf('value');
    const lo = s.columns.indexOf('min');
    const hi = s.columns.indexOf('max');
    for (const row of s.values) {
      const ts = row[ti];
      const v = row[vi];
      if (typeof ts !== 'number' || !(typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string')) continue;
      const min = lo >= 0 ? row[lo] : undefined;
      const max = hi >= 0 ? row[hi] : undefined;
      out.push(typeof min === 'number' && typeof max === 'number' ? { ts, value: v, min, max } : { ts, value: v });
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

export async function querySeries(target: InfluxTarget, q: SeriesQuery, timeoutMs: number, f: FetchLike): Promise<SeriesPoint[]> {
  if (q.everyMs === undefined) return points(await influxQl(target, seriesStatement(q, undefined), timeoutMs, f));
  try {
    return points(await influxQl(target, seriesStatement(q, 'mean'), timeoutMs, f));
  } catch (err) {
    // mean() of a string or boolean field is an error: those get the last value per bucket.
    if (!/mean|unsupported|iterator/i.test(String(err))) throw err;
    return points(await influxQl(target, seriesStatement(q, 'last'), timeoutMs, f));
  }
}

/** The `template` tag values of the device's series, over all time (SHOW TAG VALUES takes no time range on 1.x). */
export async function querySeriesTemplates(target: InfluxTarget, device: string, timeoutMs: number, f: FetchLike): Promise<string[]> {
  const series = await influxQl(target, `SHOW TAG VALUES FROM /.*/ WITH KEY = "template" WHERE "device" = ${quoteString(device)}`, timeoutMs, f);
  const out = new Set<string>();
  for (const s of series) {
    const vi = s.columns.indexOf('value');
    for (const row of s.values) {
      const v = row[vi];
      if (typeof v === 'string') out.add(v);
    }
  }
  return [...out];
}

export type LatestMap = Map<string, { template: string; ts: number; fields: Record<string, FieldValue> }>;

export async function queryLatest(target: InfluxTarget, timeoutMs: number, f: FetchLike): Promise<LatestMap> {
  const series = await influxQl(target, 'SELECT *::field FROM /.*/ GROUP BY "device", "template" ORDER BY time DESC LIMIT 1', timeoutMs, f);
  const out: LatestMap = new Map();
  for (const s of series) {
    const device = s.tags?.device;
    const template = s.tags?.template;
    const row = s.values[0];
    if (!device || !template || !row) continue;
    const fields: Record<string, FieldValue> = {};
    let ts = 0;
    s.columns.forEach((c, i) => {
      const v = row[i];
      if (c === 'time') ts = typeof v === 'number' ? v : 0;
      else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') fields[c] = v;
    });
    const prev = out.get(device);
    if (!prev || prev.ts < ts) out.set(device, { template, ts, fields });
  }
  return out;
}
