/**
 * Resolves a bearer token to a configured `http.tokens` entry with bounded cost.
 *
 * - `sha256$` entries and tokens already verified since start are found by the
 *   token's SHA-256 in a map: no scrypt.
 * - `<name>.<secret>` (the entry's `name`, a dot, the secret its tokenHash was made
 *   from) names its entry: at most ONE scrypt run, and none once that entry's
 *   secret has been seen (a wrong secret then differs from the remembered hash).
 * - A bare secret (the format before names were used as a prefix) is tried against
 *   the scrypt entries whose secret has not been seen yet, each run first paid for
 *   through `spend` (the caller's failure allowance for the address); its success
 *   is remembered.
 *
 * scrypt runs on libuv's pool, `maxConcurrentHashes` at a time; past
 * `maxQueuedHashes` waiting, a request is refused (GW_ERR_AUTH_BUSY) rather than
 * queued behind an attacker's tokens. Only successes are remembered (at most two
 * keys per entry), so no stream of bad tokens can evict a good one.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal, Role, TokenConfig } from './auth.js';
import { apiErrors } from './errors.js';
import { assertTokenHash, verifyToken } from './token-hash.js';
import { gwError } from '../errors.js';

export interface AuthenticatorOptions {
  /** scrypt verifications running at once. Default 1 (one core of a two-core gateway). */
  maxConcurrentHashes?: number;
  /** Requests waiting for a verification slot before new ones get 503. Default 16. */
  maxQueuedHashes?: number;
}

export interface AuthenticatorDeps {
  /** Verifies a secret against a stored hash (token-hash.ts); injected by tests to count scrypt runs. */
  verify?: (secret: string, stored: string) => Promise<boolean>;
}

export interface Resolution {
  principal: Principal | undefined;
  /** scrypt runs this resolution cost. */
  cost: number;
  /** True when the budget ran out before every candidate entry was tried. */
  incomplete: boolean;
}

export interface Authenticator {
  readonly enabled: boolean;
  /**
   * Resolves a bearer token. `spend` is asked before each scrypt run (the caller's
   * failure allowance, shared by concurrent requests); when it says no, the
   * resolution stops `incomplete`.
   */
  resolve(token: string, spend?: () => boolean): Promise<Resolution>;
}

/** Longer than any token we generate or document; refused without hashing. */
export const MAX_TOKEN_LENGTH = 512;

interface Entry {
  principal: Principal;
  tokenHash: string;
  /** The SHA-256 (hex) of this entry's secret, once seen (or configured, for `sha256$`). */
  known?: string;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));

function createGate(max: number, queueMax: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running < max) running++;
    else if (waiting.length >= queueMax) throw apiErrors.authBusy();
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      // Hand the slot to the next waiter, or free it.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

export function createAuthenticator(tokens: readonly TokenConfig[] | undefined, options: AuthenticatorOptions = {}, deps: AuthenticatorDeps = {}): Authenticator {
  const verify = deps.verify ?? verifyToken;
  const gate = createGate(options.maxConcurrentHashes ?? 1, options.maxQueuedHashes ?? 16);
  const entries: Entry[] = (tokens ?? []).map((t, i) => {
    assertTokenHash(t.tokenHash);
    const principal = { role: t.role as Role, name: t.name ?? `${t.role}#${i}`, authenticated: true };
    return { principal, tokenHash: t.tokenHash, ...(t.tokenHash.startsWith('sha256$') ? { known: t.tokenHash.slice('sha256$'.length) } : {}) };
  });
  const byName = new Map<string, Entry>();
  for (const [i, t] of (tokens ?? []).entries()) {
    if (t.name === undefined) continue;
    if (byName.has(t.name)) throw gwError('GW_ERR_TOKEN_NAME', `http.tokens[${i}].name "${t.name}" is used twice; a name picks one token`);
    byName.set(t.name, entries[i]!);
  }
  // SHA-256 of every secret seen (and of every presented form of it) → its entry.
  const known = new Map<string, Entry>();
  for (const e of entries) if (e.known) known.set(e.known, e);

  const learn = (e: Entry, secretKey: string, tokenKey: string) => {
    e.known = secretKey;
    known.set(secretKey, e);
    known.set(tokenKey, e);
  };

  /** The entry a `<name>.<secret>` token names (the longest matching name), with the secret. */
  const named = (token: string): { entry: Entry; secret: string } | undefined => {
    let best: { entry: Entry; name: string } | undefined;
    for (const [name, entry] of byName) {
      if (token.length > name.length + 1 && token.startsWith(`${name}.`) && name.length > (best?.name.length ?? -1)) best = { entry, name };
    }
    return best && { entry: best.entry, secret: token.slice(best.name.length + 1) };
  };

  return {
    enabled: entries.length > 0,
    async resolve(token, spend = () => true) {
      const miss = (cost: number, incomplete = false): Resolution => ({ principal: undefined, cost, incomplete });
      if (token.length > MAX_TOKEN_LENGTH) return miss(0);
      const tokenKey = sha256(token);
      const hit = known.get(tokenKey);
      if (hit) return { principal: hit.principal, cost: 0, incomplete: false };

      const pick = named(token);
      if (pick) {
        const secretKey = sha256(pick.secret);
        const { entry } = pick;
        if (entry.known !== undefined) {
          if (!sameHex(entry.known, secretKey)) return miss(0);
          known.set(tokenKey, entry);
          return { principal: entry.principal, cost: 0, incomplete: false };
        }
        if (!spend()) return miss(0, true);
        if (!(await gate(() => verify(pick.secret, entry.tokenHash)))) return miss(1);
        learn(entry, secretKey, tokenKey);
        return { principal: entry.principal, cost: 1, incomplete: false };
      }

      // A bare secret: only the scrypt entries whose secret is still unknown can match it.
      let cost = 0;
      for (const entry of entries) {
        if (entry.known !== undefined) continue;
        if (!spend()) return miss(cost, true);
        cost++;
        if (await gate(() => verify(token, entry.tokenHash))) {
          learn(entry, tokenKey, tokenKey);
          return { principal: entry.principal, cost, incomplete: false };
        }
      }
      return miss(cost);
    },
  };
}
