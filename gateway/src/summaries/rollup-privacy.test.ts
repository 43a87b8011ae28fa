/**
 * Issue #16, item 9: a student's MVPA minutes were recoverable as (hour roll-up × students −
 * the published windows) when the student was alone in windows withheld for being below
 * minGroupSize. Roll-ups are now made of published cells only; these tests try the subtraction.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../core/reading.js';
import { silentLogger } from '../log.js';
import { createSummaries } from './engine.js';
import { saveState } from './state-file.js';
import { TEST_TEMPLATES as T } from '../../test/fixtures/templates.js';
import type { SummaryMessage, UplinkMessage } from './types.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const MIN = 60_000;
const FIVE = ['p-a', 'p-b', 'p-c', 'p-d', 'p-e'];

function run(feed: (minute: number, ingest: (readings: Reading[], template: typeof T.band, session: string) => void) => void) {
  const clock = { t: T0, now: () => clock.t };
  const out: UplinkMessage[] = [];
  // UTC-9: the local day ends at 09:00Z, with the hour, so one run gives windows, hour and day.
  const s = createSummaries({ site: 'school-1', windowSeconds: 60, graceSeconds: 30, minGroupSize: 5, timeZone: 'Etc/GMT+9' }, { log: silentLogger(), clock, emit: (m) => out.push(m) });
  for (let m = 0; m < 60; m++) {
    feed(m, (readings, template, session) => s.ingest(readings, template, { session }));
    clock.t = T0 + (m + 1) * MIN + 30_000;
    s.tick();
  }
  const of = (kind: string, resolution: string) => out.filter((x): x is SummaryMessage => x.kind === kind && x.kind !== 'alarm' && x.resolution === resolution);
  return { of };
}

const hr = (student: string, ts: number, bpm: number): Reading => ({ template: 'student-wristband', device: 'base-1', ts, fields: { band: student, heart_rate_bpm: bpm }, tags: { room: 'gym' } });
const pen = (p: string, ts: number, stroke: number): Reading => ({ template: 'smart-pen', device: 'rx-1', ts, fields: { pen: p, x_mm: 1, y_mm: 1, pressure: 300 }, tags: { room: 'A101', page: '1', stroke: String(stroke) } });

/** Σ over rows of the session of a figure, from published messages. */
const total = (messages: SummaryMessage[], session: string, figure: (v: Record<string, number>) => number) =>
  messages.flatMap((m) => m.rows.filter((r) => r.tags.session === session)).reduce((n, r) => n + figure(r.values), 0);

describe('hour and day roll-ups reveal no group below minGroupSize', () => {
  it('pe-activity: hour × students − the published windows gives nothing about a student alone in 9 withheld windows', () => {
    const { of } = run((m, ingest) => {
      const at = T0 + m * MIN;
      const samples = (students: string[], bpm: (i: number) => number) => students.flatMap((st, i) => [0, 30_000].map((d) => hr(st, at + d, bpm(i))));
      if (m < 50) ingest(samples(FIVE, (i) => 110 + i * 10), T.band, 'pe-1');
      else if (m < 59) ingest(samples(['p-alone'], () => 150), T.band, 'pe-1'); // 9 windows, alone, all MVPA
      if (m < 30) ingest(samples(['p-x', 'p-y', 'p-z'], () => 150), T.band, 'pe-2'); // never 5: withheld throughout
    });
    const windows = of('pe-activity', 'window');
    expect(windows.filter((w) => w.rows.length === 0 && (w.values.sessions_suppressed ?? 0) > 0)).toHaveLength(9);
    const published = total(windows, 'pe-1', (v) => v.mvpa_min_mean! * v.students!);
    for (const rollUp of [...of('pe-activity', 'hour'), ...of('pe-activity', 'day')]) {
      // The attack: what the roll-up holds beyond the published windows. Was 9 minutes: the lone student's MVPA.
      const [row] = rollUp.rows;
      expect(row!.values.students).toBe(5);
      // mvpa_min_mean is rounded to 0.001 per row: a few thousandths apart at most, never a minute.
      expect(Math.abs(row!.values.mvpa_min_mean! * row!.values.students! - published)).toBeLessThan(0.0005 * (windows.length + 1) * 5);
      // A session withheld in every window is withheld in the roll-up too.
      expect(rollUp.rows.map((r) => r.tags.session)).toEqual(['pe-1']);
      expect(rollUp.values).toMatchObject({ sessions: 1, students: 5 });
    }
    expect(of('pe-activity', 'hour')).toHaveLength(1);
    expect(of('pe-activity', 'day')).toHaveLength(1);
  });

  it('writing-activity: hour and day strokes and minutes equal the sum of the published windows', () => {
    const { of } = run((m, ingest) => {
      const at = T0 + m * MIN;
      const write = (pens: string[]) => pens.flatMap((p, i) => [0, 100, 2000].map((d, k) => pen(p, at + i * 5000 + d, k < 2 ? 0 : 1)));
      ingest(m % 2 === 0 ? write(FIVE) : write(['p-alone', 'p-other']), T.pen, 'w-1');
    });
    const windows = of('writing-activity', 'window');
    expect(windows.filter((w) => w.rows.length === 1)).toHaveLength(30);
    for (const rollUp of [...of('writing-activity', 'hour'), ...of('writing-activity', 'day')]) {
      const [row] = rollUp.rows;
      expect(row!.values.strokes).toBe(total(windows, 'w-1', (v) => v.strokes!));
      // Each published window rounds writing_min to 0.001: up to 0.0005 apart per window.
      expect(Math.abs(row!.values.writing_min! - total(windows, 'w-1', (v) => v.writing_min!))).toBeLessThanOrEqual(0.0005 * 30);
      expect(row!.values.active_pens).toBe(5);
    }
  });

  it('drops the pe/writing roll-ups of a state file written before (version 1 rolled up withheld groups) and keeps the others', async () => {
    const statePath = join(mkdtempSync(join(tmpdir(), 'sum-v1-')), 'summaries.bin');
    const students = new Map(['p-a', 'p-b', 'p-c', 'p-d', 'p-e', 'p-alone'].map((p) => [p, [0, 0, 60_000, 0, 0]]));
    const energy = new Map([['m1', { template: 'energy-meter-1p', device: 'm1', room: 'plant', values: { energy_kwh: 2 } }]]);
    saveState(statePath, { version: 1, nextStart: T0 + 30 * MIN, hour: [['pe-activity', new Map([['pe-1', { room: 'gym', students }]])], ['energy', energy]], day: [], kinds: [] });
    const clock = { t: T0 + 30 * MIN, now: () => clock.t };
    const out: UplinkMessage[] = [];
    const s = createSummaries({ site: 'school-1', statePath }, { log: silentLogger(), clock, emit: (m) => out.push(m) });
    await s.start();
    clock.t = T0 + 60 * MIN + 31_000;
    s.tick();
    await s.stop();
    expect(out.map((m) => `${m.kind}:${m.kind === 'alarm' ? '' : m.resolution}`)).toEqual(['energy:hour']);
  });
});
