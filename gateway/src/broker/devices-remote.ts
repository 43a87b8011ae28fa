/**
 * `campus-gateway devices import|export` talk to the running gateway's admin API,
 * so imported devices are live at once (broker credentials, registry) and the
 * gateway itself writes them to its devices file. node:http rather than fetch:
 * a file of operator-chosen secrets is hashed at full scrypt cost (~0.1 s each on a
 * small box) and may take minutes, longer than fetch's fixed 300 s header timeout.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { GatewayError } from '../errors.js';

export interface Remote {
  /** Base URL of the gateway's HTTP API, e.g. http://127.0.0.1:8080 */
  url: string;
  /** An admin bearer token (absent: an open demo gateway). */
  token?: string | undefined;
}

export interface RemoteAnswer {
  status: number;
  text: string;
}

export class RemoteError extends GatewayError {
  declare readonly code: 'GW_ERR_GATEWAY_UNREACHABLE' | 'GW_ERR_BAD_URL';
  constructor(code: 'GW_ERR_GATEWAY_UNREACHABLE' | 'GW_ERR_BAD_URL', message: string) {
    super(code, message);
    this.name = 'RemoteError';
  }
}

/** The gateway's URL: --url, else GATEWAY_URL, else http://127.0.0.1:<GATEWAY_HTTP_PORT or 8080>. */
export function remoteFrom(values: { url?: string | undefined; token?: string | undefined }, env: NodeJS.ProcessEnv): Remote {
  const url = values.url ?? env.GATEWAY_URL ?? `http://127.0.0.1:${env.GATEWAY_HTTP_PORT ?? 8080}`;
  const token = values.token ?? env.GATEWAY_TOKEN;
  return { url, ...(token ? { token } : {}) };
}

export function callGateway(remote: Remote, method: 'GET' | 'POST', path: string, body?: { type: string; text: string }): Promise<RemoteAnswer> {
  let target: URL;
  try {
    target = new URL(path, remote.url.endsWith('/') ? remote.url : `${remote.url}/`);
  } catch {
    return Promise.reject(new RemoteError('GW_ERR_BAD_URL', `--url must be the gateway's HTTP address, e.g. http://127.0.0.1:8080 (got "${remote.url}")`));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return Promise.reject(new RemoteError('GW_ERR_BAD_URL', `--url must start with http:// or https:// (got "${remote.url}")`));
  }
  const headers: Record<string, string | number> = { accept: 'application/json, text/csv' };
  if (remote.token) headers.authorization = `Bearer ${remote.token}`;
  const payload = body ? Buffer.from(body.text, 'utf8') : undefined;
  if (body && payload) {
    headers['content-type'] = body.type;
    headers['content-length'] = payload.length;
  }
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(new RemoteError('GW_ERR_GATEWAY_UNREACHABLE', `cannot reach the gateway at ${target.origin} (${err.code ?? err.message}): is it running? (--url or GATEWAY_URL)`));
    });
    req.end(payload);
  });
}

/** The `error` of a gateway answer, as one line for the terminal. */
export function describeAnswer(answer: RemoteAnswer): { message: string; problems: string[] } {
  try {
    const json = JSON.parse(answer.text) as { error?: { code?: string; message?: string; problems?: unknown } };
    const problems = Array.isArray(json.error?.problems) ? json.error.problems.map(String) : [];
    return { message: `${json.error?.code ?? `HTTP ${answer.status}`}: ${json.error?.message ?? answer.text.slice(0, 200)}`, problems };
  } catch {
    return { message: `HTTP ${answer.status}: ${answer.text.slice(0, 200)}`, problems: [] };
  }
}
