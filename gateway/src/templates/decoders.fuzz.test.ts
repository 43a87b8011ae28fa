/**
 * Property fuzzing of every template's decoder (issue #10): any input — random
 * JSON, mutated catalog samples, random bytes as a serial line, random register
 * blocks of any length — yields readings whose every field is typed and inside
 * its documented range, or a rejection with a known code and a reason. Never
 * an exception, never a hang on a pathological line.
 * And (issue #16) every reading that decodes can be stored: the line-protocol encoder (the
 * strictest store) takes it, so nothing is acknowledged that a store would then drop. The
 * samples are also mutated with hostile strings (control characters, lone surrogates,
 * backslashes, quotes, over-long text) in every string they hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../core/reading.js';
import { createLineEncoder } from '../store/line-protocol.js';
import { defaultTemplatesDir, loadAll } from './load.js';
import { decodeModbus, registerSpans, type RegisterBlocks } from './modbus-decode.js';
import { decodeMqtt } from './mqtt-decode.js';
import { REJECT_CODES, type DecodeResult } from './result.js';
import type { Template } from './schema.js';
import { decodeSerialLine } from './serial-decode.js';

const { loaded } = await loadAll(defaultTemplatesDir());
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const RECEIVED_AT = 1_700_000_000_000;
const codes = new Set<string>(REJECT_CODES);
/** Generous: the CI machine is 2 cores shared with other suites; outcomes are asserted, not speed. */
const T = 120_000;
const encoder = createLineEncoder();
const integerFields = new Map(loaded.map(({ template: t }) => [t.id, new Set(t.fields.filter((f) => f.type === 'integer').map((f) => f.name))]));
const EXTRA_TAGS = { site: 'fuzz-school', building: 'B', room: '101' };

/** The invariant: typed, in-range readings of this template, or a coded rejection with a reason. */
function checkResult(t: Template, device: string, r: DecodeResult): void {
  if (!r.ok) {
    expect(codes.has(r.code), `unknown reject code ${r.code}`).toBe(true);
    expect(typeof r.reason).toBe('string');
    expect(r.reason.length).toBeGreaterThan(0);
    return;
  }
  for (const reading of r.readings) checkReading(t, device, reading);
}

function checkReading(t: Template, device: string, reading: Reading): void {
  expect(reading.template).toBe(t.id);
  expect(reading.device).toBe(device);
  expect(Number.isFinite(reading.ts)).toBe(true);
  for (const [name, value] of Object.entries(reading.fields)) {
    const def = t.fields.find((f) => f.name === name);
    if (def === undefined) throw new Error(`${t.id}: reading has undeclared field ${name}`);
    switch (def.type) {
      case 'number':
      case 'integer':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${t.id}.${name}: ${String(value)} is not a finite number`);
        if (def.type === 'integer' && !Number.isInteger(value)) throw new Error(`${t.id}.${name}: ${value} is not an integer`);
        if (value < (def.min ?? -Infinity) || value > (def.max ?? Infinity)) throw new Error(`${t.id}.${name}: ${value} outside ${def.min}…${def.max}`);
        break;
      case 'boolean':
        expect(typeof value).toBe('boolean');
        break;
      case 'string':
        expect(typeof value).toBe('string');
        break;
      case 'enum':
        if (typeof value !== 'string' || !(def.values ?? []).includes(value)) throw new Error(`${t.id}.${name}: ${String(value)} not in ${def.values?.join('|')}`);
        break;
    }
  }
  for (const v of Object.values(reading.tags)) expect(typeof v).toBe('string');
  const stored = encoder.encode(reading, { integerFields: integerFields.get(t.id), extraTags: EXTRA_TAGS });
  if (!stored.ok) throw new Error(`${t.id}: a reading that decoded cannot be stored (${stored.reason}: ${stored.detail}): ${JSON.stringify(reading).slice(0, 300)}`);
}

/** Strings no store can hold as they are, and ones every store can (to reach the encoder too). */
const hostileString = fc.oneof(
  fc.string({ maxLength: 30, unit: 'binary' }),
  fc.string({ maxLength: 30, unit: 'grapheme' }),
  fc.constantFrom('white\nboard', 'cr\r', 'nul\u0000', 'tab\t', 'esc\u001b[2J', 'del\u007f', '\ud800', 'x\udc00', '\udbff\udfff',
    'back\\', '\\', 'a\\,b', 'a b', 'a,b', 'a=b', '"quoted"', '#comment', 'time', '🏫 101', '', ' ', 'x'.repeat(256), 'x'.repeat(257), 'é'.repeat(20_000)),
);

/** Replaces strings anywhere in a sample payload (values, nested, in arrays) with hostile ones. */
function mutateStrings(v: unknown, rnd: () => number, str: () => string): unknown {
  if (typeof v === 'string') return rnd() < 0.6 ? str() : v;
  if (Array.isArray(v)) return v.map((x) => mutateStrings(x, rnd, str));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mutateStrings(x, rnd, str)]));
  return v;
}

/** Any JSON-ish value a buggy firmware could put under a key. */
const jsonValue = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1e308, -1e308, 2 ** 53 + 1, 0.1),
  fc.boolean(), fc.string({ maxLength: 20 }), fc.constant(null), fc.array(fc.integer(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }), fc.constantFrom('on', 'off', 'true', '1', 'NaN'),
);

/** Replaces, deletes or adds keys anywhere in a sample payload (objects and arrays, recursively). */
function mutate(v: unknown, rnd: () => number, val: () => unknown): unknown {
  if (Array.isArray(v)) {
    const out = v.map((x) => (rnd() < 0.15 ? val() : mutate(x, rnd, val)));
    if (rnd() < 0.1) out.splice(Math.floor(rnd() * (out.length + 1)), 0, val());
    if (rnd() < 0.1 && out.length > 0) out.pop();
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const p = rnd();
      if (p < 0.08) continue;
      out[k] = p < 0.3 ? val() : mutate(x, rnd, val);
    }
    return out;
  }
  return v;
}

const samplesOf = (id: string) => loaded.find((l) => l.template.id === id)?.samples;

describe('decoder fuzzing: every template', () => {
  it('loads all 34 templates', () => {
    expect(loaded.length).toBe(34);
  });

  for (const { template: t } of loaded) {
    const samples = samplesOf(t.id)!;
    const inputs = [...samples.good, ...samples.bad];
    describe(`${t.id} (${t.transport})`, () => {
      if (t.transport === 'mqtt') {
        const channels = ['telemetry', 'event'] as const;
        it('random JSON and random bytes', () => {
          fc.assert(fc.property(fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 })), fc.constantFrom(...channels), (payload, channel) => {
            checkResult(t, 'fz', decodeMqtt(t, payload, { device: 'fz', channel, receivedAt: RECEIVED_AT }));
          }), { numRuns: RUNS });
        }, T);
        it('catalog samples with hostile strings: rejected, or decoded and storable', () => {
          const payloads = inputs.filter((s) => s.payload !== undefined);
          fc.assert(fc.property(fc.constantFrom(...payloads), fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })), fc.infiniteStream(hostileString), (s, rs, ss) => {
            const payload = JSON.stringify(mutateStrings(s.payload, () => rs.next().value as number, () => ss.next().value as string));
            checkResult(t, 'fz', decodeMqtt(t, payload ?? 'null', { device: 'fz', channel: s.channel, receivedAt: RECEIVED_AT }));
          }), { numRuns: RUNS * 2 });
        }, T);
        it('mutated catalog samples (wrong types, missing and extra keys, out of range)', () => {
          const payloads = inputs.filter((s) => s.payload !== undefined);
          fc.assert(fc.property(fc.constantFrom(...payloads), fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })), fc.infiniteStream(jsonValue), (s, rs, vs) => {
            const payload = JSON.stringify(mutate(s.payload, () => rs.next().value as number, () => vs.next().value));
            checkResult(t, 'fz', decodeMqtt(t, payload ?? 'null', { device: 'fz', channel: s.channel, receivedAt: RECEIVED_AT }));
          }), { numRuns: RUNS * 2 });
        }, T);
      }
      if (t.transport === 'modbus') {
        const spans = registerSpans(t);
        it('random register blocks of any length', () => {
          const block = fc.record({
            extra: fc.integer({ min: -2, max: 3 }), // words read beyond or short of each span
            fill: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 0, maxLength: 80 }),
            bits: fc.array(fc.boolean(), { maxLength: 40 }),
            drop: fc.array(fc.nat(), { maxLength: 3 }),
          });
          fc.assert(fc.property(block, ({ extra, fill, bits, drop }) => {
            const b: Required<RegisterBlocks> = { coil: new Map(), discrete: new Map(), input: new Map(), holding: new Map() };
            let i = 0;
            for (const s of spans) {
              const n = Math.max(0, s.count + extra);
              for (let k = 0; k < n; k++, i++) {
                if (s.table === 'coil' || s.table === 'discrete') b[s.table].set(s.address + k, bits[i % Math.max(1, bits.length)] ?? false);
                else b[s.table].set(s.address + k, fill[i % Math.max(1, fill.length)] ?? 0);
              }
            }
            for (const d of drop) { b.holding.delete(d % 64); b.input.delete(d % 64); }
            checkResult(t, 'fz', decodeModbus(t, b, { device: 'fz', receivedAt: RECEIVED_AT }));
          }), { numRuns: RUNS * 2 });
        }, T);
        it('an empty read and out-of-u16 words', () => {
          checkResult(t, 'fz', decodeModbus(t, {}, { device: 'fz', receivedAt: RECEIVED_AT }));
          fc.assert(fc.property(fc.oneof(fc.integer(), fc.double()), (w) => {
            const m = new Map<number, number>();
            for (const s of spans) for (let k = 0; k < s.count; k++) m.set(s.address + k, w);
            checkResult(t, 'fz', decodeModbus(t, { input: m, holding: m }, { device: 'fz', receivedAt: RECEIVED_AT }));
          }), { numRuns: RUNS });
        }, T);
      }
      if (t.transport === 'serial') {
        const lines = inputs.map((s) => s.line).filter((l): l is string => l !== undefined);
        it('random bytes and random text as a line', () => {
          const bytes = fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u).toString('latin1'));
          fc.assert(fc.property(fc.oneof(bytes, fc.string({ maxLength: 300, unit: 'binary' })), (line) => {
            checkResult(t, 'fz', decodeSerialLine(t, line, { device: 'fz', receivedAt: RECEIVED_AT }));
          }), { numRuns: RUNS * 2 });
        }, T);
        it('mutated catalog lines (columns replaced, cut, repeated)', () => {
          const column = fc.oneof(fc.string({ maxLength: 8 }), fc.integer().map(String), fc.double().map(String), fc.constantFrom('', '-', '1e999', 'NaN', '0x10', '*', '$'));
          fc.assert(fc.property(fc.constantFrom(...lines), fc.nat(), column, fc.nat({ max: 3 }), (line, at, col, op) => {
            const cols = line.split(',');
            const i = at % cols.length;
            if (op === 0) cols[i] = col;
            else if (op === 1) cols.splice(i, 1);
            else if (op === 2) cols.splice(i, 0, col);
            const mutated = op === 3 ? line.slice(0, at % (line.length + 1)) : cols.join(',');
            checkResult(t, 'fz', decodeSerialLine(t, mutated, { device: 'fz', receivedAt: RECEIVED_AT }));
          }), { numRuns: RUNS * 2 });
        }, T);
        it('catalog lines with a hostile string in a column: rejected, or decoded and storable', () => {
          fc.assert(fc.property(fc.constantFrom(...lines), fc.nat(), hostileString, (line, at, text) => {
            const cols = line.split(',');
            cols[at % cols.length] = text;
            checkResult(t, 'fz', decodeSerialLine(t, cols.join(','), { device: 'fz', receivedAt: RECEIVED_AT }));
          }), { numRuns: RUNS * 2 });
        }, T);
        it('pathological long lines decode in bounded time (no catastrophic backtracking)', () => {
          const heads = [...new Set(lines.map((l) => l.split(',')[0] ?? ''))];
          const evil = [
            'a'.repeat(100_000), ','.repeat(100_000), '1'.repeat(100_000), ' '.repeat(100_000),
            ...heads.flatMap((h) => [h + ','.repeat(50_000), `${h},${'9'.repeat(50_000)}`, h + '1'.repeat(50_000) + '!', `${h}${'0 '.repeat(25_000)}x`]),
            `%1LAMP=${'1'.repeat(50_000)} 1`, `%1ERST=${'0'.repeat(50_000)}`, `$${'A,'.repeat(25_000)}*ZZ`,
          ];
          for (const line of evil) {
            const t0 = performance.now();
            checkResult(t, 'fz', decodeSerialLine(t, line, { device: 'fz', receivedAt: RECEIVED_AT }));
            // Exponential backtracking on 50k characters never finishes; linear work takes milliseconds.
            expect(performance.now() - t0).toBeLessThan(5_000);
          }
        }, T);
      }
    });
  }
});
