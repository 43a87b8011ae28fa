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
}

const params = z.object({ id: z.string().min(1).max(128) });
const listQuery = z.object({
  status: z.enum(['online', 'offline', 'never']).optional(),
  template: z.string().optional(),
  room: z.string().optional(),
  /** `latest=true` includes each device's latest fields (personal fields hidden except for admin). */
  latest: z.enum(['true', 'false']).optional(),
});

/** `GET /api/devices`, `/api/devices/:id`, `/api/devices/:id/latest` per contract.md. */
export const devicesRoutes: FastifyPluginAsyncZod<DevicesRoutesOptions> = async (app, opts) => {
  const summary = (d: ReturnType<DeviceRegistry['list']>[number]) => ({
    id: d.id, template: d.template, room: d.room ?? null, building: d.building ?? null,
    status: d.status, lastSeen: d.lastSeen, lastError: d.lastError,
  });

  const config = { roles: ROLES.devices };
  // Personal fields need an authenticated admin: in open (demo) mode nobody sees them here.
  const visible = (template: string, fields: Record<string, FieldValue>, p: Principal): Record<string, FieldValue> => {
    const hidden = p.role === 'admin' && p.authenticated ? [] : opts.privateFields?.(template) ?? [];
    if (hidden.length === 0) return fields;
    return Object.fromEntries(Object.entries(fields).filter(([k]) => !hidden.includes(k)));
  };
  app.get('/api/devices', { config, schema: { tags: ['devices'], querystring: listQuery } }, async (req) => {
    const q = req.query;
    return opts.registry.list()
      .filter((d) => (!q.status || d.status === q.status) && (!q.template || d.template === q.template) && (!q.room || d.room === q.room))
      .map((d) => (q.latest === 'true'
        ? { ...summary(d), latest: d.latest && { ts: d.latest.ts, fields: visible(d.template, d.latest.fields, req.principal) } }
        : summary(d)));
  });

  app.get('/api/devices/:id', { config, schema: { tags: ['devices'], params } }, async (req) => {
    const d = opts.registry.get(req.params.id);
    if (!d) throw apiErrors.deviceNotFound(req.params.id);
    const latest = d.latest && { ts: d.latest.ts, fields: visible(d.template, d.latest.fields, req.principal) };
    return { ...summary(d), templateInfo: opts.templateOf?.(d.template) ?? null, latest };
  });

  app.get('/api/devices/:id/latest', { config, schema: { tags: ['devices'], params } }, async (req) => {
    const d = opts.registry.get(req.params.id);
    if (!d) throw apiErrors.deviceNotFound(req.params.id);
    if (!d.latest) throw apiErrors.noLatest(req.params.id);
    return { id: d.id, template: d.template, ts: d.latest.ts, ...visible(d.template, d.latest.fields, req.principal) };
  });
};
