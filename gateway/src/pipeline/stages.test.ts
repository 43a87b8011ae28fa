/** Each stage of the pipeline alone, with the bundled templates and fakes for the rest. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../core/reading.js';
import { silentLogger } from '../log.js';
import { createDeviceRegistry } from '../registry/device-registry.js';
import { createTemplateCatalog, type Template, type TemplateCatalog } from '../templates/index.js';
import { decode, showBlocks } from './decode.js';
import { deidentify } from './deidentify.js';
import { enrich } from './enrich.js';
import { fanout } from './fanout.js';
import { receive, type PipelineInput } from './receive.js';
import type { Rejection } from './rejections.js';
import { createStorableCheck, store } from './store.js';
import { MAX_FUTURE_MS, validate } from './validate.js';

let templates: TemplateCatalog;
const log = silentLogger();
const T = (id: string): Template => templates.get(id)!;
beforeAll(async () => {
  templates = createTemplateCatalog({}, { log });
  await templates.start();
});
afterAll(() => templates.stop());

const AT = 1_700_000_000_000;
const mqttIn = (template: string, device: string, payload: unknown, channel: 'telemetry' | 'status' | 'command' = 'telemetry'): PipelineInput =>
  ({ transport: 'mqtt', topic: { template, device, channel }, payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)), at: AT });
/** An air-quality monitor's full payload (every key is required). */
const aq = (t: number) => ({ pm25: 10, pm10: 20, co2: 600, tvoc: 0.1, hcho: 0.01, t, rh: 40 });
const collect = () => {
  const out: Rejection[] = [];
  return { out, reject: (r: Rejection) => { out.push(r); } };
};

describe('1 receive', () => {
  it('looks up the template, marks an MQTT device seen, and handles status and command publishes itself', () => {
    const registry = createDeviceRegistry();
    const { out, reject } = collect();
    const deps = { templates, registry, reject };
    expect(receive(mqttIn('air-quality-monitor', 'aq-1', aq(20)), deps)?.id).toBe('air-quality-monitor');
    expect(registry.get('aq-1')?.lastSeen).not.toBeNull();
    expect(receive(mqttIn('air-quality-monitor', 'aq-1', 'offline', 'status'), deps)).toBeUndefined();
    expect(registry.get('aq-1')?.status).toBe('offline');
    expect(receive(mqttIn('air-quality-monitor', 'aq-1', '{}', 'command'), deps)).toBeUndefined();
    expect(receive({ transport: 'serial', device: 's-1', template: 'no-such', lines: ['x'], at: AT }, deps)).toBeUndefined();
    expect(out.map((r) => r.code)).toEqual(['unknown_template']);
    // An adapter's device is not marked seen here: the adapter reports whether the device answered.
    expect(receive({ transport: 'serial', device: 's-2', template: 'noise-meter', lines: ['x'], at: AT }, deps)?.id).toBe('noise-meter');
    expect(registry.get('s-2')).toBeUndefined();
  });
});

describe('2 decode', () => {
  it('decodes each transport with its template and rejects with what may be shown of the input', () => {
    const { out, reject } = collect();
    expect(decode(mqttIn('air-quality-monitor', 'aq-1', aq(21.5)), T('air-quality-monitor'), reject)?.[0]?.fields).toMatchObject({ temperature_c: 21.5 });
    const registers = { input: new Map([[0, 215], [1, 400], [2, 600], [3, 10], [4, 100], [5, 0], [6, 300], [7, 400]]) };
    expect(decode({ transport: 'modbus', device: 'env-1', template: 'env-sensor-rs485', registers, at: AT }, T('env-sensor-rs485'), reject)?.[0]?.fields).toMatchObject({ temperature_c: 21.5, co2_ppm: 600 });
    expect(decode({ transport: 'serial', device: 'n-1', template: 'noise-meter', lines: ['$NOISE,52.3,68.1,A*38'], at: AT }, T('noise-meter'), reject)).toEqual([
      { template: 'noise-meter', device: 'n-1', ts: AT, fields: { laeq_db: 52.3, lamax_db: 68.1 }, tags: {} },
    ]);
    expect(out).toEqual([]);
    expect(decode(mqttIn('air-quality-monitor', 'aq-1', aq(95)), T('air-quality-monitor'), reject)).toBeUndefined();
    expect(out[0]).toMatchObject({ code: 'out_of_range', field: 'temperature_c', topic: 'campus/air-quality-monitor/aq-1/telemetry', raw: JSON.stringify(aq(95)) });
    registers.input.set(0, 950);
    expect(decode({ transport: 'modbus', device: 'env-1', template: 'env-sensor-rs485', registers, at: AT }, T('env-sensor-rs485'), reject)).toBeUndefined();
    expect(out[1]).toMatchObject({ code: 'out_of_range', field: 'temperature_c', raw: showBlocks(registers) });
  });

  it('merges the replies of a serial poll cycle into one reading at the cycle start, rejecting a bad reply alone', () => {
    const { out, reject } = collect();
    const lines = ['%1POWR=1', '%1LAMP=1200 1', '%1LAMP=ERR3'];
    const rs = decode({ transport: 'serial', device: 'pj-1', template: 'projector', lines, poll: true, at: AT }, T('projector'), reject);
    expect(rs).toHaveLength(1);
    expect(rs![0]).toEqual({ template: 'projector', device: 'pj-1', ts: AT, tags: {}, fields: { power: 'on', lamp_hours: 1200, lamp_on: true } });
    expect(out.map((r) => r.raw)).toEqual(['%1LAMP=ERR3']);
  });
});

describe('3 validate', () => {
  it('rejects a reading more than 24 h ahead of the gateway, from any transport', () => {
    const { out, reject } = collect();
    const r = (ts: number): Reading => ({ template: 'noise-meter', device: 'n-1', ts, fields: { laeq_db: 50 }, tags: {} });
    const serial: PipelineInput = { transport: 'serial', device: 'n-1', template: 'noise-meter', lines: [], at: AT };
    expect(validate(serial, 'noise-meter', [r(AT - 86_400_000), r(AT + MAX_FUTURE_MS)], reject)).toBe(true);
    expect(validate(serial, 'noise-meter', [r(AT + MAX_FUTURE_MS + 1)], reject)).toBe(false);
    expect(out[0]).toMatchObject({ code: 'out_of_range', device: 'n-1' });
    expect(out[0]!.topic).toBeUndefined();
  });
});

describe('4 enrich and 5 de-identify', () => {
  it('adds the registry\'s room, building and person, then the person leaves only as a pseudonym', () => {
    const registry = createDeviceRegistry();
    registry.upsert({ id: 'band-1', template: 'student-wristband', room: '101', person: 'Zhang Wei' });
    const rs: Reading[] = [{ template: 'student-wristband', device: 'band-1', ts: AT, fields: { band: 'B-77', heart_rate_bpm: 80 }, tags: { room: 'gym' } }];
    enrich(rs, registry);
    expect(rs[0]!.tags).toEqual({ room: 'gym', person: 'Zhang Wei' });
    const privacy = { deidentify: (readings: Reading[]) => readings.map((r) => ({ ...r, fields: { ...r.fields, band: 'p-band' }, tags: { ...r.tags, person: 'p-person' } })) };
    expect(deidentify(rs, T('student-wristband'), privacy)[0]).toMatchObject({ fields: { band: 'p-band' }, tags: { person: 'p-person' } });
    expect(deidentify(rs, T('student-wristband'), undefined)).toBe(rs);
  });
});

describe('6 store', () => {
  it('refuses an unstorable registry tag before the write, and writes to every store', async () => {
    const check = createStorableCheck();
    const r = (room: string): Reading => ({ template: 'noise-meter', device: 'n-1', ts: AT, fields: { laeq_db: 50 }, tags: { room } });
    expect(check.problem([r('101')])).toBeUndefined();
    expect(check.problem([r('1\n01')])).toMatch(/^tag room \(from the device registry\): invalid_string/);
    const written: number[] = [];
    const s = { write: async (rs: readonly Reading[]) => { written.push(rs.length); } };
    await store([s, s] as never, [r('101'), r('101')]);
    expect(written).toEqual([2, 2]);
  });
});

describe('7 fan out', () => {
  it('sets the newest non-event values as latest, clears the error, and survives a failing listener', () => {
    const registry = createDeviceRegistry();
    registry.setError('n-1', 'noise-meter', 'bad_line: x');
    const got: number[] = [];
    const rs: Reading[] = [
      { template: 'noise-meter', device: 'n-1', ts: AT, fields: { laeq_db: 50 }, tags: {} },
      { template: 'noise-meter', device: 'n-1', ts: AT + 1, fields: { laeq_db: 51 }, tags: {} },
    ];
    fanout(rs, T('noise-meter'), { registry, log, listeners: [{ readings: () => { throw new Error('boom'); } }, { readings: (x) => { got.push(x.length); } }] });
    expect(registry.get('n-1')).toMatchObject({ lastError: null, latest: { ts: new Date(AT + 1).toISOString(), fields: { laeq_db: 51 } } });
    expect(got).toEqual([2]);
  });
});
