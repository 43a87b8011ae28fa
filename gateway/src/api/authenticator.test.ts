import { describe, expect, it } from 'vitest';
import { createAuthenticator } from './authenticator.js';
import { hashToken, sha256Token, verifyToken } from './token-hash.js';

const SECRETS = { caretakers: 'Qm9vdHN0cmFwLWZhY2lsaXRpZXMtMTIz', teacher: 'dGVhY2hlci1zZWNyZXQtMDEyMzQ1Njc4OQ', it: 'YWRtaW4tc2VjcmV0LTAxMjM0NTY3ODlhYg', district: 'ZGlzdHJpY3Qtc2VjcmV0LTAxMjM0NTY3OA' };
const TOKENS = [
  { role: 'facilities' as const, name: 'caretakers', tokenHash: hashToken(SECRETS.caretakers) },
  { role: 'teacher' as const, tokenHash: hashToken(SECRETS.teacher) }, // no name: bare secret only
  { role: 'admin' as const, name: 'it', tokenHash: hashToken(SECRETS.it) },
  { role: 'district' as const, name: 'district-office', tokenHash: sha256Token(SECRETS.district) },
];

function counting() {
  const runs: string[] = [];
  return { runs, verify: async (secret: string, stored: string) => { runs.push(stored); return verifyToken(secret, stored); } };
}

describe('authenticator: bounded verification cost', () => {
  it('runs one scrypt for a <name>.<secret> token, right or wrong, and none once the secret is known', async () => {
    const c = counting();
    const auth = createAuthenticator(TOKENS, {}, { verify: c.verify });
    expect(await auth.resolve('caretakers.wrong-secret')).toMatchObject({ principal: undefined, cost: 1 });
    expect(await auth.resolve(`caretakers.${SECRETS.caretakers}`)).toMatchObject({ principal: { role: 'facilities', name: 'caretakers' }, cost: 1 });
    expect(c.runs).toHaveLength(2);
    // Known now: the right secret, in either form, and any wrong secret cost nothing.
    expect((await auth.resolve(`caretakers.${SECRETS.caretakers}`)).principal?.name).toBe('caretakers');
    expect((await auth.resolve(SECRETS.caretakers)).principal?.name).toBe('caretakers');
    expect(await auth.resolve('caretakers.another-wrong-one')).toMatchObject({ principal: undefined, cost: 0 });
    expect(c.runs).toHaveLength(2);
  });

  it('finds sha256 entries without scrypt, bare or prefixed', async () => {
    const c = counting();
    const auth = createAuthenticator(TOKENS, {}, { verify: c.verify });
    expect((await auth.resolve(SECRETS.district)).principal?.role).toBe('district');
    expect((await auth.resolve(`district-office.${SECRETS.district}`)).principal?.role).toBe('district');
    expect(await auth.resolve('district-office.nope')).toMatchObject({ principal: undefined, cost: 0 });
    expect(c.runs).toHaveLength(0);
  });

  it('tries a bare secret only against scrypt entries not yet known, each run paid for first', async () => {
    const c = counting();
    const auth = createAuthenticator(TOKENS, {}, { verify: c.verify });
    let allowance = 2;
    expect(await auth.resolve('bad-bare-token', () => allowance-- > 0)).toEqual({ principal: undefined, cost: 2, incomplete: true });
    expect(c.runs).toHaveLength(2);
    expect(await auth.resolve('caretakers.bad', () => false)).toEqual({ principal: undefined, cost: 0, incomplete: true });
    expect(await auth.resolve(SECRETS.teacher)).toMatchObject({ principal: { role: 'teacher', name: 'teacher#1' }, cost: 2 });
    await auth.resolve(`it.${SECRETS.it}`);
    c.runs.length = 0;
    // teacher and it are known: a bad bare token has one candidate left (caretakers).
    expect(await auth.resolve('bad-bare-token')).toEqual({ principal: undefined, cost: 1, incomplete: false });
    await auth.resolve(`caretakers.${SECRETS.caretakers}`);
    c.runs.length = 0;
    // Every entry known: bad tokens of any form cost nothing.
    for (const t of ['bad-bare-token', 'it.bad', 'caretakers.bad', 'x'.repeat(600)]) expect((await auth.resolve(t)).cost).toBe(0);
    expect(c.runs).toHaveLength(0);
  });

  it('does not let bad tokens evict a verified one (the old 256-entry cache did)', async () => {
    const c = counting();
    const auth = createAuthenticator(TOKENS, {}, { verify: c.verify });
    await auth.resolve(`it.${SECRETS.it}`);
    for (let i = 0; i < 300; i++) await auth.resolve(`it.bad-${i}`);
    c.runs.length = 0;
    expect((await auth.resolve(`it.${SECRETS.it}`)).principal?.role).toBe('admin');
    expect(c.runs).toHaveLength(0);
  });

  it('runs one verification at a time and refuses past the queue (GW_ERR_AUTH_BUSY)', async () => {
    let running = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const verify = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => release.push(r));
      running--;
      return false;
    };
    const auth = createAuthenticator(TOKENS, { maxConcurrentHashes: 1, maxQueuedHashes: 2 }, { verify });
    const pending = [auth.resolve('caretakers.a'), auth.resolve('caretakers.b'), auth.resolve('caretakers.c')];
    await expect(auth.resolve('caretakers.d')).rejects.toMatchObject({ code: 'GW_ERR_AUTH_BUSY', statusCode: 503 });
    while (release.length > 0 || running > 0) {
      await new Promise((r) => setImmediate(r));
      release.shift()?.();
    }
    expect((await Promise.all(pending)).map((r) => r.cost)).toEqual([1, 1, 1]);
    expect(peak).toBe(1);
  });

  it('refuses two tokens with the same name at start-up', () => {
    expect(() => createAuthenticator([TOKENS[0]!, { ...TOKENS[2]!, name: 'caretakers' }])).toThrow(/GW_ERR_TOKEN_NAME/);
  });
});
