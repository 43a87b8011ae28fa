/**
 * energy: kWh per meter and per building from cumulative counters, peak power per
 * meter, water m³, PV yield (edge/WHAT-LEAVES-THE-SCHOOL.md).
 *
 * Counters: samples are kept sorted per series, so out-of-order readings land in
 * place. The consumption of a window is the sum of the increments between
 * consecutive samples whose later sample lies in the window. A decrease is a
 * counter reset (meter replaced, register wrapped, power cut): the increment is the
 * new value, as counted from zero. A gap is not guessed over: the whole increment
 * across it lands in the window of the sample after the gap, so totals stay exact.
 * Which fields: the template's `behaviour.energy` (device-templates/README.md): its counters,
 * each consumed kWh (`energy`), generated kWh (`pv_yield`) or m³ (`water`), and the power gauge in
 * W or kW for the peak.
 */
import type { Reading } from '../../core/reading.js';
import type { TemplateLike } from '../../privacy/template-like.js';
import { Timeline } from '../intervals.js';
import type { Resolution, SummaryBody, SummaryRow } from '../types.js';
import { bump, planCache, round, type KindContext, type KindModule, type Placement } from './kind.js';

type Flow = 'energy_kwh' | 'water_m3' | 'pv_yield_kwh';

interface Plan {
  counters: Array<{ field: string; flow: Flow }>;
  power?: { field: string; toW: number };
}

interface Meter {
  template: string;
  device: string;
  room: string;
  building?: string;
}

export interface MeterDetail extends Meter {
  values: Record<string, number>;
}

export type EnergyDetail = Map<string, MeterDetail>;

const FLOW: Record<'energy' | 'pv_yield' | 'water', Flow> = { energy: 'energy_kwh', pv_yield: 'pv_yield_kwh', water: 'water_m3' };

export function planEnergy(t: TemplateLike): Plan | undefined {
  const e = t.behaviour?.energy;
  if (e === undefined) return undefined;
  const counters = e.counters.map((c) => ({ field: c.field, flow: FLOW[c.flow] }));
  const unit = e.power === undefined ? undefined : t.fields.find((f) => f.name === e.power)?.unit;
  return { counters, ...(e.power !== undefined && { power: { field: e.power, toW: unit === 'kW' ? 1000 : 1 } }) };
}

export function createEnergyKind(ctx: Pick<KindContext, 'deviceName'>): KindModule<EnergyDetail> {
  const plan = planCache(planEnergy);
  const series = new Map<string, { meter: Meter; flow: Flow; timeline: Timeline<number> }>();
  const peaks = new Map<string, { meter: Meter; samples: Timeline<number> }>();

  return {
    kind: 'energy',
    ingest(r: Reading, t: TemplateLike, at: Placement) {
      const p = plan(t);
      if (p === undefined) return;
      const meter: Meter = { template: t.id, device: r.device, room: at.room, ...(at.building !== undefined && { building: at.building }) };
      for (const c of p.counters) {
        const v = r.fields[c.field];
        if (typeof v !== 'number' || !Number.isFinite(v)) continue;
        const key = `${r.device}\u0000${c.field}`;
        let s = series.get(key);
        if (s === undefined) series.set(key, (s = { meter, flow: c.flow, timeline: new Timeline<number>() }));
        s.meter = meter;
        s.timeline.add(r.ts, v);
      }
      const pw = p.power && r.fields[p.power.field];
      if (p.power && typeof pw === 'number' && Number.isFinite(pw)) {
        let s = peaks.get(r.device);
        if (s === undefined) peaks.set(r.device, (s = { meter, samples: new Timeline<number>() }));
        s.samples.add(r.ts, pw * p.power.toW);
      }
    },
    close(start, end) {
      const detail: EnergyDetail = new Map();
      const entry = (m: Meter): MeterDetail => {
        let d = detail.get(m.device);
        if (d === undefined) detail.set(m.device, (d = { ...m, values: {} }));
        return d;
      };
      for (const { meter, flow, timeline } of series.values()) {
        const s = timeline.samples;
        let sum = 0;
        let resets = 0;
        let any = false;
        for (let i = 1; i < s.length; i++) {
          const cur = s[i]!;
          if (cur.ts < start) continue;
          if (cur.ts >= end) break;
          const prev = s[i - 1]!;
          any = true;
          if (cur.value >= prev.value) sum += cur.value - prev.value;
          else {
            sum += cur.value;
            resets++;
          }
        }
        if (!any) continue;
        const d = entry(meter);
        bump(d.values, flow, sum);
        if (resets > 0) bump(d.values, 'counter_resets', resets);
      }
      for (const { meter, samples } of peaks.values()) {
        for (const { ts, value } of samples.samples) {
          if (ts < start || ts >= end) continue;
          const d = entry(meter);
          d.values.peak_power_w = Math.max(d.values.peak_power_w ?? -Infinity, value);
        }
      }
      return detail.size > 0 ? detail : undefined;
    },
    prune(before) {
      for (const s of series.values()) s.timeline.prune(before);
      for (const s of peaks.values()) s.samples.prune(before);
    },
    // Each counter's last reading in a closed window, so the increment across a restart is counted once.
    snapshot(closedUntil) {
      return [...series].flatMap(([key, s]) => {
        const last = s.timeline.samples.filter((x) => x.ts < closedUntil).at(-1);
        return last === undefined ? [] : [{ key, meter: s.meter, flow: s.flow, ts: last.ts, value: last.value }];
      });
    },
    restore(snapshot) {
      for (const e of snapshot as Array<{ key: string; meter: Meter; flow: Flow; ts: number; value: number }>) {
        const timeline = new Timeline<number>();
        timeline.add(e.ts, e.value);
        series.set(e.key, { meter: e.meter, flow: e.flow, timeline });
      }
    },
    merge(into, next) {
      for (const [device, d] of next) {
        const a = into.get(device);
        if (a === undefined) {
          into.set(device, { ...d, values: { ...d.values } });
          continue;
        }
        for (const [k, v] of Object.entries(d.values)) {
          a.values[k] = k === 'peak_power_w' ? Math.max(a.values[k] ?? -Infinity, v) : (a.values[k] ?? 0) + v;
        }
      }
      return into;
    },
    publish(detail: EnergyDetail, _resolution: Resolution): SummaryBody | undefined {
      const rows: SummaryRow[] = [];
      const buildings = new Map<string, number>();
      const site: Record<string, number> = { energy_kwh: 0, water_m3: 0, pv_yield_kwh: 0, meters: detail.size };
      for (const d of detail.values()) {
        const values: Record<string, number> = {};
        for (const [k, v] of Object.entries(d.values)) values[k] = round(v);
        const tags: Record<string, string> = { scope: 'meter', device: ctx.deviceName(d.device, d.template), template: d.template, room: d.room };
        if (d.building !== undefined) tags.building = d.building;
        rows.push({ tags, values });
        for (const k of ['energy_kwh', 'water_m3', 'pv_yield_kwh'] as const) bump(site, k, d.values[k] ?? 0);
        if (d.building !== undefined && d.values.energy_kwh !== undefined) buildings.set(d.building, (buildings.get(d.building) ?? 0) + d.values.energy_kwh);
      }
      for (const [building, kwh] of buildings) rows.push({ tags: { scope: 'building', building }, values: { energy_kwh: round(kwh) } });
      for (const k of Object.keys(site)) site[k] = round(site[k]!);
      return { values: site, rows };
    },
  };
}
