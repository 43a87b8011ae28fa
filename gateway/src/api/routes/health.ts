import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

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

/** `GET /api/health` per contract.md; public, and says whether the API is open (no tokens configured). */
export const healthRoutes: FastifyPluginAsyncZod<{ health: HealthSource; authEnabled: boolean; site?: { id: string; name: string } }> = async (app, opts) => {
  app.get('/api/health', { config: { public: true }, schema: { tags: ['health'] } }, async (_req, reply) => {
    const report = opts.health.report();
    const warnings = Array.isArray(report.warnings) ? [...(report.warnings as unknown[])] : [];
    if (!opts.authEnabled) warnings.push('http.tokens is not set: the API and dashboard are open to anyone on the network (demo mode)');
    const body = { ...report, insecure: report.insecure === true, ...(opts.site ? { site: opts.site } : {}), api: { auth: opts.authEnabled ? 'tokens' : 'open' }, warnings };
    return reply.status(report.status === 'ok' ? 200 : 503).send(body);
  });

  /** Who the bearer token is (role and name), so the dashboard shows only what the role may open. */
  app.get('/api/me', { config: { roles: ['facilities', 'teacher', 'district', 'admin'] }, schema: { tags: ['health'] } }, async (req) => ({
    role: req.principal.role, name: req.principal.name, authenticated: req.principal.authenticated,
  }));
};
