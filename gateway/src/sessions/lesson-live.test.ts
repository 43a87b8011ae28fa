import { describe, expect, it } from 'vitest';
import type { Reading } from '../core/reading.js';
import type { TemplateLike } from '../privacy/template-like.js';
import { createLessonLive, MAX_PAGE_POINTS } from './lesson-live.js';

const PEN: TemplateLike = { id: 'pen', fields: [], behaviour: { pen: { x: 'x_mm', y: 'y_mm', pressure: 'pressure', stroke: 'stroke', page: 'page', strokeGapMs: 40 } } };
const templateOf = (id: string) => (id === 'pen' ? PEN : undefined);
const pt = (ts: number, page = 'p1', x = 1): { key: string; reading: Reading } =>
  ({ key: 'P-1', reading: { template: 'pen', device: 'rx', ts, fields: { x_mm: x, y_mm: 2, pressure: 300 }, tags: { page, stroke: '0' } } });

describe('lesson live (the wall\'s pages)', () => {
  it('numbers strokes as the export counts them and gives only what is new', () => {
    const live = createLessonLive(templateOf);
    expect(live.add([pt(0), pt(8), pt(100)]).pens).toEqual([{ device: 'P-1', page: 'p1', strokes: [{ n: 1, pts: [[1, 2, 300, 0], [1, 2, 300, 8]] }, { n: 2, pts: [[1, 2, 300, 100]] }] }]);
    expect(live.add([pt(108)]).pens).toEqual([{ device: 'P-1', page: 'p1', strokes: [{ n: 2, pts: [[1, 2, 300, 108]] }] }]);
    expect(live.snapshot().pens[0]!.strokes.map((s) => [s.n, s.pts.length])).toEqual([[1, 2], [2, 2]]);
  });

  it('starts a blank page when the page turns, and keeps at most MAX_PAGE_POINTS of a page (oldest strokes first)', () => {
    const live = createLessonLive(templateOf);
    live.add([pt(0), pt(100, 'p2')]);
    expect(live.snapshot().pens[0]).toMatchObject({ page: 'p2', strokes: [{ n: 2 }] });
    const many = Array.from({ length: MAX_PAGE_POINTS + 500 }, (_, i) => pt(1000 + i * 100, 'p3')); // every point a stroke
    live.add(many);
    const kept = live.snapshot().pens[0]!.strokes;
    expect(kept.reduce((n, s) => n + s.pts.length, 0)).toBeLessThanOrEqual(MAX_PAGE_POINTS);
    expect(kept.at(-1)!.n).toBe(2 + MAX_PAGE_POINTS + 500);
  });
});
