/**
 * The district page and what it reads (issue #20): the page itself (gateway/web/district.html,
 * its bundle district.js built from gateway/web/src/district), `GET /api/district` (every
 * school with its daily figures, buildings, devices, students, backlog and silence, from
 * district-overview.ts and the site tracker) and `GET /api/district/export.csv` (one school,
 * one month, a day per line; UTF-8 with a BOM so Excel opens Chinese headers correctly).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ApiError } from '../api/errors.js';
import type { DayFigures, OverviewReader } from './district-overview.js';
import { HUB_ROLES, hubErrors } from './http-routes.js';
import type { SiteTracker } from './sites.js';

const DAY_MS = 86_400_000;
const site = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a lowercase site id (letters, digits, -)');
const overviewQuery = z.strictObject({ days: z.coerce.number().int().min(1).max(62).default(14) });
const exportQuery = z.strictObject({
  site,
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM'),
  lang: z.enum(['zh-CN', 'en']).default('zh-CN'),
});

/** CSV headers per language; the columns are the same. */
export const CSV_HEADERS = {
  'zh-CN': ['日期', '用电量 (kWh)', '课后亮灯 (分钟)', '智慧黑板使用 (小时)', 'CO₂ 超过 1000 ppm (分钟)'],
  en: ['date', 'energy (kWh)', 'lights left on after hours (min)', 'smart-board on (h)', 'CO₂ above 1000 ppm (min)'],
} as const;

/** Offset of `tz` at `ms`, in ms (local − UTC). */
function offsetMs(ms: number, tz: string): number {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    .formatToParts(ms).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(ms / 1000) * 1000;
}

/** Local midnight of `YYYY-MM-01` in `tz` and of the next month's first day, as instants. */
export function monthRange(month: string, tz: string): { from: number; to: number; days: string[] } {
  const [y, mo] = month.split('-').map(Number) as [number, number];
  const startUtc = Date.UTC(y, mo - 1, 1);
  const endUtc = Date.UTC(y, mo, 1);
  const days: string[] = [];
  for (let t = startUtc; t < endUtc; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return { from: startUtc - offsetMs(startUtc, tz), to: endUtc - offsetMs(endUtc, tz), days };
}

const cell = (v: string | number) => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

export function monthCsv(days: readonly string[], figures: Record<string, DayFigures>, lang: keyof typeof CSV_HEADERS): string {
  const lines = [CSV_HEADERS[lang].map(cell).join(',')];
  for (const day of days) {
    const f = figures[day];
    lines.push([day, f?.energy_kwh ?? '', f?.left_on_min ?? '', f === undefined ? '' : Math.round((f.board_on_min / 60) * 100) / 100, f?.co2_high_min ?? ''].map((v) => cell(v)).join(','));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export interface HubDistrictRoutesOptions {
  sites: SiteTracker;
  overview: OverviewReader;
  timeZone: string;
  log: Logger;
  now: () => number;
}

export const hubDistrictRoutes: FastifyPluginAsyncZod<HubDistrictRoutesOptions> = async (app, opts) => {
  const log = opts.log.child({ component: 'hub-district' });
  const influx = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      log.warn({ err: (err as Error).message, what }, 'district InfluxDB query failed');
      throw hubErrors.influxUnavailable();
    }
  };

  app.get('/api/district', { config: { roles: HUB_ROLES }, schema: { tags: ['district'], querystring: overviewQuery } }, async (req) => {
    const to = opts.now();
    const from = to - req.query.days * DAY_MS;
    const overview = await influx('overview', () => opts.overview.overview({ from, to, tz: opts.timeZone }));
    return { time_zone: opts.timeZone, from: new Date(from).toISOString(), to: new Date(to).toISOString(), schools: opts.sites.list(), ...overview };
  });

  app.get('/api/district/export.csv', { config: { roles: HUB_ROLES }, schema: { tags: ['district'], querystring: exportQuery } }, async (req, reply) => {
    const { site: s, month, lang } = req.query;
    if (!opts.sites.list().some((x) => x.id === s)) throw new ApiError('GW_ERR_HUB_UNKNOWN_SITE', 'no such school at this hub', 404);
    const { from, to, days } = monthRange(month, opts.timeZone);
    const figures = await influx('export', () => opts.overview.schoolDays({ site: s, from, to, tz: opts.timeZone }));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${s}-${month}.csv"`)
      .send(monthCsv(days, figures, lang));
  });
};
