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
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config/schema.js';
import { apiErrors } from './errors.js';
import { assertTokenHash, verifyToken } from './token-hash.js';

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
const CACHE_LIMIT = 256;

export interface Authenticator {
  readonly enabled: boolean;
  /** Resolves a bearer token to a principal, or undefined when it matches no configured token. */
  resolve(token: string): Promise<Principal | undefined>;
}

export function createAuthenticator(tokens: readonly TokenConfig[] | undefined): Authenticator {
  const list = tokens ?? [];
  for (const t of list) assertTokenHash(t.tokenHash);
  // Verified tokens are remembered by their SHA-256, so scrypt runs once per token, not per request.
  const cache = new Map<string, Principal | undefined>();
  return {
    enabled: list.length > 0,
    async resolve(token) {
      const key = createHash('sha256').update(token, 'utf8').digest('hex');
      if (cache.has(key)) return cache.get(key);
      let found: Principal | undefined;
      for (const [i, t] of list.entries()) {
        if (await verifyToken(token, t.tokenHash)) {
          found = { role: t.role, name: t.name ?? `${t.role}#${i}`, authenticated: true };
          break;
        }
      }
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
      cache.set(key, found);
      return found;
    },
  };
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/** Installs the principal decoration and the role check on the root instance. */
export function installAuth(app: FastifyInstance, auth: Authenticator): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (req) => {
    req.principal = OPEN;
    if (!auth.enabled) return;
    const config = req.routeOptions.config;
    const guarded = req.routeOptions.url !== undefined && /^\/(api\/|metrics)/.test(req.routeOptions.url);
    const roles: readonly Role[] | undefined = config?.roles ?? (guarded && !config?.public ? ['admin'] : undefined);
    const token = bearer(req);
    const principal = token === undefined ? undefined : await auth.resolve(token);
    // Without a valid token only public routes run; they get the least-privileged principal.
    req.principal = principal ?? { role: 'district', name: 'anonymous', authenticated: false };
    if (!roles) return;
    if (!principal) throw apiErrors.unauthorized();
    if (!roles.includes(principal.role)) throw apiErrors.forbidden();
  });
}
