import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

export interface HealthReport {
  status: 'ok' | 'degraded';
  broker: Record<string, unknown>;
  store: Record<string, unknown>;
  uplink: Record<string, unknown> | null;
  [section: string]: unknown;
}

export interface HealthSource {
  report(): HealthReport;
}

/** `GET /api/health` per contract.md. */
export const healthRoutes: FastifyPluginAsyncZod<{ health: HealthSource }> = async (app, opts) => {
  app.get('/api/health', async (_req, reply) => {
    const report = opts.health.report();
    return reply.status(report.status === 'ok' ? 200 : 503).send(report);
  });
};
