/**
 * The preview of a pasted roster before the session starts: per typed line, whether it can go
 * on the roster and why not. Pure; the registry rules are roster.ts's.
 *
 * A line whose device the school did not register for one student (unknown, only seen on the
 * broker, a room or a base station) is `unknown_device`, one answer for all of them, and its
 * device is not echoed: the preview tells the teacher nothing about a device they cannot put on
 * a roster (issue #16). `not_personal` is folded into it for that reason.
 */
import { z } from 'zod';
import { NOT_PERSONAL, identityFields, type RosterLookup } from './roster.js';
import { parseRosterText, rosterProblemText, rosterTextLines, type RosterTextLine } from './roster-text.js';
import type { RosterEntry } from './schema.js';

export const previewStatusSchema = z.enum(['ok', 'unknown_device', 'duplicate_device', 'duplicate_student', 'in_use']);
export type PreviewStatus = z.output<typeof previewStatusSchema>;

export const rosterPreviewSchema = z.object({
  /** True when nothing blocks a start: no unreadable line, every line `ok` or `duplicate_student` (a warning). */
  ok: z.boolean(),
  lines: z.array(z.object({
    line: z.number().int(),
    status: previewStatusSchema,
    /** Only for a device registered for a student; never for `unknown_device`. */
    device: z.string().optional(),
    student: z.string(),
    message: z.string(),
  })),
  /** Lines the parser cannot read, quoting what the teacher typed; `reason` names the problem for a UI to word in its language. */
  errors: z.array(z.object({ line: z.number().int(), reason: z.enum(['no_separator', 'no_device', 'no_student', 'too_long', 'too_many_lines']), message: z.string() })),
  /** The lines that can start a session (`ok` and `duplicate_student`), in typed order. */
  roster: z.array(z.object({ device: z.string(), student: z.string() })),
});
export type RosterPreview = z.output<typeof rosterPreviewSchema>;

/** Checks parsed lines against the registry (`lookup`) and the devices other sessions hold then (`taken`). */
export function previewRosterLines(parsed: readonly RosterTextLine[], lookup: RosterLookup, taken: ReadonlySet<string>): Pick<RosterPreview, 'lines' | 'roster'> {
  const firstOfDevice = new Map<string, number>();
  const firstOfStudentKind = new Map<string, number>();
  const lines: RosterPreview['lines'] = [];
  const roster: RosterEntry[] = [];
  for (const p of parsed) {
    const d = lookup.device(p.device);
    const registered = !!d && d.provisioned && !!d.person && identityFields(lookup.template(d.template)).length > 0;
    const base = { line: p.line, student: p.student, ...(registered && { device: p.device }) };
    const sameDevice = firstOfDevice.get(p.device);
    if (sameDevice !== undefined) { lines.push({ ...base, status: 'duplicate_device', message: `line ${p.line}: the same device as line ${sameDevice}` }); continue; }
    firstOfDevice.set(p.device, p.line);
    if (!registered || !d) { lines.push({ ...base, status: 'unknown_device', message: `line ${p.line}: ${NOT_PERSONAL}` }); continue; }
    if (taken.has(p.device)) { lines.push({ ...base, status: 'in_use', message: `line ${p.line}: the device is on another class session's roster at that time` }); continue; }
    // A student may have a pen, a wristband and a clicker; two of one kind is likely a typo.
    const key = `${p.student}\u0000${d.template}`;
    const sameStudent = firstOfStudentKind.get(key);
    if (sameStudent !== undefined) lines.push({ ...base, status: 'duplicate_student', message: `line ${p.line}: this student already has a ${d.template} on line ${sameStudent}` });
    else {
      firstOfStudentKind.set(key, p.line);
      lines.push({ ...base, status: 'ok', message: `line ${p.line}: ok` });
    }
    roster.push({ device: p.device, student: p.student });
  }
  return { lines, roster };
}

/** The whole preview of a pasted text. */
export function previewRosterText(text: string, lookup: RosterLookup, taken: ReadonlySet<string>): RosterPreview {
  const { lines: parsed, problems } = parseRosterText(text);
  const typed = rosterTextLines(text);
  const errors = problems.map((p) => ({ line: p.line, reason: p.reason, message: rosterProblemText(p, typed[p.line - 1]?.trim() ?? '') }));
  const { lines, roster } = previewRosterLines(parsed, lookup, taken);
  return { ok: errors.length === 0 && lines.every((l) => l.status === 'ok' || l.status === 'duplicate_student'), lines, errors, roster };
}
