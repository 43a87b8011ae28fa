/**
 * A template's `behaviour` section: what the summaries and the class-session export read
 * from a device of this type (what counts as "in use", "a light", "a stroke", "an answer",
 * which field is the heart rate, which fields a session exports). The engines read only
 * this data, never a template id, so a second vendor's smart board or light is a YAML file.
 * Pass 1 is the zod shape below; pass 2 (`behaviourProblems`) checks that every name is a
 * declared field (or tag) of the right type and unit.
 */
import { z } from 'zod';
import type { FieldValue, Reading } from '../core/reading.js';

const fieldName = z.string().min(1);

/** A field and the values that make it true: `values` (enum/boolean/string) or `above` (a number). */
const conditionSchema = z.strictObject({
  field: fieldName.describe('The field tested.'),
  values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).optional().describe('Values that count (enum values, true/false).'),
  above: z.number().optional().describe('For a number or integer field: a value above this counts.'),
});

export const behaviourSchema = z.strictObject({
  inUse: z.array(conditionSchema.extend({
    metric: z.string().regex(/^[a-z][a-z0-9_]*_min$/, 'a snake_case name ending in _min').describe('Usage summary value: minutes in use per room (board_on_min).'),
  })).min(1).optional().describe('Usage summary: when the device is in use, and the metric its minutes add to.'),
  light: z.strictObject({
    on: z.array(fieldName).min(1).describe('Boolean fields, one per lamp or relay channel: true = lit.'),
    brightness: fieldName.optional().describe('Dimming level in % (for dashboards; the summary counts on-time).'),
    power: fieldName.optional().describe('Power draw in W or kW.'),
  }).optional().describe('Lighting summary: the device is a light (lamp hours, lights left on).'),
  occupancy: z.array(conditionSchema).min(1).optional().describe('Lighting summary: when the room counts as occupied (occupied: [true], people_count above 0).'),
  energy: z.strictObject({
    counters: z.array(z.strictObject({
      field: fieldName.describe('A cumulative counter field (role: counter) in kWh or m³.'),
      flow: z.enum(['energy', 'pv_yield', 'water']).describe('energy = consumed kWh, pv_yield = generated kWh, water = m³.'),
    })).min(1),
    power: fieldName.optional().describe('Power gauge in W or kW: peak power per meter.'),
  }).optional().describe('Energy summary: which counters are consumption, PV yield or water.'),
  environment: z.strictObject({
    co2: fieldName.optional().describe('CO2 in ppm.'),
    pm25: fieldName.optional().describe('PM2.5 in µg/m³ (indoors).'),
    temperature: fieldName.optional().describe('Room temperature in °C.'),
  }).optional().describe('Environment summary: the room air fields.'),
  battery: z.strictObject({
    level: fieldName.optional().describe('Battery level in %; low below the gateway\'s threshold.'),
    low: fieldName.optional().describe('Boolean: true = battery low.'),
    lowCount: fieldName.optional().describe('Integer: how many relayed devices have a low battery (a pen receiver\'s low_battery_pens).'),
  }).optional().describe('Device-health summary: how the device reports a low battery.'),
  pen: z.strictObject({
    x: fieldName.describe('X coordinate field.'),
    y: fieldName.describe('Y coordinate field.'),
    pressure: fieldName.optional().describe('Pen pressure field.'),
    stroke: fieldName.describe('Tag or field that names the stroke a point belongs to (a change starts a stroke).'),
    page: fieldName.optional().describe('Tag or field naming the page.'),
    strokeGapMs: z.number().int().min(1).max(10_000).optional().describe('A pause longer than this (ms) between two points of one pen starts a new stroke (the pen was lifted), even when the stroke tag repeats (a receiver that sends one stroke per message numbers each 0).'),
  }).optional().describe('Writing-activity summary and session export: each reading is a pen point.'),
  answer: z.strictObject({
    field: fieldName.describe('The field holding the answer (choice).'),
    event: z.string().min(1).optional().describe('An event of this name is an answer too.'),
  }).optional().describe('Session export: the device gives students\' answers (clicker).'),
  heartRate: z.strictObject({
    field: fieldName.describe('Heart rate in bpm, privacy: health. Zones are the gateway\'s (summaries options).'),
    worn: fieldName.optional().describe('Boolean field: false = the band is off the wrist (its heart rate is not the student\'s).'),
  }).optional().describe('PE-activity summary and session export: the heart-rate field.'),
  session: z.strictObject({
    fields: z.array(fieldName).describe('Fields a class session exports per reading (identifier fields never); [] = time, event and tags only.'),
  }).optional().describe('Class-session export: which fields it carries; absent = every field but the identifiers.'),
}).describe('What summaries and class sessions read from this device type. Adding a template of a known kind needs no code.');

export type Behaviour = z.output<typeof behaviourSchema>;
export type Condition = z.output<typeof conditionSchema>;

/** A condition (`values` or `above`) as a test of one value. */
export function conditionTest(c: Condition): (v: FieldValue) => boolean {
  const { values, above } = c;
  if (above !== undefined) return (v) => typeof v === 'number' && v > above;
  return (v) => values?.includes(v) ?? false;
}

/** The page/stroke a pen point belongs to, from the tags (or fields) `behaviour.pen` names. */
export function strokeKey(r: Pick<Reading, 'tags' | 'fields'>, pen: NonNullable<Behaviour['pen']>): string {
  const at = (name: string | undefined): string => (name === undefined ? '' : String(r.tags[name] ?? r.fields[name] ?? ''));
  return `${at(pen.page)}/${at(pen.stroke)}`;
}

/** A point's stroke key and time, as the stroke counter keeps the previous one. */
export interface StrokeState {
  key: string;
  ts: number;
}

/**
 * Whether the point `r` starts a new stroke after `prev` (the same pen's previous point):
 * the stroke or page named by `behaviour.pen` changed, time went back, or the pen was lifted
 * for longer than `strokeGapMs` (a receiver that sends one stroke per message numbers every
 * stroke 0, so the tag alone counts a lesson as one stroke). Updates `prev` in place.
 */
export function startsStroke(prev: StrokeState | undefined, r: Pick<Reading, 'tags' | 'fields' | 'ts'>, pen: NonNullable<Behaviour['pen']>, defaultGapMs = Infinity): { starts: boolean; state: StrokeState } {
  const key = strokeKey(r, pen);
  const gap = pen.strokeGapMs ?? defaultGapMs;
  const starts = prev === undefined || key !== prev.key || r.ts < prev.ts || r.ts - prev.ts > gap;
  if (prev === undefined) return { starts, state: { key, ts: r.ts } };
  prev.key = key;
  prev.ts = r.ts;
  return { starts, state: prev };
}
