/**
 * Everything `start` would trip over, checked before anything starts, in one function used by
 * `campus-gateway config check` and by the gateway's start (gateway.ts): a file that passes the
 * check starts, and one that would fail fails the check with the same message.
 *
 * Refused (GW_ERR_CONFIG): a device or adapter naming a template that does not exist (or one of
 * another transport); a device configured twice by the adapters; two listeners on one port; a TLS
 * or CA file that is missing or unreadable; a state path (config/paths.ts) that cannot be written;
 * a `templatesDir` that is not a directory; the cross-checks and the open-gateway refusal of
 * secure-start.ts. Warned: a serial port that does not exist yet (USB adapters get plugged in later).
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { tcpTarget } from '../adapters/serial/line-port.js';
import { closest } from './issues.js';
import { ConfigError } from './load.js';
import { writtenPaths, type StatePaths } from './paths.js';
import type { GatewayConfig } from './schema.js';
import type { HubConfig } from '../hub/config.js';
import { checkStartable, crossProblems, type OpenPart } from './secure-start.js';

export interface PreflightTemplates {
  get(id: string): { transport: string } | undefined;
  list(): ReadonlyArray<{ id: string }>;
}

export interface PreflightOptions {
  /** The config file, for messages. */
  file: string;
  templates: PreflightTemplates;
  paths: StatePaths;
}

export interface Preflight {
  /** What runs open (only with `insecure: true`). */
  open: OpenPart[];
  /** Worth saying, not worth refusing: one line each, with the key path. */
  warnings: string[];
}

/** Throws a ConfigError naming every problem, or an InsecureConfigError; returns what to warn about. */
export function preflight(config: GatewayConfig, options: PreflightOptions): Preflight {
  const problems = [
    ...crossProblems(config),
    ...templateProblems(config, options.templates),
    ...portProblems(config),
    ...fileProblems(config, options.paths),
  ];
  if (problems.length > 0) throw new ConfigError(options.file, problems);
  return { open: checkStartable(config, options.file), warnings: serialWarnings(config) };
}

function templateProblems(config: GatewayConfig, templates: PreflightTemplates): string[] {
  const problems: string[] = [];
  const ids = templates.list().map((t) => t.id);
  const need = (where: string, id: string, transport?: string): void => {
    const t = templates.get(id);
    if (!t) {
      const near = closest(id, ids);
      problems.push(`${where}.template: no device template "${id}"${near ? `; did you mean "${near}"?` : ` (${ids.length} templates; \`campus-gateway templates check\` lists them)`}`);
    } else if (transport && t.transport !== transport) {
      problems.push(`${where}.template: "${id}" is a template for ${t.transport} devices; expected one for ${transport}`);
    }
  };
  config.devices.forEach((d, i) => need(`devices.${i}`, d.template));
  const driven = new Map<string, string>();
  const serialPorts = new Map<string, string>();
  for (const kind of ['modbus', 'serial'] as const) {
    config.adapters[kind].forEach((a, i) => {
      const where = `adapters.${kind}.${i}`;
      need(where, a.template, kind);
      const first = driven.get(a.deviceId);
      if (first) problems.push(`${where}.deviceId: "${a.deviceId}" is also ${first}.deviceId; expected one adapter entry per device`);
      driven.set(a.deviceId, where);
      const port = kind === 'serial' ? a.path : undefined;
      if (port !== undefined) {
        const other = serialPorts.get(port);
        if (other) problems.push(`${where}.path: ${port} is also ${other}.path; expected one device per serial port (several Modbus RTU devices share a port under adapters.modbus)`);
        serialPorts.set(port, where);
      }
    });
  }
  return problems;
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** Two listeners on one port (0 and null mean none or any free port, never a clash). */
function portProblems(config: GatewayConfig): string[] {
  const b = config.broker;
  const listeners: Array<{ key: string; port: number | null | undefined; host: string }> = [
    { key: 'broker.port', port: b.port, host: b.host },
    { key: 'broker.tls.port', port: b.tls?.port, host: b.host },
    { key: 'broker.websocket.port', port: b.websocket?.port, host: b.host },
    { key: 'http.port', port: config.http.port, host: config.http.host },
  ];
  const problems: string[] = [];
  listeners.forEach((l, i) => {
    if (!l.port) return;
    const earlier = listeners.slice(0, i).find((o) => o.port === l.port && (o.host === l.host || WILDCARD.has(o.host) || WILDCARD.has(l.host)));
    if (earlier) problems.push(`${l.key}: ${l.port} is also ${earlier.key}; expected a port of its own for each listener`);
  });
  return problems;
}

function why(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied to this user';
  if (code === 'EROFS') return 'a read-only file system';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  return (err as Error).message;
}

/** A file the gateway reads: it must be a readable file. */
function readable(key: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    accessSync(path, constants.R_OK);
    if (!statSync(path).isFile()) return `${key}: ${path} is not a file`;
    return undefined;
  } catch (err) {
    return `${key}: cannot read ${path} (${why(err)})`;
  }
}

/** A path the gateway writes: itself if it exists (readable only, for `readOnly`), else its nearest existing parent, must be writable. */
function writable(key: string, path: string, dir: boolean, readOnly = false): string | undefined {
  let at = path;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  try {
    const isDir = statSync(at).isDirectory();
    if (at === path && dir !== isDir) return `${key}: ${path} is ${isDir ? 'a directory' : 'not a directory'}; expected ${dir ? 'a directory' : 'a file'}`;
    if (at !== path && !isDir) return `${key}: cannot create ${path} (${at} is not a directory)`;
    accessSync(at, at === path && readOnly ? constants.R_OK : constants.W_OK | (isDir ? constants.X_OK : constants.R_OK));
    return undefined;
  } catch (err) {
    return `${key}: cannot write ${path} (${at}: ${why(err)})`;
  }
}

function fileProblems(config: GatewayConfig, paths: StatePaths): string[] {
  const problems = [
    readable('broker.tls.certFile', config.broker.tls?.certFile),
    readable('broker.tls.keyFile', config.broker.tls?.keyFile),
    readable('broker.tls.caFile', config.broker.tls?.caFile),
    readable('uplink.caFile', config.uplink?.caFile),
    ...writtenPaths(config, paths).map((w) => writable(w.key, w.path, w.dir, w.readOnly)),
  ];
  if (config.templatesDir !== undefined) {
    const dir = resolve(config.templatesDir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) problems.push(`templatesDir: ${dir} is not a directory`);
  }
  return problems.filter((p): p is string => p !== undefined);
}

function serialWarnings(config: GatewayConfig): string[] {
  const ports = [
    ...config.adapters.serial.map((a, i) => ({ key: `adapters.serial.${i}.path`, path: a.path })),
    ...config.adapters.modbus.flatMap((a, i) => (a.transport === 'rtu' && a.path ? [{ key: `adapters.modbus.${i}.path`, path: a.path }] : [])),
  ];
  return ports.filter((p) => !tcpTarget(p.path) && !existsSync(p.path)).map((p) => `${p.key}: ${p.path} does not exist (yet); the adapter keeps trying until it is plugged in`);
}

/** The hub role's files: its CA readable, its dedup database writable. */
export function preflightHub(config: HubConfig, file: string): void {
  const problems = [readable('broker.caFile', config.broker.caFile), writable('dedup.path', resolve(config.dedup.path), false)].filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new ConfigError(file, problems);
}
