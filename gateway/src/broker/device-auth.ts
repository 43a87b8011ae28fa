/**
 * Who may connect: provisioned devices (username = device id, scrypt-hashed
 * secret) and internal users from the config, plus devices added or removed at
 * run time (admin API). Failed logins are counted per client address; after
 * `maxFailures` the address is locked out for `lockoutSeconds` (then it expires).
 * The failure table is bounded, so a flood from many addresses cannot grow it.
 */
import type { Identity } from './acl.js';
import { createSecretVerifier, type SecretVerifierOptions } from './secret-verifier.js';
import { isSecretHash } from './secrets.js';

export interface DeviceCredential {
  id: string;
  template: string;
  secretHash?: string | undefined;
}

export interface InternalUser {
  username: string;
  secretHash: string;
  publish: readonly string[];
  subscribe: readonly string[];
}

export interface DeviceAuthOptions {
  enabled: boolean;
  maxFailures: number;
  lockoutSeconds: number;
  devices: readonly DeviceCredential[];
  internalUsers?: readonly InternalUser[];
  /** Upper bound of remembered addresses with failures (oldest forgotten first). */
  maxTrackedAddresses?: number;
  /** Concurrency, queue and cache of scrypt verification (secret-verifier.ts). */
  verifier?: SecretVerifierOptions;
}

export type AuthResult =
  | { ok: true; identity: Identity }
  | { ok: false; reason: 'locked_out' | 'bad_credentials' | 'busy' };

export interface DeviceAuth {
  readonly enabled: boolean;
  authenticate(username: string | undefined, password: Buffer | undefined, address: string): Promise<AuthResult>;
  isLockedOut(address: string): boolean;
  /** Adds or replaces a device's credentials (admin API). */
  addDevice(device: DeviceCredential): void;
  removeDevice(id: string): boolean;
  hasDevice(id: string): boolean;
  stats(): { authFailures: number; lockouts: number; lockoutRejections: number; lockedAddresses: number; scryptRuns: number; cacheHits: number; busyRefusals: number };
}

interface FailureEntry {
  failures: number;
  lockedUntil: number;
  lastAt: number;
}

export function createDeviceAuth(options: DeviceAuthOptions, deps: { now?: () => number } = {}): DeviceAuth {
  const now = deps.now ?? Date.now;
  const maxTracked = options.maxTrackedAddresses ?? 10_000;
  const devices = new Map<string, DeviceCredential>();
  const users = new Map<string, InternalUser>();
  const failures = new Map<string, FailureEntry>();
  const counters = { authFailures: 0, lockouts: 0, lockoutRejections: 0 };
  const lockoutMs = options.lockoutSeconds * 1000;
  const verifier = createSecretVerifier(options.verifier);

  for (const d of options.devices) devices.set(d.id, d);
  for (const u of options.internalUsers ?? []) {
    if (devices.has(u.username)) throw new Error(`GW_ERR_AUTH_CONFIG: internal user "${u.username}" has the id of a device`);
    users.set(u.username, u);
  }

  function entryFor(address: string): FailureEntry | undefined {
    const e = failures.get(address);
    if (!e) return undefined;
    // an expired lockout, or failures older than the lockout window, are forgotten
    if ((e.lockedUntil !== 0 && e.lockedUntil <= now()) || (e.lockedUntil === 0 && now() - e.lastAt > lockoutMs)) {
      failures.delete(address);
      return undefined;
    }
    return e;
  }

  function recordFailure(address: string): void {
    counters.authFailures += 1;
    const e = entryFor(address) ?? { failures: 0, lockedUntil: 0, lastAt: 0 };
    e.failures += 1;
    e.lastAt = now();
    if (e.failures >= options.maxFailures && e.lockedUntil === 0) {
      e.lockedUntil = now() + lockoutMs;
      counters.lockouts += 1;
    }
    failures.delete(address); // re-insert: Map order = least recently failed first
    failures.set(address, e);
    while (failures.size > maxTracked) {
      const oldest = failures.keys().next().value;
      if (oldest === undefined) break;
      failures.delete(oldest);
    }
  }

  function isLockedOut(address: string): boolean {
    const e = entryFor(address);
    return e !== undefined && e.lockedUntil > now();
  }

  return {
    enabled: options.enabled,
    isLockedOut,
    async authenticate(username, password, address) {
      if (!options.enabled) return { ok: true, identity: { kind: 'anonymous' } };
      if (isLockedOut(address)) {
        counters.lockoutRejections += 1;
        return { ok: false, reason: 'locked_out' };
      }
      const device = username !== undefined ? devices.get(username) : undefined;
      const user = username !== undefined && !device ? users.get(username) : undefined;
      const stored = device?.secretHash ?? user?.secretHash;
      // always run scrypt, also for unknown users, so timing does not reveal which ids exist
      const verdict = await verifier.verify(username ?? '', password ?? Buffer.alloc(0), stored);
      if (verdict === 'busy') return { ok: false, reason: 'busy' };
      const ok = verdict === 'ok';
      if (ok && device && devices.get(device.id) === device) {
        failures.delete(address);
        return { ok: true, identity: { kind: 'device', id: device.id, template: device.template } };
      }
      if (ok && user) {
        failures.delete(address);
        return { ok: true, identity: { kind: 'internal', username: user.username, publish: user.publish, subscribe: user.subscribe } };
      }
      recordFailure(address);
      return { ok: false, reason: 'bad_credentials' };
    },
    addDevice(device) {
      if (device.secretHash !== undefined && !isSecretHash(device.secretHash)) {
        throw new Error(`GW_ERR_BAD_SECRET_HASH: device "${device.id}": secretHash is not an scrypt$N$r$p$salt$hash string`);
      }
      if (users.has(device.id)) throw new Error(`GW_ERR_AUTH_CONFIG: device id "${device.id}" is an internal user`);
      devices.set(device.id, { ...device });
      verifier.forget(device.id);
    },
    removeDevice(id) {
      verifier.forget(id);
      return devices.delete(id);
    },
    hasDevice: (id) => devices.has(id),
    stats() {
      let locked = 0;
      const t = now();
      for (const e of failures.values()) if (e.lockedUntil > t) locked += 1;
      return { ...counters, lockedAddresses: locked, ...verifier.stats() };
    },
  };
}

/** The broker credentials of a validated config (`broker.auth`, `devices`). */
export function deviceAuthFromConfig(config: {
  broker: { auth: { enabled: boolean; maxFailures: number; lockoutSeconds: number; internalUsers: readonly InternalUser[] } };
  devices: readonly DeviceCredential[];
}): DeviceAuth {
  const a = config.broker.auth;
  for (const d of config.devices) {
    if (d.secretHash !== undefined && !isSecretHash(d.secretHash)) {
      throw new Error(`GW_ERR_BAD_SECRET_HASH: devices[id=${d.id}].secretHash is not an scrypt$N$r$p$salt$hash string (campus-gateway devices hash-secret)`);
    }
  }
  for (const u of a.internalUsers) {
    if (!isSecretHash(u.secretHash)) throw new Error(`GW_ERR_BAD_SECRET_HASH: broker.auth.internalUsers[username=${u.username}].secretHash is not a valid scrypt hash`);
  }
  return createDeviceAuth({ enabled: a.enabled, maxFailures: a.maxFailures, lockoutSeconds: a.lockoutSeconds, devices: config.devices, internalUsers: a.internalUsers });
}
