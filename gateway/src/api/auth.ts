/**
 * Role-scoped bearer tokens (`http.tokens`). A route declares the roles that may
 * call it in its config (`config: { roles: [...] }`); one onRequest hook resolves
 * the token to a principal and checks the role. With no tokens configured the API
 * is open (demo mode): every request acts as `admin`, and /api/health says so.
 *
 * What each role sees (the table in README.md): `facilities` devices, readings of
 * non-personal series, summaries, metrics; `teacher` their own class sessions and
 * only the devices on those rosters while a session runs; `district` summaries
 * only; `admin` everything.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config/schema.js';
import { createAuthLimiter, type AuthLimiter } from './auth-limiter.js';
import type { Authenticator } from './authenticator.js';
import { apiErrors } from './errors.js';

export { createAuthenticator, type Authenticator } from './authenticator.js';
export type Role = 'facilities' | 'teacher' | 'district' | 'admin';
export type TokenConfig = NonNullable<GatewayConfig['http']['tokens']>[number];

export interface Principal {
  role: Role;
  /** The token's `name` (or `<role>#<index>`); sessions belong to it. */
  name: string;
  /** False in open (demo) mode. */
  authenticated: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed to call the route. An /api or /metrics route without roles is admin-only unless `public`. */
    roles?: readonly Role[];
    /** Callable without a token (health, API docs). */
    public?: boolean;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

export const ROLES = {
  all: ['facilities', 'teacher', 'district', 'admin'],
  /** A teacher's device list is cut to their running sessions' rosters (routes/devices.ts). */
  devices: ['facilities', 'teacher', 'admin'],
  /** Raw time series; a teacher gets a student's readings only through their class session. */
  readings: ['facilities', 'admin'],
  facilities: ['facilities', 'admin'],
  sessions: ['teacher', 'admin'],
  summaries: ['district', 'facilities', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

const OPEN: Principal = { role: 'admin', name: 'demo', authenticated: false };
/** Who calls a public route when tokens are configured: never verified, least privileged. */
const ANONYMOUS: Principal = { role: 'district', name: 'anonymous', authenticated: false };

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/** The roles a route needs, or undefined for a public route (health, docs, the dashboard's files, 404s). */
function routeRoles(req: FastifyRequest): readonly Role[] | undefined {
  const config = req.routeOptions.config;
  const guarded = req.routeOptions.url !== undefined && /^\/(api\/|metrics)/.test(req.routeOptions.url);
  return config?.roles ?? (guarded && !config?.public ? ['admin'] : undefined);
}

export type AuthStats = {
  /** Requests whose bearer token matched no configured token. */
  rejected_tokens: number;
  /** Requests answered 429 because their address failed too often. */
  rate_limited: number;
  /** scrypt verifications run (each ~50 ms of a core). */
  hashes_run: number;
  blocked_addresses: number;
};

/**
 * Installs the principal decoration and the role check on the root instance.
 * A public route never looks at the Authorization header, so a bearer sent to it
 * costs nothing. A guarded route first asks the limiter: an address over its
 * failure allowance gets 429 before any hash runs.
 */
export function installAuth(app: FastifyInstance, auth: Authenticator, limiter: AuthLimiter = createAuthLimiter()): { stats(): AuthStats } {
  const counts = { rejected_tokens: 0, rate_limited: 0, hashes_run: 0 };
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (req) => {
    req.principal = OPEN;
    if (!auth.enabled) return;
    const roles = routeRoles(req);
    if (!roles) {
      req.principal = ANONYMOUS;
      return;
    }
    const token = bearer(req);
    if (token === undefined) throw apiErrors.unauthorized();
    const wait = limiter.blockedFor(req.ip);
    if (wait > 0) {
      counts.rate_limited++;
      throw apiErrors.authRateLimited(wait);
    }
    // Each scrypt run is paid for from the address's allowance before it starts.
    let paid = 0;
    const spend = () => limiter.take(req.ip) && ++paid > 0;
    const { principal, cost, incomplete } = await auth.resolve(token, spend);
    counts.hashes_run += cost;
    if (!principal) {
      counts.rejected_tokens++;
      if (incomplete) throw apiErrors.authRateLimited(Math.max(1000, limiter.blockedFor(req.ip)));
      if (paid === 0) limiter.take(req.ip); // a wrong token that cost no scrypt still counts as a guess
      throw apiErrors.unauthorized();
    }
    if (paid > 0) limiter.refund(req.ip, paid);
    req.principal = principal;
    if (!roles.includes(principal.role)) throw apiErrors.forbidden();
  });
  return { stats: () => ({ ...counts, blocked_addresses: limiter.stats().blocked }) };
}
