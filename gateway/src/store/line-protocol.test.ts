import { describe, expect, it } from 'vitest';
import type { Reading } from '../core/reading.js';
import { createLineEncoder, encodeReading } from './line-protocol.js';

function reading(over: Partial<Reading> = {}): Reading {
  return { template: 'energy-meter-1p', device: 'em-1', ts: 1_700_000_000_123, fields: { power_w: 12.5 }, tags: {}, ...over };
}

function line(r: Reading, opts?: Parameters<typeof encodeReading>[1]): string {
  const res = encodeReading(r, opts);
  if (!res.ok) throw new Error(`rejected: ${res.reason} ${res.detail}`);
  return res.line;
}

function reason(r: Reading, opts?: Parameters<typeof encodeReading>[1]): string {
  const res = encodeReading(r, opts);
  return res.ok ? `accepted: ${res.line}` : res.reason;
}

describe('line protocol: the reference example', () => {
  it('the reference example line', () => {
    const r = reading({
      template: 'measurement with spaces',
      fields: { 'field_k=ey': 'string field value, only " need be escaped' },
      tags: { 'tag key with spaces': 'tag,value,with"commas"' },
    });
    expect(line(r)).toBe(
      'measurement\\ with\\ spaces,device=em-1,tag\\ key\\ with\\ spaces=tag\\,value\\,with"commas",template=measurement\\ with\\ spaces'
        + ' field_k\\=ey="string field value, only \\" need be escaped" 1700000000123',
    );
  });
});

describe('encodeReading schema (docs/interfaces.md "Storage")', () => {
  it('measurement from the template id, tags sorted by key, ms timestamp', () => {
    const r = reading({ tags: { phase: 'L1' } });
    expect(line(r, { extraTags: { site: 'north-high', room: 'B12', building: 'B', person: undefined } })).toBe(
      'energy_meter_1p,building=B,device=em-1,phase=L1,room=B12,site=north-high,template=energy-meter-1p power_w=12.5 1700000000123',
    );
  });

  it('device and template cannot be overridden by a reading tag; empty tags are omitted', () => {
    const r = reading({ tags: { device: 'spoofed', template: 'x', page: '' } });
    expect(line(r)).toBe('energy_meter_1p,device=em-1,template=energy-meter-1p power_w=12.5 1700000000123');
  });

  it('event readings carry an event tag', () => {
    const r = reading({ template: 'rfid-reader', device: 'door-1', event: 'access', fields: { granted: true, card_id: 'ab12' } });
    expect(line(r)).toBe('rfid_reader,device=door-1,event=access,template=rfid-reader granted=true,card_id="ab12" 1700000000123');
  });

  it('integers get an i only for fields declared integer; booleans true/false; floats as written', () => {
    const r = reading({ fields: { count: 42, ratio: 42, ok: false, big: 1e21, neg: -0.5 } });
    expect(line(r, { integerFields: new Set(['count']) })).toBe(
      'energy_meter_1p,device=em-1,template=energy-meter-1p count=42i,ratio=42,ok=false,big=1e+21,neg=-0.5 1700000000123',
    );
  });

  it('smart-pen stroke with its own tags', () => {
    const r = reading({ template: 'smart-pen', device: 'pen-07', ts: 1_700_000_000_001, fields: { x_mm: 10.25, y_mm: 3, pressure: 512 }, tags: { page: '3', stroke: '17' } });
    expect(line(r, { integerFields: new Set(['pressure']), extraTags: { site: 's', person: 'p-9f2c' } })).toBe(
      'smart_pen,device=pen-07,page=3,person=p-9f2c,site=s,stroke=17,template=smart-pen x_mm=10.25,y_mm=3,pressure=512i 1700000000001',
    );
  });
});

describe('rejections with a reason', () => {
  it('NaN and infinities', () => {
    expect(reason(reading({ fields: { power_w: Number.NaN } }))).toBe('nan_field');
    expect(reason(reading({ fields: { power_w: Number.POSITIVE_INFINITY } }))).toBe('infinite_field');
    expect(reason(reading({ fields: { power_w: Number.NEGATIVE_INFINITY } }))).toBe('infinite_field');
  });

  it('integers that are not integers or not exact', () => {
    const integerFields = new Set(['n']);
    expect(reason(reading({ fields: { n: 1.5 } }), { integerFields })).toBe('non_integer_field');
    expect(reason(reading({ fields: { n: 2 ** 60 } }), { integerFields })).toBe('integer_out_of_range');
  });

  it('newlines anywhere ("not supported in tag or field values")', () => {
    expect(reason(reading({ fields: { note: 'a\nb' } }))).toBe('newline_in_value');
    expect(reason(reading({ tags: { room: 'a\r\nb' } }))).toBe('newline_in_value');
    expect(reason(reading({ fields: { 'a\nb': 1 } }))).toBe('newline_in_value');
  });

  it('a backslash that would become an escape', () => {
    expect(reason(reading({ tags: { room: 'ends\\' } }))).toBe('ambiguous_backslash');
    expect(reason(reading({ tags: { room: 'a\\ b' } }))).toBe('ambiguous_backslash');
    expect(line(reading({ tags: { room: 'a\\b' } }))).toContain('room=a\\b,');
  });

  it('no fields, reserved time key, bad timestamp, over-long strings', () => {
    expect(reason(reading({ fields: {} }))).toBe('no_fields');
    expect(reason(reading({ fields: { time: 1 } }))).toBe('reserved_key_time');
    expect(reason(reading({ tags: { time: 'x' } }))).toBe('reserved_key_time');
    expect(reason(reading({ ts: Number.NaN }))).toBe('bad_timestamp');
    expect(reason(reading({ fields: { s: 'x'.repeat(70_000) } }))).toBe('string_too_long');
  });
});

describe('createLineEncoder (cached plans per reading shape)', () => {
  it('gives the same lines as a fresh encoder whatever the order of shapes', () => {
    const shapes: Reading[] = [
      reading(),
      reading({ tags: { phase: 'L1' } }),
      reading({ fields: { energy_wh: 5, power_w: 1 } }),
      reading({ event: 'alarm' }),
      reading({ tags: { phase: '' } }),
      reading({ tags: { site: 'from-reading' } }),
      reading({ fields: { time: 1 } }),
    ];
    const cached = createLineEncoder();
    const opts = { integerFields: new Set(['energy_wh']), extraTags: { site: 's1', room: undefined } };
    for (let round = 0; round < 3; round++) {
      for (const r of shapes) expect(cached.encode(r, opts)).toEqual(createLineEncoder().encode(r, opts));
    }
    expect(cached.encode(shapes[5] as Reading, { extraTags: { site: '' } })).toMatchObject({ ok: true, line: expect.stringContaining('site=from-reading') });
    expect(cached.encode(shapes[2] as Reading, opts)).toMatchObject({ line: expect.stringContaining('energy_wh=5i,power_w=1 ') });
    expect(cached.encode(shapes[2] as Reading, {})).toMatchObject({ line: expect.stringContaining('energy_wh=5,power_w=1 ') });
  });
});
