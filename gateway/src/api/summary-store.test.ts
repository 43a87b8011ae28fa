import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { createSummaryStore } from './summary-store.js';

const log = silentLogger();
const T0 = Date.parse('2026-03-02T00:00:00Z');
const iso = (t: number) => new Date(t).toISOString();
const summary = (id: string, kind: string, resolution: string, start: number, v = 1) =>
  ({ id, site: 's', kind, resolution, windowStart: iso(start), windowEnd: iso(start + 60_000), values: { energy_kwh: v } });

function path(): string {
  return join(mkdtempSync(join(tmpdir(), 'summary-store-')), 'data', 'summaries.db');
}

describe('createSummaryStore', () => {
  it('keeps summaries across a close and reopen, filtered by kind and window start, oldest first', async () => {
    const p = path();
    const clock = { now: () => T0 + 3_600_000 };
    const a = createSummaryStore({ path: p }, { log, clock });
    await a.start();
    a.push(summary('e2', 'energy', 'window', T0 + 120_000));
    a.push(summary('e1', 'energy', 'hour', T0));
    a.push(summary('u1', 'usage', 'window', T0 + 60_000));
    await a.stop();
    expect((statSync(p).mode & 0o777).toString(8)).toBe('600');

    const b = createSummaryStore({ path: p }, { log, clock });
    await b.start();
    expect(b.size()).toBe(3);
    expect((await b.query({ kind: 'energy', from: T0, to: T0 + 3_600_000 })).map((s) => s.id)).toEqual(['e1', 'e2']);
    expect((await b.query({ from: T0 + 60_000, to: T0 + 120_000 })).map((s) => s.id)).toEqual(['u1']);
    expect(await b.query({ kind: 'energy', from: T0 + 3_600_000, to: T0 + 7_200_000 })).toEqual([]);
    expect((await b.query({ kind: 'energy', from: T0, to: T0 + 60_000 }))[0]).toEqual(summary('e1', 'energy', 'hour', T0));
    await b.stop();
  });

  it('stores a message emitted again (same id) once, the latest copy', async () => {
    const s = createSummaryStore({ path: path() }, { log });
    await s.start();
    s.push(summary('same', 'energy', 'day', T0, 1));
    s.push(summary('same', 'energy', 'day', T0, 2));
    const items = await s.query({ from: T0, to: T0 + 1 });
    expect(items).toHaveLength(1);
    expect(items[0]!.values).toEqual({ energy_kwh: 2 });
    await s.stop();
  });

  it('never keeps an alarm (it may name a personal device before the guard) or a message without a window', async () => {
    const s = createSummaryStore({ path: path() }, { log });
    await s.start();
    s.push({ id: 'a', kind: 'alarm', windowStart: iso(T0) });
    s.push({ id: 'b', kind: 'energy', windowStart: 'not a time' });
    expect(s.size()).toBe(0);
    await s.stop();
  });

  it('prunes by retention days and caps base windows without touching roll-ups', async () => {
    const clock = { t: T0 + 40 * 86_400_000, now: () => clock.t };
    const p = path();
    const s = createSummaryStore({ path: p, retentionDays: 31, maxWindows: 2 }, { log, clock });
    await s.start();
    s.push(summary('old-day', 'energy', 'day', T0));
    s.push(summary('day', 'energy', 'day', clock.t - 86_400_000));
    for (let i = 0; i < 5; i++) s.push(summary(`w${i}`, 'energy', 'window', clock.t - (5 - i) * 60_000));
    await s.stop();
    const again = createSummaryStore({ path: p, retentionDays: 31, maxWindows: 2 }, { log, clock });
    await again.start(); // prunes at start
    expect((await again.query({ from: 0, to: clock.t })).map((x) => x.id)).toEqual(['day', 'w3', 'w4']);
    await again.stop();
  });

  it('answers an empty list when closed and ignores what arrives then', async () => {
    const s = createSummaryStore({ path: path() }, { log });
    s.push(summary('x', 'energy', 'window', T0));
    expect(await s.query({ from: 0, to: T0 * 2 })).toEqual([]);
    expect(s.size()).toBe(0);
  });
});
