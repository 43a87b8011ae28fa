import { describe, expect, it } from 'vitest';
import { penBatcher, penWriter, type PenStroke } from './models-people.js';

describe('pen receiver batches', () => {
  it('sends a pen\'s finished strokes together, so the stroke index varies (it was 0 in every message)', () => {
    const w = penWriter('P-1');
    const b = penBatcher(500);
    const messages: PenStroke[][] = [];
    for (let now = 0; now < 60_000; now += 50) {
      const s = w.step(now, true);
      if (s) b.add(s, now);
      const out = b.take(now);
      if (out) messages.push(out);
    }
    const strokes = messages.flat();
    expect(strokes.length).toBeGreaterThan(40);
    expect(Math.max(...messages.map((m) => m.length))).toBeGreaterThan(1);
    // strokes are in time order, apart by a pen-up pause of 50 ms or more (the template's gap is 40 ms)
    for (let i = 1; i < strokes.length; i++) {
      const prev = strokes[i - 1]!;
      const end = prev.t0 + prev.pts.reduce((t, p) => t + p[3], 0);
      expect(strokes[i]!.t0 - end).toBeGreaterThanOrEqual(50);
      // within a stroke the points are at most 10 ms apart
      expect(Math.max(...strokes[i]!.pts.map((p) => p[3]))).toBeLessThanOrEqual(10);
    }
  });

  it('holds nothing back once the batch is due', () => {
    const b = penBatcher(500);
    b.add({ t0: 0, pts: [] }, 1000);
    expect(b.take(1400)).toBeUndefined();
    expect(b.take(1500)).toHaveLength(1);
    expect(b.take(5000)).toBeUndefined();
  });
});
