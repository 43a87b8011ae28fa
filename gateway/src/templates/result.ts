/**
 * Decode results and the value checks every transport shares: type, enum and
 * range (the last step of raw → bit/mask → byte/word order → scale → offset → range check).
 */
import type { FieldValue, Reading } from '../core/reading.js';
import type { FieldDef, ValueMap } from './schema.js';

export const REJECT_CODES = [
  'not_json', 'wrong_type', 'missing_field', 'out_of_range', 'unknown_enum', 'unknown_event',
  'truncated', 'bad_checksum', 'bad_line', 'device_error', 'device_invalid', 'not_writable', 'unknown_field', 'decoder_error',
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

export type DecodeResult = { ok: true; readings: Reading[] } | { ok: false; reason: string; code: string };
export interface Rejection { ok: false; reason: string; code: RejectCode }

export function reject(code: RejectCode, reason: string): Rejection {
  return { ok: false, reason, code };
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
  };
}

export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/** Number scaling with decimal-exact division where the scale is 1/n. */
export function scaleNumber(p: ValuePlan, raw: number): number {
  const v = p.divisor !== 0 ? raw / p.divisor : p.scale === 1 ? raw : raw * p.scale;
  return p.offset === 0 ? v : v + p.offset;
}

/**
 * Applies map, scale/offset and the type/enum/range checks to a raw value.
 * Returns the field value, or a Rejection naming the field and the value.
 */
export function convert(p: ValuePlan, raw: unknown): FieldValue | Rejection {
  let v: unknown = raw;
  if (p.map !== undefined) {
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      return reject('wrong_type', `${p.field} (${p.from}): expected one of ${[...p.map.keys()].join('|')}, got ${show(raw)}`);
    }
    v = p.map.get(String(raw));
    if (v === undefined) return reject('unknown_enum', `${p.field} (${p.from}): ${show(raw)} is not one of ${[...p.map.keys()].join('|')}`);
  }
  switch (p.type) {
    case 'number':
    case 'integer': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return reject('wrong_type', `${p.field} (${p.from}): expected a number, got ${show(v)}`);
      const n = p.map === undefined ? scaleNumber(p, v) : v;
      if (p.type === 'integer' && !Number.isInteger(n)) return reject('wrong_type', `${p.field} (${p.from}): expected an integer, got ${show(n)}`);
      if (n < p.min || n > p.max) return reject('out_of_range', `${p.field} (${p.from}): ${n} is outside ${p.min}…${p.max}`);
      return n;
    }
    case 'boolean':
      if (typeof v !== 'boolean') return reject('wrong_type', `${p.field} (${p.from}): expected true or false, got ${show(v)}`);
      return v;
    case 'string':
      if (typeof v !== 'string') return reject('wrong_type', `${p.field} (${p.from}): expected a string, got ${show(v)}`);
      return v;
    case 'enum':
      if (typeof v !== 'string') return reject('wrong_type', `${p.field} (${p.from}): expected one of ${[...(p.values ?? [])].join('|')}, got ${show(v)}`);
      if (p.values !== undefined && !p.values.has(v)) return reject('unknown_enum', `${p.field} (${p.from}): ${show(v)} is not one of ${[...p.values].join('|')}`);
      return v;
  }
}

export function isRejection(v: unknown): v is Rejection {
  return typeof v === 'object' && v !== null && (v as { ok?: unknown }).ok === false;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
