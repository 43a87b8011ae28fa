/**
 * Walks every template folder in device-templates/ and every sample in it:
 * good inputs decode to exactly their expected readings, bad inputs are rejected
 * with the expected code and reason.
 */
import { describe, expect, it } from 'vitest';
import { defaultTemplatesDir, loadAll } from './load.js';
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

  for (const { template, samples } of loaded) {
    describe(template.id, () => {
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
