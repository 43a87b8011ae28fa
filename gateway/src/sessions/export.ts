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
import { createSiteZone, type SiteZone } from '../lib/zone.js';

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

/** The CSV's column headers in one language: the fixed columns, a tag's and a field's (with its unit). */
export interface ExportColumns {
  fixed: Readonly<Record<'student' | 'device' | 'template' | 'ts' | 'event', string>>;
  tag(name: string): string;
  field(name: string): string;
}

/** The headers as they always were: snake_case names (`student`, `tag_page`, `heart_rate_bpm`). */
export const ENGLISH_COLUMNS: ExportColumns = {
  fixed: { student: 'student', device: 'device', template: 'template', ts: 'ts', event: 'event' },
  tag: (t) => `tag_${t}`,
  field: (f) => f,
};

/** What a template says about a field's Chinese name and unit. */
export interface FieldLabelSource { fields: ReadonlyArray<{ name: string; zh: string; unit?: string | undefined }> }

/**
 * Chinese headers (`?lang=zh-CN`): 学生, 设备 …, each field by its template's `zh` label and unit
 * (`心率 (bpm)`); a field no template labels keeps its name. Two fields with one label get their
 * names beside it, so no two columns read the same.
 */
export function chineseColumns(templates: readonly FieldLabelSource[], fieldNames: readonly string[]): ExportColumns {
  const labels = new Map<string, string>();
  for (const t of templates) for (const f of t.fields) if (!labels.has(f.name)) labels.set(f.name, f.unit ? `${f.zh} (${f.unit})` : f.zh);
  const count = new Map<string, number>();
  for (const n of fieldNames) { const l = labels.get(n) ?? n; count.set(l, (count.get(l) ?? 0) + 1); }
  return {
    fixed: { student: '学生', device: '设备', template: '设备类型', ts: '时间', event: '事件' },
    tag: (t) => `标签 ${t}`,
    field: (f) => {
      const l = labels.get(f) ?? f;
      return (count.get(l) ?? 0) > 1 && l !== f ? `${l} ${f}` : l;
    },
  };
}

/** The field names a CSV of this export has columns for, sorted. */
export function exportFieldNames(e: SessionExport): string[] {
  const names = new Set<string>();
  for (const s of e.students) for (const r of s.readings) for (const k of Object.keys(r.fields)) names.add(k);
  return [...names].sort();
}

export function sessionExportCsv(e: SessionExport, columns: ExportColumns = ENGLISH_COLUMNS): string {
  const fieldNames = new Set<string>();
  const tagNames = new Set<string>();
  for (const s of e.students) for (const r of s.readings) {
    for (const k of Object.keys(r.fields)) fieldNames.add(k);
    for (const k of Object.keys(r.tags)) tagNames.add(k);
  }
  const fields = [...fieldNames].sort();
  const tags = [...tagNames].sort();
  const c = columns.fixed;
  const header = [c.student, c.device, c.template, c.ts, c.event, ...tags.map((t) => columns.tag(t)), ...fields.map((f) => columns.field(f))];
  const lines = [header.map(csvCell).join(',')];
  for (const s of e.students) {
    for (const r of s.readings) {
      lines.push([s.student, r.device, r.template, r.ts, r.event, ...tags.map((t) => r.tags[t]), ...fields.map((f) => r.fields[f])].map(csvCell).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
