/**
 * `GET /api/stream?template=&device=`: server-sent events of the devices' normalized state and
 * availability (pipeline/state-fanout.ts, the same events as the MQTT `state` / `availability`
 * topics), for the school's own apps (docs/apps.md). Scoped by role as `/api/devices` is:
 * - facilities: devices without personal fields only;
 * - teacher: the devices on the rosters of their running sessions, readings taken in the session;
 * - admin: every device; personal fields only for an authenticated admin (as /api/devices);
 * - district: refused (403).
 * The stream starts with the latest known state of every visible device. Written through the raw
 * reply (no dependency): a client that stops reading is dropped once 1 MiB waits for it.
 */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { openEventStream } from './sse.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FieldValue } from '../../core/reading.js';
import type { DeviceRegistry } from '../../registry/device-registry.js';
import type { StateEvent } from '../../pipeline/state-fanout.js';
import { ROLES, type Principal } from '../auth.js';
import { ApiError } from '../errors.js';

export interface StreamRoutesOptions {
  stream: { subscribe(fn: (event: StateEvent) => void): () => void };
  registry: DeviceRegistry;
  /** Names of a template's personal fields (`id`/`health`). */
  privateFields(template: string): readonly string[];
  rosterDevices?(owner: string): ReadonlyMap<string, { from: number; to: number }>;
  /** Open streams at most (default 32); more get 503. */
  maxStreams?: number;
  /** Comment line sent this often so proxies keep the connection (default 15 s). */
  heartbeatMs?: number;
}

const query = z.object({
  template: z.string().min(1).max(128).optional(),
  device: z.string().min(1).max(128).optional(),
});

/** A teacher's roster is looked up again at most this often, not per event. */
const ROSTER_TTL_MS = 5_000;

const tooManyStreams = (max: number) => new ApiError('GW_ERR_TOO_MANY_STREAMS', `${max} streams are open: try again later`, 503, { 'retry-after': '30' });

export const streamRoutes: FastifyPluginAsyncZod<StreamRoutesOptions> = async (app, opts) => {
  const maxStreams = opts.maxStreams ?? 32;
  const open = new Set<ServerResponse>();
  // Open streams never end by themselves: closing the server ends them.
  app.addHook('preClose', async () => { for (const res of open) res.end(); });

  /** Whether `p` may see the device's events at time `ts`, and which fields it must not. */
  function scopeFor(p: Principal) {
    let roster: ReadonlyMap<string, { from: number; to: number }> | undefined;
    let rosterAt = -Infinity;
    const rosterNow = () => {
      if (Date.now() - rosterAt > ROSTER_TTL_MS) { roster = opts.rosterDevices?.(p.name) ?? new Map(); rosterAt = Date.now(); }
      return roster!;
    };
    return {
      visible(device: string, template: string, ts: number): boolean {
        if (p.role === 'admin') return true;
        if (p.role === 'facilities') return opts.privateFields(template).length === 0;
        if (p.role === 'teacher') {
          const span = rosterNow().get(device);
          return span !== undefined && ts >= span.from && ts < span.to;
        }
        return false;
      },
      fields(template: string, fields: Readonly<Record<string, FieldValue>>): Readonly<Record<string, FieldValue>> {
        const hidden = p.role === 'admin' && p.authenticated ? [] : opts.privateFields(template);
        if (hidden.length === 0) return fields;
        return Object.fromEntries(Object.entries(fields).filter(([k]) => !hidden.includes(k)));
      },
    };
  }

  app.get('/api/stream', { config: { roles: ROLES.devices }, schema: { tags: ['devices'], querystring: query } }, async (req, reply) => {
    if (open.size >= maxStreams) throw tooManyStreams(maxStreams);
    const { template, device } = req.query;
    const scope = scopeFor(req.principal);
    const wanted = (d: string, t: string) => (template === undefined || t === template) && (device === undefined || d === device);
    const { res, send } = openEventStream(reply);
    open.add(res);
    res.write('retry: 5000\n\n');
    for (const d of opts.registry.list()) {
      if (!d.latest || !wanted(d.id, d.template)) continue;
      const ts = Date.parse(d.latest.ts);
      if (scope.visible(d.id, d.template, ts)) send('state', { device: d.id, template: d.template, ts: d.latest.ts, fields: scope.fields(d.template, d.latest.fields) });
    }
    const unsubscribe = opts.stream.subscribe((e) => {
      if (!wanted(e.device, e.template) || !scope.visible(e.device, e.template, e.ts)) return;
      if (e.kind === 'state') send('state', { device: e.device, template: e.template, ts: new Date(e.ts).toISOString(), fields: scope.fields(e.template, e.fields) });
      else send('availability', { device: e.device, template: e.template, status: e.status, ts: new Date(e.ts).toISOString() });
    });
    const heartbeat = setInterval(() => res.write(': ping\n\n'), opts.heartbeatMs ?? 15_000);
    heartbeat.unref();
    res.once('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(res);
    });
  });
};
