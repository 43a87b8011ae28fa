import { describe, expect, it } from 'vitest';
import { dayHighs, secondHalfSlope, slope } from './soak.js';

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

  it('takes the highest RSS of each simulated day, a day ending where the clock goes back to the morning', () => {
    const day = (rss: number[]) => rss.map((rss_mib, i) => ({ sim: `${String(7 + i * 3).padStart(2, '0')}:20`, rss_mib }));
    // 07:20, 10:20, 13:20, 16:20; then the loop starts the day again.
    expect(dayHighs([...day([110, 150, 160, 130]), ...day([120, 165, 140, 135]), ...day([125, 158])])).toEqual([160, 165, 158]);
    expect(dayHighs(day([100, 90]))).toEqual([100]);
    expect(dayHighs([])).toEqual([]);
  });
});
