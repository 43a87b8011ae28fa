/**
 * What the handwriting wall and the PE view draw, from a session's captured readings: pen points
 * grouped into numbered strokes per page (the same stroke rule as the export: startsStroke) and
 * heart-rate samples with their zone. Pure and incremental: `snapshot` for a view that opens,
 * then `add` per captured batch gives only what is new. Kept per session by the session manager.
 */
import type { Reading } from '../core/reading.js';
import { DEFAULT_ZONES, type HeartRateZones } from '../summaries/kinds/pe-activity.js';
import { startsStroke, type StrokeState } from '../templates/behaviour.js';
import type { TemplateOf } from './export.js';
import { zoneOf } from './lesson-summary.js';

/** x mm, y mm, pressure (or null), epoch ms. */
export type WallPoint = [number, number, number | null, number];
export interface WallStroke { n: number; pts: WallPoint[] }
export interface PenEvent { device: string; page: string; strokes: WallStroke[] }
export interface HeartEvent { device: string; ts: number; bpm: number; zone: number; worn: boolean }
export interface LiveEvents { pens: PenEvent[]; hearts: HeartEvent[] }

interface PenState { stroke: StrokeState | undefined; n: number; page: string; strokes: WallStroke[]; points: number }

/** Points of a pen's current page kept for a view that opens (and its replay): the oldest strokes go first. */
export const MAX_PAGE_POINTS = 20_000;

export interface LessonLive {
  /** The current page of every pen (its strokes in order) and each band's latest sample. */
  snapshot(): LiveEvents;
  /** What `captured` adds (call once per captured batch, in capture order). */
  add(captured: ReadonlyArray<{ key: string; reading: Reading }>): LiveEvents;
}

export function createLessonLive(templateOf: TemplateOf, zones: HeartRateZones = DEFAULT_ZONES): LessonLive {
  const pens = new Map<string, PenState>();
  const hearts = new Map<string, HeartEvent>();
  return {
    snapshot: () => ({
      pens: [...pens].map(([device, p]) => ({ device, page: p.page, strokes: p.strokes })),
      hearts: [...hearts.values()],
    }),
    add(captured) {
      const out = new Map<string, PenEvent>();
      const beats: HeartEvent[] = [];
      for (const { key, reading: r } of captured) {
        const b = templateOf(r.template)?.behaviour;
        if (b?.pen !== undefined) {
          const pen = b.pen;
          let p = pens.get(key);
          if (p === undefined) pens.set(key, (p = { stroke: undefined, n: 0, page: '', strokes: [], points: 0 }));
          const page = pen.page === undefined ? '' : String(r.tags[pen.page] ?? r.fields[pen.page] ?? '');
          // a new page starts an empty tile: the wall shows the page being written
          if (page !== p.page) { p.page = page; p.strokes = []; p.points = 0; }
          const next = startsStroke(p.stroke, r, pen);
          p.stroke = next.state;
          if (next.starts) p.strokes.push({ n: ++p.n, pts: [] });
          const x = r.fields[pen.x];
          const y = r.fields[pen.y];
          const pressure = pen.pressure === undefined ? null : r.fields[pen.pressure];
          if (typeof x !== 'number' || typeof y !== 'number') continue;
          const pt: WallPoint = [x, y, typeof pressure === 'number' ? pressure : null, r.ts];
          p.strokes.at(-1)!.pts.push(pt);
          // a page written on for a whole lesson (~200,000 points) is not kept whole
          if (++p.points > MAX_PAGE_POINTS && p.strokes.length > 1) p.points -= p.strokes.shift()!.pts.length;
          let e = out.get(key);
          if (e === undefined || e.page !== page) out.set(key, (e = { device: key, page, strokes: [] }));
          const last = e.strokes.at(-1);
          if (last?.n === p.n) last.pts.push(pt);
          else e.strokes.push({ n: p.n, pts: [pt] });
        }
        const hr = b?.heartRate;
        const bpm = hr === undefined ? undefined : r.fields[hr.field];
        if (hr !== undefined && typeof bpm === 'number') {
          const prev = hearts.get(key);
          if (prev !== undefined && prev.ts > r.ts) continue;
          const h = { device: key, ts: r.ts, bpm, zone: zoneOf(bpm, zones), worn: hr.worn === undefined || r.fields[hr.worn] !== false };
          hearts.set(key, h);
          beats.push(h);
        }
      }
      return { pens: [...out.values()], hearts: beats };
    },
  };
}
