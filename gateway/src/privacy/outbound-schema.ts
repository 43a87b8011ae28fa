/**
 * The shape of every message that may leave the school, one zod schema per kind (summaries of
 * each kind, alarms). Strings are closed sets: names from the config and the templates
 * (`OutboundNames`), constants of the gateway, or patterns of values the gateway makes itself
 * (message ids, ISO times, pseudonyms, `<room>@<time>` sessions). No string field accepts free
 * text, so nothing a device sent can leave in one. Numbers are finite; value keys are
 * snake_case and never the name of an `id`/`health` field or `person`.
 * What-leaves-the-school lists the same fields: edge/WHAT-LEAVES-THE-SCHOOL.md.
 */
import { z } from 'zod';
import { SUMMARY_KINDS, type SummaryKind } from '../core/topics.js';
import type { OutboundNames } from './outbound-names.js';
import type { FieldLike } from './template-like.js';

/** `messageId` (summaries/message-id.ts) and the sessions API's ids: UUID-shaped. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const VALUE_KEY = /^[a-z][a-z0-9_]{0,63}$/;
/** Rejection codes are the gateway's and the templates' (`out_of_range`, `bad_json` …). */
const REASON = /^[a-z][a-z0-9_]{0,39}$/;
/** What an alarm field is called when the template does not declare it (the alarm still leaves). */
export const UNKNOWN_ALARM = 'unknown';
export const OFFLINE_ALARM = 'offline';

const isoTime = z.iso.datetime();

export interface OutboundSchemas {
  /** Each summary field, to check and keep or drop them one by one. */
  summaryEnvelope: z.ZodType;
  valueKey: z.ZodType<string>;
  rowTags: Record<SummaryKind, z.ZodType>;
  /** Each alarm field, to check and replace them one by one (an alarm is never dropped). */
  alarm: {
    id: z.ZodType; site: z.ZodType; template: z.ZodType; device: z.ZodType; room: z.ZodType; building: z.ZodType;
    state: z.ZodType; time: z.ZodType;
  };
  /** Whole messages, for `check`. */
  summary: z.ZodType;
  alarmMessage: z.ZodType;
}

export function createOutboundSchemas(names: OutboundNames): OutboundSchemas {
  const named = (test: (s: string) => boolean, what: string) => z.string().refine(test, { message: `not a ${what} of the config or templates` });
  const room = named(names.isRoom, 'room');
  const building = named(names.isBuilding, 'building');
  const device = named(names.isDevice, 'device');
  const template = named(names.isTemplate, 'template');
  const session = z.string().refine((s) => {
    if (UUID_PATTERN.test(s)) return true;
    const at = s.lastIndexOf('@');
    return at > 0 && names.isRoom(s.slice(0, at)) && isoTime.safeParse(s.slice(at + 1)).success;
  }, { message: 'not a session id or <room>@<time>' });
  const valueKey = z.string().regex(VALUE_KEY).refine((k) => !names.privateKeys().has(k), { message: 'the name of a private field' });
  const numbers = z.record(valueKey, z.number());
  const scoped = <S extends string, T extends z.ZodRawShape>(scope: S, shape: T) => z.strictObject({ scope: z.literal(scope), ...shape });
  const room1 = z.discriminatedUnion('scope', [scoped('room', { room })]);
  const sessions = z.discriminatedUnion('scope', [scoped('session', { session, room })]);
  const rowTags: Record<SummaryKind, z.ZodType> = {
    energy: z.discriminatedUnion('scope', [
      scoped('meter', { device, template, room, building: building.optional() }),
      scoped('building', { building }),
    ]),
    lighting: room1,
    usage: room1,
    environment: room1,
    'device-health': z.discriminatedUnion('scope', [
      scoped('template', { template }),
      scoped('rejected', { template, reason: z.string().regex(REASON) }),
    ]),
    'pe-activity': sessions,
    'writing-activity': sessions,
  };
  const envelope = {
    id: z.string().regex(UUID_PATTERN),
    site: z.literal(names.site),
    kind: z.enum(SUMMARY_KINDS),
    resolution: z.enum(['window', 'hour', 'day']),
    windowStart: isoTime,
    windowEnd: isoTime,
  };
  const summaryEnvelope = z.object(envelope);
  const summary = z.strictObject({ ...envelope, values: numbers, rows: z.array(z.object({ tags: z.unknown(), values: numbers }).strict()) })
    .superRefine((m, ctx) => {
      m.rows.forEach((row, i) => {
        const r = rowTags[m.kind].safeParse(row.tags);
        if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', path: ['rows', i, 'tags', ...issue.path], message: issue.message });
      });
    });
  const alarm = {
    id: z.string().regex(UUID_PATTERN), site: z.literal(names.site), template, device, room, building,
    state: z.enum(['raised', 'cleared']), time: isoTime,
  };
  const alarmMessage = z.strictObject({
    id: alarm.id, site: alarm.site, kind: z.literal('alarm'), template, device, room: room.optional(), building: building.optional(),
    alarm: z.string(), value: z.union([z.boolean(), z.string()]), state: alarm.state, windowStart: isoTime, windowEnd: isoTime,
  }).superRefine((m, ctx) => {
    if (m.alarm === OFFLINE_ALARM || m.alarm === UNKNOWN_ALARM) {
      if (typeof m.value !== 'boolean') ctx.addIssue({ code: 'custom', path: ['value'], message: 'an offline alarm\'s value is a boolean' });
      return;
    }
    const f = names.alarmField(m.template, m.alarm);
    if (f === undefined) ctx.addIssue({ code: 'custom', path: ['alarm'], message: 'not an alarm field of the template' });
    else if (!alarmValueOk(f, m.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'not a value of the alarm field' });
  });
  return { summaryEnvelope, valueKey, rowTags, alarm, summary, alarmMessage };
}

/** A boolean field's boolean, or one of an enum field's declared values. */
export function alarmValueOk(field: FieldLike, v: unknown): boolean {
  if (field.type === 'boolean') return typeof v === 'boolean';
  return typeof v === 'string' && (field.values?.includes(v) ?? false);
}
