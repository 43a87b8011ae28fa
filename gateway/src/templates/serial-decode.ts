/**
 * Serial line decoding: framing settings, an optional NMEA-style checksum, and
 * line grammars — comma-separated typed columns (dispatched on the first
 * column) or anchored regexes with named groups (PJLink replies). No regex here
 * can backtrack catastrophically: grammars are split on commas, template regexes
 * are checked by regex-safety.ts.
 */
import type { FieldValue, Reading } from '../core/reading.js';
import type { RejectCode } from './result.js';
import { runAttached } from './custom-decoder.js';
import { convert, fieldReject, isRejection, planValue, reject, show, shown, type DecodeResult, type Rejection, type ValuePlan } from './result.js';
import type { SerialTemplate, Template } from './schema.js';

export interface SerialSettings { baudRate: number; dataBits: 5 | 6 | 7 | 8; parity: 'none' | 'even' | 'odd'; stopBits: 1 | 2; delimiter: string; poll?: { commands: string[] } }

type Column =
  | { kind: 'const'; text: string; code: RejectCode; reason: string | undefined }
  | { kind: 'field'; value: ValuePlan }
  | { kind: 'select'; options: Map<string, { value: ValuePlan; unit: string }> }
  | { kind: 'selectedValue' } | { kind: 'selectedUnit' } | { kind: 'skip' };
interface CsvPlan { columns: Column[]; event: string | undefined }
interface RegexPlan { re: RegExp; groups: [string, ValuePlan][]; event: string | undefined; error: { code: RejectCode; reason: string } | undefined }
/** `personal`: the template has personal fields, so reasons carry no excerpt of the line. */
interface SerialPlan { id: string; nmea: boolean; personal: boolean; csv: Map<string, CsvPlan>; regexes: RegexPlan[] }

const plans = new WeakMap<Template, SerialPlan>();
const NUMBER = /^-?\d+(?:\.\d+)?$/;

function planOf(t: Template): SerialPlan {
  let p = plans.get(t);
  if (p === undefined) {
    if (t.transport !== 'serial') throw new Error(`template ${t.id} is not a serial template`);
    p = compileSerial(t);
    plans.set(t, p);
  }
  return p;
}

function compileSerial(t: SerialTemplate): SerialPlan {
  const def = (name: string) => {
    const d = t.fields.find((f) => f.name === name);
    if (d === undefined) throw new Error(`template ${t.id}: serial grammar names unknown field ${name}`);
    return d;
  };
  const plan: SerialPlan = { id: t.id, nmea: t.serial.checksum === 'nmea', personal: t.fields.some((f) => f.privacy !== undefined), csv: new Map(), regexes: [] };
  for (const rule of t.serial.lines) {
    if ('csv' in rule) {
      const columns: Column[] = rule.csv.map((c, i): Column => {
        if ('const' in c) return { kind: 'const', text: c.const, code: c.code ?? 'bad_line', reason: c.reason };
        if ('field' in c) return { kind: 'field', value: planValue(def(c.field), `column ${i + 1}`, c) };
        if ('select' in c) return { kind: 'select', options: new Map(Object.entries(c.select).map(([k, s]) => [k, { value: planValue(def(s.field), `column ${i + 2}`, {}), unit: s.unit }])) };
        if ('selectedValue' in c) return { kind: 'selectedValue' };
        if ('selectedUnit' in c) return { kind: 'selectedUnit' };
        return { kind: 'skip' };
      });
      const head = columns[0];
      plan.csv.set(head?.kind === 'const' ? head.text : '', { columns, event: rule.event });
    } else {
      plan.regexes.push({
        re: new RegExp(rule.regex),
        groups: 'groups' in rule ? Object.entries(rule.groups).map(([g, s]) => [g, planValue(def(s.field), `group ${g}`, s)]) : [],
        event: 'event' in rule ? rule.event : undefined,
        error: 'error' in rule ? rule.error : undefined,
      });
    }
  }
  return plan;
}

export function serialSettings(t: Template): SerialSettings {
  if (t.transport !== 'serial') throw new Error(`template ${t.id} is not a serial template`);
  const s = t.serial;
  return { baudRate: s.baudRate, dataBits: s.dataBits, parity: s.parity, stopBits: s.stopBits, delimiter: s.delimiter, ...(s.poll ? { poll: { commands: [...s.poll.commands] } } : {}) };
}

/** Text → typed value: numbers are parsed first, mapped values are looked up as text. */
function typed(v: ValuePlan, text: string): FieldValue | Rejection {
  if (v.map === undefined && (v.type === 'number' || v.type === 'integer')) {
    if (!NUMBER.test(text)) return fieldReject(v, 'wrong_type', 'expected a number', `expected a number, got ${show(text)}`);
    return convert(v, Number(text));
  }
  return convert(v, text);
}

/** `$BODY*hh` → BODY when hh is the XOR of BODY's bytes. */
function nmeaBody(line: string, personal: boolean): string | Rejection {
  const star = line.lastIndexOf('*');
  if (line[0] !== '$' || star < 0 || star !== line.length - 3) return reject('bad_line', `expected $…*hh, got ${shown(personal, line)}`);
  let x = 0;
  for (let i = 1; i < star; i++) x ^= line.charCodeAt(i) & 0xff;
  const want = line.slice(star + 1).toUpperCase();
  const got = x.toString(16).toUpperCase().padStart(2, '0');
  if (want !== got) return reject('bad_checksum', `checksum ${line.slice(star + 1)} does not match ${got} computed over ${shown(personal, line.slice(1, star))}`);
  return line.slice(1, star);
}

function decodeCsv(c: CsvPlan, parts: string[], fields: Record<string, FieldValue>, personal: boolean): Rejection | undefined {
  if (parts.length < c.columns.length) return reject('truncated', `line has ${parts.length} of ${c.columns.length} columns`);
  if (parts.length > c.columns.length) return reject('bad_line', `line has ${parts.length} columns, expected ${c.columns.length}`);
  let selected: { value: ValuePlan; unit: string } | undefined;
  let valueText: string | undefined, unitText: string | undefined, unitAt = 0;
  for (let i = 0; i < c.columns.length; i++) {
    const col = c.columns[i] as Column;
    const text = parts[i] as string;
    if (col.kind === 'const') {
      if (text !== col.text) return reject(col.code, col.reason ? `${col.reason}: column ${i + 1} is ${shown(personal, text)}` : `column ${i + 1}: expected ${show(col.text)}, got ${shown(personal, text)}`);
    } else if (col.kind === 'field') {
      const v = typed(col.value, text);
      if (isRejection(v)) return v;
      fields[col.value.field] = v;
    } else if (col.kind === 'select') {
      selected = col.options.get(text);
      if (selected === undefined) return reject('unknown_enum', `column ${i + 1}: ${shown(personal, text)} is not one of ${[...col.options.keys()].join('|')}`);
    } else if (col.kind === 'selectedValue') {
      valueText = text;
    } else if (col.kind === 'selectedUnit') {
      unitText = text;
      unitAt = i + 1;
    }
  }
  if (selected === undefined) return undefined;
  // The unit is checked before the value: a value in the wrong unit is meaningless.
  if (unitText !== undefined && unitText !== selected.unit) {
    return reject('wrong_type', `${selected.value.field} (column ${unitAt}): unit should be ${show(selected.unit)}, got ${shown(personal, unitText)}`, selected.value.field);
  }
  const v = typed(selected.value, valueText ?? '');
  if (isRejection(v)) return v;
  fields[selected.value.field] = v;
  return undefined;
}

/** Decodes one line (without its delimiter). PJLink replies give partial readings: only the fields they carry. */
export function decodeSerialLine(t: Template, line: string, ctx: { device: string; receivedAt: number }): DecodeResult {
  const custom = runAttached(t, line, ctx);
  if (custom !== undefined) return custom;
  const p = planOf(t);
  let body = line.endsWith('\r') || line.endsWith('\n') ? line.trimEnd() : line;
  if (p.nmea) {
    const b = nmeaBody(body, p.personal);
    if (typeof b !== 'string') return b;
    body = b;
  }
  const fields: Record<string, FieldValue> = {};
  let event: string | undefined;
  const comma = body.indexOf(',');
  const csv = p.csv.size > 0 ? p.csv.get(comma < 0 ? body : body.slice(0, comma)) : undefined;
  if (csv) {
    const bad = decodeCsv(csv, body.split(','), fields, p.personal);
    if (bad) return bad;
    event = csv.event;
  } else {
    const r = p.regexes.find((x) => x.re.test(body));
    if (r === undefined) return reject('bad_line', `not a line this device sends: ${shown(p.personal, body)}`);
    const groups = r.re.exec(body)?.groups ?? {};
    if (r.error) return reject(r.error.code, r.error.reason.replace(/\{(\w+)\}/g, (_m, g: string) => (p.personal ? '…' : groups[g] ?? '')));
    for (const [g, v] of r.groups) {
      const value = typed(v, groups[g] ?? '');
      if (isRejection(value)) return value;
      fields[v.field] = value;
    }
    event = r.event;
  }
  const reading: Reading = { template: p.id, device: ctx.device, ts: ctx.receivedAt, fields, tags: {}, ...(event ? { event } : {}) };
  return { ok: true, readings: [reading] };
}
