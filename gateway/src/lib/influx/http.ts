/**
 * The InfluxDB write client of the influx store and the hub: where to POST, with which
 * credentials, and one request whose answer is classified (errors.ts) but never thrown.
 *
 * v1 `/write?db=&rp=&precision=ms` is what InfluxDB 1.x has and what 2.x (v1 compatibility
 * API) and 3.x accept. v2 posts to `/api/v2/write?org=&bucket=&precision=ms` directly rather
 * than through @influxdata/influxdb-client: that client keeps its own in-memory batching,
 * retry buffer and retry timer, which would sit between our batches and our durable spool
 * (a second, volatile buffer whose losses we could not count) and it reports a partial
 * write as one error for the whole batch; posting ourselves keeps one batching, gzip,
 * retry and partial-write path for both API versions.
 */
import http from 'node:http';
import https from 'node:https';
import { classifyStatus, type WriteOutcome } from './errors.js';

/** Where InfluxDB is and who writes: the store's `store` section and the hub's `influx` section both fit. */
export interface InfluxConnection {
  url: string;
  apiVersion: 1 | 2;
  /** v1: database and optional retention policy. */
  database?: string | undefined;
  retentionPolicy?: string | undefined;
  /** v2: org and bucket, with a token. */
  org?: string | undefined;
  bucket?: string | undefined;
  token?: string | undefined;
  /** v1 Basic auth (a token, when set, wins). */
  username?: string | undefined;
  password?: string | undefined;
}

export interface InfluxTarget {
  writeUrl: string;
  queryUrl: string;
  /** Database name for InfluxQL `/query` (the bucket on 2.x, through its v1 compatibility API). */
  database: string;
  apiVersion: 1 | 2;
  retentionPolicy?: string | undefined;
  headers: Record<string, string>;
  /** Write request headers, with and without `content-encoding: gzip`. */
  plainHeaders: Record<string, string>;
  gzipHeaders: Record<string, string>;
  /** For logs and health: the URL without credentials. */
  describe: string;
}

export function influxTarget(cfg: InfluxConnection): InfluxTarget {
  const t = baseTarget(cfg);
  const plainHeaders = { ...t.headers, 'content-type': 'text/plain; charset=utf-8' };
  return { ...t, plainHeaders, gzipHeaders: { ...plainHeaders, 'content-encoding': 'gzip' } };
}

function baseTarget(cfg: InfluxConnection): Omit<InfluxTarget, 'plainHeaders' | 'gzipHeaders'> {
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
      apiVersion: 2,
      headers,
      describe: `${withoutCredentials(base)} (v2 org=${cfg.org} bucket=${cfg.bucket})`,
    };
  }
  const q = new URLSearchParams({ db: cfg.database ?? '', precision: 'ms' });
  if (cfg.retentionPolicy) q.set('rp', cfg.retentionPolicy);
  return {
    writeUrl: `${base}/write?${q.toString()}`,
    queryUrl: `${base}/query`,
    database: cfg.database ?? '',
    apiVersion: 1,
    retentionPolicy: cfg.retentionPolicy,
    headers,
    describe: `${withoutCredentials(base)} (v1 db=${cfg.database}${cfg.retentionPolicy ? ` rp=${cfg.retentionPolicy}` : ''})`,
  };
}

/** A URL for logs and errors: user and password left out. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

export type FetchLike = typeof fetch;

/** One POST: status, body text and Retry-After; rejects on network errors and timeouts. */
export type Poster = (url: string, headers: Record<string, string>, body: Buffer, timeoutMs: number) => Promise<{ status: number; text: string; retryAfter: string | null }>;

/**
 * Writes go through node:http with a keep-alive agent, not fetch: fetch (undici) builds web
 * streams, a tee and an AbortSignal per request, which at a few hundred small requests a
 * second (group commit on a quiet school) was most of the gateway's garbage.
 */
export function createHttpPoster(maxSockets = 8): Poster {
  const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets }), 'https:': new https.Agent({ keepAlive: true, maxSockets }) };
  const urls = new Map<string, URL>();
  return (url, headers, body, timeoutMs) => new Promise((resolve, reject) => {
    let u = urls.get(url);
    if (u === undefined) urls.set(url, (u = new URL(url)));
    const secure = u.protocol === 'https:';
    const req = (secure ? https : http).request(u, {
      method: 'POST', agent: agents[secure ? 'https:' : 'http:'],
      headers: { ...headers, 'content-length': String(body.length) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        const ra = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, text: chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8'), retryAfter: typeof ra === 'string' ? ra : null });
      });
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`timeout after ${timeoutMs} ms`), { name: 'TimeoutError' })), timeoutMs);
    function fail(err: Error): void {
      clearTimeout(timer);
      reject(err);
    }
    req.on('error', fail);
    req.end(body);
  });
}

/** A Poster over a fetch implementation (tests that record requests). */
export function fetchPoster(fetchImpl: FetchLike): Poster {
  return async (url, headers, body, timeoutMs) => {
    const res = await fetchImpl(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs) });
    const text = res.status === 204 ? '' : await res.text();
    if (res.status === 204) await res.body?.cancel();
    return { status: res.status, text, retryAfter: res.headers.get('retry-after') };
  };
}

/** POSTs one body; never throws (network errors and timeouts are a `retry` outcome). */
export async function postWrite(target: InfluxTarget, body: Buffer, gzipped: boolean, timeoutMs: number, send: Poster): Promise<WriteOutcome> {
  try {
    const headers = gzipped ? target.gzipHeaders : target.plainHeaders;
    const res = await send(target.writeUrl, headers, body, timeoutMs);
    return classifyStatus(res.status, res.text, res.retryAfter);
  } catch (err) {
    const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (e.code ?? e.cause?.code ?? e.message ?? String(err));
    return { kind: 'retry', reason: `network: ${why}` };
  }
}
