import { describe, expect, it } from 'vitest';
import { checkPublish, checkSubscribe, filterCovers, filtersOverlap, topicMatches, type Identity } from './acl.js';

const meter: Identity = { kind: 'device', id: 'm1', template: 'energy-meter-1p' };
const anon: Identity = { kind: 'anonymous' };
const ops: Identity = { kind: 'internal', username: 'ops', publish: ['campus/+/+/command'], subscribe: ['campus/#'] };

describe('topic filters', () => {
  it('matches MQTT wildcards [MQTT-4.7]', () => {
    expect(topicMatches('campus/#', 'campus/a/b/telemetry')).toBe(true);
    expect(topicMatches('campus/#', 'campus')).toBe(true);
    expect(topicMatches('campus/+/+/status', 'campus/a/b/status')).toBe(true);
    expect(topicMatches('campus/+/status', 'campus/a/b/status')).toBe(false);
    expect(topicMatches('#', '$SYS/broker/x')).toBe(false);
    expect(topicMatches('+/broker', '$SYS/broker')).toBe(false);
  });

  it('tells whether two filters can match a common topic', () => {
    expect(filtersOverlap('#', 'gateway/+/rejected')).toBe(true);
    expect(filtersOverlap('gateway/site/#', 'gateway/+/rejected')).toBe(true);
    expect(filtersOverlap('campus/+/+/command', 'gateway/+/rejected')).toBe(false);
    expect(filtersOverlap('a/+', 'a/b/c')).toBe(false);
    expect(filtersOverlap('a/b', 'a/b')).toBe(true);
  });

  it('tells whether one filter covers another', () => {
    expect(filterCovers('campus/#', 'campus/+/+/telemetry')).toBe(true);
    expect(filterCovers('campus/+/+/telemetry', 'campus/#')).toBe(false);
    expect(filterCovers('campus/+/x', 'campus/+/x')).toBe(true);
    expect(filterCovers('campus/a/x', 'campus/+/x')).toBe(false);
    expect(filterCovers('#', '#')).toBe(true);
  });
});

describe('device ACL (docs/interfaces.md)', () => {
  it('lets a device publish only telemetry, event and status under its own template and id', () => {
    for (const ch of ['telemetry', 'event', 'status']) expect(checkPublish(meter, `campus/energy-meter-1p/m1/${ch}`, [])).toBeUndefined();
    expect(checkPublish(meter, 'campus/energy-meter-1p/m2/telemetry', [])).toMatch(/only under campus\/energy-meter-1p\/m1/);
    expect(checkPublish(meter, 'campus/classroom-light/m1/telemetry', [])).toBeDefined();
    expect(checkPublish(meter, 'campus/energy-meter-1p/m1/command', [])).toBeDefined();
    expect(checkPublish(meter, 'campus/energy-meter-1p/m1/telemetry/x', [])).toBeDefined();
    expect(checkPublish(meter, 'hub/site/alarm/x', [])).toBeDefined();
  });

  it('lets a device subscribe only to its own command topic', () => {
    expect(checkSubscribe(meter, 'campus/energy-meter-1p/m1/command', [])).toBeUndefined();
    expect(checkSubscribe(meter, 'campus/energy-meter-1p/+/command', [])).toBeDefined();
    expect(checkSubscribe(meter, '#', [])).toBeDefined();
  });

  it('limits internal users to their filters', () => {
    expect(checkPublish(ops, 'campus/classroom-light/l1/command', [])).toBeUndefined();
    expect(checkPublish(ops, 'campus/classroom-light/l1/telemetry', [])).toBeDefined();
    expect(checkSubscribe(ops, 'campus/+/+/event', [])).toBeUndefined();
    expect(checkSubscribe(ops, '#', [])).toBeDefined();
  });

  it('applies deny rules to everyone and reserves $SYS', () => {
    const deny = [{ topic: 'gateway/+/rejected', action: 'subscribe' as const }, { topic: 'hub/#', action: 'all' as const }];
    expect(checkSubscribe(anon, '#', deny)).toMatch(/deny rule gateway/);
    expect(checkSubscribe(anon, 'gateway/demo/rejected', deny)).toBeDefined();
    expect(checkSubscribe(anon, 'campus/#', deny)).toBeUndefined();
    expect(checkPublish(anon, 'gateway/demo/rejected', deny)).toBeUndefined();
    expect(checkPublish(anon, 'hub/demo/summary/energy', deny)).toMatch(/deny rule hub/);
    expect(checkPublish(anon, '$SYS/x', [])).toBeDefined();
  });
});

describe('gateway topics', () => {
  it('no client publishes state or availability: a device not even its own, an app or anonymous client neither', () => {
    const app: Identity = { kind: 'internal', username: 'app', publish: ['#'], subscribe: ['campus/+/+/state'] };
    for (const who of [meter, anon, app]) {
      expect(checkPublish(who, 'campus/energy-meter-1p/m1/state', [])).toMatch(/only by the gateway/);
      expect(checkPublish(who, 'campus/energy-meter-1p/m2/availability', [])).toMatch(/only by the gateway/);
    }
    expect(checkSubscribe(meter, 'campus/+/+/state', [])).toBeDefined();
    expect(checkSubscribe(app, 'campus/+/+/state', [])).toBeUndefined();
    expect(checkSubscribe(app, 'campus/+/+/telemetry', [])).toBeDefined();
  });
});
