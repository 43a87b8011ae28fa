import { describe, expect, it } from 'vitest';
import type { Identity } from './acl.js';
import { clientIdRefusal } from './client-ids.js';

const smoke: Identity = { kind: 'device', id: 'smoke-101', template: 'smoke-detector' };
const light: Identity = { kind: 'device', id: 'light-101-1', template: 'classroom-light' };
const ops: Identity = { kind: 'internal', username: 'ops', publish: ['#'], subscribe: ['#'] };
const opsx: Identity = { kind: 'internal', username: 'opsx', publish: ['#'], subscribe: ['#'] };

describe('client id ownership', () => {
  it('lets a device use only its own device id', () => {
    expect(clientIdRefusal(smoke, 'smoke-101')).toBeUndefined();
    expect(clientIdRefusal(light, 'smoke-101')).toMatch(/device id/);
    expect(clientIdRefusal(light, 'light-101-1:x')).toMatch(/device id/);
    expect(clientIdRefusal(light, 'light-101-10')).toMatch(/device id/);
  });

  it('lets an internal user use its username or <username>:<suffix>, and no one else\'s', () => {
    expect(clientIdRefusal(ops, 'ops')).toBeUndefined();
    expect(clientIdRefusal(ops, 'ops:dashboard-2')).toBeUndefined();
    expect(clientIdRefusal(ops, 'smoke-101')).toMatch(/username/);
    expect(clientIdRefusal(ops, 'opsx')).toMatch(/username/);
    expect(clientIdRefusal(opsx, 'ops:1')).toMatch(/username/);
    expect(clientIdRefusal(ops, 'mqttjs_1a2b3c')).toMatch(/username/);
  });

  it('allows a server-assigned id (zero-length, clean session) and anything when anonymous (auth off)', () => {
    expect(clientIdRefusal(light, '')).toBeUndefined();
    expect(clientIdRefusal({ kind: 'anonymous' }, 'smoke-101')).toBeUndefined();
  });
});
