import { describe, expect, it } from 'vitest';
import { selectDevices } from './faults.js';
import type { SimHandle } from './handles.js';
import { planSchool } from './plan.js';
import { parseScenario, ScenarioError, type ScenarioInput } from './schema.js';

const input: ScenarioInput = {
  name: 't',
  students_per_class: 3,
  timetable: { periods: [['08:00', '08:45'], ['09:00', '09:45']], busy_share: 1, writing: { rooms: 1, periods: [0] }, pe: { classes: 1, periods: [1] } },
  room_types: {
    classroom: { teaching: true, mqtt: { 'classroom-light': 2, 'pen-receiver': 1 }, modbus: { 'env-sensor-rs485': 1, 'air-conditioner': 1 }, serial: { projector: 1 }, pens_per_receiver: 3 },
    gym: { mqtt: { 'wristband-base': 1 }, bands_per_base: 2 },
  },
  buildings: [{ id: 'A', rtu_units_per_bus: 2, rooms: [{ type: 'classroom', prefix: 'A1', count: 3 }, { type: 'gym', prefix: 'GYM', count: 1 }] }],
};

describe('scenario plan', () => {
  it('expands rooms and devices with stable ids, pens bound to the class cards', () => {
    const p = planSchool(parseScenario(input));
    expect(p.rooms.map((r) => r.id)).toEqual(['A101', 'A102', 'A103', 'GYM01']);
    expect(p.devices.filter((d) => d.room === 'A101').map((d) => d.id)).toEqual([
      'A101-classroom-light-1', 'A101-classroom-light-2', 'A101-pen-receiver-1', 'P-A101-1-01', 'P-A101-1-02', 'P-A101-1-03',
      'A101-env-sensor-rs485-1', 'A101-air-conditioner-1', 'A101-projector-1',
    ]);
    expect(p.devices.find((d) => d.id === 'P-A101-1-02')).toMatchObject({ template: 'smart-pen', transport: 'mqtt-group', group: 'A101-pen-receiver-1', person: 'SA10102' });
    expect(p.devices.filter((d) => d.template === 'student-wristband').map((d) => d.group)).toEqual(['GYM01-wristband-base-1', 'GYM01-wristband-base-1']);
  });

  it('splits RTU units into buses and numbers TCP units on one server per building', () => {
    const p = planSchool(parseScenario(input));
    const rtu = p.devices.filter((d) => d.transport === 'modbus-rtu').map((d) => `${d.bus}/${d.unitId}`);
    expect(rtu).toEqual(['A-rtu0/1', 'A-rtu0/2', 'A-rtu1/1']);
    expect(p.devices.filter((d) => d.transport === 'modbus-tcp').map((d) => `${d.bus}/${d.unitId}`)).toEqual(['A-tcp/1', 'A-tcp/2', 'A-tcp/3']);
  });

  it('follows the timetable: writers write, the PE class leaves its room for the gym', () => {
    const p = planSchool(parseScenario(input));
    const [a101, a102, , gym] = p.rooms as [typeof p.rooms[0], typeof p.rooms[0], unknown, typeof p.rooms[0]];
    expect(p.roomState(a101, 8 * 60 + 10)).toMatchObject({ inClass: true, lesson: 'writing' });
    expect(p.roomState(a101, 7 * 60)).toMatchObject({ inClass: false, lesson: 'none' });
    expect(p.roomState(a102, 9 * 60 + 10)).toMatchObject({ inClass: false, lesson: 'pe' });
    expect(p.roomState(gym, 9 * 60 + 10)).toMatchObject({ inClass: true, lesson: 'pe', students: 3 });
    expect(p.roomState(gym, 8 * 60 + 10)).toMatchObject({ inClass: false });
  });

  it('rejects a bad scenario naming the key path', () => {
    const bad = { ...input, buildings: [{ id: 'A', rooms: [{ type: 'pool', prefix: 'P' }] }], clock: { start: '25:00' } };
    expect(() => parseScenario(bad, 'x.yaml')).toThrow(ScenarioError);
    expect(() => parseScenario(bad, 'x.yaml')).toThrow(/x\.yaml: invalid scenario[\s\S]*clock\.start: a time of day HH:MM/);
    expect(() => parseScenario({ ...input, buildings: [{ id: 'A', rooms: [{ type: 'pool', prefix: 'P' }] }] })).toThrow(/buildings\.0\.rooms\.0\.type: no room type "pool"/);
  });

  it('selects fault targets by device, template and room, the first N', () => {
    const h = (id: string, template: string, room: string): SimHandle => ({ id, template, room, silence: () => undefined });
    const hs = [h('a', 'x', 'r1'), h('b', 'x', 'r2'), h('c', 'y', 'r1'), h('d', 'x', 'r1')];
    expect(selectDevices(hs, { template: 'x', count: 2 }).map((d) => d.id)).toEqual(['a', 'b']);
    expect(selectDevices(hs, { template: 'x', room: 'r1', count: 5 }).map((d) => d.id)).toEqual(['a', 'd']);
    expect(selectDevices(hs, { device: 'c', count: 1 }).map((d) => d.id)).toEqual(['c']);
  });
});
