/**
 * A roster as teachers have it: pasted from a spreadsheet or typed, one `device<sep>student`
 * a line (issue #19). Pure.
 *
 * The separator is the first tab, comma `,`, full-width comma `，`, enumeration comma `、` or
 * semicolon `;`/`；` of the line; the student is what follows it. Cells are trimmed of spaces
 * (the full-width space U+3000 and a byte-order mark too) and of CSV double quotes. Blank
 * lines, `#` comments and a first line that reads like a header ("device,student",
 * "设备,学生") are skipped. Line numbers are 1-based and count every line the teacher typed,
 * so "line 3" is the third line of the textarea.
 */
import { z } from 'zod';

export const ROSTER_SEPARATORS = ['\t', ',', '，', '、', ';', '；'] as const;
const SEPARATOR = /[\t,，、;；]/;
/** As many lines as a session's roster may hold. */
export const MAX_ROSTER_LINES = 500;
export const MAX_ROSTER_TEXT = 100_000;

const HEADER_DEVICE = new Set(['device', 'devices', 'device id', 'device_id', 'id', '设备', '设备号', '设备编号', '设备id', '设备 id']);
const HEADER_STUDENT = new Set(['student', 'students', 'name', 'student name', 'student_name', '学生', '姓名', '学生姓名', '名字']);

export const rosterTextSchema = z.strictObject({ text: z.string().max(MAX_ROSTER_TEXT) });

export interface RosterTextLine { line: number; device: string; student: string }
export type RosterTextReason = 'no_separator' | 'no_device' | 'no_student' | 'too_long' | 'too_many_lines';
export interface RosterTextProblem { line: number; reason: RosterTextReason }

const REASONS: Record<RosterTextReason, string> = {
  no_separator: 'has no separator between device and student (use a tab, comma, "，", "、" or ";")',
  no_device: 'has no device before the separator',
  no_student: 'has no student name after the separator',
  too_long: 'is too long (a device id has at most 128 characters, a name at most 200)',
  too_many_lines: `is past the ${MAX_ROSTER_LINES} lines a roster may hold`,
};

/**
 * A problem in plain words. With `typed`, the teacher's own line is quoted back (a preview
 * answer to the teacher); without, only the line number is named (an error that may be logged).
 */
export function rosterProblemText(p: RosterTextProblem, typed?: string): string {
  const quoted = typed === undefined ? '' : ` "${typed.length > 80 ? `${typed.slice(0, 80)}…` : typed}"`;
  return `line ${p.line}:${quoted} ${REASONS[p.reason]}`;
}

const cell = (s: string) => {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replaceAll('""', '"').trim() : t;
};

/** A first line that names the columns ("device,student", "设备,学生", "设备编号,姓名" …). */
export function isRosterHeader(device: string, student: string): boolean {
  return HEADER_DEVICE.has(device.toLowerCase()) && HEADER_STUDENT.has(student.toLowerCase());
}

/** The typed lines, 1-based (index 0 is line 1), as split by the parser. */
export function rosterTextLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Every roster line of the text, and every line it cannot read. */
export function parseRosterText(text: string): { lines: RosterTextLine[]; problems: RosterTextProblem[] } {
  const lines: RosterTextLine[] = [];
  const problems: RosterTextProblem[] = [];
  let first = true;
  rosterTextLines(text).forEach((raw, i) => {
    const line = i + 1;
    const l = raw.trim();
    if (!l || l.startsWith('#')) return;
    const wasFirst = first;
    first = false;
    const at = SEPARATOR.exec(l);
    if (!at) { problems.push({ line, reason: 'no_separator' }); return; }
    const device = cell(l.slice(0, at.index));
    const student = cell(l.slice(at.index + 1));
    if (wasFirst && isRosterHeader(device, student)) return;
    if (!device) problems.push({ line, reason: 'no_device' });
    else if (!student) problems.push({ line, reason: 'no_student' });
    else if (device.length > 128 || student.length > 200) problems.push({ line, reason: 'too_long' });
    else if (lines.length >= MAX_ROSTER_LINES) problems.push({ line, reason: 'too_many_lines' });
    else lines.push({ line, device, student });
  });
  return { lines, problems };
}
