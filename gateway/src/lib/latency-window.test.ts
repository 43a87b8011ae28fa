import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLatencyWindow } from './latency-window.js';

describe('createLatencyWindow', () => {
  it('is empty at first: quantile null, summary zeros', () => {
    const w = createLatencyWindow(8);
    expect(w.quantile(0.5)).toBeNull();
    expect(w.summary()).toEqual({ p50: 0, p99: 0, max: 0, samples: 0 });
  });

  it('keeps only the last `size` samples', () => {
    const w = createLatencyWindow(100);
    for (let i = 1; i <= 200; i++) w.add(i);
    expect(w.quantile(0)).toBe(101);
    expect(w.quantile(0.5)).toBe(151);
    expect(w.quantile(0.99)).toBe(200);
    expect(w.summary()).toEqual({ p50: 151, p99: 200, max: 200, samples: 100 });
  });

  it('sorts numerically, not as text (10 > 9)', () => {
    const w = createLatencyWindow(4);
    for (const v of [9, 10, 100, 2]) w.add(v);
    expect(w.quantile(1)).toBe(100);
    expect(w.quantile(0)).toBe(2);
  });

  it('rounds the summary to 0.01 ms', () => {
    const w = createLatencyWindow(2);
    w.add(1.23456);
    expect(w.summary().max).toBe(1.23);
  });

  it('refuses a size that holds nothing', () => {
    expect(() => createLatencyWindow(0)).toThrow(/GW_ERR_LATENCY_WINDOW/);
  });

  it('property: the quantile is the nearest-rank value of the recent samples, monotonic in q', () => {
    const samples = fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 });
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), samples, fc.double({ min: 0, max: 1, noNaN: true }), (size, xs, q) => {
      const w = createLatencyWindow(size);
      for (const x of xs) w.add(x);
      const recent = xs.slice(-size).sort((a, b) => a - b);
      const expected = recent[Math.min(recent.length - 1, Math.floor(q * recent.length))];
      expect(w.quantile(q)).toBe(expected);
      expect(w.quantile(q)).toBeLessThanOrEqual(w.quantile(1)!);
      expect(w.quantile(q)).toBeGreaterThanOrEqual(w.quantile(0)!);
      // at least a q share of the samples are at or below it
      expect(recent.filter((v) => v <= expected!).length).toBeGreaterThanOrEqual(Math.min(recent.length, Math.floor(q * recent.length)));
      expect(w.summary().samples).toBe(recent.length);
    }));
  });
});
