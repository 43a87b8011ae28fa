/**
 * Walks every template folder in device-templates/ and every sample in it:
 * good inputs decode to exactly their expected readings, bad inputs are rejected
 * with the expected code and reason.
 */
import { describe, expect, it } from 'vitest';
import { defaultTemplatesDir, loadAll } from './load.js';
import { decodeModbus, encodeModbusWrite, registerSpans } from './modbus-decode.js';
import { expectedReadings, runSampleInput } from './samples.js';

const { loaded, problems } = await loadAll(defaultTemplatesDir());

describe('device-templates', () => {
  it('loads every template folder without problems', () => {
    expect(problems).toEqual([]);
    expect(loaded.length).toBeGreaterThanOrEqual(3);
  });

  it('has unique ids equal to folder names', () => {
    const ids = loaded.map((l) => l.template.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const l of loaded) expect(l.dir.endsWith(l.template.id)).toBe(true);
  });

  it('health data is always attributable: a template with health fields has an id field', () => {
    for (const { template } of loaded) {
      if (template.fields.some((f) => f.privacy === 'health')) expect(template.fields.some((f) => f.privacy === 'id'), template.id).toBe(true);
    }
  });

  it('names every device type and field in Chinese, each field label once per template (a column header of the exports)', () => {
    for (const { template } of loaded) {
      expect(template.zh, template.id).toMatch(/\p{Script=Han}/u);
      const labels = template.fields.map((f) => f.zh);
      expect(new Set(labels).size, `${template.id}: ${labels.join(', ')}`).toBe(labels.length);
    }
  });

  for (const { template, samples } of loaded) {
    describe(template.id, () => {
      if (template.transport === 'modbus') {
        it('plans one register span per point', () => {
          expect(registerSpans(template)).toHaveLength(template.modbus.points.length);
        });
        const writable = template.modbus.points.filter((p) => p.writable);
        if (writable.length > 0) {
          it('writes round-trip: encodeModbusWrite then decodeModbus gives the value back', () => {
            for (const s of samples.good) {
              const want = s.expect[0]?.fields ?? {};
              for (const p of writable) {
                const w = encodeModbusWrite(template, p.field, want[p.field]);
                expect(w.ok, `${p.field}=${String(want[p.field])}`).toBe(true);
                if (!w.ok) continue;
                const blocks = w.table === 'coil'
                  ? { coil: new Map((w.values as boolean[]).map((v, i) => [w.address + i, v])) }
                  : { holding: new Map((w.values as number[]).map((v, i) => [w.address + i, v])) };
                const only = { ...template, modbus: { points: [p] } };
                expect(decodeModbus(only, blocks, { device: 'd', receivedAt: 0 })).toMatchObject({ ok: true, readings: [{ fields: { [p.field]: want[p.field] } }] });
              }
            }
          });
        }
      }
      for (const s of samples.good) {
        it(`good: ${s.name}`, () => {
          const got = runSampleInput(template, s);
          expect(got).toEqual({ ok: true, readings: expectedReadings(template, s) });
        });
      }
      for (const s of samples.bad) {
        it(`bad: ${s.name}`, () => {
          const got = runSampleInput(template, s);
          expect(got.ok).toBe(false);
          if (got.ok) return;
          expect(got.code).toBe(s.code);
          expect(got.reason).toContain(s.reason);
        });
      }
    });
  }
});
