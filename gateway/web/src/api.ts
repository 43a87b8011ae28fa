/** The dashboard's API client: bearer token from localStorage, 401 asks for one. */
import { hasMessage, t } from './i18n/index.js';
const TOKEN_KEY = 'campus-gateway-token';

export class AuthRequired extends Error {}
export class Forbidden extends Error {}

export function token(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string | null): void {
  if (value) localStorage.setItem(TOKEN_KEY, value);
  else localStorage.removeItem(TOKEN_KEY);
}

export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const t = token();
  if (t) headers.set('authorization', `Bearer ${t}`);
  if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401) throw new AuthRequired('a token is required');
  return res;
}

/** Like request, but a 403 (the token's role may not use this) throws Forbidden. */
async function requestAllowed(path: string): Promise<Response> {
  const res = await request(path);
  if (res.status === 403) throw new Forbidden(await errorText(res));
  return res;
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await requestAllowed(path);
  if (!res.ok) throw new Error(await errorText(res));
  return (await res.json()) as T;
}

/** A line the API refused, with the reason code the catalog words (`roster.reason.*`, `roster.status.*`). */
export interface LineProblem { line: number; reason: string }

/** A refused line in the UI's language: "Line 3: no student name after the separator". */
export function lineProblemText(p: LineProblem): string {
  const key = `roster.reason.${p.reason}`;
  const status = `roster.status.${p.reason}`;
  const problem = hasMessage(key) ? t(key) : hasMessage(status) ? t(status) : p.reason;
  return t('roster.lineProblem', { line: p.line, problem });
}

/**
 * An API error in the UI's language, from its code and params (the server's English message is
 * the fallback for a code the catalog does not know).
 */
export function apiErrorText(status: number, body: unknown): string {
  const error = (body as { error?: { code?: string; message?: string; params?: { lines?: LineProblem[]; seconds?: number } } } | null)?.error;
  const key = `error.${error?.code ?? ''}`;
  if (error?.code && hasMessage(key)) {
    const lines = (error.params?.lines ?? []).map(lineProblemText).join('; ');
    return t(key, { lines, seconds: error.params?.seconds ?? 1 });
  }
  return error?.message ?? t('error.http', { status });
}

export async function errorText(res: Response): Promise<string> {
  try {
    return apiErrorText(res.status, await res.json());
  } catch {
    return t('error.http', { status: res.status });
  }
}

export type FieldValue = number | boolean | string;

export interface Device {
  id: string;
  template: string;
  room: string | null;
  building: string | null;
  status: 'online' | 'offline' | 'never';
  last_seen: string | null;
  last_error: string | null;
  latest?: { ts: string; fields: Record<string, FieldValue> } | null;
}

export interface Me {
  role: 'facilities' | 'teacher' | 'district' | 'admin';
  name: string;
  authenticated: boolean;
  site?: { id: string; name: string; timezone?: string };
}

export interface Health {
  status: 'ok' | 'degraded';
  site?: { id: string; name: string; timezone?: string };
  devices?: Record<string, number>;
  api?: { auth: 'tokens' | 'open' };
  broker?: { auth?: string };
  /** The config says `insecure: true`: a banner on every page. */
  insecure?: boolean;
  warnings?: string[];
}
