/**
 * Escaping for InfluxDB line protocol, from its reference ("Special characters"): the
 * gateway's reading encoder (store/line-protocol.ts) and the hub's summary points use it.
 * - measurement: comma and space;
 * - tag keys, tag values, field keys: comma, equals sign and space;
 * - string field values: double quote and backslash, value in double quotes.
 * A newline (or carriage return) in a name or value is refused, never altered ("Line protocol
 * does not support the newline character"). A refusal names the rule, never the value.
 */
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

/**
 * A finite number as line protocol writes it: the same text as `String(v)`. Not `String(v)` nor a
 * template literal: V8 keeps a cache of number-to-string results in its old generation and
 * allocates every string it makes for a miss there too, so each coordinate, pressure and
 * timestamp of a stream of pen points was born old and lived until the next major GC (~5 MiB/s,
 * old space 45 → 190 MiB in the school day's writing period). `JSON.stringify` builds the same
 * text in the young generation, where it dies cheaply, and is no slower.
 */
export function numberText(v: number): string {
  return JSON.stringify(v);
}

/** InfluxDB 1.x truncates string fields over 64 KiB; we refuse them instead of storing less. */
export const MAX_STRING_FIELD_BYTES = 64 * 1024;

/** A value line protocol cannot carry; the encoder turns it into a counted rejection. */
export class LineReject extends Error {
  constructor(readonly reason: LineRejectReason, detail: string) {
    super(detail);
  }
}

const MEASUREMENT_SPECIAL = /[, \\\n\r]/;
const KEY_SPECIAL = /[, =\\\n\r]/;
const STRING_SPECIAL = /["\\\n\r]/;

function checkName(s: string, what: string): void {
  if (s.length === 0) throw new LineReject('empty_name', `empty ${what}`);
  if (s.includes('\n') || s.includes('\r')) throw new LineReject('newline_in_value', `newline in a ${what} of ${s.length} characters`);
  // A backslash is kept literally, but one at the end or before a character we escape would
  // turn into an escape itself (1.x and 2.x read `\\` differently), so it cannot round-trip.
  if (/\\(?:[, =\\]|$)/.test(s)) {
    throw new LineReject('ambiguous_backslash', `a ${what} of ${s.length} characters has a backslash at the end or before , = space or \\`);
  }
}

/** Escapes a measurement name: comma and space. */
export function escapeMeasurement(s: string): string {
  if (!MEASUREMENT_SPECIAL.test(s)) {
    if (s.length === 0) throw new LineReject('empty_name', 'empty measurement');
    return s;
  }
  checkName(s, 'measurement');
  return s.replace(/[, ]/g, '\\$&');
}

/** Escapes a tag key, tag value or field key: comma, equals sign and space. */
export function escapeKey(s: string, what = 'tag key'): string {
  if (!KEY_SPECIAL.test(s)) {
    if (s.length === 0) throw new LineReject('empty_name', `empty ${what}`);
    return s;
  }
  checkName(s, what);
  return s.replace(/[, =]/g, '\\$&');
}

/** Quotes a string field value, escaping double quote and backslash. */
export function quoteString(s: string): string {
  if (s.length > MAX_STRING_FIELD_BYTES / 4 && Buffer.byteLength(s) > MAX_STRING_FIELD_BYTES) {
    throw new LineReject('string_too_long', `string field of ${Buffer.byteLength(s)} bytes (max ${MAX_STRING_FIELD_BYTES})`);
  }
  if (!STRING_SPECIAL.test(s)) return `"${s}"`;
  if (s.includes('\n') || s.includes('\r')) throw new LineReject('newline_in_value', 'newline in a string field value');
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}
