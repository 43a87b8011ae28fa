/**
 * Decode results and the value checks every transport shares: type, enum and
 * range (the last step of raw → bit/mask → byte/word order → scale → offset → range check).
 */
import type { FieldValue, Reading } from '../core/reading.js';
import { MAX_STRING_CHARS, stringProblem } from '../core/storable.js';
import type { FieldDef, ValueMap } from './schema.js';

export const REJECT_CODES = [
  'not_json', 'wrong_type', 'missing_field', 'out_of_range', 'unknown_enum', 'unknown_event',
  'truncated', 'bad_checksum', 'bad_line', 'device_error', 'device_invalid', 'not_writable', 'unknown_field', 'decoder_error',
  'invalid_string',
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

/** `field`: the template field the rejection is about, when there is one. */
export type DecodeResult = { ok: true; readings: Reading[] } | { ok: false; reason: string; code: string; field?: string };
export interface Rejection { ok: false; reason: string; code: RejectCode; field?: string }

export function reject(code: RejectCode, reason: string, field?: string): Rejection {
  return field === undefined ? { ok: false, reason, code } : { ok: false, reason, code, field };
}

/** A field's precompiled check plus the transform that precedes it. */
export interface ValuePlan {
  field: string;
  /** Where the value came from, for reasons: payload key, register, column. */
  from: string;
  type: FieldDef['type'];
  min: number;
  max: number;
  values: ReadonlySet<string> | undefined;
  /** Division by an integer divisor is exact where multiplying by 0.1 is not. */
  divisor: number;
  scale: number;
  offset: number;
  map: ReadonlyMap<string, FieldValue> | undefined;
  /** A field with a privacy class (`id`, `health`): its value never appears in a reason. */
  personal: boolean;
  /** Longest value of a string field (characters). */
  maxLength: number;
}

export function planValue(def: FieldDef, from: string, t: { scale?: number; offset?: number; map?: ValueMap }): ValuePlan {
  const scale = t.scale ?? 1;
  const inv = 1 / scale;
  const divisor = scale < 1 && Math.abs(inv - Math.round(inv)) < 1e-9 ? Math.round(inv) : 0;
  return {
    field: def.name, from, type: def.type,
    min: def.min ?? -Infinity, max: def.max ?? Infinity,
    values: def.values ? new Set(def.values) : undefined,
    divisor, scale, offset: t.offset ?? 0,
    map: t.map ? new Map(Object.entries(t.map)) : undefined,
    personal: def.privacy !== undefined, maxLength: def.maxLength ?? MAX_STRING_CHARS,
  };
}

export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/** The JSON type of a value, never the value: what a reason may say about personal input. */
export function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `a string of ${v.length} characters`;
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** The value (short) where it may be shown, else only its type: for input of a personal template. */
export function shown(personal: boolean, v: unknown): string {
  return personal ? kindOf(v) : show(v);
}

/**
 * A field's rejection, naming the field, where its value came from and the rule. The value is
 * shown (short) for a field without a privacy class; for a personal one the reason is
 * `<field> (<from>): <code> (<rule>)`, e.g. `heart_rate_bpm (hr): out_of_range (max 230)`.
 */
export function fieldReject(p: ValuePlan, code: RejectCode, rule: string, withValue: string): Rejection {
  return reject(code, p.personal ? `${p.field} (${p.from}): ${code} (${rule})` : `${p.field} (${p.from}): ${withValue}`, p.field);
}

/** Number scaling with decimal-exact division where the scale is 1/n. */
export function scaleNumber(p: ValuePlan, raw: number): number {
  const v = p.divisor !== 0 ? raw / p.divisor : p.scale === 1 ? raw : raw * p.scale;
  return p.offset === 0 ? v : v + p.offset;
}

/**
 * Applies map, scale/offset and the type/enum/range checks to a raw value, and for strings the
 * rules every store can hold (core/storable.ts). Returns the field value, or a Rejection naming
 * the field and the rule (and the value, unless the field is personal).
 */
export function convert(p: ValuePlan, raw: unknown): FieldValue | Rejection {
  let v: unknown = raw;
  if (p.map !== undefined) {
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      const keys = [...p.map.keys()].join('|');
      return fieldReject(p, 'wrong_type', `expected one of ${keys}, got ${kindOf(raw)}`, `expected one of ${keys}, got ${show(raw)}`);
    }
    v = p.map.get(String(raw));
    if (v === undefined) {
      const keys = [...p.map.keys()].join('|');
      return fieldReject(p, 'unknown_enum', `not one of ${keys}`, `${show(raw)} is not one of ${keys}`);
    }
  }
  switch (p.type) {
    case 'number':
    case 'integer': {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        return fieldReject(p, 'wrong_type', `expected a number, got ${typeof v === 'number' ? String(v) : kindOf(v)}`, `expected a number, got ${show(v)}`);
      }
      const n = p.map === undefined ? scaleNumber(p, v) : v;
      if (p.type === 'integer' && !Number.isInteger(n)) return fieldReject(p, 'wrong_type', 'expected an integer', `expected an integer, got ${show(n)}`);
      if (n < p.min) return fieldReject(p, 'out_of_range', `min ${p.min}`, `${n} is outside ${p.min}…${p.max}`);
      if (n > p.max) return fieldReject(p, 'out_of_range', `max ${p.max}`, `${n} is outside ${p.min}…${p.max}`);
      return n;
    }
    case 'boolean':
      if (typeof v !== 'boolean') return fieldReject(p, 'wrong_type', `expected true or false, got ${kindOf(v)}`, `expected true or false, got ${show(v)}`);
      return v;
    case 'string': {
      if (typeof v !== 'string') return fieldReject(p, 'wrong_type', `expected a string, got ${kindOf(v)}`, `expected a string, got ${show(v)}`);
      const bad = stringProblem(v, p.maxLength);
      if (bad) return fieldReject(p, 'invalid_string', bad.detail, `${bad.detail} in ${show(v)}`);
      return v;
    }
    case 'enum':
      if (typeof v !== 'string') return fieldReject(p, 'wrong_type', `expected one of ${listOf(p.values)}, got ${kindOf(v)}`, `expected one of ${listOf(p.values)}, got ${show(v)}`);
      if (p.values !== undefined && !p.values.has(v)) return fieldReject(p, 'unknown_enum', `not one of ${listOf(p.values)}`, `${show(v)} is not one of ${listOf(p.values)}`);
      return v;
  }
}

function listOf(values: ReadonlySet<string> | undefined): string {
  return [...(values ?? [])].join('|');
}

export function isRejection(v: unknown): v is Rejection {
  return typeof v === 'object' && v !== null && (v as { ok?: unknown }).ok === false;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
