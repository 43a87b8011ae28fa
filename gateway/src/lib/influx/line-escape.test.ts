import { describe, expect, it } from 'vitest';
import { escapeKey, escapeMeasurement, numberText, quoteString } from './line-escape.js';

describe('escaping (InfluxDB line protocol reference, "Special characters")', () => {
  it('measurement: escapes comma and space, leaves equals sign alone', () => {
    expect(escapeMeasurement('my measurement')).toBe('my\\ measurement');
    expect(escapeMeasurement('a,b')).toBe('a\\,b');
    expect(escapeMeasurement('a=b')).toBe('a=b');
    expect(escapeMeasurement('cpu')).toBe('cpu');
  });

  it('tag keys, tag values, field keys: escape comma, equals sign and space', () => {
    expect(escapeKey('tag key with spaces')).toBe('tag\\ key\\ with\\ spaces');
    expect(escapeKey('tag,value,with"commas"')).toBe('tag\\,value\\,with"commas"');
    expect(escapeKey('field_k=ey')).toBe('field_k\\=ey');
    expect(escapeKey('🏫 room')).toBe('🏫\\ room');
  });

  it('string field values: escape double quote and backslash only', () => {
    expect(quoteString('"string" within a string')).toBe('"\\"string\\" within a string"');
    expect(quoteString('C:\\path')).toBe('"C:\\\\path"');
    expect(quoteString('a, b = c')).toBe('"a, b = c"');
    expect(quoteString('')).toBe('""');
  });
});

describe('numberText', () => {
  it('writes every finite number exactly as String() does', () => {
    const fixed = [0, -0, 1, -1, 0.1, 120.3, 1e21, 1e-7, -1.5e-300, 2 ** 53, -(2 ** 53) + 1, 1700000000123, Number.MAX_VALUE, Number.MIN_VALUE, 5e-324];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const random = Array.from({ length: 2_000 }, (_, i) => (i % 2 ? Math.round(rnd() * 1e13) : (rnd() - 0.5) * 10 ** Math.round(rnd() * 40 - 20)));
    for (const v of [...fixed, ...random]) expect(numberText(v)).toBe(String(v));
  });
});
