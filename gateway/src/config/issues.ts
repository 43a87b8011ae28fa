/**
 * zod's validation issues as plain sentences for the people who write site configs:
 * `http.port: expected a number, got the text "80a"`, `store.kind: "influxdb" is not one of:
 * embedded, influx`, `adapters.modbus.0: unknown key "unitid"; did you mean "unitId"?`.
 * The value of a key that holds a secret (hashes, passwords, tokens) is never repeated: a
 * mistyped hash is often the secret itself.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

/** Keys whose values are secrets or hashes of secrets: never echoed in an error. */
const SECRET_KEY = /secret|password|passwd|token|hash|credential/i;
export const HIDDEN = '(not shown: a secret)';

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function json(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (k, v: unknown) => (k !== '' && SECRET_KEY.test(k) && v !== undefined ? HIDDEN : v));
  } catch {
    // BigInt and cyclic values cannot be serialized; describing them must not throw.
  }
  text ??= typeof value === 'bigint' ? `${value}n` : Object.prototype.toString.call(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** What the file holds at a key, in words: `the text "80a"`, `70000`, `a list [...]`, `nothing`. */
export function describeValue(value: unknown, key?: PropertyKey): string {
  if (value === undefined) return 'nothing (the key is missing)';
  if (typeof key === 'string' && SECRET_KEY.test(key)) return HIDDEN;
  if (typeof value === 'string') return `the text ${json(value)}`;
  if (Array.isArray(value)) return `a list ${json(value)}`;
  if (value instanceof Date) return `the date ${value.toISOString().slice(0, 10)} (quote it to make it text)`;
  if (value !== null && typeof value === 'object') return `a mapping ${json(value)}`;
  return json(value);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a text', number: 'a number', int: 'a whole number', boolean: 'true or false', array: 'a list',
  object: 'a mapping (key: value)', null: 'null', bigint: 'a whole number', date: 'a date',
};

/** A literal or enum value as it would be written in YAML. */
const plain = (v: unknown): string => (typeof v === 'string' ? v : json(v));

function bound(issue: Extract<Issue, { code: 'too_big' | 'too_small' }>): string {
  const limit = issue.code === 'too_big' ? issue.maximum : issue.minimum;
  const word = issue.code === 'too_big' ? (issue.inclusive ? 'at most' : 'less than') : (issue.inclusive ? 'at least' : 'more than');
  const plural = Number(limit) === 1 ? '' : 's';
  const unit = issue.origin === 'string' ? ` character${plural}` : issue.origin === 'array' || issue.origin === 'set' ? ` item${plural}` : '';
  return `${word} ${String(limit)}${unit}`;
}

function formatName(issue: Extract<Issue, { code: 'invalid_format' }>): string {
  if (!/^Invalid/.test(issue.message)) return issue.message; // the schema's own words
  if (issue.format === 'url') return 'a URL such as http://influxdb:8086';
  if (issue.format === 'regex') return `text matching ${issue.pattern ?? 'the pattern'}`;
  return `a valid ${issue.format}`;
}

/** What one union branch wanted, when it failed on the value itself (not deeper inside it). */
function wanted(branch: readonly Issue[]): { values?: unknown[]; text: string } | undefined {
  const [only] = branch;
  if (branch.length !== 1 || !only || only.path.length > 0) return undefined;
  if (only.code === 'invalid_value') return { values: only.values, text: only.values.map(plain).join(' or ') };
  if (only.code === 'invalid_type') return { text: TYPE_NAMES[only.expected] ?? `a ${only.expected}` };
  if (only.code === 'invalid_format') return { text: formatName(only) };
  return undefined;
}

function unionProblems(issue: Extract<Issue, { code: 'invalid_union' }>, ctx: Context): string[] {
  const path = [...ctx.prefix, ...issue.path];
  const value = valueAt(ctx.input, path);
  const where = pathText(path);
  if ('discriminator' in issue && issue.discriminator !== undefined) {
    const options = (issue as { options?: unknown[] }).options ?? [];
    if (value === undefined) return [`${where}: missing; expected one of: ${options.map(plain).join(', ')}`];
    return [`${where}: ${json(value)} is not one of: ${options.map(plain).join(', ')}`];
  }
  const alternatives = issue.errors.map(wanted);
  if (alternatives.length > 0 && alternatives.every((a) => a !== undefined)) {
    const values = alternatives.flatMap((a) => a!.values ?? []);
    if (alternatives.every((a) => a!.values) && value !== undefined && !SECRET_KEY.test(String(path.at(-1)))) {
      return [`${where}: ${json(value)} is not one of: ${values.map(plain).join(', ')}`];
    }
    return [`${where}: expected ${alternatives.map((a) => a!.text).join(', or ')}, got ${describeValue(value, path.at(-1))}`];
  }
  // A branch failed deeper inside (a mapping with a bad key): the closest branch's problems.
  const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
  return closest.flatMap((i) => problemsOf(i, { ...ctx, prefix: path }));
}

interface Context {
  input: unknown;
  schema: Schema | undefined;
  prefix: PropertyKey[];
}

const pathText = (path: readonly PropertyKey[]): string => (path.length ? path.map(String).join('.') : '(top level)');

function problemsOf(issue: Issue, ctx: Context): string[] {
  const path = [...ctx.prefix, ...issue.path];
  const where = pathText(path);
  const value = valueAt(ctx.input, path);
  const got = describeValue(value, path.at(-1));
  switch (issue.code) {
    case 'invalid_type':
      return [`${where}: expected ${TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`}, got ${got}`];
    case 'invalid_value':
      if (value === undefined) return [`${where}: missing; expected one of: ${issue.values.map(plain).join(', ')}`];
      if (issue.values.length === 1) return [`${where}: expected ${plain(issue.values[0])}, got ${got}`];
      return [`${where}: ${SECRET_KEY.test(String(path.at(-1))) ? HIDDEN : json(value)} is not one of: ${issue.values.map(plain).join(', ')}`];
    case 'too_big':
    case 'too_small':
      return [`${where}: expected ${bound(issue)}, got ${issue.origin === 'array' && Array.isArray(value) ? `${value.length} items` : got}`];
    case 'invalid_format':
      return [`${where}: expected ${formatName(issue)}, got ${got}`];
    case 'not_multiple_of':
      return [`${where}: expected a multiple of ${String(issue.divisor)}, got ${got}`];
    case 'unrecognized_keys':
      return issue.keys.map((key) => `${pathText([...path, key])}: unknown key${unknownKeyHint(key, allowedKeys(ctx.schema, path, ctx.input))}`);
    case 'invalid_union':
      return unionProblems(issue, ctx);
    case 'custom':
      // A refine's message says what is expected; a cross-check's says what is missing.
      return [value === undefined ? `${where}: ${issue.message}` : `${where}: expected ${issue.message}, got ${got}`];
    default:
      return [`${where}: ${issue.message} (got ${got})`];
  }
}

/** One plain sentence per problem; `schema` (the one that produced the issues) gives "did you mean". */
export function formatIssues(issues: readonly Issue[], input: unknown, schema?: Schema): string[] {
  return issues.flatMap((issue) => problemsOf(issue, { input, schema, prefix: [] }));
}

export function unknownKeyHint(key: string, allowed: readonly string[] | undefined): string {
  if (!allowed || allowed.length === 0) return ' (see docs/configuration.md)';
  const near = closest(key, allowed);
  if (near !== undefined) return `; did you mean "${near}"?`;
  return allowed.length <= 16 ? `; expected one of: ${allowed.join(', ')}` : ' (see docs/configuration.md)';
}

/** The allowed key nearest to `key` by edit distance (case-insensitive), if it is near enough to be a typo. */
export function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const candidate of allowed) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d <= Math.max(1, Math.floor(Math.max(key.length, candidate.length) / 3)) && (!best || d < best.d)) best = { key: candidate, d };
  }
  return best?.key;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit (`prot` → `port`). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

interface Def {
  type: string;
  innerType?: Schema;
  in?: Schema;
  element?: Schema;
  shape?: Record<string, Schema>;
  options?: Schema[];
  values?: unknown[];
  getter?: () => Schema;
}

const defOf = (s: Schema): Def => s._zod.def as unknown as Def;

/** The schema under wrappers (optional, default, prefault, nullable, pipe, lazy). */
function unwrap(s: Schema): Schema {
  for (let i = 0; i < 20; i++) {
    const def = defOf(s);
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : def.type === 'lazy' ? def.getter?.() : undefined);
    if (!next) return s;
    s = next;
  }
  return s;
}

/** The object branch of a union the value belongs to (its literal keys match), else every object branch. */
function objectsOf(s: Schema, value: unknown): Schema[] {
  const u = unwrap(s);
  const def = defOf(u);
  if (def.type === 'object') return [u];
  if (def.type !== 'union') return [];
  const objects = (def.options ?? []).flatMap((o) => objectsOf(o, value));
  const matching = objects.filter((o) => Object.entries(defOf(o).shape ?? {}).some(([k, f]) => {
    const fd = defOf(unwrap(f));
    return fd.type === 'literal' && value !== null && typeof value === 'object' && (fd.values ?? []).includes((value as Record<string, unknown>)[k]);
  }));
  return matching.length > 0 ? matching : objects;
}

/** The keys a mapping at `path` may have, read from the schema; undefined when unknown. */
export function allowedKeys(schema: Schema | undefined, path: readonly PropertyKey[], input: unknown): string[] | undefined {
  if (!schema) return undefined;
  let cur: Schema[] = [schema];
  for (let i = 0; i < path.length; i++) {
    const here = valueAt(input, path.slice(0, i));
    const key = path[i]!;
    cur = cur.flatMap((s) => {
      const u = unwrap(s);
      const def = defOf(u);
      if (def.type === 'array' && def.element) return [def.element];
      return objectsOf(u, here).flatMap((o) => defOf(o).shape?.[String(key)] ?? []);
    });
  }
  const objects = cur.flatMap((s) => objectsOf(s, valueAt(input, path)));
  if (objects.length === 0) return undefined;
  return [...new Set(objects.flatMap((o) => Object.keys(defOf(o).shape ?? {})))];
}
