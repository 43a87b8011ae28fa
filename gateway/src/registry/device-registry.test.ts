import { describe, expect, it } from 'vitest';
import { createDeviceRegistry, type DeviceStatus, type OfflineAlarm } from './device-registry.js';

describe('device registry', () => {
  it('tracks never → online → offline and reports transitions', () => {
    const reg = createDeviceRegistry();
    const changes: [string, DeviceStatus, DeviceStatus][] = [];
    reg.on('status', (d, prev) => changes.push([d.id, prev, d.status]));
    reg.upsert({ id: 'L1', template: 'classroom-light', room: '101', provisioned: true });
    expect(reg.get('L1')?.status).toBe('never');
    reg.seen('L1', 'classroom-light', 1000);
    expect(reg.get('L1')).toMatchObject({ status: 'online', lastSeen: new Date(1000).toISOString(), room: '101' });
    reg.setStatus('L1', 'classroom-light', 'offline', 2000);
    expect(changes).toEqual([['L1', 'never', 'online'], ['L1', 'online', 'offline']]);
    expect(reg.counts()).toEqual({ online: 0, offline: 1, never: 0 });
  });

  it('merges latest fields and ignores older readings', () => {
    const reg = createDeviceRegistry();
    reg.setLatest('L1', 'classroom-light', 2000, { brightness_pct: 80, on: true });
    reg.setLatest('L1', 'classroom-light', 3000, { power_w: 36.5 });
    reg.setLatest('L1', 'classroom-light', 1000, { brightness_pct: 10 });
    expect(reg.get('L1')?.latest).toEqual({ ts: new Date(3000).toISOString(), fields: { brightness_pct: 80, on: true, power_w: 36.5 } });
  });

  it('sweeps silent devices offline after their timeout', () => {
    const reg = createDeviceRegistry();
    reg.seen('M1', 'energy-meter-1p', 0);
    reg.seen('L1', 'classroom-light', 0);
    const changed = reg.sweep(31_000, (t) => (t === 'energy-meter-1p' ? 30_000 : 600_000));
    expect(changed).toEqual(['M1']);
    expect(reg.get('L1')?.status).toBe('online');
  });

  it('takes a polled device offline after 3 missed polls, not before', () => {
    const reg = createDeviceRegistry({ missedPolls: 3 });
    reg.seen('M1', 'energy-meter-1p', 0, { pollIntervalMs: 10_000 });
    const templateTimeout = () => 600_000;
    expect(reg.sweep(29_000, templateTimeout)).toEqual([]);
    expect(reg.sweep(30_000, templateTimeout)).toEqual([]);
    expect(reg.sweep(30_001, templateTimeout)).toEqual(['M1']);
    // offline since the third poll it missed, not since the sweep ran
    expect(reg.get('M1')).toMatchObject({ status: 'offline', offlineSince: new Date(30_000).toISOString(), lastSeen: new Date(0).toISOString() });
  });

  it('keeps provisioned devices that never appeared as never, and never sweeps them', () => {
    const reg = createDeviceRegistry();
    reg.upsert({ id: 'P1', template: 'classroom-light', provisioned: true });
    expect(reg.sweep(10 ** 9, () => 1)).toEqual([]);
    expect(reg.get('P1')).toMatchObject({ status: 'never', lastSeen: null, offlineSince: null });
  });

  it('raises one offline alarm per offline spell after the threshold, and back-online when it returns', () => {
    const reg = createDeviceRegistry({ offlineAlarmAfterMs: 60_000 });
    const alarms: OfflineAlarm[] = [];
    const back: OfflineAlarm[] = [];
    reg.on('offline-alarm', (a) => alarms.push(a));
    reg.on('back-online', (a) => back.push(a));
    reg.upsert({ id: 'L1', template: 'classroom-light', room: '101', provisioned: true });
    reg.setStatus('L1', 'classroom-light', 'online', 0);
    reg.setStatus('L1', 'classroom-light', 'offline', 1_000); // last will
    reg.sweep(60_000, () => 600_000);
    expect(alarms).toEqual([]);
    reg.sweep(61_000, () => 600_000);
    reg.sweep(120_000, () => 600_000);
    expect(alarms).toEqual([{ id: 'L1', template: 'classroom-light', room: '101', building: undefined, offlineSince: new Date(1_000).toISOString(), lastSeen: new Date(0).toISOString(), offline_ms: 60_000 }]);
    reg.seen('L1', 'classroom-light', 130_000);
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ id: 'L1', offline_ms: 129_000 });
    expect(reg.get('L1')?.offlineSince).toBeNull();
    // a short outage below the threshold raises nothing
    reg.setStatus('L1', 'classroom-light', 'offline', 140_000);
    reg.seen('L1', 'classroom-light', 150_000);
    reg.sweep(300_000, () => 600_000);
    expect(alarms).toHaveLength(1);
    expect(back).toHaveLength(1);
  });

  it('does not raise offline alarms when the threshold is 0', () => {
    const reg = createDeviceRegistry({ offlineAlarmAfterMs: 0 });
    const alarms: OfflineAlarm[] = [];
    reg.on('offline-alarm', (a) => alarms.push(a));
    reg.setStatus('L1', 'classroom-light', 'offline', 0);
    reg.sweep(10 ** 9, () => 1);
    expect(alarms).toEqual([]);
  });
});
