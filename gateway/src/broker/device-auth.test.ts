import { describe, expect, it } from 'vitest';
import { createDeviceAuth, deviceAuthFromConfig } from './device-auth.js';
import { hashSecret } from './secrets.js';

const CHEAP = { N: 1024, r: 4, p: 1 };

describe('device auth', () => {
  it('is anonymous when disabled', async () => {
    const auth = createDeviceAuth({ enabled: false, maxFailures: 3, lockoutSeconds: 60, devices: [] });
    expect(await auth.authenticate(undefined, undefined, 'a')).toEqual({ ok: true, identity: { kind: 'anonymous' } });
  });

  it('logs a device in by id and secret, and an internal user with its filters', async () => {
    const auth = createDeviceAuth({
      enabled: true, maxFailures: 3, lockoutSeconds: 60,
      devices: [{ id: 'm1', template: 'energy-meter-1p', secretHash: await hashSecret('s1', CHEAP) }],
      internalUsers: [{ username: 'ops', secretHash: await hashSecret('s2', CHEAP), publish: ['#'], subscribe: ['campus/#'] }],
    });
    expect(await auth.authenticate('m1', Buffer.from('s1'), 'a')).toEqual({ ok: true, identity: { kind: 'device', id: 'm1', template: 'energy-meter-1p' } });
    expect(await auth.authenticate('ops', Buffer.from('s2'), 'a')).toMatchObject({ ok: true, identity: { kind: 'internal', username: 'ops' } });
    expect(await auth.authenticate('m1', Buffer.from('s2'), 'a')).toEqual({ ok: false, reason: 'bad_credentials' });
  });

  it('locks an address out after maxFailures until the lockout expires', async () => {
    let now = 0;
    const auth = createDeviceAuth({ enabled: true, maxFailures: 2, lockoutSeconds: 10, devices: [{ id: 'm1', template: 't', secretHash: await hashSecret('ok', CHEAP) }] }, { now: () => now });
    await auth.authenticate('m1', Buffer.from('no'), '10.0.0.1');
    await auth.authenticate('m1', Buffer.from('no'), '10.0.0.1');
    expect(await auth.authenticate('m1', Buffer.from('ok'), '10.0.0.1')).toEqual({ ok: false, reason: 'locked_out' });
    expect(await auth.authenticate('m1', Buffer.from('ok'), '10.0.0.2')).toMatchObject({ ok: true });
    expect(auth.stats()).toMatchObject({ authFailures: 2, lockouts: 1, lockoutRejections: 1, lockedAddresses: 1 });
    now = 10_001;
    expect(await auth.authenticate('m1', Buffer.from('ok'), '10.0.0.1')).toMatchObject({ ok: true });
    expect(auth.stats().lockedAddresses).toBe(0);
  });

  it('lets broker.auth.maxWaitingLogins logins from one address wait for a slot; beyond it they are throttled', async () => {
    const devices = await Promise.all(Array.from({ length: 12 }, async (_, i) => ({ id: `d${i}`, template: 't', secretHash: await hashSecret(`s${i}`, CHEAP) })));
    const storm = async (maxWaitingLogins: number | undefined) => {
      const auth = createDeviceAuth({ enabled: true, maxFailures: 2, lockoutSeconds: 10, devices, ...(maxWaitingLogins !== undefined ? { maxWaitingLogins } : {}) });
      return Promise.all(devices.map((d, i) => auth.authenticate(d.id, Buffer.from(`s${i}`), '10.9.0.1')));
    };
    // 12 at once from one address: 2 take the slots, 3 may wait, the other 7 are throttled (retry later).
    const few = await storm(3);
    expect(few.filter((r) => r.ok)).toHaveLength(5);
    expect(few.filter((r) => !r.ok && r.reason === 'throttled')).toHaveLength(7);
    // Raised for a NAT router: all 12 are served in turn.
    expect((await storm(20)).every((r) => r.ok)).toBe(true);
    expect(deviceAuthFromConfig({ devices: [], broker: { auth: { enabled: true, maxFailures: 5, lockoutSeconds: 60, maxWaitingLogins: 500, internalUsers: [] } } }).enabled).toBe(true);
  });

  it('forgets old failures, and bounds the addresses it remembers', async () => {
    let now = 0;
    const auth = createDeviceAuth({ enabled: true, maxFailures: 2, lockoutSeconds: 10, maxTrackedAddresses: 3, devices: [] }, { now: () => now });
    await auth.authenticate('x', undefined, 'a');
    now = 20_000;
    await auth.authenticate('x', undefined, 'a');
    expect(auth.isLockedOut('a')).toBe(false);
    for (const addr of ['b', 'c', 'd', 'e']) await auth.authenticate('x', undefined, addr);
    await auth.authenticate('x', undefined, 'e');
    expect(auth.isLockedOut('e')).toBe(true);
  });

  it('adds and removes devices at run time, refusing malformed hashes', async () => {
    const auth = createDeviceAuth({ enabled: true, maxFailures: 5, lockoutSeconds: 10, devices: [] });
    auth.addDevice({ id: 'n1', template: 't', secretHash: await hashSecret('new', CHEAP) });
    expect(await auth.authenticate('n1', Buffer.from('new'), 'a')).toMatchObject({ ok: true });
    expect(auth.removeDevice('n1')).toBe(true);
    expect(await auth.authenticate('n1', Buffer.from('new'), 'a')).toMatchObject({ ok: false });
    expect(() => auth.addDevice({ id: 'n2', template: 't', secretHash: 'plain-text' })).toThrow(/GW_ERR_BAD_SECRET_HASH/);
  });

  it('fails at start-up on a config hash that is not scrypt', () => {
    const config = { broker: { auth: { enabled: true, maxFailures: 5, lockoutSeconds: 60, internalUsers: [] } }, devices: [{ id: 'd1', template: 't', secretHash: 'md5$abc' }] };
    expect(() => deviceAuthFromConfig(config)).toThrow(/devices\[id=d1\]\.secretHash/);
  });
});

describe('device auth under a burst from one address', () => {
  it('checks at most maxFailures logins of an address at a time; a legitimate burst is served in turn', async () => {
    const hash = await hashSecret('ok', CHEAP);
    const devices = Array.from({ length: 12 }, (_, i) => ({ id: `d${i}`, template: 't', secretHash: hash }));
    const auth = createDeviceAuth({ enabled: true, maxFailures: 3, lockoutSeconds: 60, devices });
    const good = await Promise.all(devices.map((d) => auth.authenticate(d.id, Buffer.from('ok'), 'nat-router')));
    expect(good.every((r) => r.ok)).toBe(true);
    const bad = await Promise.all(Array.from({ length: 20 }, (_, i) => auth.authenticate('d0', Buffer.from(`no-${i}`), 'attacker')));
    expect(bad.filter((r) => !r.ok && r.reason === 'bad_credentials')).toHaveLength(3);
    expect(bad.filter((r) => !r.ok && r.reason === 'locked_out')).toHaveLength(17);
    expect(auth.stats().scryptRuns).toBe(12 + 3);
  });

  it('a remembered secret (a reconnect) needs no slot, and refuses ids with ":"', async () => {
    const auth = createDeviceAuth({ enabled: true, maxFailures: 1, lockoutSeconds: 60, devices: [{ id: 'd1', template: 't', secretHash: await hashSecret('ok', CHEAP) }] });
    expect(await auth.authenticate('d1', Buffer.from('ok'), 'a')).toMatchObject({ ok: true });
    const runs = auth.stats().scryptRuns;
    expect(await auth.authenticate('d1', Buffer.from('ok'), 'a')).toMatchObject({ ok: true });
    expect(auth.stats().scryptRuns).toBe(runs);
    expect(() => auth.addDevice({ id: 'ops:1', template: 't' })).toThrow(/GW_ERR_AUTH_CONFIG/);
    expect(() => createDeviceAuth({ enabled: true, maxFailures: 1, lockoutSeconds: 1, devices: [], internalUsers: [{ username: 'a:b', secretHash: 'scrypt$x', publish: [], subscribe: [] }] })).toThrow(/contains ':'/);
  });
});
