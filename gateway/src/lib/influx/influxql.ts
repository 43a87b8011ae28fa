/**
 * InfluxQL through `/query` (the dashboards' language, which 1.x, 2.x through its v1
 * compatibility API, and 3.x all answer): one statement, and the quoting of what goes into it.
 */
import type { FetchLike, InfluxTarget } from './http.js';
import { gwError } from '../../errors.js';

/** InfluxQL identifier: double quotes, backslash-escaped. */
export function quoteIdent(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/** InfluxQL string literal: single quotes, backslash-escaped. */
export function quoteString(s: string): string {
  return `'${s.replace(/[\\']/g, '\\$&')}'`;
}

export interface InfluxQlSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/** Runs one InfluxQL statement through `/query` (epoch=ms) and returns its series. */
export async function influxQl(target: Pick<InfluxTarget, 'queryUrl' | 'database' | 'headers'>, q: string, timeoutMs: number, fetchImpl: FetchLike): Promise<InfluxQlSeries[]> {
  const params = new URLSearchParams({ db: target.database, q, epoch: 'ms' });
  const res = await fetchImpl(`${target.queryUrl}?${params.toString()}`, {
    headers: target.headers,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { error?: string; results?: { error?: string; series?: InfluxQlSeries[] }[] };
  const err = body.error ?? body.results?.[0]?.error;
  if (!res.ok || err) throw gwError('GW_ERR_INFLUX_QUERY', `${res.status} ${err ?? ''}`.trim());
  return body.results?.[0]?.series ?? [];
}
