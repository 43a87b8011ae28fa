/**
 * environment: per room, mean and max of CO2, PM2.5 and temperature over the
 * samples in the window, and minutes with CO2 above a threshold (default 1000 ppm;
 * time-weighted, any sensor in the room above counts). Which field is which is the template's
 * `behaviour.environment` (device-templates/README.md); pass 2 of the template check makes
 * sure each is a public number field in ppm, µg/m³ or °C.
 */
import type { Reading } from '../../core/reading.js';
import type { TemplateLike } from '../../privacy/template-like.js';
import { measure, Timeline, union, type Interval } from '../intervals.js';
import type { SummaryBody, SummaryRow } from '../types.js';
import { planCache, round, type KindContext, type KindModule, type Placement } from './kind.js';

/** Summary metric → the `behaviour.environment` key naming its field. */
export const ENV_METRICS = { co2_ppm: 'co2', pm25_ugm3: 'pm25', temperature_c: 'temperature' } as const;

/** [metric, field] pairs of a template. */
export function planEnvironment(t: TemplateLike): Array<[string, string]> {
  const env = t.behaviour?.environment;
  if (env === undefined) return [];
  return Object.entries(ENV_METRICS).flatMap(([metric, key]) => (env[key] === undefined ? [] : [[metric, env[key]] as [string, string]]));
}

interface Stat {
  sum: number;
  n: number;
  max: number;
}

export interface RoomEnvironment {
  stats: Record<string, Stat>;
  co2_high_min: number;
}

export type EnvironmentDetail = Map<string, RoomEnvironment>;

export function createEnvironmentKind(ctx: KindContext, co2LimitPpm = 1000): KindModule<EnvironmentDetail> {
  // Per window start: room → metric → stat.
  const windows = new Map<number, Map<string, Record<string, Stat>>>();
  const co2 = new Map<string, { room: string; holdMs: number; timeline: Timeline<number> }>();
  // Per template: which of its fields feeds which metric.
  const plan = planCache(planEnvironment);

  return {
    kind: 'environment',
    ingest(r: Reading, t: TemplateLike, at: Placement) {
      const metrics = plan(t);
      if (metrics.length === 0) return;
      const ws = Math.floor(r.ts / ctx.windowMs) * ctx.windowMs;
      for (const [metric, name] of metrics) {
        const v = r.fields[name];
        if (typeof v !== 'number') continue;
        let w = windows.get(ws);
        if (w === undefined) windows.set(ws, (w = new Map()));
        const room = w.get(at.room) ?? {};
        w.set(at.room, room);
        const st = (room[metric] ??= { sum: 0, n: 0, max: -Infinity });
        st.sum += v;
        st.n++;
        st.max = Math.max(st.max, v);
        if (metric === 'co2_ppm') {
          let s = co2.get(r.device);
          if (s === undefined) {
            const holdMs = ctx.holdMs(t);
            co2.set(r.device, (s = { room: at.room, holdMs, timeline: new Timeline<number>(holdMs) }));
          }
          s.room = at.room;
          s.timeline.add(r.ts, v);
        }
      }
    },
    close(start, end) {
      const detail: EnvironmentDetail = new Map();
      for (const [ws, rooms] of windows) {
        if (ws < start || ws >= end) continue;
        for (const [room, stats] of rooms) {
          const d = detail.get(room) ?? { stats: {}, co2_high_min: 0 };
          mergeStats(d.stats, stats);
          detail.set(room, d);
        }
        windows.delete(ws);
      }
      const high = new Map<string, Interval[]>();
      for (const s of co2.values()) high.set(s.room, union(high.get(s.room) ?? [], s.timeline.where((v) => v > co2LimitPpm, start, end, s.holdMs)));
      for (const [room, list] of high) {
        if (list.length === 0) continue;
        const d = detail.get(room) ?? { stats: {}, co2_high_min: 0 };
        d.co2_high_min = measure(list) / 60_000;
        detail.set(room, d);
      }
      return detail.size > 0 ? detail : undefined;
    },
    prune(before) {
      for (const s of co2.values()) s.timeline.prune(before);
      for (const ws of windows.keys()) if (ws + ctx.windowMs <= before) windows.delete(ws);
    },
    merge(into, next) {
      for (const [room, d] of next) {
        const a = into.get(room);
        if (a === undefined) into.set(room, { stats: structuredClone(d.stats), co2_high_min: d.co2_high_min });
        else {
          mergeStats(a.stats, d.stats);
          a.co2_high_min += d.co2_high_min;
        }
      }
      return into;
    },
    publish(detail): SummaryBody {
      const rows: SummaryRow[] = [];
      let highMin = 0;
      let co2Max = -Infinity;
      for (const [room, d] of detail) {
        const values: Record<string, number> = { co2_high_min: round(d.co2_high_min) };
        for (const [metric, st] of Object.entries(d.stats)) {
          values[`${metric}_mean`] = round(st.sum / st.n, 2);
          values[`${metric}_max`] = round(st.max, 2);
        }
        highMin += d.co2_high_min;
        if (d.stats.co2_ppm) co2Max = Math.max(co2Max, d.stats.co2_ppm.max);
        rows.push({ tags: { scope: 'room', room }, values });
      }
      const site: Record<string, number> = { rooms: detail.size, co2_high_min: round(highMin) };
      if (Number.isFinite(co2Max)) site.co2_ppm_max = co2Max;
      return { values: site, rows };
    },
  };
}

function mergeStats(into: Record<string, Stat>, next: Record<string, Stat>): void {
  for (const [metric, st] of Object.entries(next)) {
    const a = into[metric];
    if (a === undefined) into[metric] = { ...st };
    else {
      a.sum += st.sum;
      a.n += st.n;
      a.max = Math.max(a.max, st.max);
    }
  }
}
