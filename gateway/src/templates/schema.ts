/**
 * The device-template format (device-templates/README.md) as zod schemas: pass 1
 * of validation. Types are inferred from here; cross-checks live in validate.ts.
 */
import { z } from 'zod';
import { MAX_STRING_LIMIT } from '../core/storable.js';
import { behaviourSchema } from './behaviour.js';
import { REJECT_CODES } from './result.js';

export const FIELD_TYPES = ['number', 'integer', 'boolean', 'string', 'enum'] as const;
export const TRANSPORTS = ['mqtt', 'modbus', 'serial'] as const;
export const BYTE_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
export const RAW_TYPES = ['u16', 'i16', 'u32', 'i32', 'f32', 'f64', 'bool', 'bit'] as const;

/** A raw wire value mapped to a field value (enum map, 0/1 → boolean …). Keys are the raw value as text. */
const valueMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const scale = z.number().refine((n) => n !== 0 && Number.isFinite(n), 'a finite non-zero number');

export const fieldSchema = z.strictObject({
  name: z.string().min(1).describe('Normalized field name: snake_case with a unit suffix.'),
  zh: z.string().min(1).describe('The field\'s name in Chinese (zh-CN), shown by the dashboard, its charts and the exports in Chinese (e.g. 亮度 for brightness_pct); no unit.'),
  type: z.enum(FIELD_TYPES),
  unit: z.string().min(1).optional().describe('Unit (W, kWh, °C, %, ppm, …); the field name must end with its suffix (_w, _kwh, _c, _pct, _ppm).'),
  min: z.number().optional().describe('Lowest valid value; required on number and integer fields.'),
  max: z.number().optional().describe('Highest valid value; required on number and integer fields.'),
  values: z.array(z.string().min(1)).min(1).optional().describe('Allowed values of an enum field.'),
  maxLength: z.number().int().min(1).max(MAX_STRING_LIMIT).optional().describe('Longest value of a string field, in characters (default 256); a longer one is rejected as invalid_string.'),
  privacy: z.enum(['id', 'health']).optional().describe('id = personal identifier (pseudonymized before it leaves); health = personal health data.'),
  role: z.enum(['gauge', 'counter', 'state', 'event']).describe('gauge = sampled value, counter = cumulative, state = on/off or mode, event = carried by an event payload.'),
  alarm: z.union([z.boolean(), z.array(z.string().min(1)).min(1)]).optional().describe('boolean field: true means alarm; enum field: the values that are alarms (e.g. door [forced]).'),
  description: z.string().optional(),
  zhDescription: z.string().min(1).optional().describe('The description in Chinese; required when `description` is given.'),
});

/** Where a field comes from in a JSON payload: a key path (`a.b`) or the path with transforms. */
export const jsonSourceSchema = z.union([
  z.string().min(1),
  z.strictObject({
    key: z.string().min(1),
    scale: scale.optional(),
    offset: z.number().optional(),
    map: valueMap.optional(),
    join: z.string().optional().describe('Array of strings joined with this separator into a string field (e.g. symptom flags).'),
    optional: z.boolean().optional().describe('A missing key is not an error; the field is simply absent from the reading.'),
  }),
]);

export const mqttSectionSchema = z.strictObject({
  tsKey: z.string().min(1).default('ts').describe('Payload key holding epoch ms; absent → the gateway\'s receive time.'),
  many: z.boolean().default(false).describe('The payload may be one sample or an array of samples.'),
  fields: z.record(z.string(), jsonSourceSchema).default({}).describe('field name → payload key (telemetry payloads).'),
  tags: z.record(z.string(), z.string().min(1)).optional().describe('tag name → payload key.'),
  eventKey: z.string().min(1).default('evt').describe('Key naming the event in event payloads.'),
  events: z.record(z.string(), z.strictObject({ fields: z.record(z.string(), jsonSourceSchema) })).optional().describe('event name → its fields (field name → payload key).'),
  /** Nested arrays expanded into one reading per point with running timestamps (smart-pen strokes). */
  expand: z.strictObject({
    array: z.string().min(1),
    indexTag: z.string().min(1),
    t0: z.string().min(1),
    points: z.string().min(1),
    dtColumn: z.number().int().min(0),
    columns: z.record(z.string(), z.strictObject({
      index: z.number().int().min(0),
      scale: scale.optional(),
      offset: z.number().optional(),
    })),
  }).optional(),
});

export const modbusPointSchema = z.strictObject({
  field: z.string().min(1),
  table: z.enum(['coil', 'discrete', 'input', 'holding']).describe('coil FC01/05, discrete FC02, input FC04, holding FC03/06/16.'),
  address: z.number().int().min(0).max(65535).describe('0-based protocol address.'),
  type: z.enum(RAW_TYPES),
  order: z.enum(BYTE_ORDERS).default('ABCD').describe('Bytes in wire order are A B (first register) C D …: ABCD big-endian, CDAB words swapped, BADC bytes swapped, DCBA reversed.'),
  bit: z.number().int().min(0).max(15).optional().describe('For bit: the bit of the 16-bit word (0 = least significant).'),
  mask: z.number().int().min(1).max(0xffff).optional().describe('For u16: keep only these bits, shifted down to bit 0.'),
  scale: scale.default(1).describe('value = raw × scale + offset (after bit/mask and byte order, before the range check).'),
  offset: z.number().default(0),
  map: valueMap.optional().describe('Raw value (as text) → field value, for enums and 0/1 booleans.'),
  writable: z.boolean().default(false).describe('The gateway may write this point (coil or holding only).'),
});

export const modbusSectionSchema = z.strictObject({ points: z.array(modbusPointSchema).min(1) });

const columnSchema = z.union([
  z.strictObject({ const: z.string(), code: z.enum(REJECT_CODES).optional(), reason: z.string().optional() }),
  z.strictObject({ field: z.string().min(1), scale: scale.optional(), offset: z.number().optional(), map: valueMap.optional() }),
  z.strictObject({ select: z.record(z.string(), z.strictObject({ field: z.string().min(1), unit: z.string().min(1) })) }),
  z.strictObject({ selectedValue: z.literal(true) }),
  z.strictObject({ selectedUnit: z.literal(true) }),
  z.strictObject({ skip: z.literal(true) }),
]);

const groupSchema = z.strictObject({
  field: z.string().min(1),
  scale: scale.optional(),
  offset: z.number().optional(),
  map: valueMap.optional(),
});

export const lineRuleSchema = z.union([
  z.strictObject({ csv: z.array(columnSchema).min(1), event: z.string().min(1).optional() }),
  z.strictObject({ regex: z.string().min(2), groups: z.record(z.string(), groupSchema), event: z.string().min(1).optional() }),
  z.strictObject({ regex: z.string().min(2), error: z.strictObject({ code: z.enum(REJECT_CODES), reason: z.string().min(1) }) }),
]);

export const serialSectionSchema = z.strictObject({
  baudRate: z.number().int().min(50).max(4_000_000),
  dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  delimiter: z.string().min(1).default('\r\n').describe('Line terminator.'),
  poll: z.strictObject({ commands: z.array(z.string().min(1)).min(1), intervalMs: z.number().int().min(100).optional() }).optional().describe('Request/response polling: commands written each interval (PJLink).'),
  checksum: z.enum(['nmea']).optional().describe('nmea: $…*hh, hh = XOR of the bytes between $ and *; stripped before the grammar runs.'),
  lines: z.array(lineRuleSchema).default([]).describe('Line grammars: csv columns dispatched on the first (const) column, or anchored regexes with named groups.'),
});

const base = {
  $schema: z.string().optional(),
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a kebab-case template id'),
  name: z.string().min(1),
  zh: z.string().min(1).describe('The device type\'s name in Chinese (zh-CN), e.g. 教室护眼灯组.'),
  category: z.string().min(1),
  description: z.string().optional(),
  fields: z.array(fieldSchema).min(1),
  tags: z.array(z.string().min(1)).optional().describe('Names of the tags a reading carries (their source is in the transport section).'),
  offlineAfterMs: z.number().int().min(1000).optional().describe('A device silent for longer than this is offline.'),
  reportIntervalMs: z.number().int().min(1000).optional().describe('How often the device sends while it works (a pen while writing, a band through its base). Live views (a class session, the handwriting wall, the PE view) call it connected only while its last data is younger than this; without it, offlineAfterMs.'),
  decoder: z.string().min(1).optional().describe('A small pure decoder module beside the template, only where data cannot express it.'),
  behaviour: behaviourSchema.optional(),
};

export const templateSchema = z.discriminatedUnion('transport', [
  z.strictObject({ ...base, transport: z.literal('mqtt'), mqtt: mqttSectionSchema }),
  z.strictObject({ ...base, transport: z.literal('modbus'), modbus: modbusSectionSchema }),
  z.strictObject({ ...base, transport: z.literal('serial'), serial: serialSectionSchema }),
]);

export type FieldType = (typeof FIELD_TYPES)[number];
export type FieldDef = z.output<typeof fieldSchema>;
export type Template = z.output<typeof templateSchema>;
export type MqttTemplate = Extract<Template, { transport: 'mqtt' }>;
export type ModbusTemplate = Extract<Template, { transport: 'modbus' }>;
export type SerialTemplate = Extract<Template, { transport: 'serial' }>;
export type JsonSource = z.output<typeof jsonSourceSchema>;
export type ModbusPoint = z.output<typeof modbusPointSchema>;
export type LineRule = z.output<typeof lineRuleSchema>;
export type ValueMap = z.output<typeof valueMap>;
