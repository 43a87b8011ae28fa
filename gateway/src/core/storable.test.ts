import { describe, expect, it } from 'vitest';
import { MAX_STRING_CHARS, MAX_TAG_CHARS, stringProblem, tagValueProblem } from './storable.js';

describe('stringProblem: what a string field may hold in every store', () => {
  it('accepts text, quotes, backslashes, emoji (surrogate pairs) and CJK up to the limit', () => {
    for (const s of ['', 'whiteboard', 'say "hi"', 'C:\\path\\', '🏫 教室 101', 'tab-free, comma, = space', 'x'.repeat(MAX_STRING_CHARS)]) {
      expect(stringProblem(s), s).toBeUndefined();
    }
  });
  it('refuses control characters, naming the character and its index but not the text', () => {
    expect(stringProblem('white\nboard')).toEqual({ rule: 'control_character', detail: 'control character U+000A at index 5' });
    expect(stringProblem('cr\r')?.detail).toBe('control character U+000D at index 2');
    for (const s of ['\u0000', 'a\tb', '\u001b[2J', 'del\u007f']) expect(stringProblem(s)?.rule, JSON.stringify(s)).toBe('control_character');
  });
  it('refuses lone surrogates (UTF-8 cannot carry them; they would be replaced)', () => {
    for (const s of ['\ud800', 'x\udc00', '\udbffa', 'a\ud83c']) expect(stringProblem(s)?.rule, JSON.stringify(s)).toBe('not_well_formed');
    expect(stringProblem('\ud83c\udfeb')).toBeUndefined();
  });
  it('refuses text over the limit, which a template may raise', () => {
    expect(stringProblem('x'.repeat(MAX_STRING_CHARS + 1))).toEqual({ rule: 'too_long', detail: `text of ${MAX_STRING_CHARS + 1} characters (max ${MAX_STRING_CHARS})` });
    expect(stringProblem('x'.repeat(1000), 1000)).toBeUndefined();
  });
});

describe('tagValueProblem: tag values and device ids', () => {
  it('accepts ids, rooms and pseudonyms', () => {
    for (const s of ['L-101-1', 'Room 3, east', 'a=b', '8.12.33.4', 'p-0123456789abcdef01234567', '教学楼 A']) expect(tagValueProblem(s), s).toBeUndefined();
  });
  it('refuses a backslash anywhere (line protocol reads it as an escape), control characters and long values', () => {
    expect(tagValueProblem('Lab\\')).toEqual({ rule: 'backslash', detail: 'backslash at index 3 (not allowed in a tag value)' });
    expect(tagValueProblem('Lab\n2')?.rule).toBe('control_character');
    expect(tagValueProblem('x'.repeat(MAX_TAG_CHARS + 1))?.rule).toBe('too_long');
  });
});
