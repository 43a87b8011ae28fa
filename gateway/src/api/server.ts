/**
 * The HTTP API and dashboard (fastify). Route groups are plugins; schemas are
 * zod through fastify-type-provider-zod (also feeding the OpenAPI document at
 * /api/docs); the error handler, security headers and role-scoped bearer tokens
 * come from app-base.ts, which the hub role's API (hub/http-app.ts) uses too.
 * `buildHttpApp` makes no component: the composition root (gateway.ts) hands it
 * the session manager, roster store, metrics and the rest ready, and it only
 * registers routes: every route plugin of the gateway is listed here, once.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { createApiApp, type ApiAuthOptions } from './app-base.js';
import type { TokenConfig } from './auth.js';
import { devicesRoutes, type DevicesRoutesOptions } from './routes/devices.js';
import { healthRoutes, type HealthSource } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { readingsRoutes } from './routes/readings.js';
import { rosterFileRoutes } from './routes/roster-file.js';
import { sessionsRoutes } from './routes/sessions.js';
import { sessionStreamRoutes } from './routes/session-stream.js';
import { summariesRoutes, type SummarySource } from './routes/summaries.js';
import { templatesRoutes, type TemplateSource } from './routes/templates.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import type { RosterStore, SessionManager } from '../sessions/index.js';
import { commandRoutes, type DeviceStatsSource } from '../commands/routes.js';
import type { DeviceCommands } from '../commands/device-commands.js';
import { adminDevicesRoutes, type AdminDevicesOptions } from './routes/admin-devices.js';
import type { ReadingStore } from '../store/types.js';
import { webRoutes } from './web-static.js';
import { streamRoutes, type StreamRoutesOptions } from './routes/stream.js';

export interface HttpServerDeps extends DevicesRoutesOptions {
  log: Logger;
  health: HealthSource;
  store: ReadingStore;
  /** `http.tokens`; none = open API (demo), flagged in /api/health. */
  tokens?: readonly TokenConfig[];
  /** Limits on token checks (failures per address, concurrent scrypt runs); `verify` lets tests count scrypt runs. */
  auth?: ApiAuthOptions;
  /** Serves /api/templates and tells which devices carry personal data. */
  templates?: TemplateSource;
  summaries?: SummarySource;
  /** The district hub's page, linked from the district view (`uplink.hubUrl`). */
  hubUrl?: string;
  /** Class sessions, ready and started (the composition root feeds it readings). */
  sessions: SessionManager;
  /** Saved rosters per teacher and class. */
  rosters: RosterStore;
  /** The gateway's metrics registry (GET /metrics). */
  metrics: GatewayMetrics;
  /** Devices an adapter drives: `POST /api/devices/:id/command`, `GET /api/devices/:id/stats`. */
  commands?: { commands: DeviceCommands; stats: DeviceStatsSource };
  /** Device provisioning for admins (`/api/devices` POST, DELETE, import, export). */
  adminDevices?: AdminDevicesOptions;
  site?: string;
  /** Shown on the dashboard. */
  siteName?: string;
  /** State and availability events for `GET /api/stream` (pipeline/state-fanout.ts); absent: no stream route. */
  stream?: StreamRoutesOptions['stream'];
  /** The site's IANA time zone (`site.timezone` resolved): /api/me and the dashboard show local times, exports are local. */
  timeZone?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
export const webRoot = join(here, '..', '..', 'web');
/** The gateway package's version (src/api and dist/api are both two levels below it). */
export const gatewayVersion = (JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

export async function buildHttpApp(deps: HttpServerDeps): Promise<FastifyInstance> {
  const { app, authEnabled, authStats } = await createApiApp({
    log: deps.log, tokens: deps.tokens, auth: deps.auth,
    openapi: { title: 'campus-gateway API', version: gatewayVersion, description: 'Devices, readings, summaries and class sessions of one school site (docs/interfaces.md).' },
  });

  const templates = deps.templates;
  const privateFields = (id: string) => templates?.get(id)?.fields.filter((f) => f.privacy !== undefined).map((f) => f.name) ?? [];
  const sessions = deps.sessions;

  const typed = app.withTypeProvider<ZodTypeProvider>();
  await typed.register(healthRoutes, { health: deps.health, authEnabled, version: gatewayVersion, authStats, ...(deps.site ? { site: { id: deps.site, name: deps.siteName ?? deps.site, ...(deps.timeZone !== undefined && { timezone: deps.timeZone }) } } : {}) });
  await typed.register(devicesRoutes, {
    registry: deps.registry, privateFields, rosterDevices: (owner) => sessions.rosterDevices(owner), ...(deps.templateOf ? { templateOf: deps.templateOf } : {}),
  });
  await typed.register(readingsRoutes, { store: deps.store, registeredTemplate: (id) => deps.registry.get(id)?.template, ...(templates ? { templates } : {}) });
  if (templates) await typed.register(templatesRoutes, { templates });
  await typed.register(summariesRoutes, { ...(deps.summaries && { summaries: deps.summaries }), ...(deps.hubUrl !== undefined && { hubUrl: deps.hubUrl }) });
  await typed.register(sessionsRoutes, { sessions, rosters: deps.rosters, ...(deps.timeZone !== undefined && { timeZone: deps.timeZone }), ...(templates && { templates }) });
  // a roster as a CSV/XLSX file: its own scope, for its raw-bytes body parser
  await typed.register(rosterFileRoutes, { sessions });
  await typed.register(sessionStreamRoutes, { sessions });
  if (deps.stream) await typed.register(streamRoutes, { stream: deps.stream, registry: deps.registry, privateFields, rosterDevices: (owner) => sessions.rosterDevices(owner) });
  await app.register(metricsRoutes, { metrics: deps.metrics });
  if (deps.commands) await app.register(commandRoutes(deps.commands.commands, deps.commands.stats));
  if (deps.adminDevices) await typed.register(adminDevicesRoutes, deps.adminDevices);
  await app.register(webRoutes, { root: webRoot });
  return app;
}
