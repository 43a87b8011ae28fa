/**
 * Loads and validates a config file. Errors name the file, the key path, the bad
 * value and what was expected, so `config check` and start-up can print them; the value
 * of a secret key (hashes, passwords, tokens) is never printed.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type GatewayConfig } from './schema.js';

export class ConfigError extends Error {
  readonly code = 'GW_ERR_CONFIG';
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Keys whose values are secrets or hashes of secrets: never echoed in an error. */
const SECRET_KEY = /secret|password|passwd|token|hash|credential/i;
const HIDDEN = '(not shown: a secret)';

function describe(value: unknown, key?: PropertyKey): string {
  if (value === undefined) return 'missing';
  if (typeof key === 'string' && SECRET_KEY.test(key)) return HIDDEN;
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (k, v: unknown) => (k !== '' && SECRET_KEY.test(k) && v !== undefined ? HIDDEN : v));
  } catch {
    // BigInt and cyclic values cannot be serialized; describing them must not throw.
  }
  text ??= typeof value === 'bigint' ? `${value}n` : Object.prototype.toString.call(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  return issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return `${path}: unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; expected only the keys of gateway/src/config/schema.ts (docs/interfaces.md "Configuration")`;
    }
    return `${path}: got ${describe(valueAt(input, issue.path), issue.path.at(-1))}; expected ${issue.message}`;
  });
}

const ENV_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * A string value that is exactly `${NAME}` is replaced by the environment variable NAME, so a
 * shipped config can carry token and secret hashes it does not contain (edge/site/gateway.yaml).
 * Only whole values: no defaults, no partial strings, no escaping to learn.
 */
export function substituteEnv(raw: unknown, env: NodeJS.ProcessEnv, problems: string[]): unknown {
  // YAML aliases share (or even contain) nodes: each node is copied once, so a recursive alias
  // or an alias bomb stays the size of its text, as structuredClone keeps it (load.fuzz.test.ts).
  const done = new Map<object, unknown>();
  const walk = (node: unknown, path: string[]): unknown => {
    if (typeof node === 'string') {
      const name = ENV_REF.exec(node)?.[1];
      if (name === undefined) return node;
      const value = env[name];
      if (value === undefined || value === '') problems.push(`${path.join('.') || '(top level)'}: the environment variable ${name} is not set (the file says \${${name}})`);
      return value || node;
    }
    if (node === null || typeof node !== 'object') return node;
    const proto: unknown = Object.getPrototypeOf(node);
    if (!Array.isArray(node) && proto !== Object.prototype && proto !== null) return node; // a Date, a !!binary: left to the schema
    if (done.has(node)) return done.get(node);
    const out: unknown[] | Record<string, unknown> = Array.isArray(node) ? [] : {};
    done.set(node, out);
    for (const [k, v] of Object.entries(node)) (out as Record<string, unknown>)[k] = walk(v, [...path, k]);
    return out;
  };
  return walk(raw, []);
}

/** Environment overrides of docs/interfaces.md: GATEWAY_HTTP_PORT, GATEWAY_MQTT_PORT, GATEWAY_DATA_DIR. */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = structuredClone(raw);
  const section = (key: string): Record<string, unknown> => {
    const cur = out[key];
    if (cur && typeof cur === 'object') return cur as Record<string, unknown>;
    const fresh: Record<string, unknown> = {};
    out[key] = fresh;
    return fresh;
  };
  if (env.GATEWAY_HTTP_PORT) section('http').port = Number(env.GATEWAY_HTTP_PORT);
  if (env.GATEWAY_MQTT_PORT) section('broker').port = Number(env.GATEWAY_MQTT_PORT);
  if (env.GATEWAY_DATA_DIR) {
    const store = out.store as Record<string, unknown> | undefined;
    if (!store || store.kind === 'embedded') out.store = { ...(store ?? { kind: 'embedded' }), path: env.GATEWAY_DATA_DIR };
    const privacy = section('privacy');
    privacy.pseudonymKeyFile ??= `${env.GATEWAY_DATA_DIR}/pseudonym.key`;
    // The uplink's files are private data too: keep them in the data dir, not ./data.
    const uplink = out.uplink;
    if (uplink && typeof uplink === 'object' && !Array.isArray(uplink)) {
      const u = uplink as Record<string, unknown>;
      u.outboxPath ??= `${env.GATEWAY_DATA_DIR}/uplink-outbox.db`;
      u.summariesStatePath ??= `${env.GATEWAY_DATA_DIR}/summaries-state.bin`;
    }
  }
  return out;
}

export function parseConfig(raw: unknown, file = '(config)', env: NodeJS.ProcessEnv = {}): GatewayConfig {
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError(file, [`(top level): got ${describe(raw)}; expected a mapping of keys`]);
  }
  const problems: string[] = [];
  const substituted = substituteEnv(raw ?? {}, env, problems) as Record<string, unknown>;
  if (problems.length > 0) throw new ConfigError(file, problems);
  const withEnv = applyEnv(substituted, env);
  const result = configSchema.safeParse(withEnv);
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues, withEnv));
  return result.data;
}

export function loadConfigFile(file: string | undefined, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  if (!file) return parseConfig({}, '(defaults)', env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as Error).message}`]);
  }
  return parseConfig(readYaml(text, file), file, env);
}

/**
 * A config file's YAML as plain data. Errors and warnings (an unknown `!tag`, a `!!binary` that
 * is not base64) are refused with their line: in a config they are mistakes, not something to
 * guess around with a warning on stderr.
 */
export function readYaml(text: string, file: string): unknown {
  let raw: unknown;
  try {
    const doc = parseDocument(text, { logLevel: 'silent' });
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) {
      throw new ConfigError(file, problems.slice(0, 5).map((e) => `not valid YAML${e.linePos ? ` at line ${e.linePos[0].line}` : ''}: ${e.message.split('\n')[0]}`));
    }
    raw = doc.toJS();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(file, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return raw;
}
