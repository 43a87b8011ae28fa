/**
 * Nested arrays expanded into one reading per point with running timestamps
 * (smart-pen strokes): the hot path of the gateway, so the plan inlines number
 * checks and builds each point with a generated fixed-shape constructor.
 */
import type { FieldValue, Reading } from '../core/reading.js';
import { MAX_TIMESTAMP_MS } from '../core/storable.js';
import { convert, isObject, planValue, reject, shown, type Rejection, type ValuePlan } from './result.js';
import type { FieldDef, MqttTemplate } from './schema.js';

export interface ExpandPlan {
  array: string; indexTag: string; t0: string; points: string; dtColumn: number; width: number;
  /** `fast`: a plain number column (no map) checked inline. */
  columns: { index: number; value: ValuePlan; fast: boolean }[];
  /** Builds one point's reading with fixed-shape object literals (see pointMaker). */
  make: PointMaker | undefined;
}
type PointMaker = (template: string, device: string, ts: number, base: Record<string, FieldValue>,
  baseTags: Record<string, string>, index: string, vals: FieldValue[]) => Reading;

export function compileExpand(ex: NonNullable<MqttTemplate['mqtt']['expand']>, baseKeys: string[], tagKeys: string[],
  optionalBase: boolean, def: (name: string) => FieldDef): ExpandPlan {
  const columns = Object.entries(ex.columns).map(([field, c]) => {
    const value = planValue(def(field), `${ex.points}[${c.index}]`, c);
    return { index: c.index, value, fast: value.map === undefined && (value.type === 'number' || value.type === 'integer') };
  });
  return {
    array: ex.array, indexTag: ex.indexTag, t0: ex.t0, points: ex.points, dtColumn: ex.dtColumn,
    width: Math.max(ex.dtColumn, ...columns.map((c) => c.index)) + 1, columns,
    make: optionalBase ? undefined : pointMaker(baseKeys, tagKeys, ex.indexTag, columns.map((c) => c.value.field)),
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


/**
 * One reading per point: ts = t0 + running sum of dt; base fields and tags copied into each.
 * `personal`: the template has personal fields, so reasons name types, never excerpts.
 */
export function expand(templateId: string, e: ExpandPlan, obj: Record<string, unknown>, device: string,
  base: Record<string, FieldValue>, baseTags: Record<string, string>, out: Reading[], personal = false): Rejection | undefined {
  const show = (v: unknown): string => shown(personal, v);
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
      // Past 2262-04-11 no store can hold it, and `new Date(t)` downstream throws past 8.64e15.
      if (!(t >= 0 && t <= MAX_TIMESTAMP_MS)) return reject('out_of_range', `${e.array}[${g}].${e.points}[${i}]: time ${t} is outside 0…${MAX_TIMESTAMP_MS} (epoch ms up to 2262-04-11)`);
      for (let c = 0; c < cols.length; c++) {
        const col = cols[c] as ExpandPlan['columns'][number];
        const raw: unknown = pt[col.index];
        const v = col.fast && typeof raw === 'number' ? fastNumber(col.value, raw) : convert(col.value, raw);
        if (typeof v === 'object') return { ...v, reason: `${e.array}[${g}].${e.points}[${i}]: ${v.reason}` };
        vals[c] = v;
      }
      if (e.make !== undefined) {
        out.push(e.make(templateId, device, t, base, baseTags, index, vals));
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
      out.push({ template: templateId, device, ts: t, fields, tags });
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

