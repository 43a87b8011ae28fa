/**
 * Admin-only device provisioning at run time (registry/provisioning.ts keeps it
 * in the devices file, so it survives a restart, and makes it live at once):
 * - `POST /api/devices` adds (or replaces) one device's credentials and registry
 *   entry. The body gives `secretHash`, or `secret` (hashed here), or neither (a
 *   random secret is made and returned once, in this response only).
 * - `DELETE /api/devices/:id` removes both and closes the device's open connections.
 * - `POST /api/devices/import`: a school's device list, as CSV (`text/csv`, see
 *   broker/device-csv.ts) or JSON (`{ "devices": [...] }`). Every row is checked
 *   first; one bad row and nothing is imported (400 naming each row and why).
 *   Answers the counts and, once, the secrets made for devices that had none.
 * - `GET /api/devices/export`: the provisioned devices as CSV, without secrets.
 * Secrets are kept only as scrypt hashes.
 */
import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DeviceAuth } from '../../broker/device-auth.js';
import { devicesCsv, parseDevicesCsv } from '../../broker/device-csv.js';
import { checkImportRows, GENERATED_SECRET_COST, generateDeviceSecret, MIN_SECRET_CHARS, parseDevicesJson, planImport, type ImportChecks } from '../../broker/device-import.js';
import { hashSecret, isSecretHash } from '../../lib/secret-hash.js';
import { privateFieldNames, type TemplateLike } from '../../privacy/template-like.js';
import type { DeviceRegistry } from '../../registry/device-registry.js';
import { createDeviceProvisioning, ProvisioningError, type DeviceProvisioning } from '../../registry/provisioning.js';
import { ApiError } from '../errors.js';

export interface AdminDevicesOptions {
  auth: DeviceAuth;
  registry: DeviceRegistry;
  /** Closes the device's open MQTT connections (broker.disconnectDevice). */
  disconnect?(id: string): number;
  /** Whether a template exists; unknown templates are refused when given. */
  hasTemplate?(id: string): boolean;
  /** The template of an id: known templates, and which bind a device to a student (a field of privacy class `id`). */
  templateOf?(id: string): TemplateLike | undefined;
  /** The gateway's provisioned devices, kept in its devices file; without it, changes last until restart. */
  provisioning?: DeviceProvisioning;
}

const deviceId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a device id: letters, digits, . _ - (max 128)');
const body = z.strictObject({
  id: deviceId,
  template: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a kebab-case template id'),
  secret: z.string().min(MIN_SECRET_CHARS).max(256).optional(),
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
  invalid: (problems: string[]) => new ApiError('GW_ERR_VALIDATION', problems.join('; '), 400),
  notProvisioned: (id: string) => new ApiError('GW_ERR_DEVICE_NOT_FOUND', `no provisioned device "${id}"`, 404),
  notSaved: () => new ApiError('GW_ERR_DEVICES_FILE', 'the devices file could not be written: nothing was changed (see the gateway log)', 500),
};

const ADMIN = { roles: ['admin'] as const };
/** A CSV of 20,000 devices with secrets is ~2 MiB. */
const IMPORT_BODY_LIMIT = 8 * 1024 * 1024;
const PROBLEMS_IN_MESSAGE = 10;
const PROBLEMS_LISTED = 1_000;

function refuse(reply: FastifyReply, problems: string[]) {
  const more = problems.length > PROBLEMS_IN_MESSAGE ? `; … ${problems.length - PROBLEMS_IN_MESSAGE} more` : '';
  return reply.status(400).send({ error: {
    code: 'GW_ERR_IMPORT_INVALID',
    message: `nothing imported: ${problems.slice(0, PROBLEMS_IN_MESSAGE).join('; ')}${more}`,
    problems: problems.slice(0, PROBLEMS_LISTED),
  } });
}

export const adminDevicesRoutes: FastifyPluginAsyncZod<AdminDevicesOptions> = async (app, opts) => {
  const book = opts.provisioning ?? createDeviceProvisioning({ configDevices: [] }, { auth: opts.auth, registry: opts.registry, ...(opts.disconnect ? { disconnect: opts.disconnect } : {}) });
  const checks: ImportChecks = {
    templateKnown: (t) => (opts.templateOf ? opts.templateOf(t) !== undefined : opts.hasTemplate?.(t) ?? true),
    ...(opts.templateOf ? { templatePersonal: (t: string) => privateFieldNames(opts.templateOf!(t)!, 'id').length > 0 } : {}),
    reservedId: (id) => book.isReserved(id),
  };
  // A personal device's id is a student's: it stays out of the log.
  const loggedId = (id: string, template: string) => {
    const t = opts.templateOf?.(template);
    return t && t.fields.every((f) => f.privacy === undefined) ? id : undefined;
  };
  const put: DeviceProvisioning['put'] = (devices) => {
    try {
      return book.put(devices);
    } catch (err) {
      if (!(err instanceof ProvisioningError)) throw err;
      app.log.error({ err }, 'devices file not written');
      throw errors.notSaved();
    }
  };

  app.post('/api/devices', { config: ADMIN, schema: { tags: ['devices'], body } }, async (req, reply) => book.serial(async () => {
    const b = req.body;
    if (b.secret !== undefined && b.secretHash !== undefined) throw errors.bothSecrets();
    if (b.secretHash !== undefined && !isSecretHash(b.secretHash)) throw errors.badHash();
    if (!checks.templateKnown(b.template)) throw errors.unknownTemplate(b.template);
    const problems = checkImportRows([{ where: 'device', ...b }], checks);
    if (problems.length > 0) throw errors.invalid(problems);
    const generated = b.secret === undefined && b.secretHash === undefined ? generateDeviceSecret() : undefined;
    const secretHash = b.secretHash ?? (generated !== undefined ? await hashSecret(generated, GENERATED_SECRET_COST) : await hashSecret(b.secret!));
    const cur = book.get(b.id);
    const replaced = cur !== undefined || opts.auth.hasDevice(b.id);
    put([{
      id: b.id, template: b.template, secretHash,
      building: b.building ?? cur?.building, room: b.room ?? cur?.room, person: b.person ?? cur?.person,
    }]);
    const d = opts.registry.get(b.id)!;
    req.log.info({ device: loggedId(b.id, b.template), template: b.template, replaced }, 'device provisioned');
    return reply.status(replaced ? 200 : 201).send({
      id: d.id, template: d.template, room: d.room ?? null, building: d.building ?? null, status: d.status,
      ...(generated !== undefined ? { secret: generated } : {}),
    });
  }));

  app.delete('/api/devices/:id', { config: ADMIN, schema: { tags: ['devices'], params } }, async (req, reply) => book.serial(async () => {
    const id = req.params.id;
    const template = book.get(id)?.template ?? opts.registry.get(id)?.template ?? '';
    const result = book.remove(id);
    let closed = result.closed;
    if (!result.removed) {
      // a device provisioned outside the book (the simulated school of `start --simulate`)
      if (!opts.registry.get(id)?.provisioned) throw errors.notProvisioned(id);
      opts.auth.removeDevice(id);
      opts.registry.remove(id);
      closed = opts.disconnect?.(id) ?? 0;
    }
    req.log.info({ device: loggedId(id, template), template, closed }, 'device removed');
    return reply.status(200).send({ id, removed: true, connectionsClosed: closed });
  }));

  // CSV arrives as text; JSON through fastify's own parser. Both up to IMPORT_BODY_LIMIT (this plugin's routes only).
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_req, text, done) => done(null, text));

  app.post('/api/devices/import', {
    config: ADMIN, bodyLimit: IMPORT_BODY_LIMIT,
    schema: { tags: ['devices'], description: 'A school\'s device list as text/csv (id,template,building,room,person,secret) or JSON {"devices":[…]}; all rows or none.' },
  }, async (req, reply) => {
    const parsed = typeof req.body === 'string' ? parseDevicesCsv(req.body) : parseDevicesJson(req.body);
    if (!parsed.ok) return refuse(reply, parsed.problems);
    return book.serial(async () => {
      const problems = checkImportRows(parsed.rows, checks);
      if (problems.length > 0) return refuse(reply, problems);
      const started = performance.now();
      const plan = await planImport(parsed.rows, (id) => book.get(id));
      const { closed } = put(plan.changes);
      const counts = { devices: parsed.rows.length, added: plan.added, updated: plan.updated, unchanged: plan.unchanged, secretsMade: plan.secrets.length, connectionsClosed: closed };
      req.log.info({ ...counts, ms: Math.round(performance.now() - started) }, 'devices imported');
      return reply.header('cache-control', 'no-store').send({ ...counts, secrets: plan.secrets });
    });
  });

  app.get('/api/devices/export', { config: ADMIN, schema: { tags: ['devices'], description: 'The provisioned devices as CSV (id,template,building,room,person), without secrets.' } }, async (req, reply) => {
    // Persons are personal: without an authenticated admin (open demo mode) the column is left out,
    // and an import of the file then leaves every device's person as it is.
    const csv = devicesCsv(book.list(), { persons: req.principal.authenticated });
    // A UTF-8 byte order mark, so a spreadsheet opens Chinese names as UTF-8 (import skips it).
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="devices.csv"').header('cache-control', 'no-store').send(`\uFEFF${csv}`);
  });
};
