/**
 * One row per student of a class session: what the lesson export's summary sheet and the
 * live views (handwriting wall, PE view) show. Pure: readings in, rows out.
 * - Pens (`behaviour.pen`): strokes (startsStroke: the stroke tag, the page, or a pause over
 *   the template's `strokeGapMs`), pages, writing minutes (seconds with points / 60), mean pressure.
 * - Bands (`behaviour.heartRate`): mean/max heart rate, minutes per zone and MVPA minutes with the
 *   PE summary's zones (summaries/kinds/pe-activity.ts): a sample holds until the next one, at most
 *   `holdMs`. A sample taken off the wrist (`heartRate.worn` false) is no heart rate of the student.
 */
import type { Reading } from '../core/reading.js';
import { DEFAULT_ZONES, type HeartRateZones } from '../summaries/kinds/pe-activity.js';
import { startsStroke, type StrokeState } from '../templates/behaviour.js';
import type { TemplateOf } from './export.js';

export interface StudentLessonRow {
  student: string;
  /** The roster devices of the student, in roster order. */
  devices: string[];
  readings: number;
  /** Epoch ms of the first and last captured reading; null when none. */
  first_ms: number | null;
  last_ms: number | null;
  pen_points: number;
  strokes: number;
  pages: number;
  writing_min: number;
  pressure_mean: number | null;
  heart_rate_samples: number;
  heart_rate_mean_bpm: number | null;
  heart_rate_max_bpm: number | null;
  /** Latest heart rate, its zone (1-based) and whether the band was worn then. */
  heart_rate_last_bpm: number | null;
  zone_last: number | null;
  off_wrist: boolean;
  /** Minutes per zone, zone 1 first. */
  zone_min: number[];
  mvpa_min: number;
}

export interface LessonRowsOptions {
  roster: ReadonlyArray<{ device: string; student: string }>;
  templateOf: TemplateOf;
  zones?: HeartRateZones;
  /** Heart-rate samples hold at most until here (the session's end or now). */
  endMs: number;
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

export function zoneOf(bpm: number, zones: HeartRateZones = DEFAULT_ZONES): number {
  return zones.bounds.filter((b) => bpm >= b).length + 1;
}

interface Acc {
  readings: number;
  first: number;
  last: number;
  strokes: Map<string, StrokeState>;
  strokeCount: number;
  pages: Set<string>;
  seconds: Set<number>;
  points: number;
  pressureSum: number;
  pressureN: number;
  hr: Array<{ ts: number; bpm: number }>;
  lastHr: { ts: number; bpm: number; worn: boolean } | undefined;
  /** The field and tag names the student's readings carried (the raw CSV's columns). */
  fields: Set<string>;
  tags: Set<string>;
}

export interface LessonTally {
  /** One captured reading of a roster student (pens in time order per pen: out of order starts a stroke). */
  add(student: string, r: Reading): void;
  rows(endMs: number): StudentLessonRow[];
  columns(student: string): { fields: string[]; tags: string[] };
}

/**
 * The rows kept up to date reading by reading (a class session's capture): memory per student is
 * its pages, seconds with points and heart-rate samples, never its points.
 */
export function createLessonTally(roster: ReadonlyArray<{ device: string; student: string }>, templateOf: TemplateOf, zones: HeartRateZones = DEFAULT_ZONES): LessonTally {
  const acc = new Map<string, Acc>();
  for (const r of roster) {
    if (!acc.has(r.student)) {
      acc.set(r.student, { readings: 0, first: Infinity, last: -Infinity, strokes: new Map(), strokeCount: 0, pages: new Set(), seconds: new Set(), points: 0, pressureSum: 0, pressureN: 0, hr: [], lastHr: undefined, fields: new Set(), tags: new Set() });
    }
  }
  return {
    add(student, r) {
      const a = acc.get(student);
      if (a === undefined) return;
      a.readings++;
      if (r.ts < a.first) a.first = r.ts;
      if (r.ts > a.last) a.last = r.ts;
      for (const k in r.fields) a.fields.add(k);
      for (const k in r.tags) a.tags.add(k);
      const b = templateOf(r.template)?.behaviour;
      const pen = b?.pen;
      if (pen !== undefined) {
        a.points++;
        const next = startsStroke(a.strokes.get(r.template), r, pen);
        if (next.starts) a.strokeCount++;
        a.strokes.set(r.template, next.state);
        if (pen.page !== undefined) a.pages.add(String(r.tags[pen.page] ?? r.fields[pen.page] ?? ''));
        a.seconds.add(Math.floor(r.ts / 1000));
        const p = pen.pressure === undefined ? undefined : r.fields[pen.pressure];
        if (typeof p === 'number') { a.pressureSum += p; a.pressureN++; }
      }
      const hb = b?.heartRate;
      const bpm = hb === undefined ? undefined : r.fields[hb.field];
      if (hb !== undefined && typeof bpm === 'number') {
        const worn = hb.worn === undefined || r.fields[hb.worn] !== false;
        if (a.lastHr === undefined || r.ts >= a.lastHr.ts) a.lastHr = { ts: r.ts, bpm, worn };
        if (worn) a.hr.push({ ts: r.ts, bpm });
      }
    },
    columns(student) {
      const a = acc.get(student);
      return { fields: [...(a?.fields ?? [])].sort(), tags: [...(a?.tags ?? [])].sort() };
    },
    rows(endMs) {
      return [...acc].map(([student, a]) => {
        const hr = [...a.hr].sort((x, y) => x.ts - y.ts);
        const zoneMs = new Array<number>(zones.bounds.length + 1).fill(0);
        hr.forEach((s, i) => {
          const until = Math.min(hr[i + 1]?.ts ?? endMs, s.ts + zones.holdMs, endMs);
          zoneMs[zoneOf(s.bpm, zones) - 1]! += Math.max(0, until - s.ts);
        });
        const mvpaMs = zoneMs.slice(zones.mvpaFromZone - 1).reduce((x, y) => x + y, 0);
        return {
          student,
          devices: roster.filter((r) => r.student === student).map((r) => r.device),
          readings: a.readings,
          first_ms: a.readings ? a.first : null,
          last_ms: a.readings ? a.last : null,
          pen_points: a.points,
          strokes: a.strokeCount,
          pages: a.pages.size,
          writing_min: round(a.seconds.size / 60, 2),
          pressure_mean: a.pressureN ? round(a.pressureSum / a.pressureN, 1) : null,
          heart_rate_samples: hr.length,
          heart_rate_mean_bpm: hr.length ? round(hr.reduce((x, s) => x + s.bpm, 0) / hr.length, 1) : null,
          heart_rate_max_bpm: hr.length ? hr.reduce((m, s) => Math.max(m, s.bpm), -Infinity) : null,
          heart_rate_last_bpm: a.lastHr?.bpm ?? null,
          zone_last: a.lastHr === undefined ? null : zoneOf(a.lastHr.bpm, zones),
          off_wrist: a.lastHr !== undefined && !a.lastHr.worn,
          zone_min: zoneMs.map((ms) => round(ms / 60_000, 2)),
          mvpa_min: round(mvpaMs / 60_000, 2),
        };
      });
    },
  };
}

/** Rows in roster order (each student once) from readings in any order (sorted by time first). */
export function lessonRows(captured: ReadonlyArray<{ student: string; reading: Reading }>, o: LessonRowsOptions): StudentLessonRow[] {
  const tally = createLessonTally(o.roster, o.templateOf, o.zones);
  for (const c of [...captured].sort((a, b) => a.reading.ts - b.reading.ts)) tally.add(c.student, c.reading);
  return tally.rows(o.endMs);
}
