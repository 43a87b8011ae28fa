import { describe, expect, it } from 'vitest';
import { createIdentifierSet } from './identifier-set.js';

describe('identifier set', () => {
  it('is bounded: the least recently added value goes first, a value seen again stays', () => {
    const set = createIdentifierSet(4);
    for (const v of ['a', 'b', 'c', 'd']) set.add(v);
    set.add('e'); // full: a (oldest) goes
    expect(set.has('a')).toBe(false);
    set.add('b'); // b is old by now (aged past half the capacity): refreshed
    set.add('f'); // c is now the oldest
    expect(set.has('b')).toBe(true);
    expect(set.has('c')).toBe(false);
    expect(set.size).toBe(4);
    expect(set.evicted).toBe(2);
  });

  it('keeps a value seen on every reading through a stream of new ones', () => {
    const set = createIdentifierSet(100);
    for (let i = 0; i < 10_000; i++) {
      set.add('pen-1');
      set.add(`card-${i}`);
    }
    expect(set.has('pen-1')).toBe(true);
    expect(set.size).toBe(100);
    set.add('');
    expect(set.has('')).toBe(false);
  });
});
