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

/** Rows in roster order (each student once); `captured` in any order. */
export function lessonRows(captured: ReadonlyArray<{ student: string; reading: Reading }>, o: LessonRowsOptions): StudentLessonRow[] {
  const zones = o.zones ?? DEFAULT_ZONES;
  const byStudent = new Map<string, Reading[]>();
  for (const r of o.roster) byStudent.set(r.student, []);
  for (const c of captured) byStudent.get(c.student)?.push(c.reading);
  return [...byStudent].map(([student, readings]) => {
    readings.sort((a, b) => a.ts - b.ts);
    const strokes = new Map<string, StrokeState>();
    const pages = new Set<string>();
    const seconds = new Set<number>();
    let points = 0;
    let strokeCount = 0;
    let pressureSum = 0;
    let pressureN = 0;
    const hr: Array<{ ts: number; bpm: number }> = [];
    let lastHr: { bpm: number; worn: boolean } | undefined;
    for (const r of readings) {
      const t = o.templateOf(r.template);
      const pen = t?.behaviour?.pen;
      if (pen !== undefined) {
        points++;
        const prev = strokes.get(r.template);
        const next = startsStroke(prev, r, pen);
        if (next.starts) strokeCount++;
        strokes.set(r.template, next.state);
        if (pen.page !== undefined) pages.add(String(r.tags[pen.page] ?? r.fields[pen.page] ?? ''));
        seconds.add(Math.floor(r.ts / 1000));
        const p = pen.pressure === undefined ? undefined : r.fields[pen.pressure];
        if (typeof p === 'number') { pressureSum += p; pressureN++; }
      }
      const hb = t?.behaviour?.heartRate;
      const bpm = hb === undefined ? undefined : r.fields[hb.field];
      if (hb !== undefined && typeof bpm === 'number') {
        const worn = hb.worn === undefined || r.fields[hb.worn] !== false;
        lastHr = { bpm, worn };
        if (worn) hr.push({ ts: r.ts, bpm });
      }
    }
    const zoneMs = new Array<number>(zones.bounds.length + 1).fill(0);
    hr.forEach((s, i) => {
      const until = Math.min(hr[i + 1]?.ts ?? o.endMs, s.ts + zones.holdMs, o.endMs);
      zoneMs[zoneOf(s.bpm, zones) - 1]! += Math.max(0, until - s.ts);
    });
    const mvpaMs = zoneMs.slice(zones.mvpaFromZone - 1).reduce((a, b) => a + b, 0);
    return {
      student,
      devices: o.roster.filter((r) => r.student === student).map((r) => r.device),
      readings: readings.length,
      first_ms: readings[0]?.ts ?? null,
      last_ms: readings.at(-1)?.ts ?? null,
      pen_points: points,
      strokes: strokeCount,
      pages: pages.size,
      writing_min: round(seconds.size / 60, 2),
      pressure_mean: pressureN ? round(pressureSum / pressureN, 1) : null,
      heart_rate_samples: hr.length,
      heart_rate_mean_bpm: hr.length ? round(hr.reduce((a, s) => a + s.bpm, 0) / hr.length, 1) : null,
      heart_rate_max_bpm: hr.length ? hr.reduce((m, s) => Math.max(m, s.bpm), -Infinity) : null,
      heart_rate_last_bpm: lastHr?.bpm ?? null,
      zone_last: lastHr === undefined ? null : zoneOf(lastHr.bpm, zones),
      off_wrist: lastHr !== undefined && !lastHr.worn,
      zone_min: zoneMs.map((ms) => round(ms / 60_000, 2)),
      mvpa_min: round(mvpaMs / 60_000, 2),
    };
  });
}
