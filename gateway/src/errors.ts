/**
 * Errors that stop the gateway or the hub at start-up, declared in one place with their
 * `GW_ERR_` code, and `describeStartError`, which turns whatever start() threw into the one
 * line the CLI prints before it exits non-zero (systemd's `Restart=on-failure` then acts).
 *
 * A known error (one of these, a config error, a port in use, an unreadable file, any message
 * that starts with a `GW_ERR_` code) is one line and no stack: the person reading it has
 * a setting or a server to fix, not a bug to report. Anything else is a bug and keeps its stack.
 */
import { ERROR_CODES, type ErrorCodeEntry, type KnownErrorCode } from './error-codes.js';

export { ERROR_CODES, type ErrorCodeEntry, type KnownErrorCode } from './error-codes.js';

export type ErrorCode = `GW_ERR_${string}`;

/**
 * The one error class: a code from the table (`error-codes.ts`), the message as the caller words
 * it, its HTTP status when the table gives one, and the cause. Subclasses (config errors, API
 * answers) only add fields; `instanceof GatewayError` and `.code` are how errors are told apart,
 * never their text.
 */
export class GatewayError extends Error {
  readonly code: KnownErrorCode;
  readonly statusCode: number | undefined;
  constructor(code: KnownErrorCode, message: string, options?: { cause?: unknown; statusCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    const entry: ErrorCodeEntry = ERROR_CODES[code];
    this.statusCode = options?.statusCode ?? entry.status;
  }
}

/** `<code>: detail` (the detail defaults to the table's message): the style most errors print in. */
export function gwError(code: KnownErrorCode, detail?: string, options?: { cause?: unknown }): GatewayError {
  return new GatewayError(code, `${code}: ${detail ?? ERROR_CODES[code].message}`, options);
}

export function isGatewayError(err: unknown, code?: KnownErrorCode): err is GatewayError {
  return err instanceof GatewayError && (code === undefined || err.code === code);
}

export class StartError extends GatewayError {
  constructor(code: KnownErrorCode, message: string) {
    super(code, `${code}: ${message}`);
    this.name = 'StartError';
  }
}

/** Where InfluxDB settings live in the config file: `store` (gateway) or `influx` (hub). */
export type InfluxKeys = 'store' | 'influx';

export const startErrors = {
  portInUse: (address: string, key: string | undefined) =>
    new StartError('GW_ERR_PORT_IN_USE', `${address} is already in use by another process${key ? ` (${key})` : ''}: stop that process or choose another port`),
  portDenied: (address: string, key: string | undefined) =>
    new StartError('GW_ERR_PORT_DENIED', `not allowed to listen on ${address}${key ? ` (${key})` : ''}: ports below 1024 need CAP_NET_BIND_SERVICE`),
  addressUnavailable: (address: string) =>
    new StartError('GW_ERR_ADDRESS_UNAVAILABLE', `${address} is not an address of this machine: check broker.host / http.host`),
  fileUnreadable: (path: string, why: string) =>
    new StartError('GW_ERR_FILE_UNREADABLE', `cannot read ${path}: ${why}`),
  fileUnwritable: (path: string, why: string) =>
    new StartError('GW_ERR_FILE_UNWRITABLE', `cannot write ${path}: ${why}`),
  influxAuth: (target: string, answer: string, keys: InfluxKeys) =>
    new StartError('GW_ERR_INFLUX_AUTH', `InfluxDB at ${target} refused the credentials (${answer}): check ${keys}.username/password${keys === 'store' ? ' or store.token' : ''} and the user's rights`),
  influxDatabaseMissing: (target: string, database: string, why: string) =>
    new StartError('GW_ERR_INFLUX_DATABASE_MISSING', `InfluxDB at ${target} has no database "${database}" and ${why}: run CREATE DATABASE "${database}" as an admin, or give the gateway's user admin rights`),
  influxRetentionPolicyMissing: (target: string, policy: string, database: string) =>
    new StartError('GW_ERR_INFLUX_RETENTION_POLICY_MISSING', `InfluxDB at ${target} has no retention policy "${policy}" on database "${database}": create it or remove retentionPolicy from the config`),
  influxBucketMissing: (target: string, answer: string) =>
    new StartError('GW_ERR_INFLUX_BUCKET_MISSING', `InfluxDB at ${target} has no such bucket or org (${answer}): create the bucket (influx bucket create) or fix store.org/store.bucket`),
  influxUrlCredentials: (keys: InfluxKeys) =>
    new StartError('GW_ERR_INFLUX_URL_CREDENTIALS', `${keys}.url carries a user or password: put them in ${keys}.username and ${keys}.password (a URL ends up in logs and is refused by fetch)`),
  influxRefused: (target: string, answer: string) =>
    new StartError('GW_ERR_INFLUX_REFUSED', `InfluxDB at ${target} refused an empty write (${answer}): is the URL InfluxDB's HTTP API?`),
  simulatorMissing: (why: string) =>
    new StartError('GW_ERR_SIMULATOR_MISSING', `--simulate needs the simulators (@campus-gateway/firmware-sim), which are not installed here (${why}): run the demo from a checkout (npm install, npm start), or start without --simulate`),
  hubConnect: (url: string, seconds: number) =>
    new StartError('GW_ERR_HUB_CONNECT', `no connection to the hub broker ${url} within ${seconds} s`),
};

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  address?: string;
  port?: number;
  path?: string;
}

const WHY: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

/** The config key whose port an address belongs to, when the caller knows the ports. */
export type PortKeys = Readonly<Record<string, number | undefined>>;

/** A known system error as a StartError, or undefined. */
export function fromSystemError(err: unknown, ports: PortKeys = {}): StartError | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as SystemError;
  if (e.syscall === 'listen' || e.syscall === 'bind') {
    const address = e.port !== undefined ? `${e.address ?? '0.0.0.0'}:${e.port}` : (e.address ?? 'the address');
    const key = Object.entries(ports).find(([, p]) => p === e.port)?.[0];
    if (e.code === 'EADDRINUSE') return startErrors.portInUse(address, key);
    if (e.code === 'EACCES') return startErrors.portDenied(address, key);
    if (e.code === 'EADDRNOTAVAIL') return startErrors.addressUnavailable(address);
  }
  const why = e.code === undefined ? undefined : WHY[e.code];
  if (why !== undefined && e.path !== undefined) {
    const writing = e.code === 'ENOSPC' || e.code === 'EROFS' || e.syscall === 'mkdir' || e.syscall === 'write';
    return writing ? startErrors.fileUnwritable(e.path, why) : startErrors.fileUnreadable(e.path, why);
  }
  // better-sqlite3 (embedded store, outbox, hub dedup) says which operation, not which file.
  if (e.name === 'SqliteError' && e.code === 'SQLITE_CANTOPEN') {
    return new StartError('GW_ERR_FILE_UNWRITABLE', `cannot open an SQLite file (${e.message}): check that store.path, uplink.outboxPath, dedup.path and GATEWAY_DATA_DIR are writable`);
  }
  return undefined;
}

/**
 * What to print for an error that ended start-up: `known` errors are their message (first line
 * only, except a config error, which lists every bad key); anything else keeps its stack.
 */
export function describeStartError(err: unknown, ports: PortKeys = {}): { text: string; known: boolean } {
  // a config error lists every bad key, one a line
  if (err instanceof Error && (err as { code?: unknown }).code === 'GW_ERR_CONFIG') return { text: err.message, known: true };
  const known = err instanceof StartError ? err : fromSystemError(err, ports);
  if (known) return { text: firstLine(known.message), known: true };
  if (err instanceof Error && /^GW_ERR_[A-Z0-9_]+: /.test(err.message)) return { text: firstLine(err.message), known: true };
  // Declared errors elsewhere (the insecure-config refusal, the devices file) carry their code as a property.
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  if (err instanceof Error && typeof code === 'string' && code.startsWith('GW_ERR_')) return { text: err.message, known: true };
  if (err instanceof Error) return { text: err.stack ?? err.message, known: false };
  return { text: String(err), known: false };
}

function firstLine(text: string): string {
  const i = text.indexOf('\n');
  return i < 0 ? text : text.slice(0, i);
}
