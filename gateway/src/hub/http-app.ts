/**
 * The hub role's HTTP API on the gateway's fastify stack (api/app-base.ts: error handler, zod
 * schemas and OpenAPI at /api/docs, role tokens, security headers). Roles: `district` and
 * `admin`, both read everything (nothing personal reaches the hub). Without tokens (only with
 * `insecure: true`) every request acts as admin and /api/health says so.
 *
 * - `GET /api/health` (public): status, version and one word per part; the full report
 *   (broker, InfluxDB, dedup set, delivery lag, counters) is `GET /api/health/details`.
 * - `GET /metrics`: Prometheus text (metrics.ts).
 * - `GET /api/schools`, `/api/summaries`, `/api/alarms`: hub/http-routes.ts.
 * - `GET /` (the district page), `/api/district`, `/api/district/export.csv`: hub/http-district.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { createApiApp, type ApiAuthOptions } from '../api/app-base.js';
import { gatewayVersion, webRoot } from '../api/server.js';
import { DISTRICT_WEB_FILES, webRoutes } from '../api/web-static.js';
import type { OverviewReader } from './district-overview.js';
import { hubDistrictRoutes } from './http-district.js';
import type { HubConfig } from './config.js';
import type { DistrictReader } from './district-query.js';
import type { HubStats } from './hub.js';
import type { HubMetrics } from './metrics.js';
import { HUB_ROLES, hubDataRoutes } from './http-routes.js';
import type { SiteTracker } from './sites.js';

export interface HubHttpDeps {
  log: Logger;
  hub: { stats(): HubStats };
  sites: SiteTracker;
  reader: DistrictReader;
  overview: OverviewReader;
  metrics: HubMetrics;
  /** The last InfluxDB write: when, and its error if it failed. */
  writes: () => { lastOkAt: number | null; lastError: { at: number; message: string } | null; errors: number };
  /** Whether filling /api/schools from InfluxDB at start worked. */
  history: () => { loaded: boolean; error?: string };
  auth?: ApiAuthOptions;
  now?: () => number;
}

type Options = Pick<HubConfig, 'insecure' | 'dedup'> & { http: NonNullable<HubConfig['http']> };

export async function buildHubHttpApp(config: Options, deps: HubHttpDeps): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const { app, authEnabled, authStats } = await createApiApp({
    log: deps.log, tokens: config.http.tokens, auth: deps.auth,
    openapi: { title: 'campus-gateway hub API', version: gatewayVersion, description: 'Schools, summaries and alarms of every school the district hub collects (edge/hub/README.md).' },
  });

  // A public route may not make InfluxDB work harder than once per few seconds, whoever calls it.
  let ping: { at: number; ok: Promise<boolean> } | undefined;
  const influxReachable = () => {
    if (ping === undefined || now() - ping.at > 5000) ping = { at: now(), ok: deps.reader.ping() };
    return ping.ok;
  };

  async function report() {
    const s = deps.hub.stats();
    const w = deps.writes();
    const reachable = await influxReachable();
    const lastWriteFailed = w.lastError !== null && (w.lastOkAt === null || w.lastError.at > w.lastOkAt);
    const influxOk = reachable && !lastWriteFailed;
    const sites = deps.sites.summary();
    const warnings: string[] = [];
    if (!authEnabled) warnings.push('http.tokens is empty (insecure: true): the hub API is open to anyone on the network');
    if (!s.connected) warnings.push('not connected to the hub broker: schools\' messages wait in the broker and in their outboxes');
    if (!influxOk) warnings.push('the district InfluxDB is failing: messages are held back (not acknowledged) until it answers');
    if (sites.silent > 0) warnings.push(`${sites.silent} school(s) silent for over ${config.http.silentAfterSeconds} s`);
    return {
      status: s.connected && influxOk ? 'ok' as const : 'degraded' as const,
      version: gatewayVersion,
      insecure: !authEnabled,
      broker: { status: s.connected ? 'connected' : 'disconnected', connected: s.connected, shared: s.shared, connections: { open: s.connectionsOpen, configured: s.connections } },
      influx: {
        status: influxOk ? 'ok' : 'failing', reachable,
        last_write_at: w.lastOkAt === null ? null : new Date(w.lastOkAt).toISOString(),
        last_error: w.lastError === null ? null : { at: new Date(w.lastError.at).toISOString(), message: w.lastError.message },
        write_errors: w.errors, write_retries: s.writeRetries,
      },
      dedup: { ids: s.dedupIds, capacity: config.dedup.capacity },
      messages: { received: s.received, stored: s.stored, duplicates: s.duplicates, invalid: s.invalid },
      schools: { seen: sites.sites, silent: sites.silent, untracked: sites.untracked, history: deps.history() },
      lag: { max_delivery_s: sites.maxDeliveryLagS, last_received_at: sites.lastReceivedAt },
      api: { auth: authEnabled ? 'tokens' : 'open', ...authStats() },
      warnings,
    };
  }

  app.get('/api/health', { config: { public: true }, schema: { tags: ['health'] } }, async (_req, reply) => {
    const r = await report();
    const code = r.status === 'ok' ? 200 : 503;
    if (!authEnabled) return reply.status(code).send(r);
    return reply.status(code).send({
      status: r.status, version: r.version, insecure: r.insecure, broker: { status: r.broker.status }, influx: { status: r.influx.status }, api: { auth: 'tokens' },
    });
  });
  app.get('/api/health/details', { config: { roles: HUB_ROLES }, schema: { tags: ['health'] } }, async (_req, reply) => {
    const r = await report();
    return reply.status(r.status === 'ok' ? 200 : 503).send(r);
  });
  app.get('/metrics', { config: { roles: HUB_ROLES }, schema: { hide: true } }, async (_req, reply) => {
    const text = await deps.metrics.text();
    return reply.type(deps.metrics.contentType).send(text);
  });
  await app.withTypeProvider<ZodTypeProvider>().register(hubDataRoutes, {
    sites: deps.sites, reader: deps.reader, log: deps.log, silentAfterSeconds: config.http.silentAfterSeconds, history: deps.history, now,
  });
  await app.withTypeProvider<ZodTypeProvider>().register(hubDistrictRoutes, { sites: deps.sites, overview: deps.overview, timeZone: config.http.timeZone, log: deps.log, now });
  // The district page (public files; its data needs a district or admin token).
  await app.register(webRoutes, { root: webRoot, files: DISTRICT_WEB_FILES });
  return app;
}
