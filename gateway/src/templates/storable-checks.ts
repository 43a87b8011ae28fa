/**
 * Pass 2 cross-checks that keep every reading a template can produce storable (core/storable.ts):
 * the values a template itself contributes (enum values, mapped strings, join separators, event
 * names that become the `event` tag) follow the same rules as device input, names are not
 * reserved, integer ranges are exact in a double and in InfluxDB's int64, and no reading can
 * come out without a field (a point needs one). The decoders check what the device sends.
 */
import { RESERVED_FIELD_NAMES, RESERVED_TAG_NAMES, stringProblem, tagValueProblem } from '../core/storable.js';
import type { FieldDef, JsonSource, Template } from './schema.js';

function text(at: string, s: string, tag = false): string[] {
  const p = tag ? tagValueProblem(s) : stringProblem(s);
  return p ? [`${at}: ${JSON.stringify(s.slice(0, 40))} cannot be stored: ${p.detail}`] : [];
}

export function fieldStorableProblems(f: FieldDef): string[] {
  const out: string[] = [];
  if (RESERVED_FIELD_NAMES.has(f.name)) out.push(`name: ${JSON.stringify(f.name)} is reserved by InfluxDB`);
  if (f.maxLength !== undefined && f.type !== 'string') out.push('maxLength: only string fields take a maxLength');
  if (f.type === 'integer') {
    for (const [k, v] of [['min', f.min], ['max', f.max]] as const) {
      if (v !== undefined && !Number.isSafeInteger(v)) out.push(`${k}: ${v} is not an integer within ±(2^53 − 1), so values near it cannot be stored exactly`);
    }
  }
  (f.values ?? []).forEach((v, i) => out.push(...text(`values[${i}]`, v)));
  return out;
}

function mapProblems(at: string, map: Record<string, unknown> | undefined): string[] {
  return Object.entries(map ?? {}).flatMap(([k, v]) => (typeof v === 'string' ? text(`${at}.map.${k}`, v) : []));
}

function sourceProblems(at: string, src: JsonSource): string[] {
  if (typeof src === 'string') return [];
  return [...mapProblems(at, src.map), ...(src.join === undefined ? [] : text(`${at}.join`, src.join))];
}

/** Returns "key.path: problem" strings. */
export function storableProblems(t: Template): string[] {
  const out: string[] = [];
  for (const tag of t.tags ?? []) if (RESERVED_TAG_NAMES.has(tag)) out.push(`tags: ${tag} is set by the gateway (reserved: ${[...RESERVED_TAG_NAMES].join(', ')})`);
  if (t.transport === 'mqtt') {
    for (const [name, src] of Object.entries(t.mqtt.fields)) out.push(...sourceProblems(`mqtt.fields.${name}`, src));
    for (const [evt, e] of Object.entries(t.mqtt.events ?? {})) {
      out.push(...text(`mqtt.events.${evt}`, evt, true));
      if (Object.keys(e.fields).length === 0) out.push(`mqtt.events.${evt}.fields: an event needs at least one field (a stored point has one)`);
      for (const [name, src] of Object.entries(e.fields)) out.push(...sourceProblems(`mqtt.events.${evt}.fields.${name}`, src));
    }
  }
  if (t.transport === 'modbus') t.modbus.points.forEach((p, i) => out.push(...mapProblems(`modbus.points[${i}]`, p.map)));
  if (t.transport === 'serial') {
    t.serial.lines.forEach((rule, i) => {
      const at = `serial.lines[${i}]`;
      if ('event' in rule && rule.event !== undefined) out.push(...text(`${at}.event`, rule.event, true));
      if ('csv' in rule) {
        if (!rule.csv.some((c) => 'field' in c || 'select' in c)) out.push(`${at}.csv: a line needs at least one field column (a stored point has a field)`);
        rule.csv.forEach((c, j) => { if ('map' in c) out.push(...mapProblems(`${at}.csv[${j}]`, c.map)); });
      } else if ('groups' in rule) {
        if (Object.keys(rule.groups).length === 0) out.push(`${at}.groups: a line needs at least one group (a stored point has a field)`);
        for (const [g, spec] of Object.entries(rule.groups)) out.push(...mapProblems(`${at}.groups.${g}`, spec.map));
      }
    });
  }
  return out;
}
