/**
 * Class sessions: a teacher's lesson in a room over a time span, with a roster
 * binding personal devices (smart pens, wristbands, clickers: the device id or
 * the pen/band/clicker id in the payload) to students.
 */
import { z } from 'zod';

const isoTime = z.iso.datetime({ offset: true });

export const rosterEntrySchema = z.strictObject({
  /** A gateway device id, or the personal identifier a relayed device carries (pen `P-00123`, band `W-2231`, clicker id). */
  device: z.string().min(1).max(128),
  student: z.string().min(1).max(200),
});

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
  const seen = new Set<string>();
  s.roster.forEach((r, i) => {
    if (seen.has(r.device)) ctx.addIssue({ code: 'custom', path: ['roster', i, 'device'], message: `device "${r.device}" is listed twice` });
    seen.add(r.device);
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
  stoppedAt: z.string().nullable(),
  status: sessionStatusSchema,
  roster: z.array(rosterEntrySchema),
});

export const liveEntrySchema = z.object({
  device: z.string(),
  student: z.string(),
  connected: z.boolean(),
  lastSeen: z.string().nullable(),
  readings: z.number().int(),
});

export const liveSessionSchema = sessionSchema.extend({
  live: z.array(liveEntrySchema),
  connected: z.number().int(),
  captured: z.number().int(),
  /** Readings not kept because the session hit its capture limit. */
  droppedReadings: z.number().int(),
});

export type CreateSession = z.output<typeof createSessionSchema>;
export type RosterEntry = z.output<typeof rosterEntrySchema>;
export type SessionStatus = z.output<typeof sessionStatusSchema>;
export type SessionView = z.output<typeof sessionSchema>;
export type LiveSessionView = z.output<typeof liveSessionSchema>;
