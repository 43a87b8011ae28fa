import { describe, expect, it } from 'vitest';
import { validateTemplate } from './validate.js';
import { labelled } from '../../test/fixtures/template-labels.js';

const F = 'dt/x/template.yaml';
const base = { id: 'x', name: 'X', category: 'test' };
const power = { name: 'power_w', type: 'number', unit: 'W', min: 0, max: 10, role: 'gauge' };

function problems(doc: unknown): string[] {
  const v = validateTemplate(labelled(doc), F);
  return v.ok ? [] : v.problems;
}

describe('pass 2: every reading a template can produce is storable', () => {
  it('refuses the reserved field name time and tags the gateway sets', () => {
    const doc = { ...base, transport: 'mqtt', fields: [power, { name: 'time', type: 'string', role: 'state' }], tags: ['device'], mqtt: { fields: { power_w: 'p', time: 't' }, tags: { device: 'd' } } };
    expect(problems(doc)).toEqual([
      `${F}: fields[1] (time).name: "time" is reserved by InfluxDB`,
      `${F}: tags: device is set by the gateway (reserved: time, device, template, site, event)`,
    ]);
  });
  it('keeps integer ranges exact and maxLength on string fields', () => {
    const doc = { ...base, transport: 'mqtt', fields: [{ name: 'count', type: 'integer', min: 0, max: 2 ** 60, role: 'counter', maxLength: 10 }], mqtt: { fields: { count: 'c' } } };
    expect(problems(doc)).toEqual([
      `${F}: fields[0] (count).maxLength: only string fields take a maxLength`,
      `${F}: fields[0] (count).max: ${2 ** 60} is not an integer within ±(2^53 − 1), so values near it cannot be stored exactly`,
    ]);
    expect(problems({ ...base, transport: 'mqtt', fields: [{ name: 'note', type: 'string', role: 'state', maxLength: 100_000 }], mqtt: { fields: { note: 'n' } } })[0])
      .toMatch(/fields\[0\]\.maxLength: Too big/);
  });
  it('refuses enum values, mapped strings, join separators and event names no store can hold', () => {
    const doc = {
      ...base, transport: 'mqtt',
      fields: [
        { name: 'mode', type: 'enum', values: ['auto', 'line\nbreak'], role: 'state' },
        { name: 'flags', type: 'string', role: 'state' },
        { name: 'who', type: 'string', role: 'event' },
      ],
      mqtt: { fields: { mode: { key: 'm', map: { 0: 'auto', 1: 'line\nbreak' } }, flags: { key: 'f', join: '\u0000' } }, events: { 'bad\\evt': { fields: { who: 'w' } } } },
    };
    expect(problems(doc)).toEqual([
      `${F}: fields[0] (mode).values[1]: "line\\nbreak" cannot be stored: control character U+000A at index 4`,
      `${F}: mqtt.fields.mode.map.1: "line\\nbreak" cannot be stored: control character U+000A at index 4`,
      `${F}: mqtt.fields.flags.join: "\\u0000" cannot be stored: control character U+0000 at index 0`,
      `${F}: mqtt.events.bad\\evt: "bad\\\\evt" cannot be stored: backslash at index 3 (not allowed in a tag value)`,
    ]);
  });
  it('refuses rules that make a reading without a field (an event with none, a line with no field column)', () => {
    const mqtt = { ...base, transport: 'mqtt', fields: [power], mqtt: { fields: { power_w: 'p' }, events: { ping: { fields: {} } } } };
    expect(problems(mqtt)).toContain(`${F}: mqtt.events.ping.fields: an event needs at least one field (a stored point has one)`);
    const serial = { ...base, transport: 'serial', fields: [power], serial: { baudRate: 9600, lines: [{ csv: [{ const: 'P' }, { field: 'power_w' }] }, { csv: [{ const: 'HB' }] }] } };
    expect(problems(serial)).toContain(`${F}: serial.lines[1].csv: a line needs at least one field column (a stored point has a field)`);
  });
});
