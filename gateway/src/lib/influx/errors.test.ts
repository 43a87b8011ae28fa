import { describe, expect, it } from 'vitest';
import { classifyStatus, parseBadRequest, parseRetryAfter, shortReason } from './errors.js';

// Bodies as InfluxDB 1.6.7 (Debian) answered them here, and as 2.x / 3.x document them.
const V1_PARSE = '{"error":"partial write: unable to parse \'b,t=x v= 1000\': missing field value\\nunable to parse \'c v=tru 1000\': invalid boolean dropped=0"}\n';
const V1_CONFLICT = '{"error":"partial write: field type conflict: input field \\"v\\" on measurement \\"a\\" is type float, already exists as type integer dropped=1"}\n';
const V1_ALL_BAD = '{"error":"unable to parse \'only bad=\': missing field value"}\n';
const V3_PARTIAL = JSON.stringify({ error: 'partial write of line protocol occurred', data: [{ original_line: 'm v=x 1', line_number: 2, error_message: 'invalid field value' }] });

describe('parseBadRequest', () => {
  it('names the refused lines of a 1.x partial write', () => {
    const d = parseBadRequest(V1_PARSE);
    expect(d.partial).toBe(true);
    expect([...d.lines]).toEqual([['b,t=x v= 1000', 'missing field value'], ['c v=tru 1000', 'invalid boolean']]);
    expect(d.dropped).toEqual([]);
  });

  it('counts engine drops (field type conflict)', () => {
    const d = parseBadRequest(V1_CONFLICT);
    expect(d.partial).toBe(true);
    expect(d.lines.size).toBe(0);
    expect(d.dropped).toEqual([{ reason: 'field type conflict', count: 1 }]);
  });

  it('a batch where nothing parsed is not a partial write', () => {
    const d = parseBadRequest(V1_ALL_BAD);
    expect(d.partial).toBe(false);
    expect([...d.lines.keys()]).toEqual(['only bad=']);
  });

  it('reads 3.x original_line entries', () => {
    const d = parseBadRequest(V3_PARTIAL);
    expect(d.partial).toBe(true);
    expect(d.lines.get('m v=x 1')).toBe('invalid field value');
  });

  it('keeps reasons low-cardinality for counters', () => {
    expect(shortReason('field type conflict: input field "v" on measurement "a" is type float dropped=3')).toBe(
      'influx_rejected: field type conflict: input field "" on measurement "" is type float',
    );
  });
});

describe('classifyStatus and Retry-After', () => {
  it('sorts statuses into ok, bad request, too large and retry', () => {
    expect(classifyStatus(204, '', null)).toEqual({ kind: 'ok' });
    expect(classifyStatus(400, 'x', null).kind).toBe('bad-request');
    expect(classifyStatus(413, '', null).kind).toBe('too-large');
    expect(classifyStatus(503, '{"error":"busy"}', '7')).toEqual({ kind: 'retry', reason: 'http_503: busy', retryAfterMs: 7000 });
    expect(classifyStatus(404, '{"error":"database not found: \\"x\\""}', null)).toEqual({ kind: 'retry', reason: 'http_404: database not found: "x"' });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
