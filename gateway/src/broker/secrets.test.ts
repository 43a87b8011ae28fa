import { describe, expect, it } from 'vitest';
import { hashSecret, isSecretHash, parseSecretHash, verifySecret } from './secrets.js';

describe('secrets', () => {
  it('hashes to a self-describing scrypt string that verifies only the same secret', async () => {
    const h = await hashSecret('correct horse');
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(isSecretHash(h)).toBe(true);
    expect(await verifySecret('correct horse', h)).toBe(true);
    expect(await verifySecret(Buffer.from('correct horse'), h)).toBe(true);
    expect(await verifySecret('correct horsE', h)).toBe(false);
    expect(await verifySecret('', h)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashSecret('same')).not.toBe(await hashSecret('same'));
  });

  it('honours the parameters written in the hash', async () => {
    const h = await hashSecret('cheap', { N: 1024, r: 4, p: 1 });
    expect(parseSecretHash(h)).toMatchObject({ N: 1024, r: 4, p: 1 });
    expect(await verifySecret('cheap', h)).toBe(true);
  });

  it('never verifies a missing or malformed hash', async () => {
    expect(await verifySecret('x', undefined)).toBe(false);
    for (const bad of ['', 'x', 'sha256$abc', 'scrypt$1000$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', 'scrypt$16384$8$1$$', 'scrypt$16384$99$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA']) {
      expect(isSecretHash(bad)).toBe(false);
      expect(await verifySecret('x', bad)).toBe(false);
    }
  });

  it('refuses to hash an empty secret', async () => {
    await expect(hashSecret('')).rejects.toThrow(/GW_ERR_EMPTY_SECRET/);
  });
});
