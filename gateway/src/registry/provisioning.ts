/**
 * The school's provisioned devices while the gateway runs: the config's `devices`
 * plus what the admin API changed (`POST /api/devices`, `DELETE /api/devices/:id`,
 * `POST /api/devices/import`). Every change is written to the devices file
 * (`<data dir>/devices.json`) before it goes live in the broker's credentials and
 * the device registry, so it survives a restart and a failed write changes nothing.
 *
 * The file holds the devices added or changed at run time (with their scrypt secret
 * hashes, bound persons: mode 0600 in a 0700 directory) and the ids of config devices
 * removed at run time. At start it is read after the config: a device in both is
 * taken from the file, since it was changed later (a rotated secret must not come
 * back from the config). Once a device is managed through the API, change it there.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { deviceSchema, type DeviceConfig } from '../config/schema.js';
import { writeFileAtomicSync } from '../lib/atomic-file.js';
import type { DeviceRegistry } from './device-registry.js';
import { GatewayError } from '../errors.js';

export interface ProvisioningOptions {
  /** The devices file; without it, run-time changes last until restart (tests). */
  file?: string | undefined;
  configDevices: readonly DeviceConfig[];
  /** Usernames of the broker's internal users: never a device id. */
  internalUsers?: readonly string[];
}

export interface ProvisioningDeps {
  /** The broker's credentials (device-auth.ts). */
  auth: { addDevice(d: { id: string; template: string; secretHash?: string | undefined }): void; removeDevice(id: string): boolean; hasDevice(id: string): boolean };
  registry: Pick<DeviceRegistry, 'upsert' | 'remove'>;
  /** Closes a device's open MQTT connections; returns how many. */
  disconnect?(id: string): number;
  log?: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

export interface DeviceProvisioning {
  get(id: string): DeviceConfig | undefined;
  /** Every provisioned device, by id. */
  list(): DeviceConfig[];
  isReserved(id: string): boolean;
  /**
   * Adds or replaces devices: written to the file, then live. A device whose secret
   * or template changed has its open connections closed (they were made with the old ones).
   */
  put(devices: readonly DeviceConfig[]): { closed: number };
  remove(id: string): { removed: boolean; closed: number };
  /** Runs `fn` after every earlier call has settled: admin changes one at a time. */
  serial<T>(fn: () => Promise<T>): Promise<T>;
}

export class ProvisioningError extends GatewayError {
  declare readonly code: 'GW_ERR_DEVICES_FILE';
  constructor(code: 'GW_ERR_DEVICES_FILE', message: string) {
    super(code, `${code}: ${message}`);
    this.name = 'ProvisioningError';
  }
}

const fileSchema = z.strictObject({
  version: z.literal(1),
  devices: z.array(deviceSchema),
  removed: z.array(z.string()),
});
type DevicesFile = z.infer<typeof fileSchema>;

function readDevicesFile(file: string): DevicesFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ProvisioningError('GW_ERR_DEVICES_FILE', `${file}: cannot read it (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProvisioningError('GW_ERR_DEVICES_FILE', `${file}: not JSON; restore it from a backup or remove it (its devices then come from the config only)`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    // the path and zod's message, never a value (the file holds secret hashes and persons)
    const first = parsed.error.issues[0];
    throw new ProvisioningError('GW_ERR_DEVICES_FILE', `${file}: ${first?.path.map(String).join('.') || '(top level)'}: ${first?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Temp file, fsync, rename, fsync of the directory (lib/atomic-file.ts): a crash leaves the old list or the new one. */
function writeDevicesFile(file: string, data: DevicesFile): void {
  writeFileAtomicSync(file, `${JSON.stringify(data, null, 1)}\n`);
}

const credentialsOf = (d: DeviceConfig) => ({ id: d.id, template: d.template, secretHash: d.secretHash });
const sameCredentials = (a: DeviceConfig | undefined, b: DeviceConfig) => a !== undefined && a.template === b.template && a.secretHash === b.secretHash;

export function createDeviceProvisioning(options: ProvisioningOptions, deps: ProvisioningDeps): DeviceProvisioning {
  const configIds = new Set(options.configDevices.map((d) => d.id));
  const reserved = new Set(options.internalUsers ?? []);
  const devices = new Map<string, DeviceConfig>(options.configDevices.map((d) => [d.id, d]));
  /** Ids whose entry comes from the admin API (kept in the file). */
  const changed = new Set<string>();
  /** Config devices removed through the admin API. */
  const removedConfig = new Set<string>();
  let queue: Promise<unknown> = Promise.resolve();

  function live(d: DeviceConfig, before: DeviceConfig | undefined, closeOld = true): number {
    let closed = 0;
    if (!sameCredentials(before, d)) {
      const existed = deps.auth.hasDevice(d.id);
      deps.auth.addDevice(credentialsOf(d));
      if (existed && closeOld) closed = deps.disconnect?.(d.id) ?? 0;
    }
    // null clears a place or person the new entry no longer has
    deps.registry.upsert({ id: d.id, template: d.template, provisioned: true, building: d.building ?? null, room: d.room ?? null, person: d.person ?? null });
    return closed;
  }

  function persist(next: { devices: Map<string, DeviceConfig>; changed: Set<string>; removedConfig: Set<string> }): void {
    if (!options.file) return;
    const list = [...next.changed].sort().map((id) => next.devices.get(id)!);
    try {
      writeDevicesFile(options.file, { version: 1, devices: list, removed: [...next.removedConfig].sort() });
    } catch (err) {
      throw new ProvisioningError('GW_ERR_DEVICES_FILE', `${options.file}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }

  const stored = options.file ? readDevicesFile(options.file) : undefined;
  if (stored) {
    let overridden = 0;
    for (const d of stored.devices) {
      if (reserved.has(d.id)) throw new ProvisioningError('GW_ERR_DEVICES_FILE', `${options.file}: a device has the username of an internal MQTT user`);
      if (configIds.has(d.id)) overridden += 1;
      live(d, devices.get(d.id), false); // at start: nothing is connected yet
      devices.set(d.id, d);
      changed.add(d.id);
    }
    for (const id of stored.removed) {
      if (!configIds.has(id) || changed.has(id)) continue;
      deps.auth.removeDevice(id);
      deps.registry.remove(id);
      devices.delete(id);
      removedConfig.add(id);
    }
    deps.log?.info({ file: options.file, devices: stored.devices.length, overridingConfig: overridden, removedFromConfig: removedConfig.size }, 'provisioned devices loaded');
  }

  return {
    get: (id) => devices.get(id),
    list: () => [...devices.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    isReserved: (id) => reserved.has(id),
    put(list) {
      for (const d of list) if (reserved.has(d.id)) throw new ProvisioningError('GW_ERR_DEVICES_FILE', 'a device id is the username of an internal MQTT user');
      const next = { devices: new Map(devices), changed: new Set(changed), removedConfig: new Set(removedConfig) };
      for (const d of list) {
        next.devices.set(d.id, d);
        next.changed.add(d.id);
        next.removedConfig.delete(d.id);
      }
      persist(next); // throws before anything is live
      let closed = 0;
      for (const d of list) {
        closed += live(d, devices.get(d.id));
        devices.set(d.id, d);
        changed.add(d.id);
        removedConfig.delete(d.id);
      }
      return { closed };
    },
    remove(id) {
      if (!devices.has(id)) return { removed: false, closed: 0 };
      const next = { devices: new Map(devices), changed: new Set(changed), removedConfig: new Set(removedConfig) };
      next.devices.delete(id);
      next.changed.delete(id);
      if (configIds.has(id)) next.removedConfig.add(id);
      persist(next);
      devices.delete(id);
      changed.delete(id);
      if (configIds.has(id)) removedConfig.add(id);
      deps.auth.removeDevice(id);
      deps.registry.remove(id);
      return { removed: true, closed: deps.disconnect?.(id) ?? 0 };
    },
    serial(fn) {
      const run = queue.then(fn, fn);
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
