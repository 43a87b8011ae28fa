import { describe, expect, it } from 'vitest';
import { defaultTemplatesDir, loadAll } from './load.js';
import { validateTemplate } from './validate.js';
import { labelled } from '../../test/fixtures/template-labels.js';

const F = 'dt/x/template.yaml';
const fields = [
  { name: 'power', type: 'enum', values: ['on', 'standby', 'off'], role: 'state' },
  { name: 'lit', type: 'boolean', role: 'state' },
  { name: 'power_w', type: 'number', unit: 'W', min: 0, max: 500, role: 'gauge' },
  { name: 'energy_kwh', type: 'number', unit: 'kWh', min: 0, max: 1e9, role: 'counter' },
  { name: 'co2_ppm', type: 'number', unit: 'ppm', min: 0, max: 5000, role: 'gauge' },
  { name: 'band', type: 'string', role: 'state', privacy: 'id' },
  { name: 'heart_rate_bpm', type: 'integer', unit: 'bpm', min: 20, max: 230, role: 'gauge', privacy: 'health' },
  { name: 'steps', type: 'integer', min: 0, max: 100000, role: 'counter' },
];
const doc = (behaviour: unknown) => ({
  id: 'x', name: 'X', category: 'test', transport: 'mqtt', fields, behaviour,
  mqtt: { fields: Object.fromEntries(fields.map((f) => [f.name, f.name])) },
});
const problems = (behaviour: unknown): string[] => {
  const v = validateTemplate(labelled(doc(behaviour)), F);
  return v.ok ? [] : v.problems;
};

describe('template behaviour: pass 2', () => {
  it('accepts names of declared fields of the right type, unit and privacy class', () => {
    expect(problems({
      inUse: [{ metric: 'board_on_min', field: 'power', values: ['on'] }, { metric: 'drawing_min', field: 'power_w', above: 5 }],
      light: { on: ['lit'], power: 'power_w' },
      energy: { counters: [{ field: 'energy_kwh', flow: 'energy' }], power: 'power_w' },
      environment: { co2: 'co2_ppm' },
      heartRate: { field: 'heart_rate_bpm' },
      session: { fields: ['heart_rate_bpm', 'steps'] },
    })).toEqual([]);
  });

  it('rejects a field that does not exist, naming the key path', () => {
    expect(problems({ light: { on: ['lamp'] } })).toEqual([`${F}: behaviour.light.on[0]: names field lamp, which is not declared in fields`]);
    expect(problems({ pen: { x: 'x_mm', y: 'power_w', stroke: 'stroke' } })).toEqual([
      `${F}: behaviour.pen.x: names field x_mm, which is not declared in fields`,
      `${F}: behaviour.pen.stroke: names field stroke, which is not declared in fields (or tags)`,
    ]);
  });

  it('rejects a field of the wrong type, unit or role', () => {
    expect(problems({ light: { on: ['power'] } })).toEqual([`${F}: behaviour.light.on[0]: field power is enum (role state); expected a boolean field with no privacy class`]);
    expect(problems({ environment: { co2: 'power_w' } })[0]).toMatch(/behaviour\.environment\.co2: field power_w is number in W .*expected a number or integer field in ppm/);
    expect(problems({ energy: { counters: [{ field: 'power_w', flow: 'energy' }] } })[0]).toMatch(/energy\.counters\[0\]\.field: .*expected .* in kWh with role: counter/);
    expect(problems({ energy: { counters: [{ field: 'energy_kwh', flow: 'water' }] } })[0]).toMatch(/expected .* in m³/);
  });

  it('rejects values the field cannot take, and a condition with neither or both of values/above', () => {
    expect(problems({ inUse: [{ metric: 'board_on_min', field: 'power', values: ['ON'] }] })).toEqual([`${F}: behaviour.inUse[0].values: "ON" is not a value of enum field power (on, standby, off)`]);
    expect(problems({ occupancy: [{ field: 'lit', values: ['yes'] }] })[0]).toContain('"yes" is not a value of boolean field lit');
    expect(problems({ occupancy: [{ field: 'lit', above: 0 }] })[0]).toContain('above needs a number or integer field');
    expect(problems({ occupancy: [{ field: 'lit' }] })).toEqual([`${F}: behaviour.occupancy[0]: give either values or above`]);
    expect(problems({ inUse: [{ metric: 'a_min', field: 'power', values: ['on'] }, { metric: 'a_min', field: 'lit', values: [true] }] })).toContain(`${F}: behaviour.inUse[1].metric: a_min is given twice`);
  });

  it('keeps personal fields where they belong: no identifier in an aggregate or an export, heart rate must be health data', () => {
    expect(problems({ inUse: [{ metric: 'worn_min', field: 'band', values: ['x'] }] })[0]).toContain('expected a field with no privacy class');
    expect(problems({ heartRate: { field: 'steps' } })[0]).toContain('expected a number or integer field in bpm with privacy: health');
    expect(problems({ session: { fields: ['band'] } })).toEqual([`${F}: behaviour.session.fields[0]: field band is string (role state, privacy id); expected a field that is not an identifier (privacy: id)`]);
  });

  it('rejects an unknown key or a bad metric name in pass 1', () => {
    expect(problems({ inuse: [] })[0]).toContain('behaviour: Unrecognized key: "inuse"');
    expect(problems({ inUse: [{ metric: 'board-on', field: 'power', values: ['on'] }] })[0]).toContain('behaviour.inUse[0].metric: a snake_case name ending in _min');
  });
});

describe('the catalog', () => {
  it('declares the behaviour every summary kind and the session export read', async () => {
    const { loaded, problems: bad } = await loadAll(defaultTemplatesDir());
    expect(bad).toEqual([]);
    const having = (key: string) => loaded.filter((l) => (l.template.behaviour as Record<string, unknown> | undefined)?.[key] !== undefined).map((l) => l.template.id).sort();
    expect(having('inUse')).toEqual(['projector', 'recording-system', 'smart-board']);
    expect(having('light')).toEqual(['blackboard-light', 'classroom-light', 'corridor-light', 'lighting-relay-8ch']);
    expect(having('energy')).toEqual(['energy-meter-1p', 'energy-meter-3p', 'smart-socket', 'solar-inverter', 'water-meter']);
    expect(having('environment')).toEqual(['air-quality-monitor', 'env-sensor-rs485', 'fresh-air-unit']);
    expect(having('pen')).toEqual(['smart-pen']);
    expect(having('answer')).toEqual(['response-clicker']);
    expect(having('heartRate')).toEqual(['student-wristband']);
    // Every field a health summary would want is health data; every template with a heart rate declares it.
    for (const { template: t } of loaded) {
      const bpm = t.fields.find((f) => f.unit === 'bpm');
      if (bpm !== undefined) expect(t.behaviour?.heartRate?.field, t.id).toBe(bpm.name);
    }
  });
});
