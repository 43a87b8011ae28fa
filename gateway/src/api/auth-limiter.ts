/**
 * Failed-token limits per source address. Every bearer token that matches no
 * configured token costs the gateway a hash (an scrypt run, ~50 ms of a core), so
 * an address that fails `maxFailures` times in `windowMs` is answered 429 with
 * Retry-After until its window ends, before any verification runs.
 *
 * A failure counts the scrypt runs it cost (at least one), so the scrypt work one
 * address can cause per window is bounded by `maxFailures`, whatever the number
 * of configured tokens. A later success does not reset the count: a holder of one
 * valid token gets no extra guesses at the others.
 *
 * IPv6 addresses count per /64 (one host usually owns a whole /64); IPv4-mapped
 * IPv6 counts as the IPv4 address. Memory is bounded by `maxAddresses`: expired
 * entries go first, then the oldest.
 */

export interface AuthLimiterOptions {
  /** Failed scrypt runs (or failed cheap checks) allowed per address and window. Default 10. */
  maxFailures?: number;
  /** Default 60 s. */
  windowMs?: number;
  /** Addresses remembered at once. Default 10,000. */
  maxAddresses?: number;
}

export interface AuthLimiter {
  /** Milliseconds until `address` may try a token again; 0 when it may now. */
  blockedFor(address: string): number;
  /** What `address` may still spend in this window (failed runs). */
  remaining(address: string): number;
  /** Records a failed token from `address` that cost `cost` scrypt runs (at least 1 counts). Returns true when this failure blocked the address. */
  fail(address: string, cost: number): boolean;
  stats(): { addresses: number; blocked: number };
}

interface Entry {
  failures: number;
  resetAt: number;
}

/** One key per client: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 by its /64. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export function createAuthLimiter(options: AuthLimiterOptions = {}, deps: { now?: () => number } = {}): AuthLimiter {
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 60_000;
  const maxAddresses = options.maxAddresses ?? 10_000;
  const now = deps.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const live = (key: string, t: number): Entry | undefined => {
    const e = entries.get(key);
    if (e && t >= e.resetAt) {
      entries.delete(key);
      return undefined;
    }
    return e;
  };

  const makeRoom = (t: number) => {
    if (entries.size < maxAddresses) return;
    for (const [k, e] of entries) if (t >= e.resetAt) entries.delete(k);
    // Still full: forget the oldest address (insertion order is first-failure order).
    while (entries.size >= maxAddresses) entries.delete(entries.keys().next().value!);
  };

  return {
    blockedFor(address) {
      const t = now();
      const e = live(addressKey(address), t);
      return e && e.failures >= maxFailures ? e.resetAt - t : 0;
    },
    remaining(address) {
      const e = live(addressKey(address), now());
      return Math.max(0, maxFailures - (e?.failures ?? 0));
    },
    fail(address, cost) {
      const t = now();
      const key = addressKey(address);
      let e = live(key, t);
      if (!e) {
        makeRoom(t);
        e = { failures: 0, resetAt: t + windowMs };
        entries.set(key, e);
      }
      const before = e.failures;
      e.failures += Math.max(1, cost);
      return before < maxFailures && e.failures >= maxFailures;
    },
    stats() {
      const t = now();
      let blocked = 0;
      for (const e of entries.values()) if (t < e.resetAt && e.failures >= maxFailures) blocked++;
      return { addresses: entries.size, blocked };
    },
  };
}
