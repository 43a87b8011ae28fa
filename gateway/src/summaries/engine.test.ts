import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import type { Reading } from '../core/reading.js';
import { createSummaries, type SummariesOptions } from './engine.js';
import { CATALOG, TEST_TEMPLATES as T } from '../../test/fixtures/templates.js';
import type { AlarmMessage, SummaryMessage, UplinkMessage } from './types.js';

const T0 = Date.parse('2026-03-02T08:00:00Z'); // a Monday, in school hours (UTC offset 0)
const S = 1000;

function setup(extra: Partial<SummariesOptions> = {}, start = T0) {
  const clock = { t: start, now: () => clock.t };
  const out: UplinkMessage[] = [];
  const s = createSummaries({ site: 'school-1', windowSeconds: 60, graceSeconds: 30, minGroupSize: 5, ...extra }, { log: silentLogger(), clock, emit: (m) => out.push(m), templates: () => CATALOG });
  const at = (ms: number): void => {
    clock.t = ms;
    s.tick();
  };
  const summaries = (kind: string, resolution = 'window') => out.filter((m): m is SummaryMessage => m.kind === kind && (m as SummaryMessage).resolution === resolution);
  const alarms = () => out.filter((m): m is AlarmMessage => m.kind === 'alarm');
  return { s, clock, out, at, summaries, alarms };
}

const r = (template: string, device: string, ts: number, fields: Reading['fields'], tags: Reading['tags'] = {}): Reading => ({ template, device, ts, fields, tags });

describe('energy', () => {
  it('sums counter increments per window across out-of-order readings, a reset and a gap; late readings are counted, not used', () => {
    const { s, at, summaries } = setup();
    const m = (ts: number, kwh: number, w?: number) => r('energy-meter-1p', 'm1', ts, { energy_import_kwh: kwh, ...(w !== undefined && { active_power_w: w }) }, { room: 'plant', building: 'B1' });
    s.ingest([m(T0, 100, 500), m(T0 + 40 * S, 100.8, 2000)], T.meter);
    s.ingest([m(T0 + 20 * S, 100.3)], T.meter); // out of order, same window
    s.ingest([m(T0 + 70 * S, 0.2)], T.meter); // counter reset
    at(T0 + 90 * S); // closes 08:00
    s.ingest([m(T0 + 55 * S, 100.9)], T.meter); // too late for 08:00
    at(T0 + 140 * S);
    s.ingest([m(T0 + 90 * S, 0.5)], T.meter); // late but within the grace of 08:01
    at(T0 + 151 * S); // closes 08:01
    s.ingest([m(T0 + 250 * S, 1.5)], T.meter); // after a gap: 08:04
    at(T0 + 331 * S);
    const win = summaries('energy');
    expect(win.map((x) => [x.windowStart, x.values.energy_kwh])).toEqual([
      ['2026-03-02T08:00:00.000Z', 0.8],
      ['2026-03-02T08:01:00.000Z', 0.5],
      ['2026-03-02T08:04:00.000Z', 1],
    ]);
    expect(win[0]!.rows).toContainEqual({ tags: { scope: 'meter', device: 'm1', template: 'energy-meter-1p', room: 'plant', building: 'B1' }, values: { energy_kwh: 0.8, peak_power_w: 2000 } });
    expect(win[0]!.rows).toContainEqual({ tags: { scope: 'building', building: 'B1' }, values: { energy_kwh: 0.8 } });
    expect(win[1]!.rows[0]!.values).toEqual({ energy_kwh: 0.5, counter_resets: 1 });
    expect(s.stats().late).toBe(1);
    at(T0 + 3600 * S + 30 * S);
    const hour = summaries('energy', 'hour');
    expect(hour).toHaveLength(1);
    expect(hour[0]!).toMatchObject({ windowStart: '2026-03-02T08:00:00.000Z', windowEnd: '2026-03-02T09:00:00.000Z', values: { energy_kwh: 2.3 } });
    expect(hour[0]!.rows[0]!.values).toEqual({ energy_kwh: 2.3, peak_power_w: 2000, counter_resets: 1 });
  });

  it('reports water m3 and PV yield apart from consumption', () => {
    const { s, at, summaries } = setup();
    s.ingest([r('water-meter', 'w1', T0, { total_m3: 10 }), r('water-meter', 'w1', T0 + 30 * S, { total_m3: 10.25 })], T.water);
    s.ingest([r('solar-inverter', 'pv', T0, { total_yield_kwh: 500, ac_power_w: 3000 }), r('solar-inverter', 'pv', T0 + 30 * S, { total_yield_kwh: 500.1, ac_power_w: 3500 })], T.inverter);
    at(T0 + 90 * S);
    expect(summaries('energy')[0]!.values).toEqual({ energy_kwh: 0, water_m3: 0.25, pv_yield_kwh: 0.1, meters: 2 });
  });
});

describe('lighting, usage, environment', () => {
  it('measures lamp-on time, lights left on in an empty room, board use and CO2 above 1000 ppm', () => {
    const { s, at, summaries } = setup();
    const room = { room: 'A101' };
    s.ingest([r('classroom-light', 'l1', T0, { on: true }, room), r('classroom-light', 'l1', T0 + 45 * S, { on: false }, room)], T.light);
    s.ingest([r('classroom-light', 'l2', T0 + 30 * S, { on: true }, room)], T.light);
    s.ingest([r('occupancy-sensor', 'o1', T0, { occupied: true, people_count: 20 }, room), r('occupancy-sensor', 'o1', T0 + 15 * S, { occupied: false, people_count: 0 }, room)], T.occupancy);
    s.ingest([r('smart-board', 'b1', T0, { power: 'on' }, room), r('smart-board', 'b1', T0 + 15 * S, { power: 'standby' }, room)], T.board);
    s.ingest([r('recording-system', 'rec', T0 + 30 * S, { recording: true }, room)], T.recorder);
    s.ingest([r('air-quality-monitor', 'aq', T0, { co2_ppm: 800, pm25_ugm3: 10, temperature_c: 21 }, room), r('air-quality-monitor', 'aq', T0 + 30 * S, { co2_ppm: 1200, pm25_ugm3: 20, temperature_c: 23 }, room)], T.air);
    at(T0 + 90 * S);
    // l1 on 0–45 s, l2 on 30–60 s: 75 lamp-seconds; any light on 0–60 s; empty from 15 s → left on 45 s.
    expect(summaries('lighting')[0]).toMatchObject({
      values: { lamp_on_h: 0.0208, left_on_min: 0.75, rooms_left_on: 1, rooms_lit: 1 },
      rows: [{ tags: { scope: 'room', room: 'A101' }, values: { lamp_on_h: 0.0208, lights_on_min: 1, left_on_min: 0.75 } }],
    });
    expect(summaries('usage')[0]).toMatchObject({ values: { board_on_min: 0.25, projector_on_min: 0, recording_min: 0.5, rooms: 1 } });
    expect(summaries('environment')[0]!.rows).toEqual([{
      tags: { scope: 'room', room: 'A101' },
      values: { co2_high_min: 0.5, co2_ppm_mean: 1000, co2_ppm_max: 1200, pm25_ugm3_mean: 15, pm25_ugm3_max: 20, temperature_c_mean: 22, temperature_c_max: 23 },
    }]);
  });

  it('counts lights on after school hours as left on, with no occupancy sensor', () => {
    const evening = Date.parse('2026-03-02T17:59:00Z');
    const { s, at, summaries } = setup({}, evening);
    s.ingest([r('classroom-light', 'l1', evening, { on: true }, { room: 'B2' })], T.light);
    at(evening + 150 * S);
    expect(summaries('lighting').map((m) => [m.windowStart, m.values.left_on_min])).toEqual([
      ['2026-03-02T17:59:00.000Z', 0],
      ['2026-03-02T18:00:00.000Z', 1],
    ]);
  });
});

describe('pe-activity and writing-activity', () => {
  it('publishes heart-rate zone counts and mean MVPA minutes only for groups of at least minGroupSize', () => {
    const { s, at, summaries } = setup();
    const hr = (student: string, bpm: number) => [0, 30].map((sec) => r('student-wristband', 'base-1', T0 + sec * S, { band: student, heart_rate_bpm: bpm }, { room: 'gym' }));
    for (const [i, bpm] of [130, 130, 150, 125, 90].entries()) s.ingest(hr(`p-${i}`, bpm), T.band, { session: 'pe-1' });
    for (const i of [7, 8]) s.ingest(hr(`p-${i}`, 130), T.band, { session: 'pe-2' });
    at(T0 + 90 * S);
    const [pe] = summaries('pe-activity');
    expect(pe!.values).toEqual({ sessions: 1, sessions_suppressed: 1, students: 5 });
    expect(pe!.rows).toEqual([{
      tags: { scope: 'session', session: 'pe-1', room: 'gym' },
      values: { students: 5, zone1_students: 1, zone2_students: 0, zone3_students: 3, zone4_students: 1, zone5_students: 0, mvpa_min_mean: 0.8 },
    }]);
    expect(JSON.stringify(pe)).not.toMatch(/p-\d/);
  });

  it('counts active pens, strokes and writing minutes per session, derived from room + lesson period', () => {
    const { s, at, summaries } = setup({ lessonPeriods: ['08:00-08:45'] });
    for (let pen = 0; pen < 5; pen++) {
      const pts = [1000, 1010, 1020, 5000, 5010].map((ms, k) => r('smart-pen', 'rx-1', T0 + ms, { pen: `p-${pen}`, x_mm: k, y_mm: k, pressure: 300 }, { room: 'A101', page: '8.12.33.4', stroke: k < 3 ? '0' : '1' }));
      s.ingest(pts, T.pen);
    }
    at(T0 + 90 * S);
    expect(summaries('writing-activity')[0]!.rows).toEqual([{
      tags: { scope: 'session', session: 'A101@2026-03-02T08:00:00.000Z', room: 'A101' },
      values: { active_pens: 5, strokes: 10, writing_min: 0.167, writing_min_mean: 0.033 },
    }]);
  });
});

describe('device-health and alarms', () => {
  it('counts online/offline per template, low batteries and rejections per reason', () => {
    const { s, at, summaries } = setup();
    s.deviceStatus('sd-1', 'smoke-detector', 'online', T0 + 10 * S);
    s.deviceStatus('sd-2', T.smoke, 'online', T0 + 5 * S);
    s.deviceStatus('sd-2', T.smoke, 'offline', T0 + 20 * S);
    s.ingest([r('smoke-detector', 'sd-1', T0 + 10 * S, { alarm: false, battery_pct: 15 })], T.smoke);
    s.ingest([r('water-meter', 'w1', T0 + 10 * S, { total_m3: 1, low_battery: true, leak_alarm: false })], T.water);
    s.rejected('smart-board', 'out_of_range');
    s.rejected(T.board, 'out_of_range');
    at(T0 + 90 * S);
    const [h] = summaries('device-health');
    expect(h!.values).toEqual({ devices_online: 1, devices_offline: 1, low_battery: 2, rejected: 2 });
    expect(h!.rows).toContainEqual({ tags: { scope: 'template', template: 'smoke-detector' }, values: { online: 1, offline: 1, low_battery: 1 } });
    expect(h!.rows).toContainEqual({ tags: { scope: 'rejected', template: 'smart-board', reason: 'out_of_range' }, values: { count: 2 } });
  });

  it('sends declared alarms at once when raised and cleared, and an offline alarm after the threshold', () => {
    const { s, at, alarms } = setup({ offlineAlarmSeconds: 120 });
    s.ingest([r('smoke-detector', 'sd-1', T0, { alarm: false })], T.smoke);
    s.ingest([r('smoke-detector', 'sd-1', T0 + S, { alarm: true })], T.smoke);
    s.ingest([r('smoke-detector', 'sd-1', T0 + 2 * S, { alarm: true })], T.smoke);
    s.ingest([r('door-access', 'door-1', T0 + 3 * S, { door: 'forced' }, { room: 'lab' })], T.door);
    s.ingest([r('smoke-detector', 'sd-1', T0 + 4 * S, { alarm: false })], T.smoke);
    expect(alarms().map((a) => [a.template, a.device, a.alarm, a.value, a.state, a.windowStart])).toEqual([
      ['smoke-detector', 'sd-1', 'alarm', true, 'raised', '2026-03-02T08:00:01.000Z'],
      ['door-access', 'door-1', 'door', 'forced', 'raised', '2026-03-02T08:00:03.000Z'],
      ['smoke-detector', 'sd-1', 'alarm', false, 'cleared', '2026-03-02T08:00:04.000Z'],
    ]);
    s.deviceStatus('w1', 'water-leak-sensor', 'offline', T0 + 10 * S);
    at(T0 + 129 * S);
    expect(alarms()).toHaveLength(3);
    at(T0 + 130 * S);
    s.deviceStatus('w1', 'water-leak-sensor', 'online', T0 + 200 * S);
    expect(alarms().slice(3).map((a) => [a.alarm, a.state, a.windowStart])).toEqual([
      ['offline', 'raised', '2026-03-02T08:02:10.000Z'],
      ['offline', 'cleared', '2026-03-02T08:03:20.000Z'],
    ]);
    expect(new Set(alarms().map((a) => a.id)).size).toBe(5);
  });
});

describe('roll-ups', () => {
  it('emits the daily roll-up at local midnight (UTC+8) as the sum of its hours', () => {
    const day = Date.parse('2026-03-02T15:58:00Z'); // 23:58 in UTC+8
    const { s, at, summaries } = setup({ timeZone: 'Asia/Shanghai' }, day);
    const m = (ts: number, kwh: number) => r('energy-meter-1p', 'm1', ts, { energy_import_kwh: kwh });
    s.ingest([m(day, 10), m(day + 30 * S, 10.5), m(day + 90 * S, 11.25)], T.meter);
    at(day + 151 * S);
    expect(summaries('energy').map((x) => x.values.energy_kwh)).toEqual([0.5, 0.75]);
    expect(summaries('energy', 'hour').map((x) => [x.windowStart, x.values.energy_kwh])).toEqual([['2026-03-02T15:00:00.000Z', 1.25]]);
    expect(summaries('energy', 'day').map((x) => [x.windowStart, x.windowEnd, x.values.energy_kwh])).toEqual([['2026-03-01T16:00:00.000Z', '2026-03-02T16:00:00.000Z', 1.25]]);
  });

  it('a local day in a DST zone is 25 hours when the clocks go back (Europe/Berlin, 25 October)', () => {
    const day = Date.parse('2026-10-25T22:58:00Z'); // 23:58 CET
    const { s, at, summaries } = setup({ timeZone: 'Europe/Berlin' }, day);
    const m = (ts: number, kwh: number) => r('energy-meter-1p', 'm1', ts, { energy_import_kwh: kwh });
    s.ingest([m(day, 10), m(day + 30 * S, 10.5), m(day + 90 * S, 11.25)], T.meter);
    at(day + 151 * S);
    expect(summaries('energy', 'hour').map((x) => [x.windowStart, x.windowEnd])).toEqual([['2026-10-25T22:00:00.000Z', '2026-10-25T23:00:00.000Z']]);
    expect(summaries('energy', 'day').map((x) => [x.windowStart, x.windowEnd, x.values.energy_kwh])).toEqual([['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 1.25]]);
  });
});


describe('restart', () => {
  it('keeps the hour roll-up and the energy counters across a restart (state file)', async () => {
    const { mkdtempSync, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const statePath = join(mkdtempSync(join(tmpdir(), 'sum-')), 'state', 'summaries.bin');
    const m = (ts: number, kwh: number) => r('energy-meter-1p', 'm1', ts, { energy_import_kwh: kwh });
    const a = setup({ statePath });
    await a.s.start();
    a.s.ingest([m(T0, 10), m(T0 + 30 * S, 11)], T.meter);
    a.at(T0 + 91 * S); // closes 08:00 (1 kWh)
    a.s.ingest([m(T0 + 70 * S, 11.5)], T.meter); // in the open 08:01 window: lost with the process
    await a.s.stop();
    expect(statSync(statePath).mode & 0o777).toBe(0o600);

    const b = setup({ statePath }, T0 + 300 * S); // restarted at 08:05
    await b.s.start();
    b.s.ingest([m(T0 + 310 * S, 13)], T.meter);
    b.at(T0 + 3630 * S);
    await b.s.stop();
    // 08:05: 13 − 11 (the anchor kept from 08:00); the hour: 1 + 2.
    expect(b.summaries('energy').map((x) => [x.windowStart, x.values.energy_kwh])).toEqual([['2026-03-02T08:05:00.000Z', 2]]);
    expect(b.summaries('energy', 'hour').map((x) => x.values.energy_kwh)).toEqual([3]);
  });
});

describe('exactly once across a crash (issue #10, the chaos run)', () => {
  const tempState = async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    return join(mkdtempSync(join(tmpdir(), 'sum-')), 'state', 'summaries.bin');
  };
  const smoke = (ts: number, alarm: boolean) => r('smoke-detector', 'sd-1', ts, { alarm });

  it('a raised alarm is cleared after a kill -9 (no stop, no state save but the alarm\'s own), and not raised twice', async () => {
    const statePath = await tempState();
    const a = setup({ statePath });
    await a.s.start();
    a.s.ingest([smoke(T0, false)], T.smoke);
    a.s.ingest([smoke(T0 + S, true)], T.smoke);
    expect(a.alarms().map((m) => m.state)).toEqual(['raised']);
    // kill -9: a is never stopped. The restarted gateway sees the detector still in alarm, then clear.
    const b = setup({ statePath }, T0 + 20 * S);
    await b.s.start();
    b.s.ingest([smoke(T0 + S, true)], T.smoke); // the resend of a reading whose PUBACK was lost
    b.s.ingest([smoke(T0 + 21 * S, true)], T.smoke);
    b.s.ingest([smoke(T0 + 22 * S, false)], T.smoke);
    expect(b.alarms().map((m) => [m.state, m.windowStart])).toEqual([['cleared', '2026-03-02T08:00:22.000Z']]);
    await b.s.stop();
  });

  it('the same alarm transition or window emitted again after a crash has the same id; different ones do not', async () => {
    const statePath = await tempState();
    const a = setup({ statePath });
    await a.s.start();
    a.s.ingest([r('energy-meter-1p', 'm1', T0, { energy_import_kwh: 1 }), r('energy-meter-1p', 'm1', T0 + 30 * S, { energy_import_kwh: 2 })], T.meter);
    a.s.ingest([smoke(T0 + S, true)], T.smoke);
    a.at(T0 + 91 * S); // closes 08:00
    // Crash before either state was saved: a second engine without the files sees the same input again.
    const b = setup({}, T0);
    b.s.ingest([r('energy-meter-1p', 'm1', T0, { energy_import_kwh: 1 }), r('energy-meter-1p', 'm1', T0 + 30 * S, { energy_import_kwh: 2 })], T.meter);
    b.s.ingest([smoke(T0 + S, true)], T.smoke);
    b.at(T0 + 91 * S);
    expect(b.out.map((m) => m.id)).toEqual(a.out.map((m) => m.id));
    expect(a.summaries('energy').map((m) => m.id)).toHaveLength(1);
    b.s.ingest([smoke(T0 + 2 * S, false)], T.smoke);
    b.s.ingest([smoke(T0 + 3 * S, true)], T.smoke);
    b.at(T0 + 151 * S); // closes 08:01
    expect(new Set(b.out.map((m) => m.id)).size).toBe(b.out.length);
    await a.s.stop();
  });
});

describe('an alarm the uplink cannot take', () => {
  it('is raised again by the next reading instead of being forgotten (outbox write failed, e.g. disk full)', () => {
    const out: UplinkMessage[] = [];
    let full = true;
    const s = createSummaries({ site: 'school-1' }, {
      log: silentLogger(), clock: { now: () => T0 },
      emit: (m) => {
        if (full) throw new Error('SQLITE_FULL: database or disk is full');
        out.push(m);
      },
    });
    s.ingest([r('smoke-detector', 'sd-1', T0, { alarm: true })], T.smoke);
    full = false;
    s.ingest([r('smoke-detector', 'sd-1', T0 + S, { alarm: true })], T.smoke);
    s.ingest([r('smoke-detector', 'sd-1', T0 + 2 * S, { alarm: true })], T.smoke);
    expect(out.map((m) => [m.kind, (m as AlarmMessage).state, m.windowStart])).toEqual([['alarm', 'raised', '2026-03-02T08:00:01.000Z']]);
  });
});
