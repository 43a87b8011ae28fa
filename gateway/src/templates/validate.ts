/**
 * Two-pass template validation. Pass 1: the zod shape (schema.ts). Pass 2:
 * cross-checks the shape cannot express (duplicates, overlapping registers,
 * unresolved references, ranges, names, privacy). Every problem names the file,
 * the key path and what was expected.
 */
import type { z } from 'zod';
import { templateSchema, type FieldDef, type ModbusTemplate, type MqttTemplate, type SerialTemplate, type Template } from './schema.js';
import { behaviourProblems } from './behaviour-check.js';
import { regexProblem } from './regex-safety.js';
import { fieldStorableProblems, storableProblems } from './storable-checks.js';
import { suffixOf, UNIT_SUFFIXES } from './units.js';

export type Validation = { ok: true; template: Template } | { ok: false; problems: string[] };

const HAN = /\p{Script=Han}/u;
const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
/** Names that denote a person's identifier (card, pen, band, clicker, user …): they must be `privacy: id`. */
const PERSONAL = /(^|_)(card|pen|band|clicker|user|student|person|badge)(_id)?$/;

function pathText(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map((k) => (typeof k === 'number' ? `[${k}]` : String(k))).join('.').replaceAll('.[', '[');
}

/** zod issues → "file: key.path: message" lines (union branches are unfolded to the closest one). */
export function zodProblems(file: string, error: z.ZodError): string[] {
  const out: string[] = [];
  const walk = (issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): void => {
    for (const i of issues) {
      const path = [...prefix, ...i.path];
      if (i.code === 'invalid_union' && i.errors.length > 0) {
        const unfolded = unfoldUnion(i.errors);
        if (typeof unfolded === 'string') { out.push(`${file}: ${pathText(path)}: ${unfolded}`); continue; }
        if (unfolded.length > 0) { walk(unfolded, path); continue; }
      }
      const extra = i.code === 'unrecognized_keys' ? ` (${i.keys.join(', ')})` : '';
      out.push(`${file}: ${pathText(path)}: ${i.message}${extra}`);
    }
  };
  walk(error.issues, []);
  return out;
}

/**
 * Picks what to report for a failed union: branches that failed only because the
 * value has another type are dropped; one clear winner is reported as is; a tie
 * between object forms becomes "expected one of the forms {a} | {b} …".
 */
function unfoldUnion(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] | string {
  const wrongType = (b: readonly z.core.$ZodIssue[]) => b.length === 1 && b[0]?.code === 'invalid_type' && b[0].path.length === 0;
  const objects = branches.filter((b) => !wrongType(b));
  const pool = objects.length > 0 ? objects : branches;
  const fewest = Math.min(...pool.map((b) => b.length));
  const best = pool.filter((b) => b.length === fewest);
  if (best.length === 1 || objects.length === 0) return best[0] ?? [];
  const unknown = new Set(best.flatMap((b) => b.flatMap((i) => (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys : []))));
  const forms = best.map((b) => `{${b.filter((i) => i.code !== 'unrecognized_keys' && i.path.length === 1).map((i) => String(i.path[0])).join(', ')}}`);
  return `${unknown.size > 0 ? `unrecognized key ${[...unknown].map((k) => JSON.stringify(k)).join(', ')}; ` : ''}expected one of the forms ${forms.join(' | ')}`;
}

export function validateTemplate(doc: unknown, file: string): Validation {
  const parsed = templateSchema.safeParse(doc);
  if (!parsed.success) return { ok: false, problems: zodProblems(file, parsed.error) };
  const t = parsed.data;
  const problems = crossCheck(t).map((p) => `${file}: ${p}`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, template: t };
}

/** Pass 2. Returns "key.path: problem" strings. */
export function crossCheck(t: Template): string[] {
  const out: string[] = [];
  const seen = new Map<string, number>();
  t.fields.forEach((f, i) => {
    const at = `fields[${i}] (${f.name})`;
    if (seen.has(f.name)) out.push(`${at}.name: duplicate field, first declared at fields[${seen.get(f.name)}]`);
    seen.set(f.name, i);
    out.push(...[...fieldProblems(f), ...fieldStorableProblems(f)].map((p) => `${at}.${p}`));
  });
  if (!HAN.test(t.zh)) out.push(`zh: ${JSON.stringify(t.zh)} should be the device type's name in Chinese (at least one Chinese character)`);
  for (const tag of t.tags ?? []) if (!SNAKE.test(tag)) out.push(`tags: ${JSON.stringify(tag)} should be a snake_case name`);
  out.push(...storableProblems(t));
  out.push(...behaviourProblems(t));
  const fields = new Map(t.fields.map((f) => [f.name, f]));
  if (t.decoder !== undefined) {
    // A decoder replaces the transport's grammar (the framing of a serial section still applies).
    if (t.transport === 'modbus') out.push('decoder: Modbus register maps are always data; a decoder is for mqtt or serial');
    return out;
  }
  if (t.transport === 'serial' && t.serial.lines.length === 0) out.push('serial.lines: at least one line grammar (or a decoder)');
  if (t.transport === 'mqtt') out.push(...mqttProblems(t, fields));
  if (t.transport === 'modbus') out.push(...modbusProblems(t, fields));
  if (t.transport === 'serial') out.push(...serialProblems(t, fields));
  return out;
}

function fieldProblems(f: FieldDef): string[] {
  const out: string[] = [];
  if (!SNAKE.test(f.name)) out.push(`name: ${JSON.stringify(f.name)} should be snake_case (a-z, 0-9, _)`);
  const numeric = f.type === 'number' || f.type === 'integer';
  if (numeric && (f.min === undefined || f.max === undefined)) out.push('min/max: a numeric field needs a valid range (min and max)');
  if (!numeric && (f.min !== undefined || f.max !== undefined)) out.push('min/max: only number and integer fields take a range');
  if (f.min !== undefined && f.max !== undefined && f.min > f.max) out.push(`min/max: min ${f.min} is above max ${f.max}`);
  if (f.type === 'enum' && f.values === undefined) out.push('values: an enum field needs its list of values');
  if (f.type !== 'enum' && f.values !== undefined) out.push('values: only enum fields take values');
  if (f.unit !== undefined) {
    const suffixes = UNIT_SUFFIXES[f.unit];
    if (suffixes === undefined) out.push(`unit: unknown unit ${JSON.stringify(f.unit)}; expected one of ${Object.keys(UNIT_SUFFIXES).join(' ')}`);
    else if (!suffixes.some((s) => f.name.endsWith(`_${s}`))) out.push(`name: a field in ${f.unit} should end with _${suffixes.join(' or _')}`);
    if (!numeric) out.push('unit: only number and integer fields carry a unit');
  } else if (numeric && suffixOf(f.name) !== undefined) {
    out.push(`unit: ${f.name} ends with the unit suffix _${suffixOf(f.name)} but declares no unit`);
  }
  // The Chinese label the dashboard and exports show: Chinese words, not the English name again.
  if (!HAN.test(f.zh)) out.push(`zh: ${JSON.stringify(f.zh)} should be the field's name in Chinese (at least one Chinese character)`);
  if (f.description !== undefined && f.zhDescription === undefined) out.push('zhDescription: a field with a description needs it in Chinese too');
  if (f.description === undefined && f.zhDescription !== undefined) out.push('zhDescription: only a field with a description takes one');
  if (PERSONAL.test(f.name) && f.privacy !== 'id') out.push('privacy: a personal identifier must be marked privacy: id');
  if (f.alarm !== undefined && f.alarm !== false) {
    if (Array.isArray(f.alarm)) {
      if (f.type !== 'enum') out.push('alarm: a list of alarm values needs an enum field');
      else for (const v of f.alarm) if (!f.values?.includes(v)) out.push(`alarm: ${JSON.stringify(v)} is not one of the field's values`);
    } else if (f.type !== 'boolean') out.push('alarm: `true` marks a boolean field; for an enum list the alarm values');
  }
  return out;
}

function covered(t: Template, fields: Map<string, FieldDef>, used: Map<string, string>, where: string, out: string[]): void {
  for (const [name, at] of used) if (!fields.has(name)) out.push(`${at}: names field ${name}, which is not declared in fields`);
  for (const f of t.fields) if (!used.has(f.name)) out.push(`fields (${f.name}): has no source in ${where}`);
}

function mqttProblems(t: MqttTemplate, fields: Map<string, FieldDef>): string[] {
  const out: string[] = [];
  const used = new Map<string, string>();
  const use = (name: string, at: string): void => {
    if (used.has(name)) out.push(`${at}: field ${name} already has a source at ${used.get(name)}`);
    used.set(name, at);
  };
  for (const name of Object.keys(t.mqtt.fields)) {
    use(name, `mqtt.fields.${name}`);
    if (fields.get(name)?.role === 'event') out.push(`mqtt.fields.${name}: an event field belongs under mqtt.events`);
  }
  for (const [evt, e] of Object.entries(t.mqtt.events ?? {})) {
    for (const name of Object.keys(e.fields)) {
      if (fields.get(name)?.role !== 'event' && fields.has(name)) out.push(`mqtt.events.${evt}.fields.${name}: an event's field should have role: event`);
      if (!used.has(name) || !used.get(name)?.startsWith('mqtt.events.')) use(name, `mqtt.events.${evt}.fields.${name}`);
    }
  }
  const ex = t.mqtt.expand;
  if (ex) for (const name of Object.keys(ex.columns)) use(name, `mqtt.expand.columns.${name}`);
  covered(t, fields, used, 'mqtt', out);
  const sourcedTags = [...Object.keys(t.mqtt.tags ?? {}), ...(ex ? [ex.indexTag] : [])];
  for (const tag of sourcedTags) if (!(t.tags ?? []).includes(tag)) out.push(`mqtt.tags: tag ${tag} is not declared in tags`);
  for (const tag of t.tags ?? []) if (!sourcedTags.includes(tag)) out.push(`tags: ${tag} has no source in mqtt.tags`);
  return out;
}

const WIDTH: Record<string, number> = { u16: 1, i16: 1, bit: 1, bool: 1, u32: 2, i32: 2, f32: 2, f64: 4 };

function modbusProblems(t: ModbusTemplate, fields: Map<string, FieldDef>): string[] {
  const out: string[] = [];
  const used = new Map<string, string>();
  const spans: { table: string; from: number; to: number; at: string; bit: number | undefined }[] = [];
  t.modbus.points.forEach((p, i) => {
    const at = `modbus.points[${i}] (${p.field})`;
    if (used.has(p.field)) out.push(`${at}.field: field ${p.field} already read at ${used.get(p.field)}`);
    used.set(p.field, at);
    const bitTable = p.table === 'coil' || p.table === 'discrete';
    if (bitTable !== (p.type === 'bool')) out.push(`${at}.type: ${p.table} ${bitTable ? 'holds bits: use type bool' : 'holds words: bool is for coil/discrete'}`);
    if ((p.type === 'bit') !== (p.bit !== undefined)) out.push(`${at}.bit: ${p.type === 'bit' ? 'type bit needs bit: 0-15' : 'bit is only for type bit'}`);
    if (p.mask !== undefined && p.type !== 'u16') out.push(`${at}.mask: a mask applies to a u16 word only`);
    if (p.writable && (p.table === 'input' || p.table === 'discrete')) out.push(`${at}.writable: ${p.table} is read-only; only coil and holding are writable`);
    if (p.writable && p.type === 'bit') out.push(`${at}.writable: a bit of a word cannot be written on its own`);
    const def = fields.get(p.field);
    if (def) {
      const boolish = p.type === 'bool' || p.type === 'bit';
      if (p.map === undefined && boolish && def.type !== 'boolean') out.push(`${at}.type: ${p.type} gives a boolean but field ${p.field} is ${def.type}`);
      if (p.map === undefined && !boolish && (def.type === 'boolean' || def.type === 'string' || def.type === 'enum')) out.push(`${at}.map: a ${p.type} register feeding a ${def.type} field needs a map`);
      if (def.role === 'event') out.push(`${at}: modbus fields are polled state, not events`);
    }
    const width = WIDTH[p.type] ?? 1;
    spans.push({ table: p.table, from: p.address, to: p.address + width - 1, at, bit: p.type === 'bit' ? p.bit : undefined });
  });
  for (let a = 0; a < spans.length; a++) {
    for (let b = a + 1; b < spans.length; b++) {
      const x = spans[a], y = spans[b];
      if (!x || !y || x.table !== y.table || x.to < y.from || y.to < x.from) continue;
      if (x.bit !== undefined && y.bit !== undefined && x.bit !== y.bit) continue; // different bits of one word
      out.push(`${y.at}.address: ${y.table} ${y.from}…${y.to} overlaps ${x.at} (${x.from}…${x.to})`);
    }
  }
  covered(t, fields, used, 'modbus.points', out);
  if ((t.tags ?? []).length > 0) out.push('tags: modbus templates have no per-reading tags');
  return out;
}

function serialProblems(t: SerialTemplate, fields: Map<string, FieldDef>): string[] {
  const out: string[] = [];
  const used = new Map<string, string>();
  const use = (name: string, at: string): void => { if (!used.has(name)) used.set(name, at); };
  const heads = new Set<string>();
  t.serial.lines.forEach((rule, i) => {
    const at = `serial.lines[${i}]`;
    if ('csv' in rule) {
      const head = rule.csv[0];
      if (!head || !('const' in head)) out.push(`${at}.csv[0]: the first column should be a const naming the line kind`);
      else if (heads.has(head.const)) out.push(`${at}.csv[0]: another line already starts with ${JSON.stringify(head.const)}`);
      else heads.add(head.const);
      const selects = rule.csv.filter((c) => 'select' in c).length;
      const needsSelect = rule.csv.some((c) => 'selectedValue' in c || 'selectedUnit' in c);
      if (selects > 1 || needsSelect !== (selects === 1)) out.push(`${at}.csv: a select column goes with one selectedValue column (and an optional selectedUnit)`);
      rule.csv.forEach((c, j) => {
        if ('field' in c) use(c.field, `${at}.csv[${j}]`);
        if ('select' in c) for (const s of Object.values(c.select)) use(s.field, `${at}.csv[${j}].select`);
      });
    } else {
      const bad = regexProblem(rule.regex);
      if (bad) out.push(`${at}.regex: ${bad}`);
      if ('groups' in rule) {
        for (const [g, spec] of Object.entries(rule.groups)) {
          if (!rule.regex.includes(`(?<${g}>`)) out.push(`${at}.groups.${g}: the regex has no named group ${g}`);
          use(spec.field, `${at}.groups.${g}`);
        }
      }
    }
  });
  covered(t, fields, used, 'serial.lines', out);
  if ((t.tags ?? []).length > 0) out.push('tags: serial templates have no per-reading tags');
  return out;
}
