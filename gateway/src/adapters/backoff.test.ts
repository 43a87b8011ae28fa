import { describe, expect, it } from 'vitest';
import { backoffDelay, createLatencyWindow } from './backoff.js';

describe('backoffDelay', () => {
  it('is zero before the first failure and grows up to the cap', () => {
    const opts = { baseMs: 100, capMs: 1_000, random: () => 1 };
    expect([0, 1, 2, 3, 4, 5, 20].map((n) => backoffDelay(n, opts))).toEqual([0, 100, 200, 400, 800, 1_000, 1_000]);
  });
  it('jitters between half the base and the ceiling', () => {
    expect(backoffDelay(4, { baseMs: 100, capMs: 1_000, random: () => 0 })).toBe(50);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, { baseMs: 100, capMs: 1_000 });
      expect(d).toBeGreaterThanOrEqual(50);
      expect(d).toBeLessThanOrEqual(400);
    }
  });
});

describe('createLatencyWindow', () => {
  it('reports quantiles of the recent samples', () => {
    const w = createLatencyWindow(100);
    expect(w.quantile(0.5)).toBeNull();
    for (let i = 1; i <= 200; i++) w.add(i);
    expect(w.quantile(0.5)).toBe(151);
    expect(w.quantile(0.99)).toBe(200);
  });
});
