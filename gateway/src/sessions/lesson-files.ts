/**
 * The lesson export as a teacher opens it: a per-student summary (one row per student) as
 * CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX (exceljs), and the raw readings as a zip
 * holding one CSV per student (fflate, deflated), never one sheet of millions of rows (Excel stops
 * at 1,048,576). Headers are in the UI's language with units; times are the site's local time.
 */
// exceljs (~28 MiB resident) and fflate are loaded when a lesson is exported, not at start.
import type { ZipDeflate } from 'fflate';
import type { FieldValue, Reading } from '../core/reading.js';
import { DEFAULT_ZONES, type HeartRateZones } from '../summaries/kinds/pe-activity.js';
import type { SiteZone } from '../lib/zone.js';
import { csvCell } from './export.js';
import type { StudentLessonRow } from './lesson-summary.js';
import type { SessionView } from './schema.js';

export const EXPORT_LANGS = ['zh-CN', 'en'] as const;
export type ExportLang = (typeof EXPORT_LANGS)[number];

const WORDS = {
  en: {
    student: 'Student', devices: 'Devices', first: 'First data (local time)', last: 'Last data (local time)', readings: 'Readings',
    strokes: 'Strokes', pages: 'Pages', writing: 'Writing time (min)', pressure: 'Mean pen pressure (0–1023)',
    hrMean: 'Mean heart rate (bpm)', hrMax: 'Max heart rate (bpm)', zone: 'Zone', mvpa: 'MVPA (min)', min: 'min', bpm: 'bpm',
    summary: 'Summary', session: 'Session', class: 'Class', subject: 'Subject', room: 'Room', start: 'Start (local time)',
    end: 'End (local time)', timeZone: 'Time zone', exportedAt: 'Exported (local time)',
    time: 'Time (local)', device: 'Device', template: 'Device type', event: 'Event',
  },
  'zh-CN': {
    student: '学生', devices: '设备', first: '首次数据（本地时间）', last: '最后数据（本地时间）', readings: '数据条数',
    strokes: '笔画数', pages: '页数', writing: '书写时长（分钟）', pressure: '平均笔压（0–1023）',
    hrMean: '平均心率（次/分）', hrMax: '最高心率（次/分）', zone: '心率区间', mvpa: '中高强度活动（分钟）', min: '分钟', bpm: '次/分',
    summary: '汇总', session: '课堂', class: '班级', subject: '科目', room: '教室', start: '开始（本地时间）',
    end: '结束（本地时间）', timeZone: '时区', exportedAt: '导出时间（本地时间）',
    time: '时间（本地）', device: '设备', template: '设备类型', event: '事件',
  },
} as const;

/** `2026-12-05 07:32:00` in the site's zone (a spreadsheet shows this; the zone is named in the file). */
const localText = (zone: SiteZone, ms: number | null): string => (ms === null ? '' : zone.iso(ms).slice(0, 19).replace('T', ' '));

/** Zone column titles with their bpm ranges: `Zone 3 120–139 bpm (min)`. */
function zoneTitles(lang: ExportLang, zones: HeartRateZones): string[] {
  const w = WORDS[lang];
  const b = zones.bounds;
  return Array.from({ length: b.length + 1 }, (_, i) => {
    const range = i === 0 ? `<${b[0]}` : i === b.length ? `≥${b[i - 1]}` : `${b[i - 1]}–${b[i]! - 1}`;
    return lang === 'en' ? `${w.zone} ${i + 1} ${range} ${w.bpm} (${w.min})` : `${w.zone}${i + 1} ${range}${w.bpm}（${w.min}）`;
  });
}

export function summaryTable(rows: readonly StudentLessonRow[], zone: SiteZone, lang: ExportLang, zones: HeartRateZones = DEFAULT_ZONES): { header: string[]; rows: FieldValue[][] } {
  const w = WORDS[lang];
  const header = [w.student, w.devices, w.first, w.last, w.readings, w.strokes, w.pages, w.writing, w.pressure, w.hrMean, w.hrMax, ...zoneTitles(lang, zones), w.mvpa];
  const pen = (r: StudentLessonRow, v: number | null) => (r.pen_points > 0 ? v : null);
  const band = (r: StudentLessonRow, v: number | null) => (r.heart_rate_samples > 0 ? v : null);
  return {
    header,
    rows: rows.map((r) => [
      r.student, r.devices.join(' '), localText(zone, r.first_ms), localText(zone, r.last_ms), r.readings,
      pen(r, r.strokes), pen(r, r.pages), pen(r, r.writing_min), r.pressure_mean,
      r.heart_rate_mean_bpm, r.heart_rate_max_bpm, ...r.zone_min.map((m) => band(r, m)), band(r, r.mvpa_min),
    ].map((v) => v ?? '')),
  };
}

/** UTF-8 with a byte-order mark (Excel reads the Chinese right), CRLF lines, RFC 4180 cells. */
export function summaryCsv(rows: readonly StudentLessonRow[], zone: SiteZone, lang: ExportLang): string {
  const t = summaryTable(rows, zone, lang);
  return `\uFEFF${[t.header, ...t.rows].map((line) => line.map((v) => csvCell(v === '' ? undefined : v)).join(',')).join('\r\n')}\r\n`;
}

export async function summaryXlsx(session: SessionView, rows: readonly StudentLessonRow[], zone: SiteZone, lang: ExportLang, exportedAt: number): Promise<Buffer> {
  const w = WORDS[lang];
  const t = summaryTable(rows, zone, lang);
  const { default: Excel } = await import('exceljs');
  const book = new Excel.Workbook();
  book.created = new Date(exportedAt);
  const sheet = book.addWorksheet(w.summary, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.addRow(t.header).font = { bold: true };
  // A cell starting like a formula is text here: exceljs writes strings as shared strings, never formulas.
  for (const r of t.rows) sheet.addRow(r.map((v) => (v === '' ? null : v)));
  sheet.columns.forEach((c, i) => { c.width = Math.min(40, Math.max(10, (t.header[i]?.length ?? 10) + 2)); });
  const meta = book.addWorksheet(w.session);
  const span = (iso: string | null) => (iso === null ? '' : localText(zone, Date.parse(iso)));
  for (const [k, v] of [[w.class, session.class], [w.subject, session.subject], [w.room, session.room], [w.start, span(session.start)],
    [w.end, span(session.stopped_at ?? session.end)], [w.timeZone, zone.name], [w.exportedAt, localText(zone, exportedAt)]] as const) meta.addRow([k, v]);
  meta.getColumn(1).width = 24;
  meta.getColumn(2).width = 30;
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** A file name a teacher recognises: Chinese kept, path and reserved characters replaced. */
export function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const s = name.normalize('NFC').replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '_').replace(/^[.\s]+|[.\s]+$/g, '').slice(0, 120);
  return s === '' ? '_' : s;
}

export interface RawStudent {
  student: string;
  /** Column names (the tally's: every field and tag the student's readings carried). */
  fields: string[];
  tags: string[];
}

/**
 * Raw readings as one CSV per student (`<student>.csv`, UTF-8 with BOM) in a zip, rows in capture
 * order, times local. `each` walks every captured reading once (from the session's file): the entries
 * are written side by side (fflate buffers the deflated data of all but the first), so memory holds
 * compressed bytes, never the rows.
 */
export async function rawZip(students: readonly RawStudent[], each: (fn: (c: { student: string; key: string; reading: Reading }) => void) => Promise<void>,
  zone: SiteZone, lang: ExportLang, fieldLabel: (field: string) => string = (f) => f): Promise<{ zip: Buffer; files: Array<{ name: string; rows: number }> }> {
  const w = WORDS[lang];
  const { Zip, ZipDeflate } = await import('fflate');
  const chunks: Uint8Array[] = [];
  let failed: Error | null = null;
  let finished = false;
  const zip = new Zip((err, data, final) => {
    if (err) failed = err;
    else chunks.push(data);
    if (final) finished = true;
  });
  const enc = new TextEncoder();
  const used = new Set<string>();
  const out = new Map<string, { file: ZipDeflate; name: string; rows: number; lines: string[]; s: RawStudent }>();
  for (const s of students) {
    let name = `${safeFileName(s.student)}.csv`;
    for (let n = 2; used.has(name); n++) name = `${safeFileName(s.student)} (${n}).csv`;
    used.add(name);
    const file = new ZipDeflate(name, { level: 6 });
    zip.add(file);
    file.push(enc.encode(`\uFEFF${[w.time, w.device, w.template, w.event, ...s.tags, ...s.fields.map(fieldLabel)].map(csvCell).join(',')}\r\n`));
    out.set(s.student, { file, name, rows: 0, lines: [], s });
  }
  const flush = (o: { file: ZipDeflate; lines: string[] }) => {
    if (o.lines.length === 0) return;
    o.file.push(enc.encode(`${o.lines.join('\r\n')}\r\n`));
    o.lines = [];
  };
  await each(({ student, key, reading: r }) => {
    const o = out.get(student);
    if (o === undefined) return;
    o.lines.push([zone.iso(r.ts), key, r.template, r.event, ...o.s.tags.map((t) => r.tags[t]), ...o.s.fields.map((f) => r.fields[f])].map(csvCell).join(','));
    o.rows++;
    if (o.lines.length >= 2000) flush(o);
  });
  for (const o of out.values()) {
    flush(o);
    o.file.push(new Uint8Array(0), true);
  }
  zip.end();
  if (failed) throw failed;
  if (!finished) throw new Error('the zip did not finish');
  return { zip: Buffer.concat(chunks), files: [...out.values()].map((o) => ({ name: o.name, rows: o.rows })) };
}

/**
 * `Content-Disposition` keeping the real name (RFC 6266 / RFC 5987): `filename*=UTF-8''…` for
 * browsers, and an ASCII `filename` for the others.
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]+/g, '_').replace(/["\\]/g, '_');
  const star = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${star}`;
}
