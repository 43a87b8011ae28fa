import { describe, expect, it } from 'vitest';
import { hubMessageSchema } from './points.js';
import { createSiteTracker } from './sites.js';

const T = Date.parse('2026-03-02T12:00:00Z');
const summary = (site: string, endIso: string) => hubMessageSchema.parse({
  id: `s-${site}-${endIso}`, site, kind: 'energy', resolution: 'hour', windowStart: new Date(Date.parse(endIso) - 3_600_000).toISOString(), windowEnd: endIso, values: { energy_kwh: 1 },
});

describe('site tracker', () => {
  it('lists named sites before they are heard (silent), and a sender with its delivery lag', () => {
    let now = T;
    const t = createSiteTracker({ names: { 'school-a': 'School A', 'school-b': 'School B' }, silentAfterMs: 600_000 }, { now: () => now });
    t.stored(summary('school-a', '2026-03-02T11:58:30Z'));
    t.duplicate('school-a');
    const [a, b] = t.list();
    expect(a).toMatchObject({ id: 'school-a', name: 'School A', silent: false, delivery_lag_s: 90, messages: { stored: 1, duplicates: 1, by_kind: { energy: 1 } } });
    expect(a!.last_summary).toEqual({ kind: 'energy', resolution: 'hour', window_start: '2026-03-02T10:58:30.000Z', received_at: '2026-03-02T12:00:00.000Z' });
    expect(b).toMatchObject({ id: 'school-b', silent: true, last_summary: null, last_received_at: null });
    expect(t.summary()).toMatchObject({ sites: 2, silent: 1, maxDeliveryLagS: 90 });
    now += 600_001;
    expect(t.summary().silent).toBe(2);
  });

  it('takes history from InfluxDB without overriding what this process received', () => {
    const t = createSiteTracker({ silentAfterMs: 600_000 }, { now: () => T });
    t.stored(summary('school-a', '2026-03-02T11:59:00Z'));
    t.seed([
      { site: 'school-a', lastSummary: { kind: 'usage', windowStart: T - 1000 } },
      { site: 'school-old', lastSummary: { kind: 'usage', windowStart: T - 86_400_000 }, lastAlarm: { id: 'x', template: 'smoke-detector', device: 'd-1', alarm: 'alarm', value: 'true', state: 'raised', at: new Date(T - 86_400_000).toISOString() } },
    ]);
    const [a, old] = t.list();
    expect(a!.last_summary!.kind).toBe('energy');
    expect(old).toMatchObject({ id: 'school-old', silent: true, last_summary: { kind: 'usage', resolution: null, received_at: null }, last_alarm: { device: 'd-1', state: 'raised', received_at: null } });
  });

  it('shows the outbox a gateway reports in its device-health values, when it does', () => {
    const t = createSiteTracker({ silentAfterMs: 600_000 }, { now: () => T });
    t.stored(summary('school-a', '2026-03-02T11:59:00Z'));
    expect(t.list()[0]!.outbox).toBeNull();
    t.stored(hubMessageSchema.parse({
      id: 'h-1', site: 'school-a', kind: 'device-health', resolution: 'window', windowStart: '2026-03-02T11:58:00Z', windowEnd: '2026-03-02T11:59:00Z',
      values: { devices_online: 3, outbox_queued: 42, outbox_oldest_s: 310 },
    }));
    expect(t.list()[0]!.outbox).toEqual({ queued: 42, oldest_s: 310, at: '2026-03-02T11:59:00.000Z' });
  });

  it('keeps the newest alarm and summary when they are stored out of order (a clear before its raise)', () => {
    const t = createSiteTracker({ silentAfterMs: 600_000 }, { now: () => T });
    const alarm = (state: 'raised' | 'cleared', atIso: string) => hubMessageSchema.parse({
      id: `a-${state}`, site: 'school-a', kind: 'alarm', template: 'smoke-detector', device: 'd-1', alarm: 'smoke', value: state === 'raised', state, windowStart: atIso, windowEnd: atIso,
    });
    t.stored(alarm('cleared', '2026-03-02T11:59:30Z'));
    t.stored(alarm('raised', '2026-03-02T11:59:00Z'));
    expect(t.list()[0]!.last_alarm).toMatchObject({ state: 'cleared', at: '2026-03-02T11:59:30.000Z' });
    t.stored(summary('school-a', '2026-03-02T11:59:00Z'));
    t.stored(summary('school-a', '2026-03-02T11:58:00Z'));
    expect(t.list()[0]!.last_summary!.window_start).toBe('2026-03-02T10:59:00.000Z');
    expect(t.list()[0]!.messages.stored).toBe(4);
  });

  it('stops tracking new sites past maxSites and counts them', () => {
    const t = createSiteTracker({ silentAfterMs: 600_000, maxSites: 2 }, { now: () => T });
    for (const s of ['s-1', 's-2', 's-3', 's-4']) t.stored(summary(s, '2026-03-02T11:59:00Z'));
    expect(t.summary()).toMatchObject({ sites: 2, untracked: 2 });
    expect(t.list().map((s) => s.id)).toEqual(['s-1', 's-2']);
  });
});
