/**
 * Device and user secrets of the broker, stored only as scrypt hashes in the shared format
 * (`lib/secret-hash.ts`: `scrypt$N$r$p$<salt>$<hash>`, also the API's token hashes).
 * What is the broker's own: an unknown user is verified against a fixed hash of the usual cost,
 * so the answer time does not tell which ids exist.
 */
import { matchesSecretHash, parseSecretHash, SALT_BYTES, KEY_BYTES, type ParsedHash } from '../lib/secret-hash.js';

export { hashSecret, isSecretHash, parseSecretHash, SCRYPT_DEFAULTS, type ParsedHash } from '../lib/secret-hash.js';

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
  const equal = await matchesSecretHash(secret, parsed);
  return equal && parsed !== DUMMY;
}
