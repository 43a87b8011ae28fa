import { describe, expect, it } from 'vitest';
import { snakeCase, snakeCaseKeys } from './json-case.js';

describe('snakeCase', () => {
  it('maps camelCase names and leaves snake_case and kebab-case ones', () => {
    expect(snakeCase('connectionsOpen')).toBe('connections_open');
    expect(snakeCase('qos0Throttled')).toBe('qos0_throttled');
    expect(snakeCase('wsOriginRefused')).toBe('ws_origin_refused');
    expect(snakeCase('spool_batches')).toBe('spool_batches');
    expect(snakeCase('student-wristband')).toBe('student-wristband');
  });

  it('maps nested plain objects, not arrays or their items', () => {
    expect(snakeCaseKeys({ lastError: 'x', refusedByReason: { personal_field: 2 }, list: [{ keepMe: 1 }] }))
      .toEqual({ last_error: 'x', refused_by_reason: { personal_field: 2 }, list: [{ keepMe: 1 }] });
  });
});
