import { describe, expect, it } from 'vitest';
import { createSecretVerifier } from './secret-verifier.js';
import { hashSecret } from './secrets.js';

const CHEAP = { N: 1024, r: 4, p: 1 };

describe('secret verifier', () => {
  it('runs scrypt once per user and secret, then answers from its HMAC cache', async () => {
    const v = createSecretVerifier();
    const h = await hashSecret('s1', CHEAP);
    expect(await v.verify('d1', Buffer.from('s1'), h)).toBe('ok');
    expect(await v.verify('d1', Buffer.from('s1'), h)).toBe('ok');
    expect(v.stats()).toMatchObject({ scryptRuns: 1, cacheHits: 1 });
    // a wrong secret is never answered from the cache
    expect(await v.verify('d1', Buffer.from('s2'), h)).toBe('bad');
    expect(v.stats().scryptRuns).toBe(2);
  });

  it('does not use a remembered secret once the stored hash changed or the user was forgotten', async () => {
    const v = createSecretVerifier();
    const h1 = await hashSecret('s1', CHEAP);
    const h2 = await hashSecret('s2', CHEAP);
    expect(await v.verify('d1', Buffer.from('s1'), h1)).toBe('ok');
    expect(await v.verify('d1', Buffer.from('s1'), h2)).toBe('bad');
    expect(await v.verify('d1', Buffer.from('s1'), h1)).toBe('ok');
    v.forget('d1');
    expect(await v.verify('d1', Buffer.from('s1'), h1)).toBe('ok');
    expect(v.stats()).toMatchObject({ scryptRuns: 3, cacheHits: 1 });
  });

  it('refuses as busy when the scrypt queue is full, and serves queued ones in turn', async () => {
    const v = createSecretVerifier({ maxConcurrent: 1, maxQueued: 1 });
    const h = await hashSecret('s', CHEAP);
    const results = await Promise.all([1, 2, 3].map((i) => v.verify(`d${i}`, Buffer.from('s'), h)));
    expect(results).toEqual(['ok', 'ok', 'busy']);
    expect(v.stats().busyRefusals).toBe(1);
    expect(await v.verify('d3', Buffer.from('s'), h)).toBe('ok');
  });
});
