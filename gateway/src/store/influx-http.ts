/**
 * HTTP side of the influx store: where to POST, with which credentials, and one request.
 *
 * v1 `/write?db=&rp=&precision=ms` is what InfluxDB 1.x has and what 2.x (v1 compatibility
 * API) and 3.x accept. v2 posts to `/api/v2/write?org=&bucket=&precision=ms` directly rather
 * than through @influxdata/influxdb-client: that client keeps its own in-memory batching,
 * retry buffer and retry timer, which would sit between our batches and our durable spool
 * (a second, volatile buffer whose losses we could not count) and it reports a partial
 * write as one error for the whole batch; posting ourselves keeps one batching, gzip,
 * retry and partial-write path for both API versions.
 */
import type { StoreConfig } from '../config/schema.js';
import { classifyStatus, type WriteOutcome } from './influx-errors.js';

export type InfluxStoreConfig = Extract<StoreConfig, { kind: 'influx' }>;

export interface InfluxTarget {
  writeUrl: string;
  queryUrl: string;
  /** Database name for InfluxQL `/query` (the bucket on 2.x, through its v1 compatibility API). */
  database: string;
  headers: Record<string, string>;
  /** For logs and health: the URL without credentials. */
  describe: string;
}

export function influxTarget(cfg: InfluxStoreConfig): InfluxTarget {
  const base = cfg.url.replace(/\/+$/, '');
  const headers: Record<string, string> = {};
  if (cfg.token) headers.authorization = `Token ${cfg.token}`;
  else if (cfg.username !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${cfg.username}:${cfg.password ?? ''}`).toString('base64')}`;
  }
  if (cfg.apiVersion === 2) {
    const q = new URLSearchParams({ org: cfg.org ?? '', bucket: cfg.bucket ?? '', precision: 'ms' });
    return {
      writeUrl: `${base}/api/v2/write?${q.toString()}`,
      queryUrl: `${base}/query`,
      database: cfg.bucket ?? '',
      headers,
      describe: `${base} (v2 org=${cfg.org} bucket=${cfg.bucket})`,
    };
  }
  const q = new URLSearchParams({ db: cfg.database ?? '', precision: 'ms' });
  if (cfg.retentionPolicy) q.set('rp', cfg.retentionPolicy);
  return {
    writeUrl: `${base}/write?${q.toString()}`,
    queryUrl: `${base}/query`,
    database: cfg.database ?? '',
    headers,
    describe: `${base} (v1 db=${cfg.database}${cfg.retentionPolicy ? ` rp=${cfg.retentionPolicy}` : ''})`,
  };
}

export type FetchLike = typeof fetch;

/** POSTs one body; never throws (network errors and timeouts are a `retry` outcome). */
export async function postWrite(target: InfluxTarget, body: Buffer, gzipped: boolean, timeoutMs: number, fetchImpl: FetchLike): Promise<WriteOutcome> {
  try {
    const res = await fetchImpl(target.writeUrl, {
      method: 'POST',
      body,
      headers: { ...target.headers, ...(gzipped ? { 'content-encoding': 'gzip' } : {}), 'content-type': 'text/plain; charset=utf-8' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = res.status === 204 ? '' : await res.text();
    if (res.status === 204) await res.body?.cancel();
    return classifyStatus(res.status, text, res.headers.get('retry-after'));
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (e.cause?.code ?? e.message ?? String(err));
    return { kind: 'retry', reason: `network: ${why}` };
  }
}

export interface InfluxQlSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/** Runs one InfluxQL statement through `/query` (epoch=ms) and returns its series. */
export async function influxQl(target: InfluxTarget, q: string, timeoutMs: number, fetchImpl: FetchLike): Promise<InfluxQlSeries[]> {
  const params = new URLSearchParams({ db: target.database, q, epoch: 'ms' });
  const res = await fetchImpl(`${target.queryUrl}?${params.toString()}`, {
    headers: target.headers,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { error?: string; results?: { error?: string; series?: InfluxQlSeries[] }[] };
  const err = body.error ?? body.results?.[0]?.error;
  if (!res.ok || err) throw new Error(`GW_ERR_INFLUX_QUERY: ${res.status} ${err ?? ''}`.trim());
  return body.results?.[0]?.series ?? [];
}
