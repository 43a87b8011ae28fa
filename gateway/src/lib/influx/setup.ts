/**
 * The start-up check of an InfluxDB target, shared by the influx store and the hub role:
 * is InfluxDB there, may these credentials write, does the database (bucket) exist.
 *
 * One probe, an empty POST to the write URL, answers all three on every version:
 * - 1.x (httpd/handler.go serveWrite) looks the database up before checking the user's rights:
 *   404 `database not found: "x"`; then 401/403 for credentials; an empty body is 204 (nothing
 *   written); a missing retention policy is 500 `retention policy not found: rp`.
 * - 2.x (`/api/v2/write`, and `/write` through its v1 compatibility API) looks the org and
 *   bucket up first (404 `bucket "x" not found`), checks the token's write permission (401/403),
 *   then parses the body: 400 `writing requires points` means the bucket is there and writable.
 *
 * The outcome: `ready` (the database was perhaps created on the way), `unreachable` (no answer,
 * 5xx or 429: the caller starts degraded and its spool or retry covers the outage), or a
 * StartError (wrong credentials, a database that is missing and cannot be created, a missing
 * bucket or retention policy, a URL that is not InfluxDB): those need a person, so start stops.
 */
import { startErrors, type InfluxKeys } from '../../errors.js';
import { messageOf } from './errors.js';
import type { FetchLike, InfluxTarget } from './http.js';

export type SetupTarget = Pick<InfluxTarget, 'writeUrl' | 'queryUrl' | 'database' | 'apiVersion' | 'retentionPolicy' | 'headers' | 'describe'>;

export type InfluxReadiness = { kind: 'ready'; created: boolean } | { kind: 'unreachable'; reason: string };

export interface SetupOptions {
  /** CREATE DATABASE when 1.x says it is missing (v2 buckets are never created: their retention is the admin's choice). */
  createDatabase: boolean;
  timeoutMs: number;
  /** Which config section holds these settings, for the error messages. */
  keys: InfluxKeys;
}

interface Answer {
  status: number;
  message: string;
  text: string;
}

/** One request; the answer's text with the credentials cut out, in case the server (or a proxy) echoes them. */
async function request(fetchImpl: FetchLike, url: string, init: RequestInit & { headers: Record<string, string> }, timeoutMs: number): Promise<Answer | { reason: string }> {
  try {
    const res = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    let text = res.status === 204 ? '' : await res.text();
    for (const secret of credentialsOf(init.headers)) text = text.replaceAll(secret, '[redacted]');
    return { status: res.status, message: messageOf(text).slice(0, 200), text };
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string } };
    return { reason: `network: ${e.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (e.cause?.code ?? e.message ?? String(err))}` };
  }
}

const answerText = (a: Answer) => `HTTP ${a.status}${a.message ? `: ${a.message}` : ''}`;

/** The credential strings in the request's Authorization header: token, Basic value, user:password, password. */
function credentialsOf(headers: Record<string, string>): string[] {
  const auth = headers.authorization;
  if (auth === undefined) return [];
  const [scheme, value = ''] = auth.split(' ', 2);
  if (scheme !== 'Basic') return [value];
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return [value, decoded, decoded.slice(decoded.indexOf(':') + 1)].filter((s) => s.length >= 3);
}

function retryable(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** Probes the target and creates a missing 1.x database when allowed; throws a StartError when a person must act. */
export async function prepareInflux(target: SetupTarget, options: SetupOptions, fetchImpl: FetchLike = fetch): Promise<InfluxReadiness> {
  const url = new URL(target.writeUrl);
  if (url.username !== '' || url.password !== '') throw startErrors.influxUrlCredentials(options.keys);
  const probe = await request(fetchImpl, target.writeUrl, {
    method: 'POST',
    headers: { ...target.headers, 'content-type': 'text/plain; charset=utf-8' },
    body: '',
  }, options.timeoutMs);
  if ('reason' in probe) return { kind: 'unreachable', reason: probe.reason };
  const { status, message } = probe;
  if (status < 300 || status === 400) return { kind: 'ready', created: false };
  if (status === 401 || status === 403) throw startErrors.influxAuth(target.describe, answerText(probe), options.keys);
  if (/retention policy not found/i.test(message) && target.retentionPolicy !== undefined) {
    throw startErrors.influxRetentionPolicyMissing(target.describe, target.retentionPolicy, target.database);
  }
  if (retryable(status)) return { kind: 'unreachable', reason: answerText(probe) };
  if (status === 404 && target.apiVersion === 2) throw startErrors.influxBucketMissing(target.describe, answerText(probe));
  if (status === 404 && /database not found/i.test(message)) {
    if (!options.createDatabase) throw startErrors.influxDatabaseMissing(target.describe, target.database, 'creating it is turned off (influx.createDatabase: false)');
    return createDatabase(target, options, fetchImpl);
  }
  throw startErrors.influxRefused(target.describe, answerText(probe));
}

async function createDatabase(target: SetupTarget, options: SetupOptions, fetchImpl: FetchLike): Promise<InfluxReadiness> {
  const q = `CREATE DATABASE "${target.database.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  const res = await request(fetchImpl, target.queryUrl, {
    method: 'POST',
    headers: target.headers,
    body: new URLSearchParams({ q }),
  }, options.timeoutMs);
  if ('reason' in res) return { kind: 'unreachable', reason: res.reason };
  if (retryable(res.status)) return { kind: 'unreachable', reason: answerText(res) };
  // 1.x answers 200 with the statement's error in the body when the statement itself fails.
  const statementError = res.status === 200 ? statementErrorOf(res.text) : undefined;
  if (res.status !== 200 || statementError !== undefined) {
    const why = statementError !== undefined ? `HTTP 200: ${statementError.slice(0, 200)}` : answerText(res);
    throw startErrors.influxDatabaseMissing(target.describe, target.database, `could not create it (${why})`);
  }
  return { kind: 'ready', created: true };
}

function statementErrorOf(text: string): string | undefined {
  try {
    const j = JSON.parse(text) as { error?: unknown; results?: { error?: unknown }[] };
    const e = j.error ?? j.results?.[0]?.error;
    return typeof e === 'string' ? e : undefined;
  } catch {
    return `not an InfluxDB answer: ${text.slice(0, 100)}`;
  }
}
