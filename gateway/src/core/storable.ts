/**
 * What every store can hold, checked before a reading is acknowledged: a store that drops an
 * acknowledged reading loses it for good (the device will not send it again). InfluxDB line
 * protocol is the strictest store ("Line protocol does not support the newline character \n in
 * tag or field values"; a backslash before `,` `=` space or at the end of a tag value reads as an
 * escape; string fields over 64 KiB are truncated), so its limits are the rules, made simple:
 *
 * - text (string field values, tag values, device ids): no control character (U+0000–U+001F,
 *   U+007F: newline, carriage return, NUL, escape …) and well-formed Unicode (no lone surrogate,
 *   which UTF-8 cannot carry and would be replaced), at most a bounded number of characters;
 * - tag values also hold no backslash;
 * - numbers are finite, and an integer field's values lie within ±(2^53 − 1) (exact in a double
 *   and in InfluxDB's int64).
 *
 * A reading is refused with a reason instead of being altered: the device learns what to fix.
 * The messages name the rule and a position, never the text itself (it may be personal).
 */

/**
 * Latest timestamp any store holds: InfluxDB keeps int64 nanoseconds (1677-09-21 … 2262-04-11);
 * a larger ms value would be written as an out-of-range or exponent literal (`1e+21`).
 */
export const MAX_TIMESTAMP_MS = 9_223_372_036_854;

/** Longest string field value, in UTF-16 code units, unless the template sets `maxLength`. */
export const MAX_STRING_CHARS = 256;
/** The most a template's `maxLength` may allow: 4 UTF-8 bytes each stays under InfluxDB's 64 KiB. */
export const MAX_STRING_LIMIT = 16_384;
/** Longest tag value (payload tags, room, building, person, device id). */
export const MAX_TAG_CHARS = 256;

export type TextRule = 'control_character' | 'not_well_formed' | 'too_long' | 'backslash';

export interface TextProblem {
  rule: TextRule;
  /** What is wrong, without the text: "control character U+000A at index 5". */
  detail: string;
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function problem(s: string, max: number, what: string): TextProblem | undefined {
  if (s.length > max) return { rule: 'too_long', detail: `${what} of ${s.length} characters (max ${max})` };
  const c = s.search(CONTROL);
  if (c >= 0) return { rule: 'control_character', detail: `control character U+${s.charCodeAt(c).toString(16).toUpperCase().padStart(4, '0')} at index ${c}` };
  const u = s.search(LONE_SURROGATE);
  if (u >= 0) return { rule: 'not_well_formed', detail: `lone UTF-16 surrogate at index ${u} (not well-formed Unicode)` };
  return undefined;
}

/** A string field value every store can hold, or what is wrong with it. */
export function stringProblem(s: string, max = MAX_STRING_CHARS): TextProblem | undefined {
  return problem(s, max, 'text');
}

/** A tag value (or device id) every store can hold, or what is wrong with it. Empty tags are left out by the stores. */
export function tagValueProblem(s: string): TextProblem | undefined {
  const p = problem(s, MAX_TAG_CHARS, 'tag value');
  if (p) return p;
  const b = s.indexOf('\\');
  return b >= 0 ? { rule: 'backslash', detail: `backslash at index ${b} (not allowed in a tag value)` } : undefined;
}

/** Field and tag names no store may be given: InfluxDB reserves `time`; the pipeline sets the others. */
export const RESERVED_FIELD_NAMES: ReadonlySet<string> = new Set(['time']);
export const RESERVED_TAG_NAMES: ReadonlySet<string> = new Set(['time', 'device', 'template', 'site', 'event']);
