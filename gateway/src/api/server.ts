/**
 * The HTTP API and dashboard (fastify). Route groups are plugins; schemas are
 * zod through fastify-type-provider-zod; one error handler maps validation
 * errors to 400 with the key path and hides 5xx details.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { ApiError } from './errors.js';
import { devicesRoutes, type DevicesRoutesOptions } from './routes/devices.js';
import { healthRoutes, type HealthSource } from './routes/health.js';
import { readingsRoutes } from './routes/readings.js';
import type { ReadingStore } from '../store/types.js';

export interface HttpServerDeps extends DevicesRoutesOptions {
  log: Logger;
  health: HealthSource;
  store: ReadingStore;
  /** Extra route plugins (templates, metrics, sessions …) registered by main. */
  plugins?: Array<(app: FastifyInstance) => Promise<void>>;
}

export const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

export async function buildHttpApp(deps: HttpServerDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger, disableRequestLogging: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const problems = err.validation.map((v) => `${v.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)'}: ${v.message ?? 'invalid'}`);
      return reply.status(400).send({ error: { code: 'GW_ERR_VALIDATION', message: `invalid ${err.validationContext ?? 'request'}: ${problems.join('; ')}` } });
    }
    if (err instanceof ApiError) return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message } });
    const status = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500;
    if (status < 500) return reply.status(status).send({ error: { code: 'GW_ERR_REQUEST', message: (err as Error).message } });
    request.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: { code: 'GW_ERR_INTERNAL', message: 'internal error' } });
  });
  const typed = app.withTypeProvider<ZodTypeProvider>();
  await typed.register(healthRoutes, { health: deps.health });
  await typed.register(devicesRoutes, { registry: deps.registry, templateOf: deps.templateOf });
  await typed.register(readingsRoutes, { store: deps.store });
  for (const plugin of deps.plugins ?? []) await plugin(app);
  await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: ['index.html'] });
  return app;
}
