import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addToBlocks, planRegisterReads, PlanError, type RegisterSpan } from './plan.js';

describe('planRegisterReads', () => {
  it('merges contiguous spans of one table into one request', () => {
    // energy-meter-1p: five f32 + one u32, holding 0..11
    const spans: RegisterSpan[] = [0, 2, 4, 6, 8, 10].map((address) => ({ table: 'holding', address, count: 2 }));
    expect(planRegisterReads(spans)).toEqual([{ table: 'holding', fc: 3, address: 0, count: 12 }]);
  });

  it('keeps one request per table and function code', () => {
    // lighting-relay-8ch: coils 0-7, input registers 0-8
    const spans: RegisterSpan[] = [
      ...Array.from({ length: 8 }, (_, i): RegisterSpan => ({ table: 'coil', address: i, count: 1 })),
      ...Array.from({ length: 9 }, (_, i): RegisterSpan => ({ table: 'input', address: i, count: 1 })),
    ];
    expect(planRegisterReads(spans)).toEqual([
      { table: 'coil', fc: 1, address: 0, count: 8 },
      { table: 'input', fc: 4, address: 0, count: 9 },
    ]);
  });

  it('bridges a gap up to maxGap and splits beyond it', () => {
    const spans: RegisterSpan[] = [{ table: 'holding', address: 0, count: 2 }, { table: 'holding', address: 6, count: 1 }];
    expect(planRegisterReads(spans, { maxGap: 4 })).toEqual([{ table: 'holding', fc: 3, address: 0, count: 7 }]);
    expect(planRegisterReads(spans, { maxGap: 3 })).toEqual([
      { table: 'holding', fc: 3, address: 0, count: 2 },
      { table: 'holding', fc: 3, address: 6, count: 1 },
    ]);
  });

  it('never exceeds 125 registers and never splits a span', () => {
    const spans: RegisterSpan[] = Array.from({ length: 100 }, (_, i): RegisterSpan => ({ table: 'input', address: i * 2, count: 2 }));
    const plan = planRegisterReads(spans);
    expect(plan.map((r) => r.count)).toEqual([124, 76]);
    expect(plan[1]?.address).toBe(124);
  });

  it('merges overlapping and duplicate spans', () => {
    const spans: RegisterSpan[] = [{ table: 'holding', address: 3, count: 1 }, { table: 'holding', address: 0, count: 4 }, { table: 'holding', address: 0, count: 4 }];
    expect(planRegisterReads(spans)).toEqual([{ table: 'holding', fc: 3, address: 0, count: 4 }]);
  });

  it('rejects spans the protocol cannot read', () => {
    expect(() => planRegisterReads([{ table: 'holding', address: 0, count: 126 }])).toThrow(PlanError);
    expect(() => planRegisterReads([{ table: 'holding', address: 65535, count: 2 }])).toThrow(PlanError);
    expect(() => planRegisterReads([{ table: 'coil', address: -1, count: 1 }])).toThrow(PlanError);
  });

  it('covers every span exactly once within the limits (property)', () => {
    const span = fc.record({
      table: fc.constantFrom('coil', 'discrete', 'input', 'holding') as fc.Arbitrary<RegisterSpan['table']>,
      address: fc.integer({ min: 0, max: 2000 }),
      count: fc.integer({ min: 1, max: 4 }),
    });
    fc.assert(fc.property(fc.array(span, { maxLength: 60 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 4, max: 125 }), (spans, maxGap, maxRegisters) => {
      const plan = planRegisterReads(spans, { maxGap, maxRegisters, maxBits: 16 });
      for (const r of plan) expect(r.count).toBeLessThanOrEqual(r.table === 'coil' || r.table === 'discrete' ? 16 : maxRegisters);
      for (const s of spans) {
        const holders = plan.filter((r) => r.table === s.table && r.address <= s.address && s.address + s.count <= r.address + r.count);
        expect(holders.length).toBe(1);
      }
      // requests of one table never overlap and are sorted
      for (let i = 1; i < plan.length; i++) {
        const a = plan[i - 1]!;
        const b = plan[i]!;
        if (a.table === b.table) expect(b.address).toBeGreaterThanOrEqual(a.address + a.count);
      }
    }));
  });
});

describe('addToBlocks', () => {
  it('maps answers back to addresses', () => {
    const blocks = {};
    addToBlocks(blocks, { table: 'coil', fc: 1, address: 2, count: 3 }, [true, false, true, false, false, false, false, false]);
    addToBlocks(blocks, { table: 'holding', fc: 3, address: 10, count: 2 }, [7, 9]);
    expect(blocks).toEqual({ coil: new Map([[2, true], [3, false], [4, true]]), holding: new Map([[10, 7], [11, 9]]) });
  });
});
