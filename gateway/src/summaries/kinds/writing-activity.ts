/**
 * writing-activity: per class session, active pens, strokes and writing minutes,
 * aggregated (no per-pen rows) and only for sessions with at least `minGroupSize`
 * active pens (roll-ups take only those: `released`). A pen is the reading's pseudonym (person
 * tag or the `id` field).
 * A pen is a template with `behaviour.pen`; a stroke is a run of points with the same page and
 * stroke (the tags or fields `behaviour.pen` names) and no gap over the template's `strokeGapMs` (else
 * `strokeGapMs` here); writing time
 * is the number of distinct seconds with points.
 */
import type { Reading } from '../../core/reading.js';
import type { TemplateLike } from '../../privacy/template-like.js';
import { startsStroke, type StrokeState } from '../../templates/behaviour.js';
import type { SummaryBody, SummaryRow } from '../types.js';
import { round, type KindContext, type KindModule, type Placement } from './kind.js';

interface PenWindow {
  strokes: number;
  seconds: Set<number>;
  last: StrokeState | undefined;
}

interface Session {
  room: string;
  pens: Map<string, { strokes: number; seconds: number }>;
}

export type WritingDetail = Map<string, Session>;

export function createWritingActivityKind(ctx: KindContext, strokeGapMs = 500): KindModule<WritingDetail> {
  // window start → session → pen → accumulator
  const windows = new Map<number, Map<string, { room: string; pens: Map<string, PenWindow> }>>();

  return {
    kind: 'writing-activity',
    ingest(r: Reading, t: TemplateLike, at: Placement) {
      const penOf = t.behaviour?.pen;
      if (penOf === undefined) return;
      const ws = Math.floor(r.ts / ctx.windowMs) * ctx.windowMs;
      let w = windows.get(ws);
      if (w === undefined) windows.set(ws, (w = new Map()));
      let s = w.get(at.session);
      if (s === undefined) w.set(at.session, (s = { room: at.room, pens: new Map() }));
      const pen = at.person ?? r.device;
      let p = s.pens.get(pen);
      if (p === undefined) s.pens.set(pen, (p = { strokes: 0, seconds: new Set(), last: undefined }));
      // the template's own gap (behaviour.pen.strokeGapMs) first, then this kind's default
      const next = startsStroke(p.last, r, penOf, strokeGapMs);
      if (next.starts) p.strokes++;
      p.last = next.state;
      p.seconds.add(Math.floor(r.ts / 1000));
    },
    close(start, end) {
      const detail: WritingDetail = new Map();
      for (const [ws, sessions] of windows) {
        if (ws < start || ws >= end) continue;
        for (const [id, s] of sessions) {
          const d = detail.get(id) ?? { room: s.room, pens: new Map() };
          for (const [pen, p] of s.pens) d.pens.set(pen, { strokes: p.strokes, seconds: p.seconds.size });
          detail.set(id, d);
        }
        windows.delete(ws);
      }
      return detail.size > 0 ? detail : undefined;
    },
    prune(before) {
      for (const ws of windows.keys()) if (ws + ctx.windowMs <= before) windows.delete(ws);
    },
    merge(into, next) {
      for (const [id, s] of next) {
        const a = into.get(id) ?? { room: s.room, pens: new Map() };
        for (const [pen, p] of s.pens) {
          const prev = a.pens.get(pen);
          a.pens.set(pen, prev === undefined ? { ...p } : { strokes: prev.strokes + p.strokes, seconds: prev.seconds + p.seconds });
        }
        into.set(id, a);
      }
      return into;
    },
    // Only the sessions publish() lets out: a roll-up that also held the withheld ones gave away a
    // lone student's figure as (hour total − the published windows) (issue #16).
    released(detail) {
      const out = new Map([...detail].filter(([, s]) => s.pens.size >= ctx.minGroupSize));
      return out.size > 0 ? out : undefined;
    },
    publish(detail): SummaryBody {
      const rows: SummaryRow[] = [];
      let suppressed = 0;
      let pens = 0;
      for (const [session, s] of detail) {
        if (s.pens.size < ctx.minGroupSize) {
          suppressed++;
          continue;
        }
        let strokes = 0;
        let seconds = 0;
        for (const p of s.pens.values()) {
          strokes += p.strokes;
          seconds += p.seconds;
        }
        rows.push({
          tags: { scope: 'session', session, room: s.room },
          values: { active_pens: s.pens.size, strokes, writing_min: round(seconds / 60, 3), writing_min_mean: round(seconds / 60 / s.pens.size, 3) },
        });
        pens += s.pens.size;
      }
      return { values: { sessions: rows.length, sessions_suppressed: suppressed, active_pens: pens }, rows };
    },
  };
}
