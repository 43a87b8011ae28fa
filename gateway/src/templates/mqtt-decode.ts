/**
 * MQTT JSON decoding. A template is compiled once into a plan (cached per
 * template object); decoding then walks the plan with no allocation beyond the
 * readings themselves.
 */
import type { FieldValue, Reading } from '../core/reading.js';
import { hasDecoder, runAttached } from './custom-decoder.js';
import { MAX_TIMESTAMP_MS, tagValueProblem } from '../core/storable.js';
import { convert, fieldReject, isObject, isRejection, kindOf, planValue, reject, shown, type DecodeResult, type Rejection, type ValuePlan } from './result.js';
import { compileExpand, expand, type ExpandPlan } from './mqtt-expand.js';
import type { FieldDef, JsonSource, MqttTemplate, Template } from './schema.js';

interface KeyPlan { path: string[]; value: ValuePlan; optional: boolean; join: string | undefined }
interface MqttPlan {
  id: string; tsKey: string; many: boolean; eventKey: string;
  /** The template has personal fields: reasons show no payload excerpt, only types. */
  personal: boolean;
  fields: KeyPlan[]; tags: { tag: string; path: string[] }[];
  events: Map<string, KeyPlan[]>; expand: ExpandPlan | undefined;
}

const plans = new WeakMap<Template, MqttPlan>();

function fieldDef(t: Template, name: string): FieldDef {
  const def = t.fields.find((f) => f.name === name);
  if (def === undefined) throw new Error(`template ${t.id}: mqtt source names unknown field ${name}`);
  return def;
}

function keyPlans(t: Template, sources: Record<string, JsonSource>): KeyPlan[] {
  return Object.entries(sources).map(([field, src]) => {
    const s = typeof src === 'string' ? { key: src } : src;
    return { path: s.key.split('.'), value: planValue(fieldDef(t, field), s.key, s), optional: s.optional ?? false, join: s.join };
  });
}

export function compileMqtt(t: MqttTemplate): MqttPlan {
  const m = t.mqtt;
  return {
    id: t.id, tsKey: m.tsKey, many: m.many, eventKey: m.eventKey, personal: t.fields.some((f) => f.privacy !== undefined),
    fields: keyPlans(t, m.fields),
    tags: Object.entries(m.tags ?? {}).map(([tag, key]) => ({ tag, path: key.split('.') })),
    events: new Map(Object.entries(m.events ?? {}).map(([name, e]) => [name, keyPlans(t, e.fields)])),
    expand: m.expand && compileExpand(m.expand, Object.keys(m.fields), Object.keys(m.tags ?? {}),
      Object.values(m.fields).some((src) => typeof src !== 'string' && src.optional === true), (name) => fieldDef(t, name)),
  };
}

function planOf(t: Template): MqttPlan {
  let p = plans.get(t);
  if (p === undefined) {
    if (t.transport !== 'mqtt') throw new Error(`template ${t.id} is not an mqtt template`);
    p = compileMqtt(t);
    plans.set(t, p);
  }
  return p;
}

function at(obj: Record<string, unknown>, path: string[]): unknown {
  if (path.length === 1) return obj[path[0] as string];
  let cur: unknown = obj;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}


/** Fills `out` from the key plans; returns a rejection or undefined. */
function fill(keys: KeyPlan[], obj: Record<string, unknown>, out: Record<string, FieldValue>): Rejection | undefined {
  for (const k of keys) {
    let raw = at(obj, k.path);
    if (raw === undefined || raw === null) {
      if (k.optional) continue;
      return reject('missing_field', `${k.value.field}: payload key ${k.value.from} is missing`, k.value.field);
    }
    if (k.join !== undefined) {
      if (!Array.isArray(raw) || !raw.every((x) => typeof x === 'string')) {
        return fieldReject(k.value, 'wrong_type', `expected an array of strings, got ${kindOf(raw)}`, `expected an array of strings, got ${shown(false, raw)}`);
      }
      raw = raw.join(k.join);
    }
    const v = convert(k.value, raw);
    if (isRejection(v)) return v;
    out[k.value.field] = v;
  }
  return undefined;
}

/** No store can hold a point without a field: every field optional and none sent, or a payload with no field key. */
function noFields(keys: KeyPlan[], fields: Record<string, FieldValue>): Rejection | undefined {
  for (const _ in fields) return undefined;
  return reject('missing_field', keys.length === 0 ? 'payload: no field (only events carry fields here)' : `payload: none of the keys ${keys.map((k) => k.value.from).join(', ')} is present`);
}


function tsOf(p: MqttPlan, obj: Record<string, unknown>, receivedAt: number): number | Rejection {
  const ts = obj[p.tsKey];
  if (ts === undefined) return receivedAt;
  if (typeof ts !== 'number' || !Number.isInteger(ts) || ts < 0) return reject('wrong_type', `ts: expected epoch milliseconds, got ${shown(p.personal, ts)}`);
  // Beyond 2262-04-11 no store can hold it (InfluxDB keeps int64 ns) and `new Date(ts)` throws past 8.64e15.
  if (ts > MAX_TIMESTAMP_MS) return reject('out_of_range', `ts: ${ts} is outside 0…${MAX_TIMESTAMP_MS} (epoch ms up to 2262-04-11)`);
  return ts;
}

function tagsOf(p: MqttPlan, obj: Record<string, unknown>): Record<string, string> | Rejection {
  const tags: Record<string, string> = {};
  for (const t of p.tags) {
    const v = at(obj, t.path);
    if (typeof v !== 'string' && typeof v !== 'number') return reject(v === undefined ? 'missing_field' : 'wrong_type', `tag ${t.tag}: payload key ${t.path.join('.')} should be a string, got ${shown(p.personal, v)}`);
    const s = String(v);
    // Tag values are often identifiers: the reason says what is wrong, never the value.
    const bad = tagValueProblem(s);
    if (bad) return reject('invalid_string', `tag ${t.tag} (${t.path.join('.')}): invalid_string (${bad.detail})`);
    tags[t.tag] = s;
  }
  return tags;
}

function decodeSample(p: MqttPlan, obj: unknown, device: string, receivedAt: number, out: Reading[]): Rejection | undefined {
  if (!isObject(obj)) return reject('wrong_type', `payload: expected a JSON object, got ${shown(p.personal, obj)}`);
  const ts = tsOf(p, obj, receivedAt);
  if (typeof ts !== 'number') return ts;
  const tags = tagsOf(p, obj);
  if (isRejection(tags)) return tags;
  const fields: Record<string, FieldValue> = {};
  const evt = obj[p.eventKey];
  if (evt !== undefined && p.events.size > 0) {
    const keys = typeof evt === 'string' ? p.events.get(evt) : undefined;
    if (keys === undefined) return reject('unknown_event', `${p.eventKey}: ${shown(p.personal, evt)} is not one of ${[...p.events.keys()].join('|')}`);
    const bad = fill(keys, obj, fields) ?? noFields(keys, fields);
    if (bad) return bad;
    out.push({ template: p.id, device, ts, fields, tags, event: evt as string });
    return undefined;
  }
  const bad = fill(p.fields, obj, fields);
  if (bad) return bad;
  if (p.expand) return expand(p.id, p.expand, obj, device, fields, tags, out, p.personal);
  const none = noFields(p.fields, fields);
  if (none) return none;
  out.push({ template: p.id, device, ts, fields, tags });
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes one MQTT payload (telemetry or event) into normalized readings.
 * Never throws for bad input: a bad payload is `{ ok: false, reason, code }`.
 */
export function decodeMqtt(t: Template, payload: Uint8Array | string,
  ctx: { device: string; channel: 'telemetry' | 'event'; receivedAt: number }): DecodeResult {
  const text = typeof payload === 'string' ? payload : undefined;
  if (hasDecoder(t)) {
    let input: string;
    try { input = text ?? utf8.decode(payload as Uint8Array); } catch { return reject('not_json', 'payload is not UTF-8 text'); }
    return runAttached(t, input, ctx) as DecodeResult;
  }
  const p = planOf(t);
  let doc: unknown;
  try {
    doc = JSON.parse(typeof payload === 'string' ? payload : utf8.decode(payload));
  } catch {
    const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('latin1');
    return reject('not_json', p.personal ? `payload is not JSON (${text.length} characters)` : `payload is not JSON: ${shown(false, text)}`);
  }
  const readings: Reading[] = [];
  if (Array.isArray(doc)) {
    if (!p.many) return reject('wrong_type', 'payload: expected one JSON object, got an array');
    if (doc.length === 0) return reject('missing_field', 'payload: empty array of samples');
    for (let i = 0; i < doc.length; i++) {
      const bad = decodeSample(p, doc[i], ctx.device, ctx.receivedAt, readings);
      if (bad) return { ...bad, reason: `sample ${i}: ${bad.reason}` };
    }
  } else {
    const bad = decodeSample(p, doc, ctx.device, ctx.receivedAt, readings);
    if (bad) return bad;
  }
  return { ok: true, readings };
}
