import type { FastifyPluginAsync } from 'fastify';
import { ROLES } from '../auth.js';
import type { GatewayMetrics } from '../../metrics/metrics.js';

/** `GET /metrics` in the Prometheus text format (docs/interfaces.md). */
export const metricsRoutes: FastifyPluginAsync<{ metrics: GatewayMetrics }> = async (app, opts) => {
  app.get('/metrics', { config: { roles: ROLES.facilities }, schema: { hide: true } }, async (_req, reply) => {
    const text = await opts.metrics.text();
    return reply.type(opts.metrics.contentType).send(text);
  });
};
