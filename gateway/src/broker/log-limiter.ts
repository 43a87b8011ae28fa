/**
 * Rate-limited warnings, so a client cannot turn the gateway's log into a disk filler:
 * - at most one line per key per interval, with a count of the ones suppressed since.
 *   Keys name a source address or a verified identity (device, internal user), never a
 *   client id, which a client chooses freely on every connect;
 * - at most `maxLinesPerInterval` lines per interval over all keys, so many addresses (or
 *   keys evicted from the bounded table) still cannot add up to more; the lines dropped
 *   are counted and reported on the next line that gets through;
 * - every string a line quotes from a client (topic, username, client id) goes through
 *   `quote`, which cuts it to a bounded length.
 */
import type { Logger } from 'pino';

export type WarnLimited = (key: string, obj: object, msg: string) => void;

export interface LogLimiterOptions {
  intervalMs: number;
  /** Keys remembered (least recently logged forgotten first). */
  maxKeys?: number;
  /** Lines over all keys per interval. */
  maxLinesPerInterval?: number;
  now?: () => number;
}

/** Characters of a client-supplied string a log line may quote. */
export const MAX_QUOTED_CHARS = 128;

/** `s` cut to `max` characters, marking how much was cut (a 60 KB topic stays a short line). */
export function quote(s: string | undefined, max = MAX_QUOTED_CHARS): string | undefined {
  if (s === undefined || s.length <= max) return s;
  return `${s.slice(0, max)}…(+${s.length - max} chars)`;
}

export function createLogLimiter(log: Logger, options: LogLimiterOptions): WarnLimited {
  const { intervalMs, maxKeys = 1_000, maxLinesPerInterval = 100, now = Date.now } = options;
  const last = new Map<string, { at: number; suppressed: number }>();
  let windowStart = -Infinity;
  let linesInWindow = 0;
  let droppedOverall = 0;
  return (key, obj, msg) => {
    const t = now();
    const entry = last.get(key);
    if (entry && t - entry.at < intervalMs) {
      entry.suppressed += 1;
      return;
    }
    if (t - windowStart >= intervalMs) {
      windowStart = t;
      linesInWindow = 0;
    }
    if (linesInWindow >= maxLinesPerInterval) {
      droppedOverall += 1;
      return;
    }
    linesInWindow += 1;
    last.delete(key);
    last.set(key, { at: t, suppressed: 0 });
    while (last.size > maxKeys) {
      const oldest = last.keys().next().value;
      if (oldest === undefined) break;
      last.delete(oldest);
    }
    const extra: Record<string, number> = {};
    if (entry?.suppressed) extra.suppressed = entry.suppressed;
    if (droppedOverall > 0) {
      extra.warnings_dropped = droppedOverall;
      droppedOverall = 0;
    }
    log.warn({ ...obj, ...extra }, msg);
  };
}
