/**
 * MQTT JSON decoding. A template is compiled once into a plan (cached per
 * template object); decoding then walks the plan with no allocation beyond the
 * readings themselves.
 */
import type { FieldValue, Reading } from '../core/reading.js';
import { hasDecoder, runAttached } from './custom-decoder.js';
import { convert, isRejection, planValue, reject, show, type DecodeResult, type Rejection, type ValuePlan } from './result.js';
import type { FieldDef, JsonSource, MqttTemplate, Template } from './schema.js';

interface KeyPlan { path: string[]; value: ValuePlan; optional: boolean; join: string | undefined }
interface ExpandPlan {
  array: string; indexTag: string; t0: string; points: string; dtColumn: number; width: number;
  /** `fast`: a plain number column (no map) checked inline. */
  columns: { index: number; value: ValuePlan; fast: boolean }[];
  /** Builds one point's reading with fixed-shape object literals (see pointMaker). */
  make: PointMaker | undefined;
}
type PointMaker = (template: string, device: string, ts: number, base: Record<string, FieldValue>,
  baseTags: Record<string, string>, index: string, vals: FieldValue[]) => Reading;
interface MqttPlan {
  id: string; tsKey: string; many: boolean; eventKey: string;
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
  const ex = m.expand;
  const columns = ex ? Object.entries(ex.columns).map(([field, c]) => {
    const value = planValue(fieldDef(t, field), `${ex.points}[${c.index}]`, c);
    return { index: c.index, value, fast: value.map === undefined && (value.type === 'number' || value.type === 'integer') };
  }) : [];
  return {
    id: t.id, tsKey: m.tsKey, many: m.many, eventKey: m.eventKey,
    fields: keyPlans(t, m.fields),
    tags: Object.entries(m.tags ?? {}).map(([tag, key]) => ({ tag, path: key.split('.') })),
    events: new Map(Object.entries(m.events ?? {}).map(([name, e]) => [name, keyPlans(t, e.fields)])),
    expand: ex && {
      array: ex.array, indexTag: ex.indexTag, t0: ex.t0, points: ex.points, dtColumn: ex.dtColumn,
      width: Math.max(ex.dtColumn, ...columns.map((c) => c.index)) + 1, columns,
      make: Object.values(m.fields).some((src) => typeof src !== 'string' && src.optional)
        ? undefined
        : pointMaker(Object.keys(m.fields), Object.keys(m.tags ?? {}), ex.indexTag, columns.map((c) => c.value.field)),
    },
  };
}

/**
 * Generates a function that builds a point's Reading as object literals with a
 * fixed shape: V8 then allocates each point with one hidden class instead of
 * going through megamorphic keyed stores (about twice the throughput). Keys are
 * emitted with JSON.stringify, so no field name can inject code.
 */
function pointMaker(baseKeys: string[], tagKeys: string[], indexTag: string, columns: string[]): PointMaker {
  const q = (k: string): string => JSON.stringify(k);
  const fields = [...baseKeys.map((k) => `${q(k)}: base[${q(k)}]`), ...columns.map((k, i) => `${q(k)}: vals[${i}]`)];
  const tags = [...tagKeys.map((k) => `${q(k)}: baseTags[${q(k)}]`), `${q(indexTag)}: index`];
  const body = `return { template, device, ts, fields: { ${fields.join(', ')} }, tags: { ${tags.join(', ')} } };`;
  return new Function('template', 'device', 'ts', 'base', 'baseTags', 'index', 'vals', body) as PointMaker;
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

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fills `out` from the key plans; returns a rejection or undefined. */
function fill(keys: KeyPlan[], obj: Record<string, unknown>, out: Record<string, FieldValue>): Rejection | undefined {
  for (const k of keys) {
    let raw = at(obj, k.path);
    if (raw === undefined || raw === null) {
      if (k.optional) continue;
      return reject('missing_field', `${k.value.field}: payload key ${k.value.from} is missing`);
    }
    if (k.join !== undefined) {
      if (!Array.isArray(raw) || !raw.every((x) => typeof x === 'string')) {
        return reject('wrong_type', `${k.value.field} (${k.value.from}): expected an array of strings, got ${show(raw)}`);
      }
      raw = raw.join(k.join);
    }
    const v = convert(k.value, raw);
    if (isRejection(v)) return v;
    out[k.value.field] = v;
  }
  return undefined;
}

function tsOf(p: MqttPlan, obj: Record<string, unknown>, receivedAt: number): number | Rejection {
  const ts = obj[p.tsKey];
  if (ts === undefined) return receivedAt;
  if (typeof ts !== 'number' || !Number.isInteger(ts) || ts < 0) return reject('wrong_type', `ts: expected epoch milliseconds, got ${show(ts)}`);
  return ts;
}

function tagsOf(p: MqttPlan, obj: Record<string, unknown>): Record<string, string> | Rejection {
  const tags: Record<string, string> = {};
  for (const t of p.tags) {
    const v = at(obj, t.path);
    if (typeof v !== 'string' && typeof v !== 'number') return reject(v === undefined ? 'missing_field' : 'wrong_type', `tag ${t.tag}: payload key ${t.path.join('.')} should be a string, got ${show(v)}`);
    tags[t.tag] = String(v);
  }
  return tags;
}

function decodeSample(p: MqttPlan, obj: unknown, device: string, receivedAt: number, out: Reading[]): Rejection | undefined {
  if (!isObject(obj)) return reject('wrong_type', `payload: expected a JSON object, got ${show(obj)}`);
  const ts = tsOf(p, obj, receivedAt);
  if (typeof ts !== 'number') return ts;
  const tags = tagsOf(p, obj);
  if (isRejection(tags)) return tags;
  const fields: Record<string, FieldValue> = {};
  const evt = obj[p.eventKey];
  if (evt !== undefined && p.events.size > 0) {
    const keys = typeof evt === 'string' ? p.events.get(evt) : undefined;
    if (keys === undefined) return reject('unknown_event', `${p.eventKey}: ${show(evt)} is not one of ${[...p.events.keys()].join('|')}`);
    const bad = fill(keys, obj, fields);
    if (bad) return bad;
    out.push({ template: p.id, device, ts, fields, tags, event: evt as string });
    return undefined;
  }
  const bad = fill(p.fields, obj, fields);
  if (bad) return bad;
  if (p.expand) return expand(p, p.expand, obj, device, fields, tags, out);
  out.push({ template: p.id, device, ts, fields, tags });
  return undefined;
}

/** One reading per point: ts = t0 + running sum of dt; base fields and tags copied into each. */
function expand(p: MqttPlan, e: ExpandPlan, obj: Record<string, unknown>, device: string,
  base: Record<string, FieldValue>, baseTags: Record<string, string>, out: Reading[]): Rejection | undefined {
  const groups = obj[e.array];
  if (!Array.isArray(groups)) return reject(groups === undefined ? 'missing_field' : 'wrong_type', `${e.array}: expected an array, got ${show(groups)}`);
  const cols = e.columns;
  const baseKeys = Object.keys(base);
  const tagKeys = Object.keys(baseTags);
  const vals: FieldValue[] = new Array<FieldValue>(cols.length).fill(0);
  for (let g = 0; g < groups.length; g++) {
    const group: unknown = groups[g];
    if (!isObject(group)) return reject('wrong_type', `${e.array}[${g}]: expected an object, got ${show(group)}`);
    let t = group[e.t0];
    if (typeof t !== 'number' || !Number.isFinite(t)) return reject('wrong_type', `${e.array}[${g}].${e.t0}: expected epoch milliseconds, got ${show(t)}`);
    const pts = group[e.points];
    if (!Array.isArray(pts)) return reject('wrong_type', `${e.array}[${g}].${e.points}: expected an array of points, got ${show(pts)}`);
    const index = String(g);
    for (let i = 0; i < pts.length; i++) {
      const pt: unknown = pts[i];
      if (!Array.isArray(pt) || pt.length < e.width) return reject('truncated', `${e.array}[${g}].${e.points}[${i}]: expected ${e.width} numbers, got ${show(pt)}`);
      const dt: unknown = pt[e.dtColumn];
      if (typeof dt !== 'number' || !(dt >= 0)) return reject('wrong_type', `${e.array}[${g}].${e.points}[${i}] dt: expected milliseconds ≥ 0, got ${show(dt)}`);
      t += dt;
      for (let c = 0; c < cols.length; c++) {
        const col = cols[c] as ExpandPlan['columns'][number];
        const raw: unknown = pt[col.index];
        const v = col.fast && typeof raw === 'number' ? fastNumber(col.value, raw) : convert(col.value, raw);
        if (typeof v === 'object') return { ...v, reason: `${e.array}[${g}].${e.points}[${i}]: ${v.reason}` };
        vals[c] = v;
      }
      if (e.make !== undefined) {
        out.push(e.make(p.id, device, t, base, baseTags, index, vals));
        continue;
      }
      // Generic path (a template with optional base fields): copy loops, not {...base},
      // since spreading then adding keys is ~30× slower on V8 (Node 20).
      const fields: Record<string, FieldValue> = {};
      for (let k = 0; k < baseKeys.length; k++) { const key = baseKeys[k] as string; fields[key] = base[key] as FieldValue; }
      for (let c = 0; c < cols.length; c++) fields[(cols[c] as ExpandPlan['columns'][number]).value.field] = vals[c] as FieldValue;
      const tags: Record<string, string> = {};
      for (let k = 0; k < tagKeys.length; k++) { const key = tagKeys[k] as string; tags[key] = baseTags[key] as string; }
      tags[e.indexTag] = index;
      out.push({ template: p.id, device, ts: t, fields, tags });
    }
  }
  return undefined;
}

/** The number path of convert() inlined: scale, offset, integer and range checks. */
function fastNumber(v: ValuePlan, raw: number): number | Rejection {
  const n = v.divisor !== 0 ? raw / v.divisor : v.scale === 1 ? raw : raw * v.scale;
  const x = v.offset === 0 ? n : n + v.offset;
  if (x >= v.min && x <= v.max && (v.type === 'number' || Number.isInteger(x)) && Number.isFinite(x)) return x;
  return convert(v, raw) as number | Rejection;
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
    return reject('not_json', `payload is not JSON: ${show(typeof payload === 'string' ? payload : Buffer.from(payload).toString('latin1'))}`);
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
