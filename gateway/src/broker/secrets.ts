/**
 * Device and user secrets, stored only as scrypt hashes in a self-describing
 * format: `scrypt$N$r$p$<salt base64url>$<hash base64url>`. Verification is
 * constant-time (timingSafeEqual) and runs on libuv's thread pool.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { gwError } from '../errors.js';

export const SCRYPT_DEFAULTS = { N: 16_384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

export interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function scrypt(secret: string, salt: Buffer, length: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(secret, salt, length, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function maxmemFor(N: number, r: number): number {
  return 128 * N * r * 2 + 1024 * 1024;
}

/** Parses a stored hash; returns undefined when it is not a valid scrypt hash string. */
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

/** Hashes a secret for the config's `secretHash` / `tokenHash` fields. */
export async function hashSecret(secret: string, params: { N: number; r: number; p: number } = SCRYPT_DEFAULTS): Promise<string> {
  if (secret.length === 0) throw gwError('GW_ERR_EMPTY_SECRET', 'a secret must not be empty');
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(secret, salt, KEY_BYTES, { ...params, maxmem: maxmemFor(params.N, params.r) });
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * Cost of the fixed hash an unknown user is verified against: that of the secrets the gateway
 * generates (device-import.ts GENERATED_SECRET_COST, equal by a test; not imported: device-import
 * imports this file), the cost of nearly every device of a school. At the default cost an unknown
 * id took ~0.1 s and a provisioned device ~1 ms, so the answer time told which ids exist.
 */
export const UNKNOWN_USER_COST = { N: 256, r: 8, p: 1 } as const;

// A fixed hash to verify against when the user is unknown, so that an unknown
// user costs as much time as a known one with a wrong secret.
const DUMMY: ParsedHash = { ...UNKNOWN_USER_COST, salt: Buffer.alloc(SALT_BYTES, 7), hash: Buffer.alloc(KEY_BYTES, 0) };

/** Verifies a secret against a stored hash in constant time. A missing or malformed hash never verifies. */
export async function verifySecret(secret: string | Buffer, stored: string | undefined): Promise<boolean> {
  const parsed = (stored !== undefined ? parseSecretHash(stored) : undefined) ?? DUMMY;
  const text = typeof secret === 'string' ? secret : secret.toString('utf8');
  const key = await scrypt(text, parsed.salt, parsed.hash.length, { N: parsed.N, r: parsed.r, p: parsed.p, maxmem: maxmemFor(parsed.N, parsed.r) });
  const equal = timingSafeEqual(key, parsed.hash);
  return equal && parsed !== DUMMY;
}
