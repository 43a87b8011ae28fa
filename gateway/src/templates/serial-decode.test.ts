import { describe, expect, it } from 'vitest';
import { templateSchema, type Template } from './schema.js';
import { decodeSerialLine, serialSettings } from './serial-decode.js';
import { labelled } from '../../test/fixtures/template-labels.js';

const ctx = { device: 's1', receivedAt: 9_000 };
function tpl(doc: Record<string, unknown>): Template {
  return templateSchema.parse(labelled({ id: 's', name: 's', category: 'test', transport: 'serial', ...doc }));
}

function nmea(body: string): string {
  let x = 0;
  for (const c of body) x ^= c.charCodeAt(0);
  return `$${body}*${x.toString(16).toUpperCase().padStart(2, '0')}`;
}

describe('decodeSerialLine', () => {
  const noise = tpl({
    fields: [{ name: 'laeq_db', type: 'number', unit: 'dB', min: 20, max: 140, role: 'gauge' }],
    serial: { baudRate: 9600, checksum: 'nmea', lines: [{ csv: [{ const: 'NOISE' }, { field: 'laeq_db' }, { const: 'A', code: 'device_invalid', reason: 'marked invalid' }] }] },
  });

  it('checks an NMEA checksum, then decodes typed columns', () => {
    expect(decodeSerialLine(noise, nmea('NOISE,52.3,A'), ctx)).toEqual({ ok: true, readings: [{ template: 's', device: 's1', ts: 9_000, fields: { laeq_db: 52.3 }, tags: {} }] });
    expect(decodeSerialLine(noise, '$NOISE,52.3,A*00', ctx)).toMatchObject({ ok: false, code: 'bad_checksum' });
    expect(decodeSerialLine(noise, nmea('NOISE,52.3,V'), ctx)).toMatchObject({ ok: false, code: 'device_invalid', reason: 'marked invalid: column 3 is "V"' });
    expect(decodeSerialLine(noise, nmea('NOISE,52.3'), ctx)).toMatchObject({ ok: false, code: 'truncated' });
    expect(decodeSerialLine(noise, nmea('NOISE,abc,A'), ctx)).toMatchObject({ ok: false, code: 'wrong_type', reason: expect.stringContaining('laeq_db') });
    expect(decodeSerialLine(noise, 'NOISE,52.3,A', ctx)).toMatchObject({ ok: false, code: 'bad_line' });
  });

  it('dispatches csv lines on their first column and pivots on a select column', () => {
    const ft = tpl({
      fields: [
        { name: 'card_id', type: 'string', privacy: 'id', role: 'event' },
        { name: 'height_cm', type: 'number', unit: 'cm', min: 50, max: 250, privacy: 'health', role: 'event' },
        { name: 'weight_kg', type: 'number', unit: 'kg', min: 10, max: 200, privacy: 'health', role: 'event' },
      ],
      serial: { baudRate: 9600, lines: [{ event: 'result', csv: [{ const: 'FT' }, { field: 'card_id' }, { select: { HEIGHT: { field: 'height_cm', unit: 'cm' }, WEIGHT: { field: 'weight_kg', unit: 'kg' } } }, { selectedValue: true }, { selectedUnit: true }] }] },
    });
    expect(decodeSerialLine(ft, 'FT,S1,WEIGHT,41.5,kg', ctx)).toMatchObject({ ok: true, readings: [{ fields: { card_id: 'S1', weight_kg: 41.5 }, event: 'result' }] });
    expect(decodeSerialLine(ft, 'FT,S1,HEIGHT,41.5,kg', ctx)).toMatchObject({ ok: false, code: 'wrong_type', reason: expect.stringContaining('unit should be "cm"') });
    expect(decodeSerialLine(ft, 'FT,S1,SHOE,41,eu', ctx)).toMatchObject({ ok: false, code: 'unknown_enum' });
    expect(decodeSerialLine(ft, 'XX,1', ctx)).toMatchObject({ ok: false, code: 'bad_line' });
  });

  it('decodes anchored regex replies into partial readings and maps ERR replies to rejections', () => {
    const pj = tpl({
      fields: [
        { name: 'power', type: 'enum', values: ['standby', 'on'], role: 'state' },
        { name: 'lamp_hours', type: 'integer', unit: 'h', min: 0, max: 99999, role: 'counter' },
      ],
      serial: {
        baudRate: 9600, delimiter: '\r', poll: { commands: ['%1POWR ?', '%1LAMP ?'] },
        lines: [
          { regex: '^%1POWR=(?<p>[01])$', groups: { p: { field: 'power', map: { 0: 'standby', 1: 'on' } } } },
          { regex: '^%1LAMP=(?<h>\\d{1,5}) [01]$', groups: { h: { field: 'lamp_hours' } } },
          { regex: '^%1(?<cmd>[A-Z]{4})=ERR(?<n>[1-4])$', error: { code: 'device_error', reason: 'replied ERR{n} to {cmd}' } },
        ],
      },
    });
    expect(decodeSerialLine(pj, '%1POWR=1', ctx)).toMatchObject({ ok: true, readings: [{ fields: { power: 'on' } }] });
    expect(decodeSerialLine(pj, '%1LAMP=1234 1\r', ctx)).toMatchObject({ ok: true, readings: [{ fields: { lamp_hours: 1234 } }] });
    expect(decodeSerialLine(pj, '%1LAMP=ERR3', ctx)).toEqual({ ok: false, code: 'device_error', reason: 'replied ERR3 to LAMP' });
    expect(decodeSerialLine(pj, '%1POWR=7', ctx)).toMatchObject({ ok: false, code: 'bad_line' });
    expect(serialSettings(pj)).toEqual({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1, delimiter: '\r', poll: { commands: ['%1POWR ?', '%1LAMP ?'] } });
  });

  it('decodes a hostile long line in linear time (no catastrophic backtracking)', () => {
    const line = `FT,${'9'.repeat(200_000)}`;
    const started = process.hrtime.bigint();
    expect(decodeSerialLine(noise, nmea(line), ctx)).toMatchObject({ ok: false });
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2_000);
  });
});
