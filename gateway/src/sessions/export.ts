/**
 * A class session's readings per student, as JSON (with a per-student summary:
 * pen strokes, heart rate, clicker answers) or CSV (one row per reading). Pure.
 * What is a pen point, a heart rate or an answer, and which fields a reading carries, is the
 * template's `behaviour` (pen, heartRate, answer, session.fields; device-templates/README.md).
 */
import type { FieldValue, Reading } from '../core/reading.js';
import type { TemplateLike } from '../privacy/template-like.js';
import { startsStroke, type StrokeState } from '../templates/behaviour.js';
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
  timeZone: string;
  exportedAt: string;
  students: StudentExport[];
}

export type TemplateOf = (id: string) => TemplateLike | undefined;

const isAnswer = (r: Reading, t: TemplateLike | undefined): boolean => {
  const a = t?.behaviour?.answer;
  return a !== undefined && (a.field in r.fields || (a.event !== undefined && r.event === a.event));
};

/** The fields `behaviour.session.fields` lets out (all, for a template without the list or one unloaded since). */
function exportedFields(r: Reading, t: TemplateLike | undefined): Record<string, FieldValue> {
  const keep = t?.behaviour?.session?.fields;
  if (keep === undefined) return r.fields;
  const out: Record<string, FieldValue> = {};
  for (const k of keep) if (r.fields[k] !== undefined) out[k] = r.fields[k];
  return out;
}

/**
 * Times are the site's local ISO 8601 with offset (`2026-12-05T07:32:00.000+08:00`); UTC when no zone is given.
 * `templateOf` gives each reading's template (its behaviour); without it only counts by template are summed.
 */
export function buildSessionExport(session: SessionView, captured: readonly CapturedReading[], exportedAt: number, zone: SiteZone = createSiteZone('UTC'), templateOf: TemplateOf = () => undefined): SessionExport {
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
    const strokeAt = new Map<string, StrokeState>();
    let strokes = 0;
    let penPoints = 0;
    const hr: number[] = [];
    let answers = 0;
    for (const { reading: r } of rows) {
      byTemplate[r.template] = (byTemplate[r.template] ?? 0) + 1;
      const t = templateOf(r.template);
      const pen = t?.behaviour?.pen;
      if (pen !== undefined) {
        penPoints += 1;
        // a new stroke: the stroke tag or page changed, or the pen was up longer than the template's strokeGapMs
        const next = startsStroke(strokeAt.get(r.template), r, pen);
        if (next.starts) strokes++;
        strokeAt.set(r.template, next.state);
      }
      const hrField = t?.behaviour?.heartRate?.field;
      const bpm = hrField === undefined ? undefined : r.fields[hrField];
      if (typeof bpm === 'number') hr.push(bpm);
      if (isAnswer(r, t)) answers++;
    }
    return {
      student,
      devices: session.roster.filter((r) => r.student === student).map((r) => r.device),
      summary: {
        readings: rows.length, by_template: byTemplate, pen_points: penPoints, pen_strokes: strokes,
        heart_rate_samples: hr.length,
        heart_rate_mean_bpm: hr.length ? Math.round((hr.reduce((a, b) => a + b, 0) / hr.length) * 10) / 10 : null,
        heart_rate_max_bpm: hr.length ? hr.reduce((a, b) => Math.max(a, b), -Infinity) : null,
        clicker_answers: answers,
      },
      readings: rows.map(({ key, reading: r }) => ({
        ts: zone.iso(r.ts), template: r.template, device: key, event: r.event ?? null, tags: r.tags, fields: exportedFields(r, templateOf(r.template)),
      })),
    };
  });
  const times = { start: local(session.start), end: local(session.end), stoppedAt: session.stoppedAt === null ? null : local(session.stoppedAt) };
  return { session: { ...session, ...times }, timeZone: zone.name, exportedAt: zone.iso(exportedAt), students };
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
