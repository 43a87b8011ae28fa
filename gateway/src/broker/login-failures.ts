/**
 * Failed logins per client address, and the lockout they lead to.
 *
 * - A login takes a slot (`begin`) *before* its secret is checked: the slot counts as a
 *   possible failure, so at most `maxFailures` logins per address are checked at a time.
 *   The next ones wait (`waitForSlot`, at most `maxWaiting` per address, beyond that they
 *   are refused as `throttled`) and, once the ones in flight have failed, find the address
 *   locked out without running scrypt. Before, 300 simultaneous wrong secrets from one
 *   address were all checked before the first failure was recorded (262 of them ran
 *   scrypt, and a real first login waited 10.9 s). Legitimate logins from one address
 *   (a building behind NAT after a restart) only wait their turn: scrypt runs two at a
 *   time for the whole gateway anyway.
 * - Failures are counted per address and, within it, per username. A successful login
 *   forgets only its own username's failures at that address: one good login every
 *   fourth attempt used to reset the whole address, so guessing never locked out.
 * - `maxFailures` failures lock the address out for `lockoutMs`; failures older than
 *   that window are forgotten. The table is bounded (least recently used forgotten first).
 *
 * Usernames that are no known device or user share one key (`UNKNOWN_USER`): no
 * success can come from them, and a 64 KiB username is never kept.
 */

export const UNKNOWN_USER = '\u0000unknown';

export type SlotResult = 'ok' | 'locked_out' | 'throttled';
export type LoginOutcome = 'ok' | 'bad' | 'not_checked';

export interface LoginFailures {
  /** Takes a slot for a login about to be checked (release it with `end`). */
  begin(address: string): SlotResult;
  /** Resolves true when a slot of `address` was released (try `begin` again), false at once when too many wait. */
  waitForSlot(address: string): Promise<boolean>;
  end(address: string, userKey: string, outcome: LoginOutcome): void;
  isLockedOut(address: string): boolean;
  /** Forgets `userKey`'s failures at `address` (a login that needed no slot succeeded). */
  succeeded(address: string, userKey: string): void;
  stats(): { lockouts: number; lockedAddresses: number; trackedAddresses: number };
}

interface Entry {
  byUser: Map<string, number>;
  total: number;
  inFlight: number;
  lockedUntil: number;
  lastAt: number;
}

export function createLoginFailures(
  options: { maxFailures: number; lockoutMs: number; maxTracked: number; maxWaiting?: number },
  now: () => number,
): LoginFailures {
  const entries = new Map<string, Entry>();
  const waiting = new Map<string, Array<(slotFreed: boolean) => void>>();
  const maxWaiting = options.maxWaiting ?? 64;
  let lockouts = 0;

  function wake(address: string): void {
    const waiters = waiting.get(address);
    if (!waiters) return;
    waiting.delete(address);
    for (const w of waiters) w(true);
  }

  function clearFailures(e: Entry): void {
    e.byUser.clear();
    e.total = 0;
    e.lockedUntil = 0;
  }

  function dropIfEmpty(address: string, e: Entry): void {
    if (e.total === 0 && e.inFlight === 0 && e.lockedUntil === 0) entries.delete(address);
  }

  /** The live entry of an address, after forgetting an expired lockout or stale failures. */
  function entryFor(address: string): Entry | undefined {
    const e = entries.get(address);
    if (!e) return undefined;
    const t = now();
    if ((e.lockedUntil !== 0 && e.lockedUntil <= t) || (e.lockedUntil === 0 && e.total > 0 && t - e.lastAt > options.lockoutMs)) {
      clearFailures(e);
      dropIfEmpty(address, e);
      return entries.get(address);
    }
    return e;
  }

  /** Moves the entry to the most recent end (Map order = least recently used first) and bounds the table. */
  function touch(address: string, e: Entry): void {
    entries.delete(address);
    entries.set(address, e);
    while (entries.size > options.maxTracked) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      entries.delete(oldest);
    }
  }

  function forget(address: string, e: Entry, userKey: string): void {
    const n = e.byUser.get(userKey);
    if (n === undefined) return;
    e.byUser.delete(userKey);
    e.total -= n;
  }

  return {
    begin(address) {
      const e = entryFor(address);
      if (e && e.lockedUntil > now()) return 'locked_out';
      if (e && e.total + e.inFlight >= options.maxFailures) return 'throttled';
      const entry = e ?? { byUser: new Map(), total: 0, inFlight: 0, lockedUntil: 0, lastAt: 0 };
      entry.inFlight += 1;
      touch(address, entry);
      return 'ok';
    },
    waitForSlot(address) {
      const waiters = waiting.get(address) ?? [];
      if (waiters.length >= maxWaiting) return Promise.resolve(false);
      waiting.set(address, waiters);
      return new Promise((resolve) => waiters.push(resolve));
    },
    end(address, userKey, outcome) {
      const e = entryFor(address);
      if (e) e.inFlight = Math.max(0, e.inFlight - 1);
      // after the outcome below is recorded, so the waiters see the lockout it may cause
      queueMicrotask(() => wake(address));
      if (outcome === 'ok') {
        if (e) {
          forget(address, e, userKey);
          dropIfEmpty(address, e);
        }
        return;
      }
      if (outcome === 'not_checked') {
        if (e) dropIfEmpty(address, e);
        return;
      }
      const entry = e ?? { byUser: new Map(), total: 0, inFlight: 0, lockedUntil: 0, lastAt: 0 };
      entry.byUser.set(userKey, (entry.byUser.get(userKey) ?? 0) + 1);
      entry.total += 1;
      entry.lastAt = now();
      if (entry.total >= options.maxFailures && entry.lockedUntil === 0) {
        entry.lockedUntil = now() + options.lockoutMs;
        lockouts += 1;
      }
      touch(address, entry);
    },
    isLockedOut(address) {
      const e = entryFor(address);
      return e !== undefined && e.lockedUntil > now();
    },
    succeeded(address, userKey) {
      const e = entryFor(address);
      if (!e) return;
      forget(address, e, userKey);
      dropIfEmpty(address, e);
    },
    stats() {
      const t = now();
      let locked = 0;
      for (const e of entries.values()) if (e.lockedUntil > t) locked += 1;
      return { lockouts, lockedAddresses: locked, trackedAddresses: entries.size };
    },
  };
}
