/**
 * The escape hatch: a small pure decoder module beside a template, only where
 * data cannot express the wire format. It turns one input (an MQTT payload as
 * text, or a serial line) into raw samples keyed by field name; the engine then
 * applies the same type, enum and range checks as for data-only templates.
 *
 *   // device-templates/<id>/decoder.ts (or .js/.mjs)
 *   export function decode(input: string, ctx: { device: string; receivedAt: number }) {
 *     return { ok: true, samples: [{ fields: { power_w: 12 } }] };   // or { ok: false, code, reason }
 *   }
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FieldValue, Reading } from '../core/reading.js';
import { convert, isRejection, planValue, reject, REJECT_CODES, type DecodeResult, type RejectCode, type ValuePlan } from './result.js';
import type { Template } from './schema.js';

export interface RawSample { fields: Record<string, unknown>; ts?: number; tags?: Record<string, string>; event?: string }
export type CustomDecodeResult = { ok: true; samples: RawSample[] } | { ok: false; code: string; reason: string };
export type CustomDecode = (input: string, ctx: { device: string; receivedAt: number }) => CustomDecodeResult;

interface Attached { decode: CustomDecode; checks: Map<string, ValuePlan> }
const attached = new WeakMap<Template, Attached>();

export function attachDecoder(t: Template, decode: CustomDecode): void {
  attached.set(t, { decode, checks: new Map(t.fields.map((f) => [f.name, planValue(f, 'decoder', {})])) });
}

export function hasDecoder(t: Template): boolean {
  return attached.has(t);
}

/** Imports `<dir>/<file>`; returns its decode function or a problem text. Cache-busted by mtime for hot reload. */
export async function loadDecoder(dir: string, file: string): Promise<CustomDecode | string> {
  const path = join(dir, file);
  try {
    const { mtimeMs } = await stat(path);
    // A new URL per version so an edited decoder is re-imported on hot reload; the query
    // ends in the file's extension so loaders that pick the language from the URL (vite) still can.
    const ext = file.slice(file.lastIndexOf('.'));
    const mod = (await import(`${pathToFileURL(path).href}?v=${Math.round(mtimeMs)}&lang${ext}`)) as { decode?: unknown };
    if (typeof mod.decode !== 'function') return `${file} does not export a function decode(input, ctx)`;
    return mod.decode as CustomDecode;
  } catch (err) {
    const hint = file.endsWith('.ts') ? ' (plain Node cannot import TypeScript: ship decoder.js, or run under tsx)' : '';
    return `cannot load ${file}: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}${hint}`;
  }
}

/** Runs the attached decoder, then the fields' checks. Undefined when the template has none. */
export function runAttached(t: Template, input: string, ctx: { device: string; receivedAt: number }): DecodeResult | undefined {
  const a = attached.get(t);
  if (a === undefined) return undefined;
  let out: CustomDecodeResult;
  try {
    out = a.decode(input, ctx);
  } catch (err) {
    return reject('decoder_error', `decoder threw: ${(err as Error).message}`);
  }
  if (!out.ok) {
    const code = (REJECT_CODES as readonly string[]).includes(out.code) ? (out.code as RejectCode) : 'decoder_error';
    return reject(code, out.reason);
  }
  const readings: Reading[] = [];
  for (const s of out.samples) {
    const fields: Record<string, FieldValue> = {};
    for (const [name, raw] of Object.entries(s.fields)) {
      const check = a.checks.get(name);
      if (check === undefined) return reject('unknown_field', `decoder produced ${name}, which is not a field of ${t.id}`);
      const v = convert(check, raw);
      if (isRejection(v)) return v;
      fields[name] = v;
    }
    readings.push({ template: t.id, device: ctx.device, ts: s.ts ?? ctx.receivedAt, fields, tags: s.tags ?? {}, ...(s.event ? { event: s.event } : {}) });
  }
  return { ok: true, readings };
}
