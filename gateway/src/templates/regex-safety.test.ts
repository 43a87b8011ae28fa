import { describe, expect, it } from 'vitest';
import { regexProblem } from './regex-safety.js';

describe('regexProblem', () => {
  it('accepts anchored regexes without nested quantifiers', () => {
    expect(regexProblem('^%1POWR=(?<p>[0-3])$')).toBeUndefined();
    expect(regexProblem('^%1LAMP=(?<h>\\d{1,6}) (?<on>[01])$')).toBeUndefined();
    expect(regexProblem('^(?<a>[0-2])(?<b>[0-2])?$')).toBeUndefined();
  });
  it('refuses unanchored, invalid and catastrophic patterns', () => {
    expect(regexProblem('%1POWR=(\\d)')).toMatch(/anchored/);
    expect(regexProblem('^(a+)+$')).toMatch(/catastrophic/);
    expect(regexProblem('^(a|aa)*$')).toMatch(/catastrophic/);
    expect(regexProblem('^((ab)*c)+$')).toMatch(/catastrophic/);
    expect(regexProblem('^([a-z')).toMatch(/not a valid/);
  });
});
