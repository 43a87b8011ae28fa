/**
 * Delivers one batch and settles InfluxDB's client errors line by line:
 * - 400 naming lines (`unable to parse '<line>': …`, 3.x `original_line`): only those lines
 *   are dropped, each counted with its reason; if the server wrote nothing (no "partial
 *   write"), the remaining lines are sent again.
 * - 400 counting engine drops (`… dropped=N`): those N are counted; the rest was written.
 * - 400 naming nothing: the batch is bisected until the bad line is alone, then dropped.
 * - 413: the batch is halved and each half delivered.
 * Re-sending lines the server may already hold is safe: the same series and timestamp overwrite.
 * Network errors, 5xx, 429 and the like come back as `retry` for the caller to spool.
 */
import { parseBadRequest, shortReason, type WriteOutcome } from '../lib/influx/errors.js';

export type DeliverResult =
  | { kind: 'ok'; written: number }
  | { kind: 'retry'; reason: string; retryAfterMs?: number };

export interface DeliverDeps {
  /** POSTs a body, gzip-compressed or not. */
  post(body: Buffer, gzipped: boolean): Promise<WriteOutcome>;
  /** Makes a body from text (compressing it when the store sends gzip). */
  encode(text: string): Promise<{ body: Buffer; gzipped: boolean }>;
  /** Counts `count` lines dropped for `reason`; `line` is one example for the log. */
  drop(reason: string, count: number, line?: string): void;
}

export async function deliver(body: Buffer, gzipped: boolean, lineCount: number, getLines: () => Promise<string[]>, d: DeliverDeps): Promise<DeliverResult> {
  const out = await d.post(body, gzipped);
  switch (out.kind) {
    case 'ok':
      return { kind: 'ok', written: lineCount };
    case 'retry':
      return out;
    case 'too-large': {
      const lines = await getLines();
      if (lines.length <= 1) {
        d.drop('influx_rejected: request entity too large', lines.length, lines[0]);
        return { kind: 'ok', written: 0 };
      }
      return halves(lines, d);
    }
    case 'bad-request':
      return settleBadRequest(await getLines(), out.text, d);
  }
}

export async function deliverLines(lines: string[], d: DeliverDeps): Promise<DeliverResult> {
  if (lines.length === 0) return { kind: 'ok', written: 0 };
  const { body, gzipped } = await d.encode(lines.join('\n'));
  return deliver(body, gzipped, lines.length, () => Promise.resolve(lines), d);
}

async function halves(lines: string[], d: DeliverDeps): Promise<DeliverResult> {
  const mid = Math.ceil(lines.length / 2);
  let written = 0;
  for (const part of [lines.slice(0, mid), lines.slice(mid)]) {
    const r = await deliverLines(part, d);
    if (r.kind === 'retry') return r;
    written += r.written;
  }
  return { kind: 'ok', written };
}

async function settleBadRequest(lines: string[], text: string, d: DeliverDeps): Promise<DeliverResult> {
  const detail = parseBadRequest(text);
  if (detail.lines.size > 0) {
    const rest: string[] = [];
    let bad = 0;
    for (const line of lines) {
      const reason = detail.lines.get(line);
      if (reason === undefined) rest.push(line);
      else {
        d.drop(shortReason(reason), 1, line);
        bad++;
      }
    }
    if (bad > 0) {
      if (detail.partial) return { kind: 'ok', written: rest.length };
      return deliverLines(rest, d);
    }
  }
  if (detail.dropped.length > 0) {
    let n = 0;
    for (const x of detail.dropped) {
      d.drop(shortReason(x.reason), x.count);
      n += x.count;
    }
    return { kind: 'ok', written: Math.max(0, lines.length - n) };
  }
  if (lines.length <= 1) {
    d.drop(shortReason(detail.message), lines.length, lines[0]);
    return { kind: 'ok', written: 0 };
  }
  return halves(lines, d);
}
