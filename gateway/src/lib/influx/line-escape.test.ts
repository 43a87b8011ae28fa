import { describe, expect, it } from 'vitest';
import { escapeKey, escapeMeasurement, quoteString } from './line-escape.js';

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
