import { describe, expect, it } from 'vitest';
import { createIdentifierSet } from './identifier-set.js';
import { assertNoPersonalData, createUplinkGuard, PersonalDataError } from './guard.js';
import type { TemplateLike } from './template-like.js';

const templates: TemplateLike[] = [
  { id: 'smart-pen', fields: [{ name: 'pen', type: 'string', role: 'state', privacy: 'id' }, { name: 'x_mm', type: 'number', role: 'gauge' }] },
  { id: 'morning-check-kiosk', fields: [{ name: 'card', type: 'string', role: 'event', privacy: 'id' }, { name: 'body_temp_c', type: 'number', role: 'gauge', privacy: 'health' }] },
];

const summary = { id: 'a', site: 's', kind: 'writing-activity', values: { active_pens: 6 }, rows: [{ tags: { room: '3-2' }, values: { strokes: 40 } }] };

describe('uplink guard', () => {
  it('passes an aggregate summary', () => {
    expect(() => assertNoPersonalData(summary, templates)).not.toThrow();
  });

  it('refuses a field marked id or health, or a person key, at any depth', () => {
    expect(() => assertNoPersonalData({ rows: [{ values: { body_temp_c: 36.6 } }] }, templates)).toThrow(PersonalDataError);
    expect(() => assertNoPersonalData({ a: { b: [{ pen: 'p-1' }] } }, templates)).toThrow(/private_field at \$\.a\.b\[0\]\.pen/);
    expect(() => assertNoPersonalData({ person: 'x' }, templates)).toThrow(/private_field/);
  });

  it('refuses a clear identifier seen at ingest, as a value, a token or a key, and counts refusals', () => {
    const ids = createIdentifierSet(10);
    ids.add('P-00123');
    ids.add('S2023001');
    const guard = createUplinkGuard({ templates: () => templates, identifiers: ids });
    expect(guard.check(summary)).toEqual({ ok: true });
    expect(guard.check({ note: 'P-00123' })).toEqual({ ok: false, reason: 'clear_identifier', path: '$.note' });
    expect(guard.check({ rooms: ['3-2', 'pen P-00123 left'] })).toMatchObject({ ok: false, reason: 'clear_identifier' });
    expect(guard.check({ byCard: { S2023001: 1 } })).toMatchObject({ ok: false, reason: 'clear_identifier' });
    expect(guard.check({ values: { card: 'p-abc' } })).toMatchObject({ ok: false, reason: 'private_field' });
    expect(guard.refused()).toEqual({ private_field: 1, clear_identifier: 3 });
  });

  it('keeps a bounded set of identifiers, evicting the oldest', () => {
    const ids = createIdentifierSet(2);
    ids.add('a');
    ids.add('b');
    ids.add('c');
    expect([ids.has('a'), ids.has('b'), ids.has('c'), ids.size, ids.evicted]).toEqual([false, true, true, 2, 1]);
  });
});
