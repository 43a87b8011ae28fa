/**
 * Issue #16 item 11: a rejection reason never carries a personal value. For every template with
 * personal fields (`privacy: id` or `health`), the catalog samples are broken in every way that
 * involves a personal value or the input's structure (a marker put in a personal field, the event
 * name, the time, a tag, a const or selector column, the whole payload): whatever the decoder
 * says, the marker is not in the reason. Non-personal fields may show their value (short).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultTemplatesDir, loadAll } from './load.js';
import { decodeMqtt } from './mqtt-decode.js';
import type { DecodeResult } from './result.js';
import type { Template } from './schema.js';
import { decodeSerialLine } from './serial-decode.js';

const { loaded } = await loadAll(defaultTemplatesDir());
const personal = loaded.filter(({ template: t }) => t.fields.some((f) => f.privacy !== undefined));
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const MARK = 'ZQ4711';
const ctx = { device: 'dev-1', receivedAt: 1_700_000_000_000 };

/** Values that carry the marker, of every type a broken device could send. */
const marked = fc.constantFrom<unknown>(MARK, `${MARK}\n`, `${MARK}\u0000x`, `\ud800${MARK}`, MARK.repeat(60), 4711.5, -4711, 4711, 47114711,
  [MARK], [`${MARK}`, 'x'], { id: MARK }, `${MARK},${MARK}`, ` ${MARK} `);

function expectNoMark(t: Template, r: DecodeResult, input: string): void {
  if (r.ok) return;
  expect(r.reason, `${t.id}: ${input.slice(0, 120)}`).not.toContain(MARK);
  expect(r.reason, `${t.id}: ${input.slice(0, 120)}`).not.toContain('4711');
}

function personalKeys(t: Template): string[] {
  if (t.transport !== 'mqtt') return [];
  const keyOf = (src: string | { key: string }): string => (typeof src === 'string' ? src : src.key);
  const isPersonal = (name: string): boolean => t.fields.find((f) => f.name === name)?.privacy !== undefined;
  const sources = [Object.entries(t.mqtt.fields), ...Object.values(t.mqtt.events ?? {}).map((e) => Object.entries(e.fields))].flat();
  const keys = sources.filter(([name]) => isPersonal(name)).map(([, src]) => keyOf(src));
  // Not fields, but structure: the event name, the time, the tags (often identifiers).
  return [...keys, t.mqtt.eventKey, t.mqtt.tsKey, ...Object.values(t.mqtt.tags ?? {})];
}

/** Sets `path` (a.b) in every object of a sample (one object or an array of them). */
function put(payload: unknown, path: string, value: unknown): unknown {
  const set = (o: unknown): unknown => {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return o;
    const [head, ...rest] = path.split('.') as [string, ...string[]];
    const copy: Record<string, unknown> = { ...(o as Record<string, unknown>) };
    copy[head] = rest.length === 0 ? value : put(copy[head] ?? {}, rest.join('.'), value);
    return copy;
  };
  return Array.isArray(payload) ? payload.map(set) : set(payload);
}

/** CSV columns whose text may be personal or structural (not a non-personal field's value). */
function guardedColumns(t: Template, head: string): number[] {
  if (t.transport !== 'serial') return [];
  const rule = t.serial.lines.find((r) => 'csv' in r && r.csv[0] !== undefined && 'const' in r.csv[0] && r.csv[0].const === head);
  if (rule === undefined || !('csv' in rule)) return [];
  const isPersonal = (name: string): boolean => t.fields.find((f) => f.name === name)?.privacy !== undefined;
  const selectsPersonal = rule.csv.some((c) => 'select' in c && Object.values(c.select).every((s) => isPersonal(s.field)));
  return rule.csv.flatMap((c, i) => ('field' in c ? (isPersonal(c.field) ? [i] : []) : 'selectedValue' in c ? (selectsPersonal ? [i] : []) : [i]));
}

describe('rejection reasons of personal templates carry no personal value', () => {
  it('covers the personal templates of the catalog', () => {
    expect(personal.map((l) => l.template.id).sort()).toEqual(['class-sign', 'door-access', 'fitness-test-station', 'morning-check-kiosk', 'response-clicker', 'smart-jump-rope', 'smart-pen', 'student-wristband']);
  });

  for (const { template: t, samples } of personal) {
    const inputs = [...samples.good, ...samples.bad];
    if (t.transport === 'mqtt') {
      it(`${t.id}: a marked value in a personal key, the event, the time or a tag`, () => {
        const payloads = inputs.filter((s) => s.payload !== undefined);
        const keys = personalKeys(t);
        fc.assert(fc.property(fc.constantFrom(...payloads), fc.constantFrom(...keys), marked, (s, key, value) => {
          const payload = JSON.stringify(put(s.payload, key, value));
          expectNoMark(t, decodeMqtt(t, payload, { ...ctx, channel: s.channel }), payload);
        }), { numRuns: RUNS * 2 });
      });
      it(`${t.id}: a broken payload holding a marked value`, () => {
        const good = JSON.stringify(samples.good[0]?.payload ?? {});
        for (const payload of [`{"card":"${MARK}",`, `"${MARK}"`, `[${MARK}]`, `["${MARK}"]`, MARK, `{"x":1}${MARK}`, good.slice(0, good.length - 1) + `,"${MARK}"}`]) {
          for (const channel of ['telemetry', 'event'] as const) expectNoMark(t, decodeMqtt(t, payload, { ...ctx, channel }), payload);
        }
      });
    } else {
      const lines = inputs.map((s) => s.line).filter((l): l is string => l !== undefined);
      it(`${t.id}: a marked value in a personal or structural column, or a whole line`, () => {
        fc.assert(fc.property(fc.constantFrom(...lines), fc.nat(), marked, (line, at, value) => {
          const cols = line.split(',');
          const guarded = guardedColumns(t, cols[0] ?? '');
          if (guarded.length > 0) cols[guarded[at % guarded.length] as number] = String(value);
          const mutated = cols.join(',');
          expectNoMark(t, decodeSerialLine(t, mutated, ctx), mutated);
        }), { numRuns: RUNS * 2 });
        for (const line of [MARK, `${MARK},${MARK}`, `$${MARK}*00`, `${lines[0]},${MARK}`, `${(lines[0] ?? '').split(',').slice(0, 2).join(',')},${MARK}`]) {
          expectNoMark(t, decodeSerialLine(t, line, ctx), line);
        }
      });
    }
  }
});
