/**
 * The fastify stack every HTTP API of this repository stands on (the gateway's, server.ts, and
 * the hub role's, hub/http-app.ts), so they answer errors, tokens and headers the same way:
 * zod schemas (fastify-type-provider-zod, also feeding the OpenAPI document at /api/docs), one
 * error handler (validation → 400 `GW_ERR_VALIDATION` naming the key path, ApiError → its code
 * and status, other 4xx → `GW_ERR_REQUEST`, 5xx details hidden as `GW_ERR_INTERNAL`), a 404
 * `GW_ERR_NOT_FOUND` for unknown paths, the security headers on every answer, and role-scoped
 * bearer tokens checked in one onRequest hook (auth.ts) with failed tokens limited per address.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { createAuthLimiter, type AuthLimiterOptions } from './auth-limiter.js';
import { installAuth, type AuthStats, type TokenConfig } from './auth.js';
import { createAuthenticator, type AuthenticatorDeps, type AuthenticatorOptions } from './authenticator.js';
import { ApiError, apiErrors } from './errors.js';
import { GatewayError } from '../errors.js';
import { installSecurityHeaders, SECURITY_HEADERS } from './web-static.js';

export interface ApiAuthOptions extends AuthenticatorDeps {
  limiter?: AuthLimiterOptions;
  hashes?: AuthenticatorOptions;
  now?: () => number;
}

export interface ApiAppOptions {
  log: Logger;
  /** Role tokens; none = open (every request acts as admin). */
  tokens?: readonly TokenConfig[] | undefined;
  /** Limits on token checks (failures per address, concurrent scrypt runs); `verify` lets tests count scrypt runs. */
  auth?: ApiAuthOptions | undefined;
  /** The OpenAPI document's info. */
  openapi: { title: string; version: string; description: string };
}

export interface ApiApp {
  app: FastifyInstance;
  /** True when tokens are configured (a bearer is required on every guarded route). */
  authEnabled: boolean;
  authStats(): AuthStats;
}

/** Builds the app with everything above installed; the caller registers its routes on `app`. */
export async function createApiApp(options: ApiAppOptions): Promise<ApiApp> {
  const app = Fastify({
    loggerInstance: options.log.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const problems = err.validation.map((v) => `${v.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)'}: ${v.message ?? 'invalid'}`);
      return reply.status(400).send({ error: { code: 'GW_ERR_VALIDATION', message: `invalid ${err.validationContext ?? 'request'}: ${problems.join('; ')}` } });
    }
    if (err instanceof ApiError) return reply.status(err.statusCode).headers(err.headers).send({ error: { code: err.code, message: err.message, ...(err.params && { params: err.params }) } });
    const status = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500;
    if (status < 500) return reply.status(status).send({ error: { code: err instanceof GatewayError ? err.code : 'GW_ERR_REQUEST', message: (err as Error).message } });
    request.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: { code: 'GW_ERR_INTERNAL', message: 'internal error' } });
  });

  app.setNotFoundHandler(async () => {
    throw apiErrors.notFound();
  });
  installSecurityHeaders(app);
  const { verify, limiter, hashes, now } = options.auth ?? {};
  const auth = createAuthenticator(options.tokens, hashes, verify ? { verify } : {});
  // The address (never the token) is logged once per block, so an operator can find the client.
  const onBlock = (address: string) => app.log.warn({ address }, 'too many failed API tokens from one address: answering 429 until its window ends');
  const authState = installAuth(app, auth, createAuthLimiter(limiter, { onBlock, ...(now ? { now } : {}) }));
  await app.register(fastifySwagger, {
    openapi: {
      info: options.openapi,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: auth.enabled ? [{ bearer: [] }] : [],
    },
    transform: jsonSchemaTransform,
  });
  await installApiDocs(app);
  return { app, authEnabled: auth.enabled, authStats: authState.stats };
}

/**
 * The dashboard's CSP plus one style attribute swagger-ui's bundle sets through markup (a hidden SVG
 * sprite), allowed by its hash alone ('unsafe-hashes' covers attributes, nothing inline else). Scripts
 * stay 'self'. A new swagger-ui version with a different attribute is refused, and the chromium test
 * (web-api-docs) fails naming the hash to put here.
 */
const DOCS_CSP = SECURITY_HEADERS['content-security-policy']!.replace("style-src 'self'", "style-src 'self' 'unsafe-hashes' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='");

/** Where the API reference UI lives; `/api/docs` sends a browser there. */
export const API_DOCS_UI = '/api/docs/ui/';

/**
 * `GET /api/docs`: the OpenAPI document, or for a browser (Accept: text/html) a redirect to the
 * Swagger UI at /api/docs/ui/, whose files @fastify/swagger-ui serves from the package (no CDN, works
 * offline). Its index.html loads only scripts and stylesheets from the gateway, so the CSP stays as
 * it is; the validator badge (an outside URL) is off. Every docs route is public, like the document.
 */
async function installApiDocs(app: FastifyInstance): Promise<void> {
  app.get('/api/docs', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const accept = req.headers.accept ?? '';
    // A browser's navigation asks for text/html first; fetch(), curl and API clients get the JSON.
    if (/^\s*text\/html/.test(accept) && !accept.includes('application/json')) return reply.redirect(API_DOCS_UI);
    return app.swagger();
  });
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => { route.config = { ...route.config, public: true }; });
    scope.addHook('onSend', async (_req, reply, payload) => {
      reply.header('content-security-policy', DOCS_CSP);
      return payload;
    });
    await scope.register(fastifySwaggerUi, {
      routePrefix: API_DOCS_UI.slice(0, -1),
      uiConfig: { validatorUrl: null, deepLinking: false },
    });
  });
}
