import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DeviceRegistry } from '../../registry/device-registry.js';
import type { FieldValue } from '../../core/reading.js';
import { ROLES, type Principal } from '../auth.js';
import { apiErrors } from '../errors.js';

export interface DevicesRoutesOptions {
  registry: DeviceRegistry;
  /** Template metadata shown with a device (name, category, transport). */
  templateOf?(id: string): { name: string; category: string; transport: string } | undefined;
  /** Names of a template's personal fields (`id`/`health`): hidden from every role but admin. */
  privateFields?(template: string): readonly string[];
  /**
   * The devices a teacher may see: those on the rosters of their sessions running now, with
   * the session's span (latest fields are shown only when taken in it). Absent: a teacher sees none.
   */
  rosterDevices?(owner: string): ReadonlyMap<string, { from: number; to: number }>;
}

const params = z.object({ id: z.string().min(1).max(128) });
const listQuery = z.object({
  status: z.enum(['online', 'offline', 'never']).optional(),
  template: z.string().optional(),
  room: z.string().optional(),
  /** `latest=true` includes each device's latest fields (personal fields hidden except for admin). */
  latest: z.enum(['true', 'false']).optional(),
});

/** `GET /api/devices`, `/api/devices/:id`, `/api/devices/:id/latest` per docs/interfaces.md. */
export const devicesRoutes: FastifyPluginAsyncZod<DevicesRoutesOptions> = async (app, opts) => {
  const summary = (d: ReturnType<DeviceRegistry['list']>[number]) => ({
    id: d.id, template: d.template, room: d.room ?? null, building: d.building ?? null,
    status: d.status, last_seen: d.lastSeen, last_error: d.lastError,
  });

  const config = { roles: ROLES.devices };
  type Device = ReturnType<DeviceRegistry['list']>[number];
  /** Undefined: every device; else the span in which each visible device's latest fields may have been taken. */
  const scopeOf = (p: Principal) => (p.role === 'teacher' ? opts.rosterDevices?.(p.name) ?? new Map<string, { from: number; to: number }>() : undefined);
  // Personal fields need an authenticated admin: in open (demo) mode nobody sees them here.
  const visible = (template: string, fields: Record<string, FieldValue>, p: Principal): Record<string, FieldValue> => {
    const hidden = p.role === 'admin' && p.authenticated ? [] : opts.privateFields?.(template) ?? [];
    if (hidden.length === 0) return fields;
    return Object.fromEntries(Object.entries(fields).filter(([k]) => !hidden.includes(k)));
  };
  const latestOf = (d: Device, p: Principal, scope: ReturnType<typeof scopeOf>) => {
    if (!d.latest) return null;
    const span = scope?.get(d.id);
    const ts = Date.parse(d.latest.ts);
    if (scope && (!span || ts < span.from || ts >= span.to)) return null;
    return { ts: d.latest.ts, fields: visible(d.template, d.latest.fields, p) };
  };
  // A device outside the caller's scope answers exactly as a device that does not exist.
  const find = (id: string, scope: ReturnType<typeof scopeOf>): Device => {
    const d = opts.registry.get(id);
    if (!d || (scope && !scope.has(id))) throw apiErrors.deviceNotFound(id);
    return d;
  };
  app.get('/api/devices', { config, schema: { tags: ['devices'], querystring: listQuery } }, async (req) => {
    const q = req.query;
    const scope = scopeOf(req.principal);
    return opts.registry.list()
      .filter((d) => (!scope || scope.has(d.id)) && (!q.status || d.status === q.status) && (!q.template || d.template === q.template) && (!q.room || d.room === q.room))
      .map((d) => (q.latest === 'true' ? { ...summary(d), latest: latestOf(d, req.principal, scope) } : summary(d)));
  });

  app.get('/api/devices/:id', { config, schema: { tags: ['devices'], params } }, async (req) => {
    const scope = scopeOf(req.principal);
    const d = find(req.params.id, scope);
    return { ...summary(d), template_info: opts.templateOf?.(d.template) ?? null, latest: latestOf(d, req.principal, scope) };
  });

  app.get('/api/devices/:id/latest', { config, schema: { tags: ['devices'], params } }, async (req) => {
    const scope = scopeOf(req.principal);
    const d = find(req.params.id, scope);
    const latest = latestOf(d, req.principal, scope);
    if (!latest) throw apiErrors.noLatest(req.params.id);
    return { id: d.id, template: d.template, ts: latest.ts, ...latest.fields };
  });
};
