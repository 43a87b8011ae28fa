/**
 * Class sessions: a teacher's lesson in a room over a time span, with a roster
 * binding personal devices the school registered (smart pens, wristbands,
 * clickers, cards) to students. The limits below are the session rules the
 * manager enforces against its clock (see README.md).
 */
import { z } from 'zod';

const isoTime = z.iso.datetime({ offset: true });

/** A session lasts at most this long: a roster is for one lesson, not a standing watch. */
/**
 * Readings a session keeps in memory (for `format=json|csv`): a pen point costs ~350 bytes there,
 * so 1,000,000 was ~330 MiB per session, ten classrooms writing past any gateway's memory. The
 * lesson exports (per-student summary, the raw zip) and the wall do not need them: they read the
 * per-student rows kept at capture and the session's file.
 */
export const DEFAULT_CAPTURE_LIMIT = 100_000;
export const MAX_SESSION_MS = 4 * 3_600_000;
/** How far before the gateway's clock a start may lie (a browser's clock is a little off). */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** How far ahead a session may be scheduled. */
export const MAX_AHEAD_MS = 7 * 86_400_000;

export const rosterEntrySchema = z.strictObject({
  /** The id of a device the school registered for one student (pen `P-00123`, band `W-2231`, clicker, card). */
  device: z.string().min(1).max(128),
  student: z.string().min(1).max(200),
});

/** A roster entry as the session keeps it: with the template of the registered device. */
export const boundRosterEntrySchema = rosterEntrySchema.extend({ template: z.string() });

export const createSessionSchema = z.strictObject({
  room: z.string().min(1).max(64),
  class: z.string().min(1).max(64),
  subject: z.string().min(1).max(100),
  /** Defaults to now. */
  start: isoTime.optional(),
  /** Defaults to start + 45 min. */
  end: isoTime.optional(),
  roster: z.array(rosterEntrySchema).max(500).default([]),
}).superRefine((s, ctx) => {
  if (s.start && s.end && Date.parse(s.end) <= Date.parse(s.start)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'end must be after start' });
  // Lines are named 1-based, as the teacher wrote them; the value itself is not echoed.
  const seen = new Map<string, number>();
  s.roster.forEach((r, i) => {
    const first = seen.get(r.device);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['roster', i, 'device'], message: `roster line ${i + 1}: the same device as line ${first + 1}` });
    else seen.set(r.device, i);
  });
});

export const sessionStatusSchema = z.enum(['scheduled', 'live', 'ended', 'stopped']);

export const sessionSchema = z.object({
  id: z.string(),
  owner: z.string(),
  room: z.string(),
  class: z.string(),
  subject: z.string(),
  start: z.string(),
  end: z.string(),
  stopped_at: z.string().nullable(),
  status: sessionStatusSchema,
  roster: z.array(boundRosterEntrySchema),
});

export const liveEntrySchema = z.object({
  device: z.string(),
  template: z.string(),
  /** What the live views draw it as, from its template's behaviour: pen (the wall), heart-rate (the PE view), other. */
  kind: z.enum(['pen', 'heart-rate', 'other']),
  student: z.string(),
  connected: z.boolean(),
  last_seen: z.string().nullable(),
  readings: z.number().int(),
});

/** One student's lesson so far (lesson-summary.ts): pens' strokes and pages, bands' zones. */
export const liveStudentSchema = z.object({
  student: z.string(),
  devices: z.array(z.string()),
  strokes: z.number().int(),
  pages: z.number().int(),
  writing_min: z.number(),
  heart_rate_last_bpm: z.number().nullable(),
  zone_last: z.number().int().nullable(),
  off_wrist: z.boolean(),
  zone_min: z.array(z.number()),
  mvpa_min: z.number(),
});

export const liveSessionSchema = sessionSchema.extend({
  live: z.array(liveEntrySchema),
  students: z.array(liveStudentSchema),
  /** The heart-rate zones' lower bounds in bpm (zone 2 first) and the first MVPA zone, as the PE summary counts them. */
  zones: z.object({ bounds: z.array(z.number()), mvpa_from_zone: z.number().int() }),
  connected: z.number().int(),
  captured: z.number().int(),
  /** Readings not kept because the session hit its capture limit. */
  dropped_readings: z.number().int(),
});

export type CreateSession = z.output<typeof createSessionSchema>;
export type RosterEntry = z.output<typeof rosterEntrySchema>;
export type BoundRosterEntry = z.output<typeof boundRosterEntrySchema>;
export type SessionStatus = z.output<typeof sessionStatusSchema>;
export type SessionView = z.output<typeof sessionSchema>;
export type LiveSessionView = z.output<typeof liveSessionSchema>;
