import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDeviceAuth } from '../broker/device-auth.js';
import type { DeviceConfig } from '../config/schema.js';
import { createDeviceRegistry } from './device-registry.js';
import { createDeviceProvisioning, ProvisioningError } from './provisioning.js';

const HASH_A = 'scrypt$256$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const HASH_B = 'scrypt$256$8$1$BBBBBBBBBBBBBBBBBBBBBB$BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

function gateway(file: string | undefined, configDevices: DeviceConfig[] = []) {
  const auth = createDeviceAuth({ enabled: true, maxFailures: 5, lockoutSeconds: 60, devices: configDevices });
  const registry = createDeviceRegistry();
  for (const d of configDevices) registry.upsert({ ...d, provisioned: true });
  const closed: string[] = [];
  const book = createDeviceProvisioning({ file, configDevices, internalUsers: ['telegraf'] }, { auth, registry, disconnect: (id) => (closed.push(id), 1) });
  return { auth, registry, book, closed };
}

const dir = () => mkdtempSync(join(tmpdir(), 'provisioning-'));

describe('device provisioning', () => {
  it('keeps run-time devices in a 0600 file in a 0700 directory, and a new gateway has them', () => {
    const file = join(dir(), 'data', 'devices.json');
    const a = gateway(file);
    a.book.put([{ id: 'p1', template: 'smart-pen', secretHash: HASH_A, person: '李四' }]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    const b = gateway(file);
    expect(b.auth.hasDevice('p1')).toBe(true);
    expect(b.registry.get('p1')).toMatchObject({ provisioned: true, person: '李四', template: 'smart-pen' });
    expect(b.book.list()).toEqual([{ id: 'p1', template: 'smart-pen', secretHash: HASH_A, person: '李四' }]);
  });

  it('takes a device changed at run time from the file over the config, and keeps a removed config device removed', () => {
    const file = join(dir(), 'devices.json');
    const config: DeviceConfig[] = [{ id: 'm1', template: 'energy-meter-1p', secretHash: HASH_A, room: '101' }, { id: 'm2', template: 'energy-meter-1p', secretHash: HASH_A }];
    const a = gateway(file, config);
    a.book.put([{ id: 'm1', template: 'energy-meter-1p', secretHash: HASH_B }]);
    expect(a.closed).toEqual(['m1']); // new secret: the old connection goes
    expect(a.registry.get('m1')?.room).toBeUndefined();
    expect(a.book.remove('m2')).toEqual({ removed: true, closed: 1 });
    const b = gateway(file, config);
    expect(b.book.get('m1')?.secretHash).toBe(HASH_B);
    expect(b.book.get('m2')).toBeUndefined();
    expect(b.auth.hasDevice('m2')).toBe(false);
    expect(b.registry.get('m2')).toBeUndefined();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, removed: ['m2'] });
  });

  it('closes connections only when the secret or template changed', () => {
    const a = gateway(undefined);
    a.book.put([{ id: 'l1', template: 'classroom-light', secretHash: HASH_A }]);
    a.book.put([{ id: 'l1', template: 'classroom-light', secretHash: HASH_A, room: '102' }]);
    expect(a.closed).toEqual([]);
    expect(a.registry.get('l1')?.room).toBe('102');
  });

  it('changes nothing when the file cannot be written', () => {
    const file = join(dir(), 'devices.json');
    const a = gateway(file);
    mkdirSync(`${file}.tmp`); // the temp file cannot be opened (root ignores permissions, not this)
    expect(() => a.book.put([{ id: 'x1', template: 'classroom-light', secretHash: HASH_A }])).toThrow(/GW_ERR_DEVICES_FILE: .*cannot write it \(EISDIR\)/);
    expect(a.book.get('x1')).toBeUndefined();
    expect(a.auth.hasDevice('x1')).toBe(false);
    expect(a.registry.get('x1')).toBeUndefined();
  });

  it('refuses to start on a damaged file, naming it and the key path but no value', () => {
    const file = join(dir(), 'devices.json');
    writeFileSync(file, JSON.stringify({ version: 1, devices: [{ id: 'p1', template: 'smart-pen', person: 42, secretHash: HASH_A }], removed: [] }));
    expect(() => gateway(file)).toThrow(ProvisioningError);
    expect(() => gateway(file)).toThrow(/GW_ERR_DEVICES_FILE: .*devices\.json: devices\.0\.person: /);
    writeFileSync(file, '{"version":1,');
    expect(() => gateway(file)).toThrow(/not JSON/);
  });

  it('never lets a device take an internal user\'s name', () => {
    expect(gateway(undefined).book.isReserved('telegraf')).toBe(true);
    expect(() => gateway(undefined).book.put([{ id: 'telegraf', template: 'classroom-light' }])).toThrow(ProvisioningError);
  });

  it('runs admin changes one at a time', async () => {
    const { book } = gateway(undefined);
    const order: string[] = [];
    const slow = book.serial(async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('first');
    });
    const fast = book.serial(async () => void order.push('second'));
    await Promise.all([slow, fast]);
    expect(order).toEqual(['first', 'second']);
  });
});
