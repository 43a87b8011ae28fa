/**
 * Bearer tokens for the HTTP API are configured hashed (`http.tokens[].tokenHash`),
 * never in clear. Two formats:
 * - `scrypt$<N>$<r>$<p>$<salt base64url>$<hash base64url>` (the default; salted, slow): the
 *   shared format of `lib/secret-hash.ts`, parsed and verified there;
 * - `sha256$<hex>`: only for long random tokens (≥ 128 bits of entropy), where a
 *   fast hash is enough.
 * Verification compares in constant time. The scrypt format is the same as the
 * broker's device secrets, so `campus-gateway devices hash-secret` makes a tokenHash.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashSecretSync, matchesSecretHash, parseSecretHash } from '../lib/secret-hash.js';
import { gwError } from '../errors.js';

/** A scrypt tokenHash (blocking: the CLI and test fixtures). */
export function hashToken(token: string, opts: { salt?: Buffer } = {}): string {
  return hashSecretSync(token, opts);
}

export function sha256Token(token: string): string {
  return `sha256$${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/** A new random bearer token (192 bits, base64url). */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * A new token for the `http.tokens` entry named `name`: the client sends
 * `<name>.<secret>` (so the gateway runs at most one scrypt to check it), the
 * config holds the hash of the secret alone.
 */
export function issueToken(name: string): { token: string; tokenHash: string } {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw gwError('GW_ERR_TOKEN_NAME', `a token name is letters, digits, - and _ (got "${name.slice(0, 32)}")`);
  const secret = generateToken();
  return { token: `${name}.${secret}`, tokenHash: hashToken(secret) };
}

/** Throws on a malformed hash, so bad config fails at start-up, not at the first request. */
export function assertTokenHash(stored: string): void {
  const parts = stored.split('$');
  if (parts[0] === 'sha256' && parts.length === 2 && /^[0-9a-f]{64}$/.test(parts[1]!)) return;
  if (parseSecretHash(stored) !== undefined) return;
  // Not even a prefix of the value: a mistyped hash is often the token itself.
  throw gwError('GW_ERR_TOKEN_HASH', 'http.tokens[].tokenHash must be "scrypt$N$r$p$salt$hash" or "sha256$<64 hex>" (the value is not shown)');
}

/** Verifies a token against a stored hash; scrypt runs on libuv's thread pool, not the event loop. */
export async function verifyToken(token: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts[0] === 'sha256' && parts.length === 2 && /^[0-9a-f]{64}$/.test(parts[1]!)) {
    return timingSafeEqual(Buffer.from(parts[1]!, 'hex'), createHash('sha256').update(token, 'utf8').digest());
  }
  // A malformed scrypt hash never verifies (an empty one used to match every token).
  const parsed = parseSecretHash(stored);
  return parsed !== undefined && matchesSecretHash(token, parsed);
}
