/**
 * Admin-only device provisioning at run time: `POST /api/devices` adds (or
 * replaces) a device's broker credentials and registry entry, `DELETE
 * /api/devices/:id` removes both and closes the device's open connections.
 * Secrets are kept only as scrypt hashes: the body gives `secretHash`, or
 * `secret` (hashed here), or neither (a random secret is made and returned
 * once, in this response only). Devices added here live until restart; persist
 * them in the config's `devices` list.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DeviceAuth } from '../../broker/device-auth.js';
import { hashSecret, isSecretHash } from '../../broker/secrets.js';
import type { DeviceRegistry } from '../../registry/device-registry.js';
import { ApiError } from '../errors.js';

export interface AdminDevicesOptions {
  auth: DeviceAuth;
  registry: DeviceRegistry;
  /** Closes the device's open MQTT connections (broker.disconnectDevice). */
  disconnect?(id: string): number;
  /** Whether a template exists; unknown templates are refused when given. */
  hasTemplate?(id: string): boolean;
}

const deviceId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a device id: letters, digits, . _ - (max 128)');
const body = z.strictObject({
  id: deviceId,
  template: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a kebab-case template id'),
  secret: z.string().min(8).max(256).optional(),
  secretHash: z.string().optional(),
  room: z.string().max(128).optional(),
  building: z.string().max(128).optional(),
  person: z.string().max(256).optional(),
});
const params = z.object({ id: deviceId });

const errors = {
  badHash: () => new ApiError('GW_ERR_BAD_SECRET_HASH', 'secretHash must be an scrypt$N$r$p$salt$hash string (campus-gateway devices hash-secret)', 400),
  bothSecrets: () => new ApiError('GW_ERR_VALIDATION', 'give secret or secretHash, not both', 400),
  unknownTemplate: (t: string) => new ApiError('GW_ERR_TEMPLATE_NOT_FOUND', `no template "${t}"`, 400),
  notProvisioned: (id: string) => new ApiError('GW_ERR_DEVICE_NOT_FOUND', `no provisioned device "${id}"`, 404),
};

const ADMIN = { roles: ['admin'] as const };

export const adminDevicesRoutes: FastifyPluginAsyncZod<AdminDevicesOptions> = async (app, opts) => {
  app.post('/api/devices', { config: ADMIN, schema: { tags: ['devices'], body } }, async (req, reply) => {
    const b = req.body;
    if (b.secret !== undefined && b.secretHash !== undefined) throw errors.bothSecrets();
    if (b.secretHash !== undefined && !isSecretHash(b.secretHash)) throw errors.badHash();
    if (opts.hasTemplate && !opts.hasTemplate(b.template)) throw errors.unknownTemplate(b.template);
    const generated = b.secret === undefined && b.secretHash === undefined ? randomBytes(18).toString('base64url') : undefined;
    const plain = b.secret ?? generated;
    const secretHash = b.secretHash ?? (plain !== undefined ? await hashSecret(plain) : undefined);
    const replaced = opts.auth.hasDevice(b.id);
    opts.auth.addDevice({ id: b.id, template: b.template, secretHash });
    const d = opts.registry.upsert({
      id: b.id, template: b.template, provisioned: true,
      ...(b.room !== undefined ? { room: b.room } : {}),
      ...(b.building !== undefined ? { building: b.building } : {}),
      ...(b.person !== undefined ? { person: b.person } : {}),
    });
    // new credentials: connections made with the old ones are closed
    if (replaced) opts.disconnect?.(b.id);
    req.log.info({ device: b.id, template: b.template, replaced }, 'device provisioned');
    return reply.status(replaced ? 200 : 201).send({
      id: d.id, template: d.template, room: d.room ?? null, building: d.building ?? null, status: d.status,
      ...(generated !== undefined ? { secret: generated } : {}),
    });
  });

  app.delete('/api/devices/:id', { config: ADMIN, schema: { tags: ['devices'], params } }, async (req, reply) => {
    const id = req.params.id;
    if (!opts.auth.removeDevice(id) && !opts.registry.get(id)?.provisioned) throw errors.notProvisioned(id);
    opts.registry.remove(id);
    const closed = opts.disconnect?.(id) ?? 0;
    req.log.info({ device: id, closed }, 'device removed');
    return reply.status(200).send({ id, removed: true, connectionsClosed: closed });
  });
};
