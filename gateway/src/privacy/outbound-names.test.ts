import { describe, expect, it } from 'vitest';
import { TEST_TEMPLATES as T } from '../../test/fixtures/templates.js';
import { createOutboundNames, type DeviceLike } from './outbound-names.js';

describe('outbound names', () => {
  const clock = { t: 0, now: () => clock.t };
  const devices: DeviceLike[] = [
    { id: 'smoke-101', template: 'smoke-detector', room: '101', building: 'A', provisioned: true },
    { id: 'W-2231', template: 'student-wristband', room: 'gym', provisioned: true },
    { id: 'door-main', template: 'door-access', room: 'gate', person: 'S2023001', provisioned: true },
    { id: 'stray-7', template: 'smoke-detector', room: 'R9', provisioned: false },
  ];
  const names = createOutboundNames({ site: 's' }, { templates: () => Object.values(T), devices: () => devices, pseudonym: (v) => `pseudonym(${v})`, clock });

  it('names a provisioned device by its config id, a personal or unprovisioned one by its pseudonym', () => {
    expect(names.device('smoke-101', 'smoke-detector')).toBe('smoke-101');
    expect(names.device('W-2231', 'student-wristband')).toBe('pseudonym(W-2231)'); // a wristband's id is its student's band
    expect(names.device('door-main', 'door-access')).toBe('pseudonym(door-main)'); // bound to a person in the config
    expect(names.device('stray-7', 'smoke-detector')).toBe('pseudonym(stray-7)'); // named itself on the broker
    expect(names.device('smoke-101', 'student-wristband')).toBe('pseudonym(smoke-101)'); // publishing as a personal template
    expect([names.isDevice('smoke-101'), names.isDevice('W-2231'), names.isDevice('stray-7'), names.isDevice('p-0123456789abcdef01234567')]).toEqual([true, false, false, true]);
  });

  it('knows the rooms and buildings of provisioned devices, the templates, and their alarm fields', () => {
    expect(['101', 'gym', 'gate', 'unassigned', 'R9'].map(names.isRoom)).toEqual([true, true, true, true, false]);
    expect(['A', 'S2023001'].map(names.isBuilding)).toEqual([true, false]);
    expect([names.template('smoke-detector'), names.template('S2023001')]).toEqual(['smoke-detector', 'unknown']);
    expect(names.alarmField('door-access', 'door')?.values).toEqual(['open', 'closed', 'forced']);
    expect(names.alarmField('door-access', 'card')).toBeUndefined();
    expect([...names.privateKeys()]).toEqual(expect.arrayContaining(['person', 'band', 'heart_rate_bpm', 'card', 'pen']));
  });

  it('sees a device provisioned a moment ago (admin API) without waiting for the next snapshot', () => {
    expect(names.device('smoke-202', 'smoke-detector')).toBe('pseudonym(smoke-202)');
    devices.push({ id: 'smoke-202', template: 'smoke-detector', room: '202', provisioned: true });
    clock.t += 100;
    expect(names.device('smoke-202', 'smoke-detector')).toBe('smoke-202');
    expect(names.isRoom('202')).toBe(true);
  });
});
