import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { createInfluxOutage, createWakeableSleep } from './influx-outage.js';

describe('influx outage', () => {
  const make = (clock: { t: number }) => createInfluxOutage({ retryBaseMs: 100, retryMaxMs: 1_000 }, { log: silentLogger(), now: () => clock.t, random: () => 1 });

  it('backs off exponentially up to the cap, honours Retry-After within 10 × the cap, and comes back up', () => {
    const clock = { t: 0 };
    const o = make(clock);
    expect(o.down).toBe(false);
    o.markDown('timeout');
    expect(o.retryInMs()).toBe(100);
    o.markDown('timeout');
    expect(o.retryInMs()).toBe(200);
    for (let i = 0; i < 10; i++) o.markDown('timeout');
    expect(o.retryInMs()).toBe(1_000);
    o.markDown('429', 60_000);
    expect(o.retryInMs()).toBe(10_000);
    expect({ down: o.down, lastError: o.lastError }).toEqual({ down: true, lastError: '429' });
    o.markUp();
    o.markDown('again');
    expect(o.retryInMs()).toBe(100);
  });

  it('cuts a wait longer than any backoff (the clock stepped back) to one backoff', () => {
    const clock = { t: 1_000_000 };
    const o = make(clock);
    o.markDown('x', 9_000);
    clock.t -= 500_000;
    expect(o.retryInMs()).toBe(1_000);
  });

  it('starts down with the first retry after the base delay', () => {
    const o = make({ t: 0 });
    o.startDown('ECONNREFUSED');
    expect({ down: o.down, lastError: o.lastError, wait: o.retryInMs() }).toEqual({ down: true, lastError: 'unreachable at start: ECONNREFUSED', wait: 100 });
  });

  it('wakes a sleeper early', async () => {
    const s = createWakeableSleep();
    const t0 = Date.now();
    const slept = s.sleep(60_000);
    s.wake();
    await slept;
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});
