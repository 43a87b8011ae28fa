import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES } from '../auth.js';
import { snakeCaseKeys } from '../json-case.js';

export interface HealthReport {
  status: 'ok' | 'degraded';
  broker: Record<string, unknown>;
  store: Record<string, unknown>;
  uplink: Record<string, unknown> | null;
  /** The config says `insecure: true`: the dashboard shows a banner on every page. */
  insecure?: boolean;
  [section: string]: unknown;
}

export interface HealthSource {
  report(): HealthReport;
}

export interface HealthRoutesOptions {
  health: HealthSource;
  authEnabled: boolean;
  /** Shown by /api/health (minimal body). */
  version: string;
  /** `timezone`: the site's IANA zone, for the dashboard's local times. */
  site?: { id: string; name: string; timezone?: string };
  /** Token-check counters of installAuth, in the full body. */
  authStats?: () => Record<string, number>;
}

/**
 * The documented sections of the health body, one word each and no counters, for callers
 * without a token: `broker` up, `store` ok or failing, `uplink` connected, disconnected or null.
 */
function sectionStates(report: HealthReport): { broker: { status: string }; store: { status: string }; uplink: { status: string } | null } {
  const uplink = report.uplink;
  return {
    broker: { status: 'up' },
    store: { status: report.store.ok === false ? 'failing' : 'ok' },
    uplink: uplink === null ? null : { status: uplink.connected === true ? 'connected' : 'disconnected' },
  };
}

/**
 * `GET /api/health` per docs/interfaces.md; public. With tokens configured it answers a
 * minimal body (status, version, whether tokens are on, `insecure` when the report
 * has it): counters per template and auth failures are for `GET /api/health/details`
 * (facilities, admin). Open (demo) mode has no secrets to keep: the full body, flagged.
 */
export const healthRoutes: FastifyPluginAsyncZod<HealthRoutesOptions> = async (app, opts) => {
  const full = (report: HealthReport) => {
    const warnings = Array.isArray(report.warnings) ? [...(report.warnings as unknown[])] : [];
    if (!opts.authEnabled) warnings.push('http.tokens is not set: the API and dashboard are open to anyone on the network (demo mode)');
    const api = { auth: opts.authEnabled ? 'tokens' : 'open', ...opts.authStats?.() };
    // the broker's counters and the uplink's health are camelCase objects in TypeScript: snake_case in JSON
    const broker = snakeCaseKeys(report.broker);
    const uplink = report.uplink === null ? null : snakeCaseKeys(report.uplink);
    return { ...report, broker, uplink, insecure: report.insecure === true, ...(opts.site ? { site: opts.site } : {}), version: opts.version, api, warnings };
  };
  const code = (report: HealthReport) => (report.status === 'ok' ? 200 : 503);
  app.get('/api/health', { config: { public: true }, schema: { tags: ['health'] } }, async (_req, reply) => {
    const report = opts.health.report();
    if (!opts.authEnabled) return reply.status(code(report)).send(full(report));
    return reply.status(code(report)).send({ status: report.status, version: opts.version, insecure: report.insecure === true, ...sectionStates(report), api: { auth: 'tokens' } });
  });
  app.get('/api/health/details', { config: { roles: ROLES.facilities }, schema: { tags: ['health'] } }, async (_req, reply) => {
    const report = opts.health.report();
    return reply.status(code(report)).send(full(report));
  });

  /** Who the bearer token is (role and name), so the dashboard shows only what the role may open. */
  app.get('/api/me', { config: { roles: ROLES.all }, schema: { tags: ['health'] } }, async (req) => ({
    role: req.principal.role, name: req.principal.name, authenticated: req.principal.authenticated, ...(opts.site ? { site: opts.site } : {}),
  }));
};
