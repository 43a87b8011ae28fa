/**
 * A class session's readings per student, as JSON (with a per-student summary:
 * pen strokes, heart rate, clicker answers) or CSV (one row per reading). Pure.
 */
import type { FieldValue } from '../core/reading.js';
import type { CapturedReading } from './session-manager.js';
import type { SessionView } from './schema.js';
import { createSiteZone, type SiteZone } from '../summaries/zone.js';

export interface StudentExport {
  student: string;
  devices: string[];
  summary: {
    readings: number;
    by_template: Record<string, number>;
    pen_points: number;
    pen_strokes: number;
    heart_rate_samples: number;
    heart_rate_mean_bpm: number | null;
    heart_rate_max_bpm: number | null;
    clicker_answers: number;
  };
  readings: Array<{ ts: string; template: string; device: string; event: string | null; tags: Record<string, string>; fields: Record<string, FieldValue> }>;
}

export interface SessionExport {
  session: SessionView;
  /** The site's time zone; every time in the export is local ISO 8601 with its offset. */
  time_zone: string;
  exported_at: string;
  students: StudentExport[];
}

const isAnswer = (c: CapturedReading) => c.reading.template === 'response-clicker' && ('choice' in c.reading.fields || c.reading.event === 'answer');

/** Times are the site's local ISO 8601 with offset (`2026-12-05T07:32:00.000+08:00`); UTC when no zone is given. */
export function buildSessionExport(session: SessionView, captured: readonly CapturedReading[], exportedAt: number, zone: SiteZone = createSiteZone('UTC')): SessionExport {
  const local = (iso: string): string => {
    const ts = Date.parse(iso);
    return Number.isFinite(ts) ? zone.iso(ts) : iso;
  };
  const byStudent = new Map<string, CapturedReading[]>();
  for (const r of session.roster) byStudent.set(r.student, []);
  for (const c of captured) byStudent.get(c.student)?.push(c);
  const students = [...byStudent.entries()].map(([student, rows]): StudentExport => {
    rows.sort((a, b) => a.reading.ts - b.reading.ts);
    const byTemplate: Record<string, number> = {};
    const strokes = new Set<string>();
    let penPoints = 0;
    const hr: number[] = [];
    for (const { reading: r } of rows) {
      byTemplate[r.template] = (byTemplate[r.template] ?? 0) + 1;
      if (r.template === 'smart-pen') {
        penPoints += 1;
        strokes.add(JSON.stringify(r.tags));
      }
      const bpm = r.fields.heart_rate_bpm;
      if (typeof bpm === 'number') hr.push(bpm);
    }
    return {
      student,
      devices: session.roster.filter((r) => r.student === student).map((r) => r.device),
      summary: {
        readings: rows.length, by_template: byTemplate, pen_points: penPoints, pen_strokes: strokes.size,
        heart_rate_samples: hr.length,
        heart_rate_mean_bpm: hr.length ? Math.round((hr.reduce((a, b) => a + b, 0) / hr.length) * 10) / 10 : null,
        heart_rate_max_bpm: hr.length ? Math.max(...hr) : null,
        clicker_answers: rows.filter(isAnswer).length,
      },
      readings: rows.map(({ key, reading: r }) => ({
        ts: zone.iso(r.ts), template: r.template, device: key, event: r.event ?? null, tags: r.tags, fields: r.fields,
      })),
    };
  });
  const times = { start: local(session.start), end: local(session.end), stopped_at: session.stopped_at === null ? null : local(session.stopped_at) };
  return { session: { ...session, ...times }, time_zone: zone.name, exported_at: zone.iso(exportedAt), students };
}

/**
 * A text cell a spreadsheet would read as a formula: OWASP's list (= + - @ tab CR)
 * and the full-width forms a Chinese input method types (＝ ＋ － ＠), which some
 * spreadsheets take for the same. `-1+HYPERLINK(…)` is a formula, not a number.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** One CSV cell (RFC 4180 quoting). A number stays a number cell (-3.5); text that could start a formula gets a leading `'`. */
export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  const safe = typeof v !== 'number' && FORMULA_START.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function sessionExportCsv(e: SessionExport): string {
  const fieldNames = new Set<string>();
  const tagNames = new Set<string>();
  for (const s of e.students) for (const r of s.readings) {
    for (const k of Object.keys(r.fields)) fieldNames.add(k);
    for (const k of Object.keys(r.tags)) tagNames.add(k);
  }
  const fields = [...fieldNames].sort();
  const tags = [...tagNames].sort();
  const header = ['student', 'device', 'template', 'ts', 'event', ...tags.map((t) => `tag_${t}`), ...fields];
  const lines = [header.map(csvCell).join(',')];
  for (const s of e.students) {
    for (const r of s.readings) {
      lines.push([s.student, r.device, r.template, r.ts, r.event, ...tags.map((t) => r.tags[t]), ...fields.map((f) => r.fields[f])].map(csvCell).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
