import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { templateJsonSchema, templateJsonSchemaPath } from './json-schema.js';
import { validateTemplate } from './validate.js';
import { labelled } from '../../test/fixtures/template-labels.js';

const F = 'dt/x/template.yaml';
const base = { id: 'x', name: 'X', category: 'test' };
const mqtt = (fields: unknown[], sources: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ ...base, transport: 'mqtt', fields, mqtt: { fields: sources }, ...extra });
const power = { name: 'power_w', type: 'number', unit: 'W', min: 0, max: 10, role: 'gauge' };

function problems(doc: unknown): string[] {
  const v = validateTemplate(labelled(doc), F);
  return v.ok ? [] : v.problems;
}

describe('pass 1: shape', () => {
  it('names the file, the key path and what was expected', () => {
    expect(problems({ ...base, transport: 'mqtt', fields: [{ ...power, type: 'float' }], mqtt: { fields: { power_w: 'p' } } }))
      .toEqual([`${F}: fields[0].type: Invalid option: expected one of "number"|"integer"|"boolean"|"string"|"enum"`]);
    expect(problems({ ...base, transport: 'zigbee', fields: [power] })[0]).toBe(`${F}: transport: Invalid discriminator value. Expected 'mqtt' | 'modbus' | 'serial'`);
    expect(problems(mqtt([power], { power_w: 'p' }, { colour: 'red' }))).toEqual([`${F}: (root): Unrecognized key: "colour" (colour)`]);
    const p = problems({ ...base, transport: 'modbus', fields: [power], modbus: { points: [{ field: 'power_w', table: 'holding', address: -1, type: 'u16' }] } });
    expect(p).toEqual([`${F}: modbus.points[0].address: Too small: expected number to be >=0`]);
  });
  it('explains a union that no form matches', () => {
    const doc = { ...base, transport: 'serial', fields: [{ name: 'v', type: 'string', role: 'state' }], serial: { baudRate: 9600, lines: [{ csv: [{ const: 'X' }, { feild: 'v' }] }] } };
    expect(problems(doc)).toEqual([`${F}: serial.lines[0].csv[1]: unrecognized key "feild"; expected one of the forms {const} | {field} | {select} | {selectedValue} | {selectedUnit} | {skip}`]);
  });

  it('accepts a good template', () => {
    expect(validateTemplate(labelled(mqtt([power], { power_w: 'p' })), F)).toMatchObject({ ok: true, template: { id: 'x' } });
  });
});

describe('Chinese labels (issue #19)', () => {
  const raw = (doc: unknown) => { const v = validateTemplate(doc, F); return v.ok ? [] : v.problems; };
  it('refuses a template or a field without its zh label', () => {
    expect(raw(mqtt([{ ...power, zh: '功率' }], { power_w: 'p' }))).toEqual([`${F}: zh: Invalid input: expected string, received undefined`]);
    expect(raw({ ...mqtt([power], { power_w: 'p' }), zh: '测试' })).toEqual([`${F}: fields[0].zh: Invalid input: expected string, received undefined`]);
  });
  it('wants Chinese words, and a Chinese description beside an English one', () => {
    const doc = (field: Record<string, unknown>, zh = '测试') => ({ ...mqtt([{ ...power, ...field }], { power_w: 'p' }), zh });
    expect(raw(doc({ zh: 'power' }, 'Test'))).toEqual([
      `${F}: fields[0] (power_w).zh: "power" should be the field's name in Chinese (at least one Chinese character)`,
      `${F}: zh: "Test" should be the device type's name in Chinese (at least one Chinese character)`,
    ]);
    expect(raw(doc({ zh: '功率', description: 'input power' }))).toEqual([`${F}: fields[0] (power_w).zhDescription: a field with a description needs it in Chinese too`]);
    expect(raw(doc({ zh: '功率', zhDescription: '输入功率' }))).toEqual([`${F}: fields[0] (power_w).zhDescription: only a field with a description takes one`]);
    expect(raw(doc({ zh: 'PM2.5 浓度', description: 'input power', zhDescription: '输入功率' }))).toEqual([]);
  });
});

describe('pass 2: cross-checks', () => {
  it('finds duplicate fields', () => {
    expect(problems(mqtt([power, power], { power_w: 'p' }))).toContain(`${F}: fields[1] (power_w).name: duplicate field, first declared at fields[0]`);
  });
  it('requires a range on every numeric field', () => {
    expect(problems(mqtt([{ ...power, max: undefined }], { power_w: 'p' }))).toContain(`${F}: fields[0] (power_w).min/max: a numeric field needs a valid range (min and max)`);
  });
  it('requires snake_case names with a matching unit suffix', () => {
    expect(problems(mqtt([{ ...power, name: 'powerW' }], { powerW: 'p' }))).toEqual(expect.arrayContaining([
      expect.stringContaining('fields[0] (powerW).name: "powerW" should be snake_case'),
      expect.stringContaining('fields[0] (powerW).name: a field in W should end with _w'),
    ]));
    expect(problems(mqtt([{ ...power, unit: undefined }], { power_w: 'p' }))).toContain(`${F}: fields[0] (power_w).unit: power_w ends with the unit suffix _w but declares no unit`);
    expect(problems(mqtt([{ ...power, unit: 'furlongs' }], { power_w: 'p' }))[0]).toContain('unit: unknown unit "furlongs"');
  });
  it('requires every personal identifier to be marked privacy: id', () => {
    const card = { name: 'card_id', type: 'string', role: 'state' };
    expect(problems(mqtt([card], { card_id: 'card' }))).toEqual([`${F}: fields[0] (card_id).privacy: a personal identifier must be marked privacy: id`]);
    expect(problems(mqtt([{ ...card, privacy: 'id' }], { card_id: 'card' }))).toEqual([]);
  });
  it('checks sources: unknown fields, unsourced fields, undeclared tags', () => {
    expect(problems(mqtt([power], { power_w: 'p', volts_v: 'v' }))).toContain(`${F}: mqtt.fields.volts_v: names field volts_v, which is not declared in fields`);
    expect(problems(mqtt([power, { name: 'on', type: 'boolean', role: 'state' }], { power_w: 'p' }))).toContain(`${F}: fields (on): has no source in mqtt`);
    expect(problems({ ...mqtt([power], { power_w: 'p' }), mqtt: { fields: { power_w: 'p' }, tags: { page: 'pg' } } })).toContain(`${F}: mqtt.tags: tag page is not declared in tags`);
  });
  it('checks alarms against the field type and values', () => {
    const door = { name: 'door', type: 'enum', values: ['open', 'closed'], role: 'state', alarm: ['forced'] };
    expect(problems(mqtt([door], { door: 'door' }))).toContain(`${F}: fields[0] (door).alarm: "forced" is not one of the field's values`);
  });
  it('finds overlapping registers and type/table mismatches', () => {
    const doc = {
      ...base, transport: 'modbus',
      fields: [power, { ...power, name: 'energy_w' }, { name: 'on', type: 'boolean', role: 'state' }],
      modbus: { points: [
        { field: 'power_w', table: 'holding', address: 0, type: 'f32' },
        { field: 'energy_w', table: 'holding', address: 1, type: 'u16' },
        { field: 'on', table: 'input', address: 0, type: 'bool' },
      ] },
    };
    const p = problems(doc);
    expect(p).toContain(`${F}: modbus.points[1] (energy_w).address: holding 1…1 overlaps modbus.points[0] (power_w) (0…1)`);
    expect(p).toContain(`${F}: modbus.points[2] (on).type: input holds words: bool is for coil/discrete`);
  });
  it('lets different bits of one word share it, but not the same bit', () => {
    const bits = (b: number) => ({ ...base, transport: 'modbus',
      fields: [{ name: 'a', type: 'boolean', role: 'state' }, { name: 'b', type: 'boolean', role: 'state' }],
      modbus: { points: [{ field: 'a', table: 'holding', address: 3, type: 'bit', bit: 0 }, { field: 'b', table: 'holding', address: 3, type: 'bit', bit: b }] } });
    expect(problems(bits(1))).toEqual([]);
    expect(problems(bits(0))[0]).toContain('overlaps');
  });
  it('refuses regex grammars that could backtrack catastrophically', () => {
    const doc = { ...base, transport: 'serial', fields: [{ name: 'v', type: 'string', role: 'state' }],
      serial: { baudRate: 9600, lines: [{ regex: '^(?<v>(a+)+)$', groups: { v: { field: 'v' } } }] } };
    expect(problems(doc)[0]).toContain('serial.lines[0].regex: a quantified group contains a quantifier');
  });
});

describe('template.schema.json', () => {
  it('is up to date with the zod schema (regenerate with gateway/src/templates/json-schema.ts)', () => {
    expect(readFileSync(templateJsonSchemaPath(), 'utf8')).toBe(templateJsonSchema());
  });
});
