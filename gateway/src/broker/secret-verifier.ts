/**
 * scrypt verification with two guards for a campus-sized login storm:
 * - at most `maxConcurrent` scrypt runs at a time (each takes ~16 MiB and, on a
 *   small gateway, a quarter of a second), with a bounded wait queue; beyond it
 *   the login is refused as `busy` (CONNACK 0x03, server unavailable) instead of
 *   starving libuv's thread pool or memory;
 * - a successful verification is remembered per user as an HMAC (random key per
 *   process, never stored) of the secret, so a device reconnecting after a
 *   network blip is checked in microseconds. A wrong secret always costs scrypt.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { verifySecret } from './secrets.js';

export type VerifyResult = 'ok' | 'bad' | 'busy';

export interface SecretVerifier {
  verify(user: string, secret: Buffer, stored: string | undefined): Promise<VerifyResult>;
  /** Whether `secret` is the user's remembered verified secret (microseconds, no scrypt). */
  remembered(user: string, secret: Buffer, stored: string): boolean;
  /** Forgets the remembered secret of a user (credentials changed or removed). */
  forget(user: string): void;
  stats(): { scryptRuns: number; cacheHits: number; busyRefusals: number };
}

export interface SecretVerifierOptions {
  maxConcurrent?: number;
  maxQueued?: number;
  cacheSize?: number;
}

export function createSecretVerifier(options: SecretVerifierOptions = {}): SecretVerifier {
  const maxConcurrent = options.maxConcurrent ?? 2;
  const maxQueued = options.maxQueued ?? 256;
  const cacheSize = options.cacheSize ?? 10_000;
  const key = randomBytes(32);
  const cache = new Map<string, { stored: string; mac: Buffer }>();
  const waiting: Array<() => void> = [];
  let running = 0;
  const counters = { scryptRuns: 0, cacheHits: 0, busyRefusals: 0 };

  const macOf = (stored: string, secret: Buffer) => createHmac('sha256', key).update(stored).update('\0').update(secret).digest();

  async function slot(): Promise<boolean> {
    if (running < maxConcurrent) {
      running += 1;
      return true;
    }
    if (waiting.length >= maxQueued) return false;
    await new Promise<void>((resolve) => waiting.push(resolve));
    return true; // the releasing run handed its slot over
  }

  function release(): void {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }

  function remembered(user: string, secret: Buffer, stored: string): boolean {
    const hit = cache.get(user);
    if (!hit || hit.stored !== stored || !timingSafeEqual(hit.mac, macOf(stored, secret))) return false;
    counters.cacheHits += 1;
    cache.delete(user);
    cache.set(user, hit);
    return true;
  }

  return {
    remembered,
    async verify(user, secret, stored) {
      if (stored !== undefined && remembered(user, secret, stored)) return 'ok';
      if (!(await slot())) {
        counters.busyRefusals += 1;
        return 'busy';
      }
      let ok: boolean;
      try {
        counters.scryptRuns += 1;
        ok = await verifySecret(secret, stored);
      } finally {
        release();
      }
      if (ok && stored !== undefined) {
        cache.delete(user);
        cache.set(user, { stored, mac: macOf(stored, secret) });
        while (cache.size > cacheSize) {
          const oldest = cache.keys().next().value;
          if (oldest === undefined) break;
          cache.delete(oldest);
        }
      }
      return ok ? 'ok' : 'bad';
    },
    forget: (user) => void cache.delete(user),
    stats: () => ({ ...counters }),
  };
}
