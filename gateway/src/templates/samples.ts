/**
 * Golden samples (device-templates/<id>/samples.yaml): good inputs with their
 * exact normalized output, bad inputs with the expected rejection. Every
 * template's samples run in `templates check`, at load, and in the unit tests.
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { Reading } from '../core/reading.js';
import { decodeModbus, type RegisterBlocks } from './modbus-decode.js';
import { decodeMqtt } from './mqtt-decode.js';
import { REJECT_CODES, show, type DecodeResult } from './result.js';
import type { Template } from './schema.js';
import { decodeSerialLine } from './serial-decode.js';

const wordRuns = z.record(z.string().regex(/^\d+$/, 'a start address'), z.array(z.number().int().min(0).max(0xffff)));
const bitRuns = z.record(z.string().regex(/^\d+$/, 'a start address'), z.array(z.boolean()));

const inputSchema = {
  name: z.string().min(1),
  device: z.string().default('sample-device'),
  receivedAt: z.number().int().default(1_700_000_000_000),
  channel: z.enum(['telemetry', 'event']).default('telemetry'),
  /** MQTT: a JSON value (serialized) or a raw string sent as is. */
  payload: z.unknown().optional(),
  raw: z.string().optional(),
  /** Modbus: start address → consecutive words (or bits). */
  registers: z.strictObject({ coil: bitRuns.optional(), discrete: bitRuns.optional(), input: wordRuns.optional(), holding: wordRuns.optional() }).optional(),
  /** Serial: one line, without its delimiter. */
  line: z.string().optional(),
};

const expectedReading = z.strictObject({
  ts: z.number(),
  fields: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
  tags: z.record(z.string(), z.string()).default({}),
  event: z.string().optional(),
});

export const samplesSchema = z.strictObject({
  good: z.array(z.strictObject({ ...inputSchema, expect: z.array(expectedReading).min(1) })).min(2),
  bad: z.array(z.strictObject({ ...inputSchema, code: z.enum(REJECT_CODES), reason: z.string().min(1).describe('text the rejection reason must contain') })).min(2),
});
export type Samples = z.output<typeof samplesSchema>;
type SampleInput = Samples['good'][number] | Samples['bad'][number];

function blocksOf(r: NonNullable<SampleInput['registers']>): RegisterBlocks {
  const words = (runs: Record<string, number[]> | undefined): Map<number, number> | undefined => {
    if (!runs) return undefined;
    const m = new Map<number, number>();
    for (const [start, ws] of Object.entries(runs)) ws.forEach((w, i) => m.set(Number(start) + i, w));
    return m;
  };
  const bits = (runs: Record<string, boolean[]> | undefined): Map<number, boolean> | undefined => {
    if (!runs) return undefined;
    const m = new Map<number, boolean>();
    for (const [start, bs] of Object.entries(runs)) bs.forEach((b, i) => m.set(Number(start) + i, b));
    return m;
  };
  return { coil: bits(r.coil), discrete: bits(r.discrete), input: words(r.input), holding: words(r.holding) };
}

/** Runs one sample input through the template's transport decoder. */
export function runSampleInput(t: Template, s: SampleInput): DecodeResult {
  const ctx = { device: s.device, receivedAt: s.receivedAt };
  if (t.transport === 'mqtt') {
    const payload = s.raw ?? JSON.stringify(s.payload);
    return decodeMqtt(t, payload, { ...ctx, channel: s.channel });
  }
  if (t.transport === 'modbus') return decodeModbus(t, blocksOf(s.registers ?? {}), ctx);
  return decodeSerialLine(t, s.line ?? '', ctx);
}

export function expectedReadings(t: Template, s: Samples['good'][number]): Reading[] {
  return s.expect.map((e) => ({ template: t.id, device: s.device, ts: e.ts, fields: e.fields, tags: e.tags, ...(e.event === undefined ? {} : { event: e.event }) }));
}

/** Returns the problems found running every sample ("samples.yaml: good[0] (name): …"). */
export function checkSamples(t: Template, samples: Samples, file: string): string[] {
  const out: string[] = [];
  const inputProblem = (s: SampleInput): string | undefined => {
    const want = t.transport === 'mqtt' ? 'payload or raw' : t.transport === 'modbus' ? 'registers' : 'line';
    const has = t.transport === 'mqtt' ? s.payload !== undefined || s.raw !== undefined : t.transport === 'modbus' ? s.registers !== undefined : s.line !== undefined;
    return has ? undefined : `needs ${want} for a ${t.transport} template`;
  };
  samples.good.forEach((s, i) => {
    const at = `${file}: good[${i}] (${s.name})`;
    const missing = inputProblem(s);
    if (missing) { out.push(`${at}: ${missing}`); return; }
    const got = runSampleInput(t, s);
    if (!got.ok) { out.push(`${at}: expected readings, got rejection ${got.code}: ${got.reason}`); return; }
    const want = expectedReadings(t, s);
    if (!isDeepStrictEqual(normalize(got.readings), normalize(want))) out.push(`${at}: expected ${show(want)} (in full: ${JSON.stringify(want)}), got ${JSON.stringify(got.readings)}`);
  });
  samples.bad.forEach((s, i) => {
    const at = `${file}: bad[${i}] (${s.name})`;
    const missing = inputProblem(s);
    if (missing) { out.push(`${at}: ${missing}`); return; }
    const got = runSampleInput(t, s);
    if (got.ok) out.push(`${at}: expected rejection ${s.code}, got ${got.readings.length} reading(s)`);
    else if (got.code !== s.code || !got.reason.includes(s.reason)) out.push(`${at}: expected ${s.code} with a reason containing ${JSON.stringify(s.reason)}, got ${got.code}: ${got.reason}`);
  });
  return out;
}

/** Plain objects with keys sorted, so key order never matters in a comparison. */
function normalize(rs: Reading[]): unknown {
  return JSON.parse(JSON.stringify(rs, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v)));
}
