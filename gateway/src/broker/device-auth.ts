/**
 * Who may connect: provisioned devices (username = device id, scrypt-hashed
 * secret) and internal users from the config, plus devices added or removed at
 * run time (admin API). Failed logins are counted per client address and username
 * (login-failures.ts): after `maxFailures` the address is locked out for
 * `lockoutSeconds`; a login takes its slot before scrypt runs, so a burst of
 * simultaneous guesses cannot all be checked before the lockout applies.
 */
import type { Identity } from './acl.js';
import { createLoginFailures, UNKNOWN_USER } from './login-failures.js';
import { createSecretVerifier, type SecretVerifierOptions } from './secret-verifier.js';
import { isSecretHash } from './secrets.js';
import { gwError } from '../errors.js';

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
  /** Logins per address that may wait for a slot (login-failures.ts); default 64. */
  maxWaitingLogins?: number;
  devices: readonly DeviceCredential[];
  internalUsers?: readonly InternalUser[];
  /** Upper bound of remembered addresses with failures (oldest forgotten first). */
  maxTrackedAddresses?: number;
  /** Concurrency, queue and cache of scrypt verification (secret-verifier.ts). */
  verifier?: SecretVerifierOptions;
}

export type AuthResult =
  | { ok: true; identity: Identity }
  /**
   * locked_out: the address failed too often; throttled: as many logins from the address are being
   * checked as it has failures left, and too many more wait; busy: the scrypt queue is full.
   */
  | { ok: false; reason: 'locked_out' | 'bad_credentials' | 'busy' | 'throttled' };

export interface DeviceAuth {
  readonly enabled: boolean;
  authenticate(username: string | undefined, password: Buffer | undefined, address: string): Promise<AuthResult>;
  isLockedOut(address: string): boolean;
  /** Adds or replaces a device's credentials (admin API). */
  addDevice(device: DeviceCredential): void;
  removeDevice(id: string): boolean;
  hasDevice(id: string): boolean;
  /** Whether `username` is a known device or internal user (a log line may then name it). */
  hasUser(username: string | undefined): boolean;
  stats(): {
    authFailures: number; lockouts: number; lockoutRejections: number; authThrottled: number; lockedAddresses: number;
    scryptRuns: number; cacheHits: number; busyRefusals: number;
  };
}

/** Device ids and internal usernames cannot hold `:` (client-ids.ts: `<username>:<suffix>` is the user's). */
function checkName(kind: 'device id' | 'internal user', name: string): void {
  if (name.includes(':')) throw gwError('GW_ERR_AUTH_CONFIG', `${kind} "${name.slice(0, 128)}" contains ':'`);
}

export function createDeviceAuth(options: DeviceAuthOptions, deps: { now?: () => number } = {}): DeviceAuth {
  const now = deps.now ?? Date.now;
  const maxTracked = options.maxTrackedAddresses ?? 10_000;
  const devices = new Map<string, DeviceCredential>();
  const users = new Map<string, InternalUser>();
  const counters = { authFailures: 0, lockoutRejections: 0, authThrottled: 0 };
  const failures = createLoginFailures({
    maxFailures: options.maxFailures, lockoutMs: options.lockoutSeconds * 1000, maxTracked,
    ...(options.maxWaitingLogins !== undefined ? { maxWaiting: options.maxWaitingLogins } : {}),
  }, now);
  const verifier = createSecretVerifier(options.verifier);

  for (const d of options.devices) {
    checkName('device id', d.id);
    devices.set(d.id, d);
  }
  for (const u of options.internalUsers ?? []) {
    checkName('internal user', u.username);
    if (devices.has(u.username)) throw gwError('GW_ERR_AUTH_CONFIG', `internal user "${u.username}" has the id of a device`);
    users.set(u.username, u);
  }

  return {
    enabled: options.enabled,
    isLockedOut: (address) => failures.isLockedOut(address),
    async authenticate(username, password, address) {
      if (!options.enabled) return { ok: true, identity: { kind: 'anonymous' } };
      if (failures.isLockedOut(address)) {
        counters.lockoutRejections += 1;
        return { ok: false, reason: 'locked_out' };
      }
      const device = username !== undefined ? devices.get(username) : undefined;
      const user = username !== undefined && !device ? users.get(username) : undefined;
      const stored = device?.secretHash ?? user?.secretHash;
      const userKey = device || user ? (username ?? '') : UNKNOWN_USER;
      const secret = password ?? Buffer.alloc(0);
      const identityOf = (): Identity | undefined => {
        if (device && devices.get(device.id) === device) return { kind: 'device', id: device.id, template: device.template };
        if (user && users.get(user.username) === user) return { kind: 'internal', username: user.username, publish: user.publish, subscribe: user.subscribe };
        return undefined;
      };
      // a remembered secret (a reconnect) costs microseconds and can fail no one: no slot needed
      if (stored !== undefined && verifier.remembered(userKey, secret, stored)) {
        const identity = identityOf();
        if (identity) {
          failures.succeeded(address, userKey);
          return { ok: true, identity };
        }
      }
      // a slot before scrypt (login-failures.ts); without one, wait for the address's logins in flight
      for (let slot = failures.begin(address); slot !== 'ok'; slot = failures.begin(address)) {
        if (slot === 'throttled' && (await failures.waitForSlot(address))) continue;
        if (slot === 'locked_out') counters.lockoutRejections += 1;
        else counters.authThrottled += 1;
        return { ok: false, reason: slot };
      }
      let verdict: 'ok' | 'bad' | 'busy';
      try {
        // always run scrypt, also for unknown users, so timing does not reveal which ids exist
        verdict = await verifier.verify(username ?? '', secret, stored);
      } catch (err) {
        failures.end(address, userKey, 'not_checked');
        throw err;
      }
      if (verdict === 'busy') {
        failures.end(address, userKey, 'not_checked');
        return { ok: false, reason: 'busy' };
      }
      const identity = verdict === 'ok' ? identityOf() : undefined;
      if (identity) {
        failures.end(address, userKey, 'ok');
        return { ok: true, identity };
      }
      counters.authFailures += 1;
      failures.end(address, userKey, 'bad');
      return { ok: false, reason: 'bad_credentials' };
    },
    addDevice(device) {
      if (device.secretHash !== undefined && !isSecretHash(device.secretHash)) {
        throw gwError('GW_ERR_BAD_SECRET_HASH', `device "${device.id}": secretHash is not an scrypt$N$r$p$salt$hash string`);
      }
      checkName('device id', device.id);
      if (users.has(device.id)) throw gwError('GW_ERR_AUTH_CONFIG', `device id "${device.id}" is an internal user`);
      devices.set(device.id, { ...device });
      verifier.forget(device.id);
    },
    removeDevice(id) {
      verifier.forget(id);
      return devices.delete(id);
    },
    hasDevice: (id) => devices.has(id),
    hasUser: (username) => username !== undefined && (devices.has(username) || users.has(username)),
    stats() {
      const f = failures.stats();
      return { ...counters, lockouts: f.lockouts, lockedAddresses: f.lockedAddresses, ...verifier.stats() };
    },
  };
}

/** The broker credentials of a validated config (`broker.auth`, `devices`). */
export function deviceAuthFromConfig(config: {
  broker: { auth: { enabled: boolean; maxFailures: number; lockoutSeconds: number; maxWaitingLogins?: number; internalUsers: readonly InternalUser[] } };
  devices: readonly DeviceCredential[];
}): DeviceAuth {
  const a = config.broker.auth;
  for (const d of config.devices) {
    if (d.secretHash !== undefined && !isSecretHash(d.secretHash)) {
      throw gwError('GW_ERR_BAD_SECRET_HASH', `devices[id=${d.id}].secretHash is not an scrypt$N$r$p$salt$hash string (campus-gateway devices hash-secret)`);
    }
  }
  for (const u of a.internalUsers) {
    if (!isSecretHash(u.secretHash)) throw gwError('GW_ERR_BAD_SECRET_HASH', `broker.auth.internalUsers[username=${u.username}].secretHash is not a valid scrypt hash`);
  }
  return createDeviceAuth({
    enabled: a.enabled, maxFailures: a.maxFailures, lockoutSeconds: a.lockoutSeconds,
    ...(a.maxWaitingLogins !== undefined ? { maxWaitingLogins: a.maxWaitingLogins } : {}),
    devices: config.devices, internalUsers: a.internalUsers,
  });
}
