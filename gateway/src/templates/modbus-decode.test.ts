import { describe, expect, it } from 'vitest';
import { decodeModbus, encodeModbusWrite, registerSpans, type RegisterBlocks } from './modbus-decode.js';
import { templateSchema, type Template } from './schema.js';
import { labelled } from '../../test/fixtures/template-labels.js';

const ctx = { device: 'm1', receivedAt: 5_000 };

function tpl(fields: unknown[], points: unknown[]): Template {
  return templateSchema.parse(labelled({ id: 'm', name: 'm', category: 'test', transport: 'modbus', fields, modbus: { points } }));
}
const words = (start: number, ws: number[]): Map<number, number> => new Map(ws.map((w, i) => [start + i, w]));
const num = (name: string, min = -1e12, max = 1e12) => ({ name, type: 'number', min, max, role: 'gauge' });

describe('decodeModbus byte/word orders', () => {
  // 230.5 as IEEE-754 float32 is 0x43668000: bytes A=43 B=66 C=80 D=00.
  const cases: [string, number[]][] = [['ABCD', [0x4366, 0x8000]], ['CDAB', [0x8000, 0x4366]], ['BADC', [0x6643, 0x0080]], ['DCBA', [0x0080, 0x6643]]];
  for (const [order, ws] of cases) {
    it(`f32 ${order}`, () => {
      const t = tpl([num('v')], [{ field: 'v', table: 'holding', address: 10, type: 'f32', order }]);
      expect(decodeModbus(t, { holding: words(10, ws) }, ctx)).toEqual({ ok: true, readings: [{ template: 'm', device: 'm1', ts: 5_000, fields: { v: 230.5 }, tags: {} }] });
    });
  }

  it('u32 CDAB with scale, i16 negative with scale, f64 ABCD', () => {
    const t = tpl([num('e'), num('t'), num('d')], [
      { field: 'e', table: 'holding', address: 0, type: 'u32', order: 'CDAB', scale: 0.01 },
      { field: 't', table: 'input', address: 0, type: 'i16', scale: 0.1 },
      { field: 'd', table: 'input', address: 1, type: 'f64' },
    ]);
    // 123456789 = 0x075BCD15; -12.3 → -123 = 0xFF85; 1.5 as f64 = 0x3FF8000000000000
    const r = decodeModbus(t, { holding: words(0, [0xcd15, 0x075b]), input: words(0, [0xff85, 0x3ff8, 0, 0, 0]) }, ctx);
    expect(r.ok && r.readings[0]?.fields).toEqual({ e: 1234567.89, t: -12.3, d: 1.5 });
  });

  it('bits of a word, masks, coils, maps and offset', () => {
    const t = tpl([
      { name: 'leak', type: 'boolean', role: 'state', alarm: true },
      { name: 'low_battery', type: 'boolean', role: 'state' },
      { name: 'level', type: 'integer', min: 0, max: 15, role: 'gauge' },
      { name: 'mode', type: 'enum', values: ['auto', 'cool'], role: 'state' },
      { name: 'relay', type: 'boolean', role: 'state' },
      { name: 'temp_c', type: 'number', unit: '°C', min: -50, max: 100, role: 'gauge' },
    ], [
      { field: 'leak', table: 'holding', address: 3, type: 'bit', bit: 0 },
      { field: 'low_battery', table: 'holding', address: 3, type: 'bit', bit: 2 },
      { field: 'level', table: 'holding', address: 4, type: 'u16', mask: 0x00f0 },
      { field: 'mode', table: 'holding', address: 5, type: 'u16', map: { 0: 'auto', 1: 'cool' } },
      { field: 'relay', table: 'coil', address: 0, type: 'bool' },
      { field: 'temp_c', table: 'input', address: 0, type: 'u16', scale: 0.1, offset: -40 },
    ]);
    const blocks: RegisterBlocks = { holding: words(3, [0b101, 0x0a3f, 1]), coil: new Map([[0, true]]), input: words(0, [650]) };
    const r = decodeModbus(t, blocks, ctx);
    expect(r.ok && r.readings[0]?.fields).toEqual({ leak: true, low_battery: true, level: 3, mode: 'cool', relay: true, temp_c: 25 });
    expect(decodeModbus(t, { ...blocks, holding: words(3, [0, 0, 7]) }, ctx)).toEqual({ ok: false, code: 'unknown_enum', reason: 'mode (holding 5): 7 is not one of 0|1', field: 'mode' });
  });

  it('rejects a truncated block and an out-of-range value, naming field and value', () => {
    const t = tpl([num('v', 0, 300), num('i', 0, 100)], [
      { field: 'v', table: 'holding', address: 0, type: 'f32' },
      { field: 'i', table: 'holding', address: 2, type: 'f32' },
    ]);
    expect(decodeModbus(t, { holding: words(0, [0x4366, 0x8000, 0x4120]) }, ctx)).toEqual({ ok: false, code: 'truncated', reason: 'i: holding register 3 missing from the block read' });
    expect(decodeModbus(t, { holding: words(0, [0x43c8, 0, 0, 0]) }, ctx)).toEqual({ ok: false, code: 'out_of_range', reason: 'v (holding 0): 400 is outside 0…300', field: 'v' });
  });

  it('plans one register span per point', () => {
    const t = tpl([num('a'), num('b'), { name: 'c', type: 'boolean', role: 'state' }], [
      { field: 'a', table: 'holding', address: 0, type: 'f32' },
      { field: 'b', table: 'holding', address: 2, type: 'f64' },
      { field: 'c', table: 'discrete', address: 1, type: 'bool' },
    ]);
    expect(registerSpans(t)).toEqual([{ table: 'holding', address: 0, count: 2 }, { table: 'holding', address: 2, count: 4 }, { table: 'discrete', address: 1, count: 1 }]);
  });
});

describe('encodeModbusWrite', () => {
  const t = tpl([
    { name: 'setpoint_c', type: 'number', unit: '°C', min: 16, max: 32, role: 'state' },
    { name: 'mode', type: 'enum', values: ['auto', 'cool'], role: 'state' },
    { name: 'relay', type: 'boolean', role: 'state' },
    { name: 'limit_w', type: 'number', unit: 'W', min: 0, max: 1e6, role: 'state' },
    { name: 'room_c', type: 'number', unit: '°C', min: -30, max: 60, role: 'gauge' },
  ], [
    { field: 'setpoint_c', table: 'holding', address: 2, type: 'i16', scale: 0.1, writable: true },
    { field: 'mode', table: 'holding', address: 1, type: 'u16', map: { 0: 'auto', 1: 'cool' }, writable: true },
    { field: 'relay', table: 'coil', address: 4, type: 'bool', writable: true },
    { field: 'limit_w', table: 'holding', address: 10, type: 'f32', order: 'CDAB', writable: true },
    { field: 'room_c', table: 'holding', address: 3, type: 'i16', scale: 0.1 },
  ]);
  it('inverts scale, maps and word order', () => {
    expect(encodeModbusWrite(t, 'setpoint_c', 24.5)).toEqual({ ok: true, table: 'holding', address: 2, values: [245] });
    expect(encodeModbusWrite(t, 'mode', 'cool')).toEqual({ ok: true, table: 'holding', address: 1, values: [1] });
    expect(encodeModbusWrite(t, 'relay', false)).toEqual({ ok: true, table: 'coil', address: 4, values: [false] });
    expect(encodeModbusWrite(t, 'limit_w', 230.5)).toEqual({ ok: true, table: 'holding', address: 10, values: [0x8000, 0x4366] });
  });
  it('round-trips through decode', () => {
    const w = encodeModbusWrite(t, 'limit_w', 1234.5);
    expect(w.ok).toBe(true);
    if (!w.ok || w.table !== 'holding') return;
    const holding = words(10, w.values as number[]);
    const single = tpl([num('limit_w')], [{ field: 'limit_w', table: 'holding', address: 10, type: 'f32', order: 'CDAB' }]);
    expect(decodeModbus(single, { holding }, ctx)).toMatchObject({ ok: true, readings: [{ fields: { limit_w: 1234.5 } }] });
  });
  it('refuses out-of-range, unknown enum, read-only and unknown fields', () => {
    expect(encodeModbusWrite(t, 'setpoint_c', 40)).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(encodeModbusWrite(t, 'mode', 'heat')).toMatchObject({ ok: false, code: 'unknown_enum' });
    expect(encodeModbusWrite(t, 'room_c', 20)).toMatchObject({ ok: false, code: 'not_writable' });
    expect(encodeModbusWrite(t, 'nope', 1)).toMatchObject({ ok: false, code: 'unknown_field' });
    expect(encodeModbusWrite(t, 'relay', 'yes')).toMatchObject({ ok: false, code: 'wrong_type' });
  });
});
