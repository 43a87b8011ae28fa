import { describe, expect, it } from 'vitest';
import { Timeline } from './intervals.js';

/** A small deterministic generator (the same sequences on every run). */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

describe('Timeline', () => {
  it('keeps two samples of a steady value reported 50 times a second for a minute, and where() sees the same intervals', () => {
    const hold = 300_000;
    const kept = new Timeline<boolean>(hold);
    const all = new Timeline<boolean>();
    for (let ts = 0; ts < 60_000; ts += 20) {
      kept.add(ts, true);
      all.add(ts, true);
    }
    expect(kept.samples).toHaveLength(2);
    expect(all.samples).toHaveLength(3000);
    expect(kept.where((v) => v, 0, 120_000, hold)).toEqual([[0, 120_000]]);
    expect(kept.where((v) => v, 0, 120_000, hold)).toEqual(all.where((v) => v, 0, 120_000, hold));
  });

  it('gives where() the intervals of every sample, for in-order samples with gaps longer than the hold', () => {
    let keptTotal = 0;
    let allTotal = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const hold = 1 + Math.floor(next() * 50);
      const kept = new Timeline<number>(hold);
      const all = new Timeline<number>();
      let ts = 0;
      for (let i = 0; i < 60; i++) {
        ts += 1 + Math.floor(next() ** 3 * hold * 1.5);
        const v = next() < 0.8 ? 1 : Math.floor(next() * 3);
        kept.add(ts, v);
        all.add(ts, v);
      }
      for (const [start, end] of [[0, ts + hold], [Math.floor(ts / 3), Math.floor((2 * ts) / 3)], [ts - 5, ts + 5]] as const) {
        for (const pred of [(v: number) => v === 1, (v: number) => v !== 1]) {
          expect(kept.where(pred, start, end, hold), `seed ${seed}`).toEqual(all.where(pred, start, end, hold));
        }
      }
      keptTotal += kept.samples.length;
      allTotal += all.samples.length;
    }
    expect(keptTotal).toBeLessThan(allTotal * 0.8);
  });

  it('without a hold keeps every sample (a peak or a sum reads them)', () => {
    const t = new Timeline<number>();
    for (let ts = 0; ts < 100; ts += 10) t.add(ts, 5);
    expect(t.samples).toHaveLength(10);
  });
});
