/**
 * The one format for stored secrets: device and user secrets of the broker
 * (`secretHash`) and bearer tokens of the HTTP API (`tokenHash`):
 * `scrypt$N$r$p$<salt base64url>$<hash base64url>`.
 *
 * Parsing is strict and bounded, so a hash in a config either verifies a secret or is refused
 * at start-up: N a power of two in [2, 2^20], r in [1, 32], p in [1, 16] (a larger cost would let
 * one login take seconds and a gigabyte), a salt of ≥ 8 bytes and a hash of ≥ 16 bytes (an empty
 * hash would compare equal to an empty key: every secret would verify). Verification runs scrypt
 * on libuv's thread pool and compares in constant time (timingSafeEqual).
 */
import { randomBytes, scrypt as scryptCb, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { gwError } from '../errors.js';

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

export const SCRYPT_DEFAULTS: ScryptCost = { N: 16_384, r: 8, p: 1 };
export const KEY_BYTES = 32;
export const SALT_BYTES = 16;

export interface ParsedHash extends ScryptCost {
  salt: Buffer;
  hash: Buffer;
}

/** Enough for scrypt's 128·N·r bytes with room, so Node's 32 MiB default cannot refuse a valid cost. */
function maxmemFor(N: number, r: number): number {
  return 128 * N * r * 2 + 1024 * 1024;
}

function scrypt(secret: string, salt: Buffer, length: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(secret, salt, length, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Parses a stored hash; undefined when it is not a valid scrypt hash string (the value is never echoed). */
export function parseSecretHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (!Number.isInteger(N) || N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 20) return undefined;
  if (!Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const hash = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || hash.length < 16) return undefined;
  return { N, r, p, salt, hash };
}

export function isSecretHash(stored: string): boolean {
  return parseSecretHash(stored) !== undefined;
}

function format(cost: ScryptCost, salt: Buffer, key: Buffer): string {
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function refuseEmpty(secret: string): void {
  if (secret.length === 0) throw gwError('GW_ERR_EMPTY_SECRET', 'a secret must not be empty');
}

/** Hashes a secret on the thread pool (a fresh 16-byte salt, a 32-byte key). */
export async function hashSecret(secret: string, cost: ScryptCost = SCRYPT_DEFAULTS): Promise<string> {
  refuseEmpty(secret);
  const salt = randomBytes(SALT_BYTES);
  return format(cost, salt, await scrypt(secret, salt, KEY_BYTES, { ...cost, maxmem: maxmemFor(cost.N, cost.r) }));
}

/** The same, blocking: for CLI commands and test fixtures, never on a request path. */
export function hashSecretSync(secret: string, opts: { cost?: ScryptCost; salt?: Buffer } = {}): string {
  refuseEmpty(secret);
  const cost = opts.cost ?? SCRYPT_DEFAULTS;
  const salt = opts.salt ?? randomBytes(SALT_BYTES);
  return format(cost, salt, scryptSync(secret, salt, KEY_BYTES, { ...cost, maxmem: maxmemFor(cost.N, cost.r) }));
}

/** Whether `secret` is the one `parsed` was made from; constant time in the secret, on the thread pool. */
export async function matchesSecretHash(secret: string | Buffer, parsed: ParsedHash): Promise<boolean> {
  const text = typeof secret === 'string' ? secret : secret.toString('utf8');
  const key = await scrypt(text, parsed.salt, parsed.hash.length, { N: parsed.N, r: parsed.r, p: parsed.p, maxmem: maxmemFor(parsed.N, parsed.r) });
  return timingSafeEqual(key, parsed.hash);
}
