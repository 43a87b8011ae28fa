/**
 * Loads and validates a config file. Errors name the file, the key path, the bad
 * value and what was expected, so `config check` and start-up can print them; the value
 * of a secret key (hashes, passwords, tokens) is never printed.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { GatewayError } from '../errors.js';
import { describeValue, formatIssues } from './issues.js';
import { configSchema, type GatewayConfig } from './schema.js';

export { formatIssues } from './issues.js';

export class ConfigError extends GatewayError {
  declare readonly code: 'GW_ERR_CONFIG';
  constructor(readonly file: string, readonly problems: string[]) {
    super('GW_ERR_CONFIG', `${file}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
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

/**
 * Environment overrides of docs/interfaces.md: GATEWAY_HTTP_PORT, GATEWAY_MQTT_PORT and
 * GATEWAY_DATA_DIR (the `dataDir` key). Paths are resolved from `dataDir` in one place (paths.ts).
 */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = structuredClone(raw);
  const section = (key: string): Record<string, unknown> => {
    const cur = out[key];
    if (cur && typeof cur === 'object') return cur as Record<string, unknown>;
    const fresh: Record<string, unknown> = {};
    out[key] = fresh;
    return fresh;
  };
  // Not a number: left as text, so the problem reads `http.port: expected a number, got the text "80a"`.
  const number = (v: string): number | string => (/^\s*\d+\s*$/.test(v) ? Number(v) : v);
  if (env.GATEWAY_HTTP_PORT) section('http').port = number(env.GATEWAY_HTTP_PORT);
  if (env.GATEWAY_MQTT_PORT) section('broker').port = number(env.GATEWAY_MQTT_PORT);
  if (env.GATEWAY_DATA_DIR) out.dataDir = env.GATEWAY_DATA_DIR;
  return out;
}

export function parseConfig(raw: unknown, file = '(config)', env: NodeJS.ProcessEnv = {}): GatewayConfig {
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError(file, [`(top level): expected a mapping of keys, got ${describeValue(raw)}`]);
  }
  const problems: string[] = [];
  const substituted = substituteEnv(raw ?? {}, env, problems) as Record<string, unknown>;
  if (problems.length > 0) throw new ConfigError(file, problems);
  const withEnv = applyEnv(substituted, env);
  const result = configSchema.safeParse(withEnv);
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues, withEnv, configSchema));
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
 * is not base64) are refused with their line, the line itself and a caret under the column: in a
 * config they are mistakes, not something to guess around with a warning on stderr.
 */
export function readYaml(text: string, file: string): unknown {
  let raw: unknown;
  try {
    const doc = parseDocument(text, { logLevel: 'silent' });
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) throw new ConfigError(file, problems.slice(0, 5).map((e) => yamlProblem(text, e.message, e.linePos?.[0])));
    raw = doc.toJS();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(file, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return raw;
}

/** `not valid YAML at line 3, column 9: <what>` and the line with a caret under the column. */
export function yamlProblem(text: string, message: string, at: { line: number; col: number } | undefined): string {
  const what = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (!at) return `not valid YAML: ${what}`;
  const line = (text.split(/\r?\n/)[at.line - 1] ?? '').replace(/\t/g, ' ');
  const shown = line.length > 100 ? `${line.slice(0, 100)}...` : line;
  const caret = at.col - 1 <= 100 ? `\n      ${' '.repeat(Math.max(0, at.col - 1))}^` : '';
  return `not valid YAML at line ${at.line}, column ${at.col}: ${what}\n      ${shown}${caret}`;
}
