import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DeviceRegistry } from '../../registry/device-registry.js';
import { apiErrors } from '../errors.js';

export interface DevicesRoutesOptions {
  registry: DeviceRegistry;
  /** Template metadata shown with a device (name, category, transport). */
  templateOf?(id: string): { name: string; category: string; transport: string } | undefined;
}

const params = z.object({ id: z.string().min(1).max(128) });
const listQuery = z.object({
  status: z.enum(['online', 'offline', 'never']).optional(),
  template: z.string().optional(),
  room: z.string().optional(),
});

/** `GET /api/devices`, `/api/devices/:id`, `/api/devices/:id/latest` per contract.md. */
export const devicesRoutes: FastifyPluginAsyncZod<DevicesRoutesOptions> = async (app, opts) => {
  const summary = (d: ReturnType<DeviceRegistry['list']>[number]) => ({
    id: d.id, template: d.template, room: d.room ?? null, building: d.building ?? null,
    status: d.status, lastSeen: d.lastSeen, lastError: d.lastError,
  });

  app.get('/api/devices', { schema: { querystring: listQuery } }, async (req) => {
    const q = req.query;
    return opts.registry.list()
      .filter((d) => (!q.status || d.status === q.status) && (!q.template || d.template === q.template) && (!q.room || d.room === q.room))
      .map(summary);
  });

  app.get('/api/devices/:id', { schema: { params } }, async (req) => {
    const d = opts.registry.get(req.params.id);
    if (!d) throw apiErrors.deviceNotFound(req.params.id);
    return { ...summary(d), templateInfo: opts.templateOf?.(d.template) ?? null, latest: d.latest };
  });

  app.get('/api/devices/:id/latest', { schema: { params } }, async (req) => {
    const d = opts.registry.get(req.params.id);
    if (!d) throw apiErrors.deviceNotFound(req.params.id);
    if (!d.latest) throw apiErrors.noLatest(req.params.id);
    return { id: d.id, template: d.template, ts: d.latest.ts, ...d.latest.fields };
  });
};
