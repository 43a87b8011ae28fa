/**
 * Reading InfluxDB's answers to a write: which class of failure, and for a 400 which lines
 * were refused and why.
 *
 * 1.x (httpd/handler.go serveWrite): lines that fail to parse are reported one per text line
 * as `unable to parse '<line>': <reason>`; when some points parsed, they are written and the
 * message starts with `partial write: `. Points refused by the engine are only counted:
 * `partial write: field type conflict: input field "f" on measurement "m" is type float,
 * already exists as type integer dropped=N` (or `points beyond retention policy dropped=N`).
 * 2.x returns `{"code":"invalid","message":"..."}` with the same parser texts; 3.x returns
 * `{"error":"partial write of line protocol occurred","data":[{"original_line":..,"error_message":..}]}`.
 */
export type WriteOutcome =
  | { kind: 'ok' }
  | { kind: 'bad-request'; text: string }
  | { kind: 'too-large' }
  | { kind: 'retry'; reason: string; retryAfterMs?: number };

export interface BadRequestDetail {
  /** The server wrote the lines it did not name (a partial write). */
  partial: boolean;
  /** Refused lines, exactly as sent, with the server's reason. */
  lines: Map<string, string>;
  /** Points the server dropped without naming them (type conflicts, retention). */
  dropped: { reason: string; count: number }[];
  message: string;
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const s = Number(value);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export function classifyStatus(status: number, body: string, retryAfter: string | null): WriteOutcome {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 400) return { kind: 'bad-request', text: body };
  if (status === 413) return { kind: 'too-large' };
  const retryAfterMs = parseRetryAfter(retryAfter);
  // 401/403/404 (database not found) and every 5xx or 429: the data stays spooled and is
  // retried; dropping it would lose readings over a fixable server-side condition.
  return { kind: 'retry', reason: `http_${status}: ${messageOf(body).slice(0, 200)}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

export function messageOf(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON: plain text
  }
  return body.trim();
}

/** A short, low-cardinality reason for counters: the server's words without names or values. */
export function shortReason(reason: string): string {
  return `influx_rejected: ${reason.replace(/"[^"]*"/g, '""').replace(/\s*dropped=\d+/, '').replace(/\d+/g, 'N').trim().slice(0, 80)}`;
}

export function parseBadRequest(body: string): BadRequestDetail {
  const message = messageOf(body);
  const lines = new Map<string, string>();
  const dropped: { reason: string; count: number }[] = [];
  try {
    const j = JSON.parse(body) as { data?: { original_line?: unknown; error_message?: unknown }[] };
    for (const d of Array.isArray(j.data) ? j.data : []) {
      if (typeof d.original_line === 'string') lines.set(d.original_line, String(d.error_message ?? 'rejected'));
    }
  } catch {
    // not JSON
  }
  for (const text of message.split('\n')) {
    const m = /unable to parse '(.*)': (.*)$/.exec(text);
    if (m?.[1] !== undefined) {
      // 1.x appends " dropped=0" to the last parse error; it is not a count of engine drops.
      lines.set(m[1], (m[2] ?? 'unable to parse').replace(/\s*dropped=\d+\s*$/, ''));
      continue;
    }
    const d = /^(?:partial write: )?(.*?)\s*dropped=(\d+)\s*$/.exec(text);
    if (d?.[1] !== undefined && d[2] !== undefined && Number(d[2]) > 0) dropped.push({ reason: d[1].split(':').slice(0, 1).join(':'), count: Number(d[2]) });
  }
  const partial = /partial write/i.test(message);
  return { partial, lines, dropped, message };
}
