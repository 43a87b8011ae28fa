import { describe, expect, it } from 'vitest';
import { axisWidth, counterIncrements, niceStep, tickDecimals, tickLabels, yRange } from './chart-scale.js';

describe('chart scale', () => {
  it('keeps a constant or float-noise series flat, centred in ±10 % of its value', () => {
    const f32 = Math.fround(19.8);
    expect(yRange(f32, f32)).toEqual([f32 - f32 * 0.1, f32 + f32 * 0.1]);
    // float32 noise around 19.8: the spread is a millionth of the value.
    const [lo, hi] = yRange(19.79999, 19.80001);
    expect(lo).toBeCloseTo(17.82, 2);
    expect(hi).toBeCloseTo(21.78, 2);
    expect(yRange(0, 0)).toEqual([-1, 1]);
  });

  it('pads a real spread and stops non-negative values at 0', () => {
    expect(yRange(400, 1400)).toEqual([320, 1480]);
    expect(yRange(0.5, 10)).toEqual([0, 10.76]);
    expect(yRange(-5, 5)).toEqual([-5.8, 5.8]);
  });

  it('labels ticks with enough decimals and sizes the axis for the longest', () => {
    expect(tickDecimals(0.25)).toBe(1);
    expect(tickDecimals(0.01)).toBe(2);
    expect(tickDecimals(5)).toBe(0);
    expect(tickLabels([19, 19.5, 20], 0.5)).toEqual(['19.0', '19.5', '20.0']);
    expect(tickLabels([10_000, 20_000], 10_000)).toEqual(['10k', '20k']);
    expect(axisWidth(['19.8000'])).toBeGreaterThan(axisWidth(['9.8']));
  });

  it('picks round tick steps for bars (no 0.0356 axis)', () => {
    expect(niceStep(0.1424)).toBe(0.05);
    expect(niceStep(12.3)).toBe(5);
    expect(niceStep(400)).toBe(100);
    expect(niceStep(0)).toBe(1);
    expect(tickLabels([0, 0.05, 0.1, 0.15], niceStep(0.1424))).toEqual(['0.00', '0.05', '0.10', '0.15']);
  });

  it('turns a cumulative counter into increments per bucket, a reset never negative', () => {
    expect(counterIncrements([
      { ts: 0, min: 100, max: 101 }, { ts: 1, min: 101.5, max: 103 }, { ts: 2, min: 103, max: 103 },
      { ts: 3, min: 0.5, max: 2 },
    ])).toEqual([{ ts: 0, v: 1 }, { ts: 1, v: 2 }, { ts: 2, v: 0 }, { ts: 3, v: 1.5 }]);
  });
});
