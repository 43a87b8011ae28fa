import { describe, expect, it } from 'vitest';
import { decodeMqtt } from './mqtt-decode.js';
import { templateSchema, type Template } from './schema.js';
import { labelled } from '../../test/fixtures/template-labels.js';

const ctx = { device: 'd1', channel: 'telemetry' as const, receivedAt: 1_000 };

function tpl(doc: Record<string, unknown>): Template {
  return templateSchema.parse(labelled({ id: 'x', name: 'x', category: 'test', transport: 'mqtt', ...doc }));
}

const light = tpl({
  fields: [
    { name: 'on', type: 'boolean', role: 'state' },
    { name: 'power_w', type: 'number', unit: 'W', min: 0, max: 500, role: 'gauge' },
  ],
  mqtt: { fields: { on: { key: 'relay', map: { 0: false, 1: true } }, power_w: 'm.p' } },
});

describe('decodeMqtt', () => {
  it('maps keys, nested paths and value maps; ts defaults to receive time', () => {
    expect(decodeMqtt(light, '{"relay":1,"m":{"p":12.5}}', ctx)).toEqual({
      ok: true, readings: [{ template: 'x', device: 'd1', ts: 1_000, fields: { on: true, power_w: 12.5 }, tags: {} }],
    });
  });

  it('accepts a Uint8Array payload and takes ts from the payload', () => {
    const r = decodeMqtt(light, new TextEncoder().encode('{"relay":0,"m":{"p":0},"ts":42}'), ctx);
    expect(r.ok && r.readings[0]?.ts).toBe(42);
  });

  it('rejects with a reason naming the field and the value', () => {
    expect(decodeMqtt(light, '{"relay":2,"m":{"p":1}}', ctx)).toEqual({ ok: false, code: 'unknown_enum', reason: 'on (relay): 2 is not one of 0|1', field: 'on' });
    expect(decodeMqtt(light, '{"relay":1,"m":{"p":-3}}', ctx)).toMatchObject({ ok: false, code: 'out_of_range', reason: 'power_w (m.p): -3 is outside 0…500' });
    expect(decodeMqtt(light, '{"relay":1,"m":{"p":1},"ts":"now"}', ctx)).toMatchObject({ ok: false, code: 'wrong_type' });
    expect(decodeMqtt(light, '[1,2]', ctx)).toMatchObject({ ok: false, code: 'wrong_type' });
    expect(decodeMqtt(light, new Uint8Array([0xff, 0xfe]), ctx)).toMatchObject({ ok: false, code: 'not_json' });
  });

  it('decodes one sample or an array of samples when many is set', () => {
    const band = tpl({
      fields: [
        { name: 'band', type: 'string', privacy: 'id', role: 'state' },
        { name: 'heart_rate_bpm', type: 'integer', unit: 'bpm', min: 30, max: 230, privacy: 'health', role: 'gauge' },
      ],
      mqtt: { many: true, fields: { band: 'band', heart_rate_bpm: 'hr' } },
    });
    const one = decodeMqtt(band, '{"band":"W-1","hr":90,"ts":5}', ctx);
    expect(one.ok && one.readings).toHaveLength(1);
    const two = decodeMqtt(band, '[{"band":"W-1","hr":90,"ts":5},{"band":"W-2","hr":100,"ts":6}]', ctx);
    expect(two.ok && two.readings.map((r) => [r.fields.band, r.ts])).toEqual([['W-1', 5], ['W-2', 6]]);
    expect(decodeMqtt(band, '[{"band":"W-1","hr":90},{"band":"W-2","hr":250}]', ctx)).toMatchObject({ ok: false, code: 'out_of_range', reason: expect.stringContaining('sample 1') });
  });

  it('decodes event payloads into reading.event with the event fields', () => {
    const door = tpl({
      fields: [
        { name: 'door', type: 'enum', values: ['open', 'closed', 'forced'], role: 'state', alarm: ['forced'] },
        { name: 'card', type: 'string', privacy: 'id', role: 'event' },
        { name: 'granted', type: 'boolean', role: 'event' },
      ],
      mqtt: { fields: { door: 'door' }, events: { access: { fields: { card: 'card', granted: 'granted' } } } },
    });
    expect(decodeMqtt(door, '{"evt":"access","card":"S1","granted":true,"ts":7}', { ...ctx, channel: 'event' })).toEqual({
      ok: true, readings: [{ template: 'x', device: 'd1', ts: 7, fields: { card: 'S1', granted: true }, tags: {}, event: 'access' }],
    });
    expect(decodeMqtt(door, '{"evt":"tailgate"}', ctx)).toMatchObject({ ok: false, code: 'unknown_event' });
    expect(decodeMqtt(door, '{"door":"closed"}', ctx)).toMatchObject({ ok: true, readings: [{ fields: { door: 'closed' } }] });
  });

  it('expands nested point arrays with running timestamps', () => {
    const pen = tpl({
      fields: [
        { name: 'pen', type: 'string', privacy: 'id', role: 'state' },
        { name: 'x_mm', type: 'number', unit: 'mm', min: 0, max: 1000, role: 'gauge' },
        { name: 'pressure', type: 'integer', min: 0, max: 1023, role: 'gauge' },
      ],
      tags: ['page', 'stroke'],
      mqtt: {
        fields: { pen: 'pen' }, tags: { page: 'page' },
        expand: { array: 'strokes', indexTag: 'stroke', t0: 't0', points: 'pts', dtColumn: 2, columns: { x_mm: { index: 0, scale: 0.1 }, pressure: { index: 1 } } },
      },
    });
    const r = decodeMqtt(pen, '{"pen":"P1","page":"1.2","strokes":[{"t0":100,"pts":[[123,500,0],[124,510,8]]},{"t0":200,"pts":[[7,1,0]]}]}', ctx);
    expect(r).toEqual({
      ok: true,
      readings: [
        { template: 'x', device: 'd1', ts: 100, fields: { pen: 'P1', x_mm: 12.3, pressure: 500 }, tags: { page: '1.2', stroke: '0' } },
        { template: 'x', device: 'd1', ts: 108, fields: { pen: 'P1', x_mm: 12.4, pressure: 510 }, tags: { page: '1.2', stroke: '0' } },
        { template: 'x', device: 'd1', ts: 200, fields: { pen: 'P1', x_mm: 0.7, pressure: 1 }, tags: { page: '1.2', stroke: '1' } },
      ],
    });
    expect(decodeMqtt(pen, '{"pen":"P1","page":"1","strokes":[{"t0":1,"pts":[[1,2]]}]}', ctx)).toMatchObject({ ok: false, code: 'truncated' });
    expect(decodeMqtt(pen, '{"pen":"P1","page":"1","strokes":[{"t0":1,"pts":[[1,2000,0]]}]}', ctx)).toMatchObject({ ok: false, code: 'out_of_range', reason: expect.stringContaining('pressure') });
  });
});
