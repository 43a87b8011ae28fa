/**
 * Modbus register decoding and write encoding. Transform order, fixed:
 * raw words → bit/mask → byte/word order → scale → offset → range check.
 * Byte letters: the registers' bytes in wire order are A B (first word) C D …;
 * ABCD = big-endian, CDAB = words swapped, BADC = bytes swapped in each word,
 * DCBA = fully reversed. For 64-bit values the same rule spans four words.
 */
import type { FieldValue, Reading } from '../core/reading.js';
import { convert, isRejection, planValue, reject, show, type DecodeResult, type Rejection, type ValuePlan } from './result.js';
import type { ModbusPoint, ModbusTemplate, Template } from './schema.js';

export interface RegisterSpan { table: 'coil' | 'discrete' | 'input' | 'holding'; address: number; count: number }
export interface RegisterBlocks { coil?: Map<number, boolean>; discrete?: Map<number, boolean>; input?: Map<number, number>; holding?: Map<number, number> }
export type WriteResult = { ok: true; table: 'coil' | 'holding'; address: number; values: number[] | boolean[] } | { ok: false; reason: string; code: string };

const WIDTH = { u16: 1, i16: 1, bit: 1, bool: 1, u32: 2, i32: 2, f32: 2, f64: 4 } as const;

interface PointPlan { point: ModbusPoint; width: number; value: ValuePlan; shift: number }
interface ModbusPlan { id: string; points: PointPlan[] }
const plans = new WeakMap<Template, ModbusPlan>();

function planOf(t: Template): ModbusPlan {
  let p = plans.get(t);
  if (p === undefined) {
    if (t.transport !== 'modbus') throw new Error(`template ${t.id} is not a modbus template`);
    p = compileModbus(t);
    plans.set(t, p);
  }
  return p;
}

function compileModbus(t: ModbusTemplate): ModbusPlan {
  return {
    id: t.id,
    points: t.modbus.points.map((pt) => {
      const def = t.fields.find((f) => f.name === pt.field);
      if (def === undefined) throw new Error(`template ${t.id}: modbus point names unknown field ${pt.field}`);
      const from = `${pt.table} ${pt.address}${pt.type === 'bit' ? ` bit ${pt.bit ?? 0}` : ''}`;
      const shift = pt.mask === undefined ? 0 : 31 - Math.clz32(pt.mask & -pt.mask);
      return { point: pt, width: WIDTH[pt.type], value: planValue(def, from, pt), shift };
    }),
  };
}

/** What the template needs read: one span per point (the adapter merges them into requests). */
export function registerSpans(t: Template): RegisterSpan[] {
  return planOf(t).points.map((p) => ({ table: p.point.table, address: p.point.address, count: p.width }));
}

const scratch = new DataView(new ArrayBuffer(8));

/** Puts `n` words into scratch as bytes in the given order, so a big-endian read yields the value. */
function order(words: ArrayLike<number>, n: number, ord: ModbusPoint['order']): void {
  for (let i = 0; i < n; i++) {
    const w = ords(words, n, i, ord);
    const hi = (w >> 8) & 0xff, lo = w & 0xff;
    const swap = ord === 'BADC' || ord === 'DCBA';
    scratch.setUint8(i * 2, swap ? lo : hi);
    scratch.setUint8(i * 2 + 1, swap ? hi : lo);
  }
}
function ords(words: ArrayLike<number>, n: number, i: number, ord: ModbusPoint['order']): number {
  return (ord === 'CDAB' || ord === 'DCBA' ? words[n - 1 - i] : words[i]) ?? 0;
}

function rawNumber(type: ModbusPoint['type']): number {
  switch (type) {
    case 'u16': return scratch.getUint16(0);
    case 'i16': return scratch.getInt16(0);
    case 'u32': return scratch.getUint32(0);
    case 'i32': return scratch.getInt32(0);
    case 'f32': return scratch.getFloat32(0);
    default: return scratch.getFloat64(0);
  }
}

const words4 = [0, 0, 0, 0];

function readPoint(p: PointPlan, blocks: RegisterBlocks): FieldValue | Rejection {
  const pt = p.point;
  if (pt.table === 'coil' || pt.table === 'discrete') {
    const bit = blocks[pt.table]?.get(pt.address);
    if (bit === undefined) return reject('truncated', `${pt.field}: ${pt.table} ${pt.address} missing from the block read`);
    return convert(p.value, bit);
  }
  const table = blocks[pt.table];
  for (let i = 0; i < p.width; i++) {
    const w = table?.get(pt.address + i);
    if (w === undefined) return reject('truncated', `${pt.field}: ${pt.table} register ${pt.address + i} missing from the block read`);
    if (!Number.isInteger(w) || w < 0 || w > 0xffff) return reject('wrong_type', `${pt.field}: ${pt.table} register ${pt.address + i} holds ${show(w)}, not a 16-bit word`);
    words4[i] = w;
  }
  // bit/mask on the raw word, then byte/word order, then scale/offset/range (convert).
  if (pt.type === 'bit') return convert(p.value, ((words4[0] ?? 0) >> (pt.bit ?? 0) & 1) === 1);
  if (pt.mask !== undefined) words4[0] = ((words4[0] ?? 0) & pt.mask) >>> p.shift;
  order(words4, p.width, pt.order);
  const raw = rawNumber(pt.type);
  return convert(p.value, pt.type === 'f32' ? shortestF32(raw) : raw);
}

/**
 * The shortest decimal that is the same float32: 229.8 rather than 229.8000030517578,
 * the value the device meant (float32 holds 6–9 significant digits).
 */
export function shortestF32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let p = 6; p < 9; p++) {
    const d = Number(x.toPrecision(p));
    if (Math.fround(d) === x) return d;
  }
  return Number(x.toPrecision(9));
}

/** Decodes one poll's register blocks into one reading holding every point's field. */
export function decodeModbus(t: Template, blocks: RegisterBlocks, ctx: { device: string; receivedAt: number }): DecodeResult {
  const p = planOf(t);
  const fields: Record<string, FieldValue> = {};
  for (const pp of p.points) {
    const v = readPoint(pp, blocks);
    if (isRejection(v)) return v;
    fields[pp.point.field] = v;
  }
  const reading: Reading = { template: p.id, device: ctx.device, ts: ctx.receivedAt, fields, tags: {} };
  return { ok: true, readings: [reading] };
}

const LIMITS = { u16: [0, 0xffff], i16: [-0x8000, 0x7fff], u32: [0, 0xffffffff], i32: [-0x80000000, 0x7fffffff] } as const;

/** Encodes a write of one writable field: the inverse transforms, range-checked first. */
export function encodeModbusWrite(t: Template, field: string, value: unknown): WriteResult {
  const p = planOf(t).points.find((x) => x.point.field === field);
  if (p === undefined) return reject('unknown_field', `${field}: not a field of ${t.id}`);
  const pt = p.point;
  if (!pt.writable || (pt.table !== 'coil' && pt.table !== 'holding')) return reject('not_writable', `${field}: ${pt.table} ${pt.address} is not writable`);
  let raw: unknown = value;
  if (p.value.map !== undefined) {
    const entry = [...p.value.map].find(([, v]) => v === value);
    if (entry === undefined) return reject('unknown_enum', `${field}: ${show(value)} is not one of ${[...p.value.map.values()].join('|')}`);
    raw = pt.type === 'bool' ? entry[0] === 'true' : Number(entry[0]);
  } else {
    const checked = convert({ ...p.value, divisor: 0, scale: 1, offset: 0 }, value);
    if (isRejection(checked)) return checked;
    if (typeof checked === 'number') raw = p.value.divisor !== 0 ? (checked - pt.offset) * p.value.divisor : (checked - pt.offset) / pt.scale;
  }
  if (pt.table === 'coil') {
    if (typeof raw !== 'boolean') return reject('wrong_type', `${field}: expected true or false, got ${show(value)}`);
    return { ok: true, table: 'coil', address: pt.address, values: [raw] };
  }
  if (typeof raw !== 'number' || !Number.isFinite(raw)) return reject('wrong_type', `${field}: expected a number, got ${show(value)}`);
  if (pt.type !== 'f32' && pt.type !== 'f64') {
    raw = Math.round(raw);
    const lim = LIMITS[pt.type as keyof typeof LIMITS];
    if (lim === undefined || (raw as number) < lim[0] || (raw as number) > lim[1]) return reject('out_of_range', `${field}: ${show(value)} does not fit a ${pt.type} register`);
  }
  const n = p.width;
  switch (pt.type) {
    case 'u16': scratch.setUint16(0, raw as number); break;
    case 'i16': scratch.setInt16(0, raw as number); break;
    case 'u32': scratch.setUint32(0, raw as number); break;
    case 'i32': scratch.setInt32(0, raw as number); break;
    case 'f32': scratch.setFloat32(0, raw as number); break;
    default: scratch.setFloat64(0, raw as number);
  }
  const be = Array.from({ length: n }, (_, i) => scratch.getUint16(i * 2));
  order(be, n, pt.order); // every order is its own inverse
  return { ok: true, table: 'holding', address: pt.address, values: Array.from({ length: n }, (_, i) => scratch.getUint16(i * 2)) };
}
