/**
 * `GET /api/sessions/:id/stream`: server-sent events of one class session for the handwriting
 * wall and the PE view (issue #19 item 4). Only the session's owner (or admin) may open it, as its
 * export: it carries the students' pen strokes and heart rates, which `/api/stream` never gives a
 * teacher (it coalesces to one state per device and hides health fields).
 * - `snapshot` first: every pen's current page (its strokes, numbered as the export counts them)
 *   and every band's latest sample;
 * - then `pen` (new points, per stroke) and `heart` events, sent every `flushMs` (100 ms), so a
 *   tile draws a stroke a few hundred ms after the receiver sent it.
 * A client that stops reading is dropped once 1 MiB waits for it.
 */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { openEventStream } from './sse.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES } from '../auth.js';
import { ApiError, apiErrors } from '../errors.js';
import type { LiveEvents, PenEvent } from '../../sessions/lesson-live.js';
import type { SessionManager } from '../../sessions/index.js';

export interface SessionStreamOptions {
  sessions: SessionManager;
  /** Open session streams at most (default 32); more get 503. */
  maxStreams?: number;
  flushMs?: number;
  heartbeatMs?: number;
}


export const sessionStreamRoutes: FastifyPluginAsyncZod<SessionStreamOptions> = async (app, opts) => {
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => { for (const res of open) res.end(); });

  app.get('/api/sessions/:id/stream', { config: { roles: ROLES.sessions }, schema: { tags: ['sessions'], params: z.object({ id: z.uuid() }) } }, async (req, reply) => {
    const s = opts.sessions.get(req.params.id);
    if (!s || (req.principal.role !== 'admin' && s.owner !== req.principal.name)) throw apiErrors.sessionNotFound(req.params.id);
    const max = opts.maxStreams ?? 32;
    if (open.size >= max) throw new ApiError('GW_ERR_TOO_MANY_STREAMS', `${max} streams are open: try again later`, 503, { 'retry-after': '30' });
    const { res, send } = openEventStream(reply);
    open.add(res);
    // Subscribe and take the snapshot in the same tick: no reading falls between the two.
    let pending: LiveEvents[] = [];
    const unsubscribe = opts.sessions.subscribe(s.id, (e) => { pending.push(e); });
    res.write('retry: 3000\n\n');
    send('snapshot', { ...opts.sessions.liveSnapshot(s), at: Date.now() });
    const flush = (): void => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      // one `pen` event per pen and page per flush, its strokes' points merged by stroke number
      const pens = new Map<string, PenEvent>();
      for (const e of batch) {
        for (const p of e.pens) {
          const k = `${p.device}\u0000${p.page}`;
          const into = pens.get(k);
          if (into === undefined) { pens.set(k, { ...p, strokes: [...p.strokes] }); continue; }
          for (const st of p.strokes) {
            const last = into.strokes.at(-1);
            if (last?.n === st.n) into.strokes[into.strokes.length - 1] = { n: st.n, pts: [...last.pts, ...st.pts] };
            else into.strokes.push(st);
          }
        }
        for (const h of e.hearts) send('heart', h);
      }
      for (const p of pens.values()) send('pen', p);
    };
    const flusher = setInterval(flush, opts.flushMs ?? 100);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), opts.heartbeatMs ?? 15_000);
    res.once('close', () => {
      clearInterval(flusher);
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(res);
    });
  });
};
