import { describe, expect, it } from 'vitest';
import { secondHalfSlope, slope } from './soak.js';

describe('soak RSS trend', () => {
  it('fits a least-squares line', () => {
    expect(slope([0, 1, 2, 3], [10, 12, 14, 16])).toBeCloseTo(2);
    expect(slope([0, 1, 2], [5, 5, 5])).toBe(0);
    expect(slope([1], [5])).toBe(0);
  });

  it('reads the second half only: a warm-up climb does not count, a leak after it does', () => {
    const warmThenFlat = Array.from({ length: 20 }, (_, i) => ({ t_s: i * 60, rss_mib: i < 5 ? 100 + i * 30 : 180 + (i % 2) }));
    expect(Math.abs(secondHalfSlope(warmThenFlat))).toBeLessThan(6); // MiB/hour: noise, no trend
    const leak = Array.from({ length: 20 }, (_, i) => ({ t_s: i * 60, rss_mib: 150 + i * 0.5 })); // 0.5 MiB/min
    expect(secondHalfSlope(leak) / 60).toBeCloseTo(0.5);
  });
});
