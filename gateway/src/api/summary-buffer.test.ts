import { describe, expect, it } from 'vitest';
import { createSummaryBuffer } from './summary-buffer.js';

const msg = (kind: string, resolution: string, iso: string) => ({ id: `${kind}-${resolution}-${iso}`, site: 's', kind, resolution, windowStart: iso, windowEnd: iso, values: { energy_kwh: 1 }, rows: [] });

describe('summary buffer', () => {
  it('answers by kind and time, ignores alarms, keeps roll-ups apart from base windows', async () => {
    const b = createSummaryBuffer({ maxRollups: 3, maxWindows: 2 });
    b.push(msg('energy', 'day', '2026-03-01T00:00:00.000Z'));
    b.push(msg('usage', 'day', '2026-03-01T00:00:00.000Z'));
    b.push({ kind: 'alarm', windowStart: '2026-03-01T10:00:00.000Z' });
    for (let i = 0; i < 5; i++) b.push(msg('energy', 'window', `2026-03-02T00:0${i}:00.000Z`));
    expect(b.size()).toBe(4);
    const energy = await b.query({ kind: 'energy', from: Date.parse('2026-03-01T00:00:00Z'), to: Date.parse('2026-03-03T00:00:00Z') });
    expect(energy.map((s) => `${s.resolution} ${s.windowStart}`)).toEqual(['day 2026-03-01T00:00:00.000Z', 'window 2026-03-02T00:03:00.000Z', 'window 2026-03-02T00:04:00.000Z']);
    expect(await b.query({ from: 0, to: Date.parse('2026-03-02T00:00:00Z') })).toHaveLength(2);
  });
});
