/**
 * Whether InfluxDB is taking writes, and when to try again: the influx store spools while it is
 * down and replays once `retryInMs()` reaches 0. Capped exponential backoff with jitter, stretched
 * to the server's Retry-After (itself capped, so a bad header cannot park the store). Split out of
 * influx-store.ts, which keeps batching, delivery and the spool.
 */
import type { Logger } from 'pino';
import { backoffDelay } from '../lib/backoff.js';

export interface InfluxOutageOptions {
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface InfluxOutage {
  readonly down: boolean;
  readonly lastError: string | undefined;
  /** Milliseconds until the next attempt (≤ 0: now). A wait longer than any backoff means the clock stepped back: it is cut to one. */
  retryInMs(): number;
  /** A write or check failed: down, with the next attempt after the backoff. */
  markDown(reason: string, retryAfterMs?: number): void;
  /** Down from the start (InfluxDB did not answer): first retry after the base delay. */
  startDown(reason: string): void;
  markUp(): void;
  /** An error that is not an outage (e.g. an unreadable spool segment), shown on health. */
  noteError(reason: string): void;
}

export function createInfluxOutage(options: InfluxOutageOptions, deps: { log: Logger; now: () => number; random: () => number }): InfluxOutage {
  const { retryBaseMs, retryMaxMs } = options;
  const { log, now, random } = deps;
  let down = false;
  let failures = 0;
  let nextAttemptAt = 0;
  let lastError: string | undefined;
  return {
    get down() { return down; },
    get lastError() { return lastError; },
    retryInMs() {
      if (nextAttemptAt - now() > 10 * retryMaxMs) nextAttemptAt = now() + retryMaxMs;
      return nextAttemptAt - now();
    },
    markDown(reason, retryAfterMs) {
      failures++;
      const jittered = backoffDelay(failures, { baseMs: retryBaseMs, capMs: retryMaxMs, jitter: 'equal', random });
      nextAttemptAt = now() + Math.max(jittered, Math.min(retryAfterMs ?? 0, 10 * retryMaxMs));
      if (!down || failures % 10 === 0) log.warn({ reason, failures, retry_in_ms: nextAttemptAt - now() }, 'InfluxDB write failed; spooling');
      down = true;
      lastError = reason;
    },
    startDown(reason) {
      down = true;
      lastError = `unreachable at start: ${reason}`;
      nextAttemptAt = now() + retryBaseMs;
    },
    markUp() {
      if (down) log.info({ after_failures: failures }, 'InfluxDB writes again');
      down = false;
      failures = 0;
    },
    noteError(reason) {
      lastError = reason;
    },
  };
}

/** A sleep that `wake()` ends at once (one sleeper at a time: the replay loop). */
export function createWakeableSleep(): { sleep(ms: number): Promise<void>; wake(): void } {
  let wakeUp: (() => void) | undefined;
  return {
    sleep: (ms) => new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    }),
    wake: () => wakeUp?.(),
  };
}
