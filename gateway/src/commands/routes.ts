import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ROLES } from '../api/auth.js';
import { ApiError } from '../api/errors.js';
import type { DeviceCommands } from './device-commands.js';

/** Per-device statistics of the adapters (requests, errors, timeouts, latency). */
export type DeviceStatsSource = (deviceId: string) => Record<string, unknown> | undefined;

/**
 * `POST /api/devices/:id/command` (facilities, admin) and `GET /api/devices/:id/stats`.
 * 200 when every field was written, 400 when any was refused (with the reason per field).
 */
export function commandRoutes(commands: DeviceCommands, stats: DeviceStatsSource) {
  return async (app: FastifyInstance): Promise<void> => {
    const typed = app.withTypeProvider<ZodTypeProvider>();
    const params = z.object({ id: z.string().min(1).max(128) });
    typed.post('/api/devices/:id/command', {
      config: { roles: ROLES.facilities },
      schema: { tags: ['devices'], params, body: z.record(z.string(), z.unknown()) },
    }, async (req, reply) => {
      if (!commands.handles(req.params.id)) throw new ApiError('GW_ERR_NOT_COMMANDABLE', `the gateway does not drive device "${req.params.id}" (only Modbus/serial devices it polls)`, 404);
      const result = await commands.execute(req.params.id, req.body);
      return reply.status(result.results.every((r) => r.ok) ? 200 : 400).send(result);
    });
    typed.get('/api/devices/:id/stats', { config: { roles: ROLES.devices }, schema: { tags: ['devices'], params } }, async (req) => {
      const s = stats(req.params.id);
      if (!s) throw new ApiError('GW_ERR_NO_STATS', `device "${req.params.id}" is not polled by an adapter`, 404);
      return s;
    });
  };
}
