import { describe, expect, it } from 'vitest';
import { createDeviceRegistry, type DeviceStatus } from './device-registry.js';

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
});
