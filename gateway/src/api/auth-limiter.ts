/**
 * Failed-token limits per source address. Every bearer token that matches no
 * configured token costs the gateway a hash (an scrypt run, ~50 ms of a core), so
 * an address that fails `maxFailures` times in `windowMs` is answered 429 with
 * Retry-After until its window ends, before any verification runs.
 *
 * The allowance is in scrypt runs: each run is paid for before it starts
 * (`take`), so concurrent requests from one address share it and the scrypt work
 * one address can cause per window is at most `maxFailures`, whatever the number
 * of configured tokens. A failure that ran no scrypt (a wrong `sha256$` token, a
 * wrong secret for an entry already seen) takes one unit too. A request that
 * succeeds gets back only what it paid (`refund`): a holder of one valid token
 * gets no extra guesses at the others.
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
  /** Takes one unit of `address`'s allowance; false (nothing taken) when none is left. */
  take(address: string): boolean;
  /** Gives back `units` taken by a request that turned out to hold a valid token. */
  refund(address: string, units: number): void;
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

export interface AuthLimiterDeps {
  now?: () => number;
  /** Called once when an address uses up its allowance (to log it). */
  onBlock?: (key: string) => void;
}

export function createAuthLimiter(options: AuthLimiterOptions = {}, deps: AuthLimiterDeps = {}): AuthLimiter {
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
    take(address) {
      const t = now();
      const key = addressKey(address);
      let e = live(key, t);
      if (e && e.failures >= maxFailures) return false;
      if (!e) {
        makeRoom(t);
        e = { failures: 0, resetAt: t + windowMs };
        entries.set(key, e);
      }
      e.failures++;
      if (e.failures === maxFailures) deps.onBlock?.(key);
      return true;
    },
    refund(address, units) {
      const e = live(addressKey(address), now());
      if (e) e.failures = Math.max(0, e.failures - units);
    },
    stats() {
      const t = now();
      let blocked = 0;
      for (const e of entries.values()) if (t < e.resetAt && e.failures >= maxFailures) blocked++;
      return { addresses: entries.size, blocked };
    },
  };
}
