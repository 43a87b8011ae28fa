/**
 * InfluxDB line protocol encoder (the hot path of the influx store).
 *
 * Escaping follows InfluxDB's line protocol reference ("Special characters"):
 * - measurement: comma and space;
 * - tag keys, tag values, field keys: comma, equals sign and space;
 * - string field values: double quote and backslash, value in double quotes.
 * Field values: floats as written, integers with a trailing `i`, booleans `true`/`false`.
 * "Line protocol does not support the newline character \n in tag or field values":
 * a newline (or carriage return) anywhere is rejected, never silently altered.
 * NaN and ±Infinity cannot be stored and are rejected with a reason.
 * Tags are sorted by key ("sort by tag key ... for best performance").
 * Timestamps are integer epoch milliseconds: write with `precision=ms`.
 *
 * Schema (contract.md "Storage"): measurement = template id with `-` → `_`; tags `site`,
 * `device`, `template`, plus `building`, `room`, `person` where known, the reading's own
 * tags and `event` for event readings.
 */
import { measurementOf, type Reading } from '../core/reading.js';

export type LineRejectReason =
  | 'nan_field'
  | 'infinite_field'
  | 'non_integer_field'
  | 'integer_out_of_range'
  | 'bad_field_type'
  | 'newline_in_value'
  | 'ambiguous_backslash'
  | 'empty_name'
  | 'reserved_key_time'
  | 'string_too_long'
  | 'no_fields'
  | 'bad_timestamp';

export interface EncodeOptions {
  /** Field names written as integers (`42i`); other numbers are floats. */
  integerFields?: ReadonlySet<string>;
  /** Tags added to every line (`site`, `building`, `room`, `person`); undefined or empty values are left out. */
  extraTags?: Readonly<Record<string, string | undefined>>;
}

export type EncodeResult =
  | { ok: true; line: string }
  | { ok: false; reason: LineRejectReason; detail: string };

/** InfluxDB 1.x truncates string fields over 64 KiB; we refuse them instead of storing less. */
export const MAX_STRING_FIELD_BYTES = 64 * 1024;

class Reject extends Error {
  constructor(readonly reason: LineRejectReason, detail: string) {
    super(detail);
  }
}

const MEASUREMENT_SPECIAL = /[, \\\n\r]/;
const KEY_SPECIAL = /[, =\\\n\r]/;
const STRING_SPECIAL = /["\\\n\r]/;

function checkName(s: string, what: string): void {
  if (s.length === 0) throw new Reject('empty_name', `empty ${what}`);
  if (s.includes('\n') || s.includes('\r')) throw new Reject('newline_in_value', `newline in ${what} ${JSON.stringify(s)}`);
  // A backslash is kept literally, but one at the end or before a character we escape would
  // turn into an escape itself (1.x and 2.x read `\\` differently), so it cannot round-trip.
  if (/\\(?:[, =\\]|$)/.test(s)) {
    throw new Reject('ambiguous_backslash', `${what} ${JSON.stringify(s)} has a backslash at the end or before , = space or \\`);
  }
}

/** Escapes a measurement name: comma and space. */
export function escapeMeasurement(s: string): string {
  if (!MEASUREMENT_SPECIAL.test(s)) {
    if (s.length === 0) throw new Reject('empty_name', 'empty measurement');
    return s;
  }
  checkName(s, 'measurement');
  return s.replace(/[, ]/g, '\\$&');
}

/** Escapes a tag key, tag value or field key: comma, equals sign and space. */
export function escapeKey(s: string, what = 'tag key'): string {
  if (!KEY_SPECIAL.test(s)) {
    if (s.length === 0) throw new Reject('empty_name', `empty ${what}`);
    return s;
  }
  checkName(s, what);
  return s.replace(/[, =]/g, '\\$&');
}

/** Quotes a string field value, escaping double quote and backslash. */
export function quoteString(s: string): string {
  if (s.length > MAX_STRING_FIELD_BYTES / 4 && Buffer.byteLength(s) > MAX_STRING_FIELD_BYTES) {
    throw new Reject('string_too_long', `string field of ${Buffer.byteLength(s)} bytes (max ${MAX_STRING_FIELD_BYTES})`);
  }
  if (!STRING_SPECIAL.test(s)) return `"${s}"`;
  if (s.includes('\n') || s.includes('\r')) throw new Reject('newline_in_value', 'newline in a string field value');
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

function fieldValue(key: string, v: unknown, integer: boolean): string {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new Reject('nan_field', `field ${key} is NaN`);
    if (!Number.isFinite(v)) throw new Reject('infinite_field', `field ${key} is ${v}`);
    if (!integer) return String(v);
    if (!Number.isInteger(v)) throw new Reject('non_integer_field', `integer field ${key} is ${v}`);
    if (!Number.isSafeInteger(v)) throw new Reject('integer_out_of_range', `integer field ${key} is ${v} (beyond 2^53, not exact)`);
    return `${v}i`;
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return quoteString(v);
  throw new Reject('bad_field_type', `field ${key} has type ${typeof v}`);
}

const measurementCache = new Map<string, string>();

function measurement(template: string): string {
  let m = measurementCache.get(template);
  if (m === undefined) {
    m = escapeMeasurement(measurementOf(template));
    if (measurementCache.size < 10_000) measurementCache.set(template, m);
  }
  return m;
}

function byKey(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** Encodes one reading as one line (no trailing newline), or says why it cannot be stored. */
export function encodeReading(r: Reading, opts: EncodeOptions = {}): EncodeResult {
  try {
    return { ok: true, line: encodeOrThrow(r, opts) };
  } catch (err) {
    if (err instanceof Reject) return { ok: false, reason: err.reason, detail: err.message };
    throw err;
  }
}

const SCHEMA_TAGS = new Set(['device', 'template', 'event']);

function addTag(pairs: [string, string][], k: string, v: string | undefined): void {
  if (v === undefined || v === '') return; // "Tag values cannot be empty; instead, omit the tag"
  if (k === 'time') throw new Reject('reserved_key_time', 'tag key "time" is not allowed');
  pairs.push([k, v]);
}

function encodeOrThrow(r: Reading, opts: EncodeOptions): string {
  if (!Number.isFinite(r.ts)) throw new Reject('bad_timestamp', `timestamp ${r.ts}`);
  // Precedence: device/template/event > the pipeline's extra tags > the reading's own tags.
  const pairs: [string, string][] = [['device', r.device], ['template', r.template]];
  if (r.event !== undefined && r.event !== '') pairs.push(['event', r.event]);
  const extra = opts.extraTags;
  if (extra !== undefined) {
    for (const k of Object.keys(extra)) if (!SCHEMA_TAGS.has(k)) addTag(pairs, k, extra[k]);
  }
  for (const k of Object.keys(r.tags)) {
    if (SCHEMA_TAGS.has(k)) continue;
    if (extra !== undefined && extra[k] !== undefined && extra[k] !== '') continue;
    addTag(pairs, k, r.tags[k]);
  }
  pairs.sort(byKey);
  let line = measurement(r.template);
  for (const [k, v] of pairs) line += `,${escapeKey(k)}=${escapeKey(v, 'tag value')}`;
  const ints = opts.integerFields;
  let sep = ' ';
  const fields = r.fields;
  for (const k of Object.keys(fields)) {
    if (k === 'time') throw new Reject('reserved_key_time', 'field key "time" is not allowed');
    line += `${sep}${escapeKey(k, 'field key')}=${fieldValue(k, fields[k], ints !== undefined && ints.has(k))}`;
    sep = ',';
  }
  if (sep === ' ') throw new Reject('no_fields', 'a point needs at least one field');
  return `${line} ${Math.floor(r.ts)}`;
}
