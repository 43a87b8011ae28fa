/**
 * What district staff read from the hub: every school seen (`/api/schools`, from the site
 * tracker, no InfluxDB query per request), and the district InfluxDB's summaries and alarms
 * (`/api/summaries`, `/api/alarms`, InfluxQL through district-query.ts). Query values reach
 * InfluxQL only as quoted literals (quoteString) after the zod checks below.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Role } from '../api/auth.js';
import { ApiError } from '../api/errors.js';
import { apiTime } from '../api/routes/time.js';
import { SUMMARY_KINDS } from '../core/topics.js';
import type { DistrictReader } from './district-query.js';
import type { SiteTracker } from './sites.js';

/** Both hub roles read everything: the hub holds no personal data. */
export const HUB_ROLES: readonly Role[] = ['district', 'admin'];

export const hubErrors = {
  influxUnavailable: () => new ApiError('GW_ERR_HUB_INFLUX_UNAVAILABLE', 'the district InfluxDB did not answer: try again shortly', 503, { 'retry-after': '5' }),
  badRange: () => new ApiError('GW_ERR_VALIDATION', 'invalid querystring: from must be before to', 400),
};

/** Runs a district InfluxDB query; a failure is logged (without the query) and answered 503. */
export function influxQueries(log: Logger) {
  return async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      log.warn({ err: (err as Error).message, what }, 'district InfluxDB query failed');
      throw hubErrors.influxUnavailable();
    }
  };
}

const DAY_MS = 86_400_000;
const site = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a lowercase site id (letters, digits, -)');
const range = { from: apiTime.optional(), to: apiTime.optional(), limit: z.coerce.number().int().min(1).max(10_000).default(1000) };
const summariesQuery = z.strictObject({ site: site.optional(), kind: z.enum(SUMMARY_KINDS).optional(), resolution: z.enum(['window', 'hour', 'day']).optional(), ...range });
const alarmsQuery = z.strictObject({ site: site.optional(), ...range });

export interface HubDataRoutesOptions {
  sites: SiteTracker;
  reader: DistrictReader;
  log: Logger;
  silentAfterSeconds: number;
  history: () => { loaded: boolean; error?: string };
  now: () => number;
}

export const hubDataRoutes: FastifyPluginAsyncZod<HubDataRoutesOptions> = async (app, opts) => {
  const log = opts.log.child({ component: 'hub-api' });
  /** Default: the last 7 days. */
  const window = (q: { from?: number | undefined; to?: number | undefined }) => {
    const to = q.to ?? opts.now();
    const from = q.from ?? to - 7 * DAY_MS;
    if (!(from < to)) throw hubErrors.badRange();
    return { from, to };
  };
  const influx = influxQueries(log);

  app.get('/api/schools', { config: { roles: HUB_ROLES }, schema: { tags: ['schools'] } }, async () => ({
    silent_after_s: opts.silentAfterSeconds,
    history: opts.history(),
    schools: opts.sites.list(),
  }));

  app.get('/api/summaries', { config: { roles: HUB_ROLES }, schema: { tags: ['summaries'], querystring: summariesQuery } }, async (req) => {
    const { from, to } = window(req.query);
    const { site: s, kind, resolution, limit } = req.query;
    const result = await influx('summaries', () => opts.reader.summaries({ site: s, kind, resolution, from, to, limit }));
    return { site: s ?? null, kind: kind ?? null, resolution: resolution ?? null, from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...result };
  });

  app.get('/api/alarms', { config: { roles: HUB_ROLES }, schema: { tags: ['alarms'], querystring: alarmsQuery } }, async (req) => {
    const { from, to } = window(req.query);
    const result = await influx('alarms', () => opts.reader.alarms({ site: req.query.site, from, to, limit: req.query.limit }));
    return { site: req.query.site ?? null, from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...result };
  });
};
