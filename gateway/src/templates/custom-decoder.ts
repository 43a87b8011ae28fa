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
import { MAX_TIMESTAMP_MS, RESERVED_TAG_NAMES, tagValueProblem } from '../core/storable.js';
import { convert, isRejection, planValue, reject, REJECT_CODES, type DecodeResult, type RejectCode, type Rejection, type ValuePlan, show } from './result.js';
import type { Template } from './schema.js';

export interface RawSample { fields: Record<string, unknown>; ts?: number; tags?: Record<string, string>; event?: string }
export type CustomDecodeResult = { ok: true; samples: RawSample[] } | { ok: false; code: string; reason: string };
export type CustomDecode = (input: string, ctx: { device: string; receivedAt: number }) => CustomDecodeResult;

/** `personal`: the template has personal fields, so the decoder's own texts (which may quote its input) are withheld. */
interface Attached { decode: CustomDecode; checks: Map<string, ValuePlan>; tags: ReadonlySet<string>; personal: boolean }
const attached = new WeakMap<Template, Attached>();

export function attachDecoder(t: Template, decode: CustomDecode): void {
  attached.set(t, {
    decode, checks: new Map(t.fields.map((f) => [f.name, planValue(f, 'decoder', {})])),
    tags: new Set(t.tags ?? []), personal: t.fields.some((f) => f.privacy !== undefined),
  });
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
    return reject('decoder_error', a.personal ? `decoder threw ${(err as Error).name}` : `decoder threw: ${show(String((err as Error).message))}`);
  }
  if (!out.ok) {
    const code = (REJECT_CODES as readonly string[]).includes(out.code) ? (out.code as RejectCode) : 'decoder_error';
    return reject(code, a.personal ? `the decoder refused the input (${code}; its text is withheld for a personal template)` : String(out.reason).slice(0, 200));
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
    const bad = sampleProblem(a, s, fields);
    if (bad) return bad;
    readings.push({ template: t.id, device: ctx.device, ts: s.ts ?? ctx.receivedAt, fields, tags: s.tags ?? {}, ...(s.event ? { event: s.event } : {}) });
  }
  return { ok: true, readings };
}

/** What the template's data cannot vouch for in a decoder's sample: its time, tags and event are storable. */
function sampleProblem(a: Attached, s: RawSample, fields: Record<string, FieldValue>): Rejection | undefined {
  if (s.ts !== undefined && !(typeof s.ts === 'number' && Number.isFinite(s.ts) && s.ts >= 0 && s.ts <= MAX_TIMESTAMP_MS)) {
    return reject('out_of_range', `decoder: ts is not epoch milliseconds within 0…${MAX_TIMESTAMP_MS}`);
  }
  let any = false;
  for (const _ in fields) { any = true; break; }
  if (!any) return reject('missing_field', 'decoder: a sample without fields (a stored point needs one)');
  for (const [k, v] of Object.entries(s.tags ?? {})) {
    if (!a.tags.has(k) || RESERVED_TAG_NAMES.has(k)) return reject('unknown_field', `decoder: tag ${k} is not one of the template's tags`);
    const bad = typeof v === 'string' ? tagValueProblem(v) : { detail: 'not a string' };
    if (bad) return reject('invalid_string', `decoder: tag ${k}: invalid_string (${bad.detail})`);
  }
  if (s.event !== undefined) {
    const bad = typeof s.event === 'string' ? tagValueProblem(s.event) : { detail: 'not a string' };
    if (bad) return reject('invalid_string', `decoder: event: invalid_string (${bad.detail})`);
  }
  return undefined;
}
