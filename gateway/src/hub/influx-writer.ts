/**
 * A tiny InfluxDB v1 `/write` client (precision ms): accepted by InfluxDB 1.x, by 2.x
 * through its v1 compatibility API and by 3.x. A 4xx answer is a
 * bad point (not retried); anything else is retryable.
 */
import { withoutCredentials } from '../store/influx-http.js';
import type { SetupTarget } from '../store/influx-setup.js';
import { GatewayError } from '../errors.js';

export class InfluxWriteError extends GatewayError {
  constructor(message: string, readonly retryable: boolean) {
    super('GW_ERR_INFLUX_WRITE', message);
    this.name = 'InfluxWriteError';
  }
}

export interface InfluxTarget {
  url: string;
  database: string;
  retentionPolicy?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
}

function auth(t: InfluxTarget): Record<string, string> {
  if (t.username === undefined) return {};
  return { authorization: `Basic ${Buffer.from(`${t.username}:${t.password ?? ''}`).toString('base64')}` };
}

export async function writeLines(t: InfluxTarget, lines: readonly string[], timeoutMs = 10_000): Promise<void> {
  if (lines.length === 0) return;
  const params = new URLSearchParams({ db: t.database, precision: 'ms' });
  if (t.retentionPolicy !== undefined) params.set('rp', t.retentionPolicy);
  let res: Response;
  try {
    res = await fetch(`${t.url.replace(/\/$/, '')}/write?${params.toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8', ...auth(t) },
      body: lines.join('\n'),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new InfluxWriteError(`InfluxDB write failed: ${(err as Error).message}`, true);
  }
  if (res.status === 204) return;
  const text = (await res.text()).slice(0, 300);
  throw new InfluxWriteError(`InfluxDB write failed (HTTP ${res.status}): ${text}`, res.status >= 500 || res.status === 404 || res.status === 429);
}

/** The hub's InfluxDB as a target of the shared start-up check (store/influx-setup.ts): v1 API. */
export function setupTarget(t: InfluxTarget): SetupTarget {
  const base = t.url.replace(/\/$/, '');
  const params = new URLSearchParams({ db: t.database, precision: 'ms' });
  if (t.retentionPolicy !== undefined) params.set('rp', t.retentionPolicy);
  return {
    writeUrl: `${base}/write?${params.toString()}`,
    queryUrl: `${base}/query`,
    database: t.database,
    apiVersion: 1,
    retentionPolicy: t.retentionPolicy,
    headers: auth(t),
    describe: `${withoutCredentials(base)} (db=${t.database})`,
  };
}
