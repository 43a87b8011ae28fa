/**
 * The district page's figures, aggregated by InfluxDB itself (InfluxQL `sum()` / `last()` with
 * `GROUP BY time(1d)` in the district's time zone), so a page over 100+ schools and two weeks
 * reads a few hundred numbers, not every window summary. Sums run over the base windows
 * (`resolution = 'window'`): they exist as soon as a school sends, roll-ups only once an hour or
 * a day has ended.
 *
 * - per school and local day: energy (kWh), lights left on after hours (min), smart-board on
 *   (min), CO₂ above the limit (room-minutes); per building and day: energy;
 * - per school, the newest device-health values: devices online/offline, students, floor area,
 *   outbox backlog.
 */
import type { FetchLike } from '../lib/influx/http.js';
import { influxQl, quoteIdent, quoteString, type InfluxQlSeries } from '../lib/influx/influxql.js';
import type { HubConfig } from './config.js';

/** Per school per local day (`YYYY-MM-DD`). */
export interface DayFigures {
  energy_kwh: number;
  left_on_min: number;
  board_on_min: number;
  co2_high_min: number;
}

export interface SchoolFacts {
  devices_online: number | null;
  devices_offline: number | null;
  students: number | null;
  floor_area_m2: number | null;
}

export interface DistrictOverview {
  days: Record<string, Record<string, DayFigures>>;
  buildings: Record<string, Record<string, Record<string, number>>>;
  facts: Record<string, SchoolFacts>;
}

const FIGURES: ReadonlyArray<[keyof DayFigures, string, string]> = [
  ['energy_kwh', 'summary_energy', 'energy_kwh'],
  ['left_on_min', 'summary_lighting', 'left_on_min'],
  ['board_on_min', 'summary_usage', 'board_on_min'],
  ['co2_high_min', 'summary_environment', 'co2_high_min'],
];

const range = (from: number, to: number) => `time >= ${Math.floor(from)}ms AND time < ${Math.floor(to)}ms`;
const m = (rp: string | undefined, name: string) => (rp === undefined ? quoteIdent(name) : `${quoteIdent(rp)}.${quoteIdent(name)}`);

/** The statements, pure (unit-tested beside). `site` narrows to one school (the CSV export). */
export const overviewStatements = {
  daily(field: string, measurement: string, from: number, to: number, tz: string, site?: string, rp?: string): string {
    const one = site === undefined ? '' : ` AND "site" = ${quoteString(site)}`;
    return `SELECT sum(${quoteIdent(field)}) FROM ${m(rp, measurement)} WHERE "scope" = 'site' AND "resolution" = 'window'${one} AND ${range(from, to)} GROUP BY time(1d), "site" fill(none) tz(${quoteString(tz)})`;
  },
  buildings(from: number, to: number, tz: string, rp?: string): string {
    return `SELECT sum("energy_kwh") FROM ${m(rp, 'summary_energy')} WHERE "scope" = 'building' AND "resolution" = 'window' AND ${range(from, to)} GROUP BY time(1d), "site", "building" fill(none) tz(${quoteString(tz)})`;
  },
  facts(from: number, to: number, rp?: string): string {
    return `SELECT last("devices_online") AS devices_online, last("devices_offline") AS devices_offline, last("students") AS students, last("floor_area_m2") AS floor_area_m2 FROM ${m(rp, 'summary_device_health')} WHERE "scope" = 'site' AND ${range(from, to)} GROUP BY "site"`;
  },
};

/** `YYYY-MM-DD` of an instant in `tz`. */
export function localDay(ms: number, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const round = (v: number) => Math.round(v * 100) / 100;

function each(series: readonly InfluxQlSeries[], fn: (tags: Record<string, string>, row: Record<string, unknown>) => void): void {
  for (const s of series) for (const values of s.values) fn(s.tags ?? {}, Object.fromEntries(s.columns.map((c, i) => [c, values[i]])));
}

export interface OverviewReader {
  overview(q: { from: number; to: number; tz: string }): Promise<DistrictOverview>;
  /** One school's days (the CSV export). */
  schoolDays(q: { site: string; from: number; to: number; tz: string }): Promise<Record<string, DayFigures>>;
}

export function createOverviewReader(influx: HubConfig['influx'], deps: { fetch?: FetchLike; timeoutMs?: number } = {}): OverviewReader {
  const base = influx.url.replace(/\/+$/, '');
  const headers: Record<string, string> = influx.username === undefined ? {} : { authorization: `Basic ${Buffer.from(`${influx.username}:${influx.password ?? ''}`).toString('base64')}` };
  const target = { queryUrl: `${base}/query`, database: influx.database, headers };
  const run = (q: string) => influxQl(target, q, deps.timeoutMs ?? 10_000, deps.fetch ?? fetch);
  const rp = influx.retentionPolicy;

  async function days(from: number, to: number, tz: string, site?: string): Promise<Record<string, Record<string, DayFigures>>> {
    const out: Record<string, Record<string, DayFigures>> = {};
    const results = await Promise.all(FIGURES.map(([, measurement, field]) => run(overviewStatements.daily(field, measurement, from, to, tz, site, rp))));
    results.forEach((series, i) => each(series, (tags, row) => {
      const v = num(row.sum);
      if (tags.site === undefined || v === null) return;
      const day = localDay(Number(row.time), tz);
      const d = ((out[tags.site] ??= {})[day] ??= { energy_kwh: 0, left_on_min: 0, board_on_min: 0, co2_high_min: 0 });
      d[FIGURES[i]![0]] = round(v);
    }));
    return out;
  }

  return {
    async overview({ from, to, tz }) {
      const [byDay, buildingSeries, factSeries] = await Promise.all([days(from, to, tz), run(overviewStatements.buildings(from, to, tz, rp)), run(overviewStatements.facts(from, to, rp))]);
      const buildings: DistrictOverview['buildings'] = {};
      each(buildingSeries, (tags, row) => {
        const v = num(row.sum);
        if (tags.site === undefined || tags.building === undefined || v === null) return;
        ((buildings[tags.site] ??= {})[tags.building] ??= {})[localDay(Number(row.time), tz)] = round(v);
      });
      const facts: DistrictOverview['facts'] = {};
      each(factSeries, (tags, row) => {
        if (tags.site === undefined) return;
        facts[tags.site] = { devices_online: num(row.devices_online), devices_offline: num(row.devices_offline), students: num(row.students), floor_area_m2: num(row.floor_area_m2) };
      });
      return { days: byDay, buildings, facts };
    },
    async schoolDays({ site, from, to, tz }) {
      return (await days(from, to, tz, site))[site] ?? {};
    },
  };
}
