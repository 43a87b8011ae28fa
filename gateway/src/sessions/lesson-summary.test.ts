import { describe, expect, it } from 'vitest';
import type { Reading } from '../core/reading.js';
import type { TemplateLike } from '../privacy/template-like.js';
import { contentDisposition, safeFileName } from './lesson-files.js';
import { lessonRows, zoneOf } from './lesson-summary.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const PEN: TemplateLike = { id: 'pen', fields: [], behaviour: { pen: { x: 'x_mm', y: 'y_mm', pressure: 'pressure', stroke: 'stroke', page: 'page', strokeGapMs: 40 } } };
const BAND: TemplateLike = { id: 'band', fields: [], behaviour: { heartRate: { field: 'heart_rate_bpm', worn: 'on_wrist' } } };
const templateOf = (id: string) => (id === 'pen' ? PEN : id === 'band' ? BAND : undefined);
const point = (ts: number, stroke = '0', page = 'p1', pressure = 500): Reading => ({ template: 'pen', device: 'P-1', ts, fields: { x_mm: 1, y_mm: 2, pressure }, tags: { stroke, page } });
const hr = (ts: number, bpm: number, worn?: boolean): Reading => ({ template: 'band', device: 'W-1', ts, fields: { heart_rate_bpm: bpm, ...(worn !== undefined && { on_wrist: worn }) }, tags: {} });
const roster = [{ device: 'P-1', student: 'A' }, { device: 'W-1', student: 'A' }, { device: 'P-2', student: 'B' }];
const rows = (readings: Reading[], endMs = T0 + 3_600_000) => lessonRows(readings.map((reading) => ({ student: 'A', reading })), { roster, templateOf, endMs });

describe('lesson rows per student', () => {
  it('counts a stroke per pen-up gap although the stroke index is 0 in every message (the bug: 1 stroke)', () => {
    // 5 strokes of 10 points 8 ms apart, 100 ms pen-up between; every stroke index 0
    const pts = Array.from({ length: 5 }, (_, s) => Array.from({ length: 10 }, (_, i) => point(T0 + s * 172 + i * 8))).flat();
    expect(rows(pts)[0]).toMatchObject({ student: 'A', pen_points: 50, strokes: 5, pages: 1, pressure_mean: 500 });
  });

  it('starts a stroke when the stroke tag or the page changes, in time order whatever the arrival order', () => {
    const pts = [point(T0, '0'), point(T0 + 8, '1'), point(T0 + 16, '1', 'p2'), point(T0 + 24, '1', 'p2')].reverse();
    expect(rows(pts)[0]).toMatchObject({ strokes: 3, pages: 2 });
  });

  it('gives minutes per heart-rate zone (a sample holds 30 s at most), MVPA, and leaves out samples off the wrist', () => {
    const r = rows([hr(T0, 110), hr(T0 + 30_000, 150), hr(T0 + 60_000, 150), hr(T0 + 90_000, 55, false)])[0]!;
    expect(r).toMatchObject({ heart_rate_samples: 3, heart_rate_max_bpm: 150, heart_rate_mean_bpm: 136.7, zone_min: [0, 0.5, 0, 1, 0], mvpa_min: 1, off_wrist: true, heart_rate_last_bpm: 55 });
  });

  it('keeps every roster student, one row each, in roster order, empty when nothing came', () => {
    const all = rows([]);
    expect(all.map((r) => [r.student, r.devices])).toEqual([['A', ['P-1', 'W-1']], ['B', ['P-2']]]);
    expect(all[1]).toMatchObject({ readings: 0, strokes: 0, heart_rate_mean_bpm: null, first_ms: null, mvpa_min: 0 });
  });

  it('puts a heart rate in the PE summary\'s zones', () => {
    expect([99, 100, 119, 120, 140, 160, 200].map((b) => zoneOf(b))).toEqual([1, 2, 2, 3, 4, 5, 5]);
  });
});

describe('lesson file names', () => {
  it('keeps a Chinese class name and drops path and reserved characters', () => {
    expect(safeFileName('三年级2班-语文')).toBe('三年级2班-语文');
    expect(safeFileName('../a/b:c*?"<>|\u0000')).toBe('_a_b_c_');
    expect(safeFileName('...')).toBe('_');
  });

  it('says the name as RFC 5987 filename* with an ASCII fallback', () => {
    const cd = contentDisposition('三年级2班-语文-2026-12-05-汇总.xlsx');
    expect(cd).toBe(`attachment; filename="_2_-_-2026-12-05-_.xlsx"; filename*=UTF-8''${encodeURIComponent('三年级2班-语文-2026-12-05-汇总.xlsx')}`);
    expect(contentDisposition("it's (a) \"b\".csv")).toBe('attachment; filename="it\'s (a) _b_.csv"; filename*=UTF-8\'\'it%27s%20%28a%29%20%22b%22.csv');
  });
});
