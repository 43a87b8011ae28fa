/**
 * Rate-limited warnings: at most one per key per interval, with a count of the
 * ones suppressed since. The key table is bounded (oldest forgotten first).
 */
import type { Logger } from 'pino';

export type WarnLimited = (key: string, obj: object, msg: string) => void;

export function createLogLimiter(log: Logger, intervalMs: number, maxKeys = 1_000, now: () => number = Date.now): WarnLimited {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key, obj, msg) => {
    const t = now();
    const entry = last.get(key);
    if (entry && t - entry.at < intervalMs) {
      entry.suppressed += 1;
      return;
    }
    last.delete(key);
    last.set(key, { at: t, suppressed: 0 });
    while (last.size > maxKeys) {
      const oldest = last.keys().next().value;
      if (oldest === undefined) break;
      last.delete(oldest);
    }
    log.warn({ ...obj, ...(entry?.suppressed ? { suppressed: entry.suppressed } : {}) }, msg);
  };
}
