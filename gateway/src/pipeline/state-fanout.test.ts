import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log.js';
import type { Reading } from '../core/reading.js';
import { createStateFanout, type StateEvent } from './state-fanout.js';

const reading = (device: string, ts: number, fields: Reading['fields'], event?: string): Reading =>
  ({ template: 'energy-meter-1p', device, ts, fields, tags: {}, ...(event ? { event } : {}) });

afterEach(() => { vi.useRealTimers(); });

describe('state fan-out', () => {
  it('sends the first state at once, then at most one per interval with the newest value', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const sent: Array<[string, string]> = [];
    const f = createStateFanout({ enabled: true, minIntervalMs: 1000 }, { log: silentLogger(), publish: (t, p) => sent.push([t, p]) });
    f.readings([reading('m1', 1, { power_w: 1 })], undefined as never);
    expect(sent).toEqual([['campus/energy-meter-1p/m1/state', JSON.stringify({ ts: new Date(1).toISOString(), power_w: 1 })]]);
    for (let i = 2; i <= 50; i++) f.readings([reading('m1', i, { power_w: i })], undefined as never);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(2);
    expect(JSON.parse(sent[1]![1])).toMatchObject({ power_w: 50 });
    expect(f.stats()).toMatchObject({ published: 2 });
    f.stop();
  });

  it('does nothing when disabled and nobody streams; streams to subscribers without publishing', () => {
    const sent: string[] = [];
    const f = createStateFanout({ enabled: false, minIntervalMs: 1000 }, { log: silentLogger(), publish: (t) => sent.push(t) });
    f.readings([reading('m1', 1, { power_w: 1 })], undefined as never);
    f.availability('m1', 'energy-meter-1p', 'online');
    const events: StateEvent[] = [];
    f.subscribe((e) => events.push(e));
    f.readings([reading('m2', 2, { power_w: 2 }), reading('m2', 3, {}, 'tamper')], undefined as never);
    f.availability('m2', 'energy-meter-1p', 'offline');
    expect(sent).toEqual([]);
    expect(events).toMatchObject([{ kind: 'state', device: 'm2', ts: 2, fields: { power_w: 2 } }, { kind: 'availability', device: 'm2', status: 'offline' }]);
    f.stop();
  });

  it('publishes availability as a plain online/offline', () => {
    const sent: Array<[string, string]> = [];
    const f = createStateFanout({ enabled: true, minIntervalMs: 1000 }, { log: silentLogger(), publish: (t, p) => sent.push([t, p]) });
    f.availability('m1', 'energy-meter-1p', 'offline');
    expect(sent).toEqual([['campus/energy-meter-1p/m1/availability', 'offline']]);
    f.stop();
  });
});
