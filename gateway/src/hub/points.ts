/**
 * Uplink messages → InfluxDB line protocol (docs/interfaces.md "Storage"): summaries in
 * `summary_<kind>` (dash → underscore), one point for the site values (tag
 * `scope=site`) and one per row (the row's tags); alarms in `alarm`. Tags: `site`,
 * `resolution`, and the row's (`scope`, `room`, `building`, `device`, `template`,
 * `session`, `reason`). Time: the window start, in ms. Numbers are written as floats
 * (so a count never conflicts with a mean in the same field), the message id as `msg_id`.
 */
import { z } from 'zod';
import { SUMMARY_KINDS } from '../core/topics.js';
import { escapeKey, escapeMeasurement, numberText, quoteString } from '../lib/influx/line-escape.js';

const isoTime = z.iso.datetime({ offset: true });
const scalars = z.record(z.string(), z.number());
const tags = z.record(z.string(), z.string());

export const summarySchema = z.object({
  id: z.string().min(1).max(200),
  site: z.string().min(1),
  kind: z.enum(SUMMARY_KINDS),
  resolution: z.enum(['window', 'hour', 'day']),
  windowStart: isoTime,
  windowEnd: isoTime,
  values: scalars,
  rows: z.array(z.object({ tags, values: scalars })).default([]),
});

export const alarmSchema = z.object({
  id: z.string().min(1).max(200),
  site: z.string().min(1),
  kind: z.literal('alarm'),
  template: z.string().min(1),
  device: z.string().min(1),
  room: z.string().optional(),
  building: z.string().optional(),
  alarm: z.string().min(1),
  value: z.union([z.number(), z.boolean(), z.string()]),
  state: z.enum(['raised', 'cleared']),
  windowStart: isoTime,
  windowEnd: isoTime,
});

export const hubMessageSchema = z.union([summarySchema, alarmSchema]);
export type HubMessage = z.infer<typeof hubMessageSchema>;

function line(measurement: string, tagSet: Record<string, string | undefined>, fields: Record<string, number | boolean | string>, ts: number): string | undefined {
  const t = Object.entries(tagSet)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `,${escapeKey(k)}=${escapeKey(v, 'tag value')}`)
    .join('');
  const f: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'number' && !Number.isFinite(v)) continue;
    f.push(`${escapeKey(k, 'field key')}=${typeof v === 'string' ? quoteString(v) : typeof v === 'number' ? numberText(v) : String(v)}`);
  }
  if (f.length === 0) return undefined;
  return `${escapeMeasurement(measurement)}${t} ${f.join(',')} ${numberText(ts)}`;
}

/** Throws (from the line-protocol escapers) on a name that cannot be stored. */
export function toLines(m: HubMessage): string[] {
  const ts = Date.parse(m.windowStart);
  if (m.kind === 'alarm') {
    const l = line('alarm', { site: m.site, template: m.template, device: m.device, alarm: m.alarm, room: m.room, building: m.building }, {
      raised: m.state === 'raised', value: String(m.value), msg_id: m.id,
    }, ts);
    return l === undefined ? [] : [l];
  }
  const measurement = `summary_${m.kind.replaceAll('-', '_')}`;
  const out: string[] = [];
  const site = line(measurement, { site: m.site, resolution: m.resolution, scope: 'site' }, { ...m.values, msg_id: m.id }, ts);
  if (site !== undefined) out.push(site);
  for (const row of m.rows) {
    const l = line(measurement, { scope: 'row', ...row.tags, site: m.site, resolution: m.resolution }, { ...row.values, msg_id: m.id }, ts);
    if (l !== undefined) out.push(l);
  }
  return out;
}
