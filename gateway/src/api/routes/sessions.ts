import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES, type Principal } from '../auth.js';
import { ApiError, apiErrors } from '../errors.js';
import { createSiteZone } from '../../summaries/zone.js';
import { buildSessionExport, createSessionSchema, liveSessionSchema, SessionRuleError, sessionExportCsv, sessionSchema, type Session, type SessionManager } from '../../sessions/index.js';

const params = z.object({ id: z.uuid() });
const exportQuery = z.object({ format: z.enum(['csv', 'json']).default('json') });
const config = { roles: ROLES.sessions };

/** A teacher sees their own sessions; admin sees every session. */
function ownerFilter(p: Principal): string | undefined {
  return p.role === 'admin' ? undefined : p.name;
}

/** Class sessions per docs/interfaces.md: create, list, live view, stop, export (csv|json). */
export const sessionsRoutes: FastifyPluginAsyncZod<{ sessions: SessionManager; now?: () => number; timeZone?: string }> = async (app, opts) => {
  const now = opts.now ?? Date.now;
  // Exports give local times (issue #19): a 07:32 lesson in Shanghai is 07:32+08:00, not 23:32Z.
  const zone = createSiteZone(opts.timeZone ?? 'UTC');
  const owned = (id: string, p: Principal): Session => {
    const s = opts.sessions.get(id);
    const owner = ownerFilter(p);
    if (!s || (owner !== undefined && s.owner !== owner)) throw apiErrors.sessionNotFound(id);
    return s;
  };

  app.post('/api/sessions', {
    config, schema: { tags: ['sessions'], body: createSessionSchema, response: { 201: sessionSchema } },
  }, async (req, reply) => {
    try {
      return reply.status(201).send(opts.sessions.create(req.body, req.principal.name));
    } catch (err) {
      // The session rules (span, roster lines) answer 400 with every line refused, 1-based.
      if (err instanceof SessionRuleError) throw new ApiError(err.code, err.message, 400);
      throw err;
    }
  });

  app.get('/api/sessions', { config, schema: { tags: ['sessions'], response: { 200: z.array(sessionSchema) } } },
    async (req) => opts.sessions.list(ownerFilter(req.principal)));

  app.get('/api/sessions/:id', { config, schema: { tags: ['sessions'], params, response: { 200: liveSessionSchema } } },
    async (req) => opts.sessions.live(owned(req.params.id, req.principal)));

  app.post('/api/sessions/:id/stop', { config, schema: { tags: ['sessions'], params, response: { 200: sessionSchema } } },
    async (req) => opts.sessions.stopSession(owned(req.params.id, req.principal)));

  app.get('/api/sessions/:id/export', { config, schema: { tags: ['sessions'], params, querystring: exportQuery } }, async (req, reply) => {
    const s = owned(req.params.id, req.principal);
    const data = buildSessionExport(opts.sessions.view(s), opts.sessions.captured(s), now(), zone);
    const base = `session-${s.class}-${s.subject}-${data.session.start.slice(0, 10)}`.replace(/[^A-Za-z0-9._-]+/g, '_');
    reply.header('cache-control', 'no-store');
    if (req.query.format === 'csv') {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${base}.csv"`).send(sessionExportCsv(data));
    }
    return reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="${base}.json"`).send(JSON.stringify(data));
  });
};
