import { describe, expect, it } from 'vitest';
import { assertTokenHash, generateToken, hashToken, issueToken, sha256Token, verifyToken } from './token-hash.js';

describe('token hashes', () => {
  it('verifies scrypt and sha256 hashes and refuses other tokens', async () => {
    const token = generateToken();
    expect(token.length).toBeGreaterThanOrEqual(32);
    const scrypt = hashToken(token);
    expect(scrypt).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(await verifyToken(token, scrypt)).toBe(true);
    expect(await verifyToken(`${token}x`, scrypt)).toBe(false);
    expect(await verifyToken(token, sha256Token(token))).toBe(true);
    expect(await verifyToken('other', sha256Token(token))).toBe(false);
    expect(await verifyToken(token, 'plain-text')).toBe(false);
  });

  it('salts: the same token hashes differently each time', () => {
    expect(hashToken('same')).not.toBe(hashToken('same'));
  });

  it('issues <name>.<secret> tokens whose hash covers the secret alone', async () => {
    const { token, tokenHash } = issueToken('caretakers');
    const [name, secret] = token.split('.');
    expect(name).toBe('caretakers');
    expect(await verifyToken(secret!, tokenHash)).toBe(true);
    expect(() => issueToken('bad name')).toThrow(/GW_ERR_TOKEN_NAME/);
  });

  it('refuses a malformed hash at start-up', () => {
    expect(() => assertTokenHash('secret123')).toThrow(/GW_ERR_TOKEN_HASH/);
    expect(() => assertTokenHash(hashToken('x'))).not.toThrow();
    expect(() => assertTokenHash(sha256Token('x'))).not.toThrow();
  });
});
