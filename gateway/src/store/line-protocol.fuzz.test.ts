/**
 * Property fuzzing of the line-protocol encoder (issue #10): any reading is
 * either encoded as one line that an independent line-protocol parser reads
 * back to exactly the reading (measurement, sorted tags, fields, integer ms
 * timestamp InfluxDB can hold), or refused with a reason. Never an exception,
 * and the per-shape plan cache never changes what a reading encodes to.
 * Issue #16: every reading that meets the pipeline's storable rules (core/storable.ts, checked
 * before a reading is acknowledged) is encoded: the rules are enough for this encoder.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { measurementOf, type Reading } from '../core/reading.js';
import { MAX_STRING_LIMIT, RESERVED_FIELD_NAMES, RESERVED_TAG_NAMES, stringProblem, tagValueProblem } from '../core/storable.js';
import { createLineEncoder, type EncodeOptions, type EncodeResult } from './line-protocol.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300) * 3;
const T = 120_000;
/** InfluxDB stores int64 nanoseconds: 1677-09-21 … 2262-04-11, i.e. |ms| ≤ 9,223,372,036,854. */
const MAX_MS = 9_223_372_036_854;

interface Parsed { measurement: string; tags: [string, string][]; fields: Record<string, number | boolean | string>; ts: string }

/** Reads one line the way InfluxDB 1.x does (escapes: `\,` `\ ` in names, `\=` in keys/tag values, `\"` `\\` in strings). */
function parseLine(line: string): Parsed {
  let i = 0;
  const name = (stops: string, escapable: string): string => {
    let out = '';
    while (i < line.length && !stops.includes(line[i]!)) {
      if (line[i] === '\\' && i + 1 < line.length && escapable.includes(line[i + 1]!)) { out += line[i + 1]; i += 2; } else out += line[i++];
    }
    return out;
  };
  if (line.includes('\n')) throw new Error('newline in a line');
  if (line.startsWith('#')) throw new Error('a line starting with # is a comment');
  const measurement = name(', ', ', ');
  const tags: [string, string][] = [];
  while (line[i] === ',') {
    i++;
    const k = name('=', ',= ');
    if (line[i++] !== '=') throw new Error(`tag ${k} without =`);
    const v = name(', ', ',= ');
    if (k === '' || v === '') throw new Error('empty tag key or value');
    tags.push([k, v]);
  }
  if (line[i++] !== ' ') throw new Error(`expected a space after the tags at ${i}`);
  const fields: Parsed['fields'] = Object.create(null) as Parsed['fields']; // a field may be called __proto__
  for (;;) {
    const k = name('=', ',= ');
    if (line[i++] !== '=' || k === '') throw new Error(`field key ${JSON.stringify(k)} without =`);
    if (line[i] === '"') {
      i++;
      let s = '';
      while (line[i] !== '"') {
        if (i >= line.length) throw new Error('unterminated string');
        if (line[i] === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) { s += line[i + 1]; i += 2; } else s += line[i++];
      }
      i++;
      fields[k] = s;
    } else {
      const raw = name(', ', '');
      if (raw === 'true' || raw === 'false') fields[k] = raw === 'true';
      else if (/^-?\d+i$/.test(raw)) fields[k] = Number(raw.slice(0, -1));
      else if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw)) fields[k] = Number(raw);
      else throw new Error(`bad field value ${raw}`);
    }
    if (line[i] === ',') { i++; continue; }
    break;
  }
  if (line[i++] !== ' ') throw new Error('expected a space before the timestamp');
  const ts = line.slice(i);
  if (!/^-?\d+$/.test(ts)) throw new Error(`timestamp ${ts} is not an integer literal`);
  return { measurement, tags, fields, ts };
}

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('a b', 'a,b', 'a=b', 'a\\b', 'a\\', '"q"', '🏫 room', 'time', '', 'x\ny', '#x'));
const value = fc.oneof(fc.double(), fc.integer(), fc.boolean(), text, fc.constantFrom(2 ** 53, 0.1, -0, 1e21));
const reading = fc.record({
  // Template ids are kebab-case (templates/schema.ts), so no measurement starts with `#` (a comment line).
  template: fc.oneof(fc.constantFrom('energy-meter-1p', 'smart-pen', 'door-access'), fc.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/)),
  device: text,
  ts: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.double({ min: 1e12, max: 2e12, noNaN: true })),
  fields: fc.dictionary(text, value, { maxKeys: 5 }),
  tags: fc.dictionary(text, text, { maxKeys: 3 }),
  event: fc.option(text, { nil: undefined }),
}).map((r) => (r.event === undefined ? { template: r.template, device: r.device, ts: r.ts, fields: r.fields, tags: r.tags } : r) as Reading);
const options = fc.record({
  integerFields: fc.option(fc.array(text, { maxLength: 3 }).map((a) => new Set(a)), { nil: undefined }),
  extraTags: fc.option(fc.dictionary(fc.constantFrom('site', 'room', 'building', 'person'), fc.option(text, { nil: undefined })), { nil: undefined }),
}).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as EncodeOptions);

/** What the line must say: docs/interfaces.md's schema applied to the reading. */
function expectedTags(r: Reading, o: EncodeOptions): [string, string][] {
  const tags = new Map<string, string>(Object.entries(r.tags));
  for (const [k, v] of Object.entries(o.extraTags ?? {})) if (v) tags.set(k, v);
  tags.set('device', r.device);
  tags.set('template', r.template);
  tags.delete('event');
  if (r.event) tags.set('event', r.event);
  return [...tags].filter(([, v]) => v !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function checkEncoded(r: Reading, o: EncodeOptions, res: EncodeResult): void {
  if (!res.ok) {
    expect(res.reason.length).toBeGreaterThan(0);
    expect(res.detail.length).toBeGreaterThan(0);
    return;
  }
  const p = parseLine(res.line);
  expect(p.measurement).toBe(measurementOf(r.template));
  expect(p.tags).toEqual(expectedTags(r, o));
  expect(Object.keys(p.fields)).toEqual(Object.keys(r.fields));
  for (const [k, v] of Object.entries(r.fields)) {
    if (typeof v === 'number') expect(p.fields[k]).toBe(v === 0 ? 0 : v); // -0 is written as 0
    else expect(p.fields[k]).toBe(v);
  }
  expect(p.ts).toBe(String(Math.floor(r.ts)));
}

describe('line protocol encoder fuzzing', () => {
  it('any reading: a line that parses back to exactly the reading, or a refusal with a reason', () => {
    const enc = createLineEncoder();
    fc.assert(fc.property(reading, options, (r, o) => {
      checkEncoded(r, o, enc.encode(r, o));
    }), { numRuns: RUNS });
  }, T);

  it('the plan cache never changes the output: a long-lived encoder agrees with a fresh one', () => {
    const shared = createLineEncoder(4);
    fc.assert(fc.property(fc.array(fc.tuple(reading, options), { minLength: 1, maxLength: 30 }), (batch) => {
      for (const [r, o] of batch) expect(shared.encode(r, o)).toEqual(createLineEncoder().encode(r, o));
    }), { numRuns: RUNS / 10 });
  }, T);

  it('any timestamp: accepted only as an integer literal InfluxDB can hold (|ms| ≤ 2^63 ns), else bad_timestamp', () => {
    const enc = createLineEncoder();
    const ts = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e13, 1e16, 1e21, 1e300, -1e21, MAX_MS, MAX_MS + 1, -MAX_MS - 1, 2 ** 63));
    fc.assert(fc.property(ts, (t) => {
      const res = enc.encode({ template: 'energy-meter-1p', device: 'em-1', ts: t, fields: { power_w: 1 }, tags: {} });
      if (!res.ok) {
        expect(res.reason).toBe('bad_timestamp');
        return;
      }
      const lit = parseLine(res.line).ts;
      expect(Math.abs(Number(lit))).toBeLessThanOrEqual(MAX_MS);
    }), { numRuns: RUNS, examples: [[1e21], [1e16]] });
  }, T);

  it('a reading within the storable rules (what the pipeline acknowledges) is always encoded, and reads back as itself', () => {
    const enc = createLineEncoder();
    const anyText = fc.oneof(fc.string({ maxLength: 40, unit: 'binary' }), fc.string({ maxLength: 40, unit: 'grapheme' }), text,
      fc.constantFrom('a\\b', 'x'.repeat(256), '"', '🏫', 'é'.repeat(MAX_STRING_LIMIT)));
    const tagValue = anyText.filter((v) => tagValueProblem(v) === undefined);
    const stringValue = fc.tuple(anyText, fc.constantFrom(256, MAX_STRING_LIMIT)).filter(([v, max]) => stringProblem(v, max) === undefined).map(([v]) => v);
    const snake = fc.stringMatching(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
    const fieldValue = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), stringValue,
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }).map((n) => ({ int: n })));
    const storable = fc.record({
      template: fc.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/),
      device: tagValue.filter((v) => v !== ''),
      ts: fc.integer({ min: 0, max: MAX_MS }),
      fields: fc.dictionary(snake.filter((k) => !RESERVED_FIELD_NAMES.has(k)), fieldValue, { minKeys: 1, maxKeys: 5 }),
      tags: fc.dictionary(snake.filter((k) => !RESERVED_TAG_NAMES.has(k)), tagValue, { maxKeys: 3 }),
      event: fc.option(tagValue, { nil: undefined }),
      extra: fc.record({ site: tagValue, room: fc.option(tagValue, { nil: undefined }), person: fc.option(tagValue, { nil: undefined }) }),
    });
    fc.assert(fc.property(storable, ({ template, device, ts, fields, tags, event, extra }) => {
      const ints = new Set<string>();
      const plain: Reading['fields'] = {};
      for (const [k, v] of Object.entries(fields)) {
        if (typeof v === 'object') { ints.add(k); plain[k] = v.int; } else plain[k] = v;
      }
      const r: Reading = { template, device, ts, fields: plain, tags, ...(event === undefined ? {} : { event }) };
      const o: EncodeOptions = { integerFields: ints, extraTags: extra };
      const res = enc.encode(r, o);
      if (!res.ok) throw new Error(`a storable reading was refused: ${res.reason} (${res.detail})`);
      checkEncoded(r, o, res);
    }), { numRuns: RUNS });
  }, T);
});
