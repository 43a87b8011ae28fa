import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashSecret, hashSecretSync, isSecretHash, matchesSecretHash, parseSecretHash } from './secret-hash.js';

// A cheap cost so the property runs stay fast; the format and the checks are the same at any cost.
const cost = { N: 16, r: 1, p: 1 };

describe('secret hash (scrypt$N$r$p$salt$hash)', () => {
  it('round trip: a hash verifies its own secret and no other (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 40 }), async (secret, other) => {
      const h = hashSecretSync(secret, { cost });
      const parsed = parseSecretHash(h);
      expect(parsed).toMatchObject(cost);
      expect(await matchesSecretHash(secret, parsed!)).toBe(true);
      expect(await matchesSecretHash(Buffer.from(secret, 'utf8'), parsed!)).toBe(true);
      if (other !== secret) expect(await matchesSecretHash(other, parsed!)).toBe(false);
    }), { numRuns: 60 });
  });

  it('the async and blocking hashers write the same format, and a fixed salt gives a fixed hash', async () => {
    const a = await hashSecret('s3cret', cost);
    expect(a).toMatch(/^scrypt\$16\$1\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const salt = Buffer.alloc(16, 1);
    expect(hashSecretSync('s3cret', { cost, salt })).toBe(hashSecretSync('s3cret', { cost, salt }));
    expect(await matchesSecretHash('s3cret', parseSecretHash(a)!)).toBe(true);
  });

  it('still verifies a hash written by the previous code (defaults 16384/8/1)', async () => {
    // made by the old api/token-hash.ts hashToken('campus') with salt 16 × 0x2a
    const old = 'scrypt$16384$8$1$KioqKioqKioqKioqKioqKg$QJgCAp4PNgDw3lGg4UkMf5zd97VFeKyjmnyRzxnzAZw';
    expect(hashSecretSync('campus', { salt: Buffer.alloc(16, 0x2a) })).toBe(old);
    expect(await matchesSecretHash('campus', parseSecretHash(old)!)).toBe(true);
  });

  it('refuses malformed hashes: wrong field count, cost out of range, empty or short salt and hash', () => {
    const salt = Buffer.alloc(16, 3).toString('base64url');
    const hash = Buffer.alloc(32, 4).toString('base64url');
    for (const bad of [
      '', 'x', 'sha256$abc', 'scrypt$16384$8$1$$', `scrypt$16384$8$1$${salt}$`, `scrypt$16384$8$1$$${hash}`,
      `scrypt$1000$8$1$${salt}$${hash}`, `scrypt$1$8$1$${salt}$${hash}`, `scrypt$${2 ** 21}$8$1$${salt}$${hash}`,
      `scrypt$16384$0$1$${salt}$${hash}`, `scrypt$16384$33$1$${salt}$${hash}`, `scrypt$16384$8$17$${salt}$${hash}`,
      `scrypt$16384$8$1.5$${salt}$${hash}`, `scrypt$16384$8$1$${salt}$${hash}$extra`, `bcrypt$16384$8$1$${salt}$${hash}`,
      `scrypt$16384$8$1$AAAA$${hash}`, `scrypt$16384$8$1$${salt}$AAAA`,
    ]) {
      expect(isSecretHash(bad), bad).toBe(false);
    }
    expect(isSecretHash(`scrypt$16384$8$1$${salt}$${hash}`)).toBe(true);
  });

  it('property: no random string of the right shape with a short salt or hash parses', () => {
    const b64 = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((u) => Buffer.from(u).toString('base64url'));
    fc.assert(fc.property(b64(0, 7), b64(0, 15), fc.boolean(), (shortSalt, shortHash, which) => {
      const good = Buffer.alloc(16, 9).toString('base64url');
      const s = which ? `scrypt$16$1$1$${shortSalt}$${good}` : `scrypt$16$1$1$${good}$${shortHash}`;
      expect(parseSecretHash(s)).toBeUndefined();
    }));
  });

  it('refuses to hash an empty secret', async () => {
    await expect(hashSecret('')).rejects.toThrow(/GW_ERR_EMPTY_SECRET/);
    expect(() => hashSecretSync('')).toThrow(/GW_ERR_EMPTY_SECRET/);
  });
});
