import { describe, expect, it } from 'vitest';
import { createLoginFailures, UNKNOWN_USER } from './login-failures.js';

function table(maxFailures = 3, lockoutMs = 10_000, maxTracked = 100) {
  const clock = { t: 0 };
  return { clock, f: createLoginFailures({ maxFailures, lockoutMs, maxTracked }, () => clock.t) };
}

function createWaiting() {
  return { f: createLoginFailures({ maxFailures: 1, lockoutMs: 10_000, maxTracked: 10, maxWaiting: 2 }, () => 0) };
}

describe('login failures', () => {
  it('counts a login in flight as a possible failure: no more slots than failures left', () => {
    const { f } = table(3);
    expect(['a', 'a', 'a', 'a', 'a'].map((addr) => f.begin(addr))).toEqual(['ok', 'ok', 'ok', 'throttled', 'throttled']);
    expect(f.begin('b')).toBe('ok'); // another address is not affected
    f.end('a', 'd1', 'bad');
    f.end('a', 'd1', 'bad');
    expect(f.begin('a')).toBe('throttled'); // 2 failures + 1 in flight
    f.end('a', 'd1', 'bad');
    expect(f.isLockedOut('a')).toBe(true);
    expect(f.begin('a')).toBe('locked_out');
    expect(f.stats()).toMatchObject({ lockouts: 1, lockedAddresses: 1 });
  });

  it('lets logins wait for a slot of their address, bounded, and wakes them once one ends', async () => {
    const { f } = createWaiting();
    expect(f.begin('a')).toBe('ok');
    expect(f.begin('a')).toBe('throttled');
    const waits = [f.waitForSlot('a'), f.waitForSlot('a')];
    expect(await f.waitForSlot('a')).toBe(false); // maxWaiting 2
    f.end('a', 'd1', 'bad');
    expect(await Promise.all(waits)).toEqual([true, true]);
    // the failure that woke them locked the address (maxFailures 1): they find it without a check
    expect(f.begin('a')).toBe('locked_out');
  });

  it('releases a slot that was not checked (scrypt busy) without counting a failure', () => {
    const { f } = table(1);
    expect(f.begin('a')).toBe('ok');
    expect(f.begin('a')).toBe('throttled');
    f.end('a', 'd1', 'not_checked');
    expect(f.begin('a')).toBe('ok');
    expect(f.isLockedOut('a')).toBe(false);
  });

  it('a success forgets only its own username\'s failures at the address', () => {
    const { f } = table(5);
    // the attack of issue #16: guesses against smoke-1, with a good login of light-1 every fourth attempt
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3 && !f.isLockedOut('a'); i++) {
        if (f.begin('a') === 'ok') f.end('a', 'smoke-1', 'bad');
      }
      if (f.begin('a') === 'ok') f.end('a', 'light-1', 'ok');
    }
    expect(f.isLockedOut('a')).toBe(true);
    // its own failures are forgotten by its own success
    const { f: g } = table(3);
    g.begin('a');
    g.end('a', 'light-1', 'bad');
    g.begin('a');
    g.end('a', 'light-1', 'bad');
    g.succeeded('a', 'light-1');
    expect(g.stats().trackedAddresses).toBe(0);
  });

  it('unknown usernames share one key, so no success resets them', () => {
    const { f } = table(2);
    f.begin('a');
    f.end('a', UNKNOWN_USER, 'bad');
    f.succeeded('a', 'light-1');
    f.begin('a');
    f.end('a', UNKNOWN_USER, 'bad');
    expect(f.isLockedOut('a')).toBe(true);
  });

  it('forgets an expired lockout and stale failures, and bounds the table', () => {
    const { clock, f } = table(2, 10_000, 3);
    f.begin('a');
    f.end('a', 'x', 'bad');
    clock.t = 20_000;
    f.begin('a');
    f.end('a', 'x', 'bad');
    expect(f.isLockedOut('a')).toBe(false); // the first failure was older than the window
    f.begin('a');
    f.end('a', 'x', 'bad');
    expect(f.isLockedOut('a')).toBe(true);
    clock.t = 30_001;
    expect(f.isLockedOut('a')).toBe(false);
    expect(f.begin('a')).toBe('ok');
    for (const addr of ['b', 'c', 'd', 'e']) f.begin(addr);
    expect(f.stats().trackedAddresses).toBe(3);
  });
});
