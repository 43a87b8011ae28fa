import { describe, expect, it } from 'vitest';
import { addressKey, createAuthLimiter } from './auth-limiter.js';

describe('auth failure limiter', () => {
  it('blocks an address once its allowance is taken, until its window ends', () => {
    let t = 1_000;
    const blocked: string[] = [];
    const limiter = createAuthLimiter({ maxFailures: 3, windowMs: 60_000 }, { now: () => t, onBlock: (k) => blocked.push(k) });
    expect(limiter.take('10.0.0.7')).toBe(true);
    expect(limiter.take('10.0.0.7')).toBe(true);
    expect(limiter.blockedFor('10.0.0.7')).toBe(0);
    expect(limiter.take('10.0.0.7')).toBe(true);
    expect(blocked).toEqual(['10.0.0.7']);
    expect(limiter.take('10.0.0.7')).toBe(false);
    expect(limiter.blockedFor('10.0.0.7')).toBe(60_000);
    expect(limiter.blockedFor('10.0.0.8')).toBe(0);
    expect(limiter.stats()).toEqual({ addresses: 1, blocked: 1 });
    t += 59_000;
    expect(limiter.blockedFor('10.0.0.7')).toBe(1_000);
    t += 1_000;
    expect(limiter.blockedFor('10.0.0.7')).toBe(0);
    expect(limiter.take('10.0.0.7')).toBe(true);
  });

  it('gives back what a successful request paid, and only that', () => {
    const limiter = createAuthLimiter({ maxFailures: 3 }, { now: () => 0 });
    limiter.take('10.0.0.1');
    limiter.take('10.0.0.1');
    limiter.refund('10.0.0.1', 1);
    expect(limiter.take('10.0.0.1')).toBe(true);
    expect(limiter.take('10.0.0.1')).toBe(true);
    expect(limiter.take('10.0.0.1')).toBe(false);
    limiter.refund('10.0.0.9', 5); // nothing taken there: no credit
    for (let i = 0; i < 3; i++) expect(limiter.take('10.0.0.9')).toBe(true);
    expect(limiter.take('10.0.0.9')).toBe(false);
  });

  it('counts IPv6 per /64 and IPv4-mapped IPv6 as IPv4', () => {
    expect(addressKey('::ffff:192.168.1.9')).toBe('192.168.1.9');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('fe80::1')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    const limiter = createAuthLimiter({ maxFailures: 2 }, { now: () => 0 });
    limiter.take('2001:db8:1:2::10');
    limiter.take('2001:db8:1:2::11');
    expect(limiter.blockedFor('2001:db8:1:2:ffff::1')).toBeGreaterThan(0);
    expect(limiter.blockedFor('2001:db8:1:3::1')).toBe(0);
  });

  it('remembers at most maxAddresses, expired ones first', () => {
    let t = 0;
    const limiter = createAuthLimiter({ maxFailures: 1, windowMs: 100, maxAddresses: 3 }, { now: () => t });
    limiter.take('10.0.0.1');
    t = 50;
    limiter.take('10.0.0.2');
    limiter.take('10.0.0.3');
    t = 120; // 10.0.0.1 has expired; the others are still blocked
    limiter.take('10.0.0.4');
    expect(limiter.stats().addresses).toBe(3);
    expect(limiter.blockedFor('10.0.0.2')).toBeGreaterThan(0);
    limiter.take('10.0.0.5'); // full of live entries: the oldest goes
    expect(limiter.stats().addresses).toBe(3);
    expect(limiter.blockedFor('10.0.0.2')).toBe(0);
    expect(limiter.blockedFor('10.0.0.5')).toBeGreaterThan(0);
  });
});
