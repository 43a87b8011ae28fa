import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffStep } from './backoff.js';

const policy = fc.record({
  baseMs: fc.integer({ min: 1, max: 60_000 }),
  capMs: fc.integer({ min: 1, max: 600_000 }),
  jitter: fc.constantFrom('equal' as const, 'full' as const),
});
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoffDelay', () => {
  it('waits nothing before the first failure, then doubles from the base up to the cap', () => {
    const p = { baseMs: 100, capMs: 1_000, random: () => 1 };
    expect([0, 1, 2, 3, 4, 5, 20, 10_000].map((n) => backoffDelay(n, p))).toEqual([0, 100, 200, 400, 800, 1_000, 1_000, 1_000]);
    expect([0, 1, 2, 3, 4, 5, 20].map((n) => backoffStep(n, p))).toEqual([0, 100, 200, 400, 800, 1_000, 1_000]);
  });

  it('equal jitter keeps half the step: [step/2, step]', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, { baseMs: 1_000, capMs: 5_000, jitter: 'equal', random: () => 0 }))).toEqual([500, 1_000, 2_000, 2_500]);
  });

  it('full jitter reaches down to half the base, never below', () => {
    expect(backoffDelay(4, { baseMs: 100, capMs: 1_000, random: () => 0 })).toBe(50);
    expect(backoffDelay(1, { baseMs: 100, capMs: 30, jitter: 'full', random: () => 0 })).toBe(30);
  });

  it('property: every delay is a whole number within its jitter range and never above the cap', () => {
    fc.assert(fc.property(policy, fc.integer({ min: 1, max: 10_000 }), unit, (p, attempt, r) => {
      const d = backoffDelay(attempt, { ...p, random: () => r });
      const step = Math.min(p.capMs, p.baseMs * 2 ** Math.min(attempt - 1, 30));
      const floor = p.jitter === 'equal' ? step / 2 : Math.min(p.baseMs / 2, step);
      expect(Number.isInteger(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(Math.floor(floor));
      expect(d).toBeLessThanOrEqual(step);
      expect(d).toBeLessThanOrEqual(p.capMs);
    }));
  });

  it('property: with the same random draw the delay never shrinks as failures grow', () => {
    fc.assert(fc.property(policy, fc.integer({ min: 1, max: 60 }), unit, (p, attempt, r) => {
      const random = () => r;
      expect(backoffDelay(attempt + 1, { ...p, random })).toBeGreaterThanOrEqual(backoffDelay(attempt, { ...p, random }));
    }));
  });

  it('spreads retries: 200 draws of the same attempt are not all equal', () => {
    const draws = new Set(Array.from({ length: 200 }, () => backoffDelay(5, { baseMs: 1_000, capMs: 60_000, jitter: 'equal' })));
    expect(draws.size).toBeGreaterThan(50);
    for (const d of draws) expect(d).toBeGreaterThanOrEqual(8_000);
  });
});
