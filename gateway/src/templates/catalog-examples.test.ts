/**
 * Every payload example in the vendors' documentation of the district catalog (copied verbatim; `...`
 * placeholders filled) decodes to the documented fields and units, and every
 * documented Modbus register map is the template's.
 */
import { describe, expect, it } from 'vitest';
import { defaultTemplatesDir, loadAll } from './load.js';
import { decodeMqtt } from './mqtt-decode.js';
import { decodeSerialLine, serialSettings } from './serial-decode.js';
import type { Template } from './schema.js';

const { loaded } = await loadAll(defaultTemplatesDir());
const byId = new Map(loaded.map((l) => [l.template.id, l.template]));
function tpl(id: string): Template {
  const t = byId.get(id);
  if (!t) throw new Error(`no template ${id}`);
  return t;
}
const ctx = { device: 'cat', channel: 'telemetry' as const, receivedAt: 1_700_000_000_000 };
const unitOf = (t: Template, f: string) => t.fields.find((x) => x.name === f)?.unit;

// [template, payload as written in the catalog, documented fields]
const MQTT: [string, string, Record<string, unknown>][] = [
  ['classroom-light', '{"on":true,"bri":80,"cct":5000,"lux":512,"pw":36.5,"ts":1700000000000}', { on: true, brightness_pct: 80, cct_k: 5000, desk_illuminance_lux: 512, power_w: 36.5 }],
  ['blackboard-light', '{"on":false,"bri":0,"vlux":0,"pw":0.4}', { on: false, brightness_pct: 0, vertical_illuminance_lux: 0, power_w: 0.4 }],
  ['corridor-light', '{"on":true,"motion":true,"pw":12.0}', { on: true, motion: true, power_w: 12 }],
  ['smart-socket', '{"relay":1,"p":1250.5,"e":312.44,"v":229.8}', { on: true, power_w: 1250.5, energy_kwh: 312.44, voltage_v: 229.8 }],
  ['water-dispenser', '{"wt":95.2,"vol":1234.5,"filter":62,"heat":true}', { water_temp_c: 95.2, dispensed_l: 1234.5, filter_life_pct: 62, heating: true }],
  ['smart-board', '{"power":"on","src":"ops","app":"whiteboard","touches":37,"temp":41.5}', { power: 'on', source: 'ops', active_app: 'whiteboard', touch_events: 37, panel_temp_c: 41.5 }],
  ['pen-receiver', '{"pens":38,"lowbat":2,"rssi":-61}', { connected_pens: 38, low_battery_pens: 2, rssi_dbm: -61 }],
  ['class-sign', '{"screen":true}', { screen_on: true }],
  ['recording-system', '{"rec":true,"streams":3,"disk_free":812.4,"cpu_temp":62}', { recording: true, streams: 3, disk_free_gb: 812.4, cpu_temp_c: 62 }],
  ['classroom-analytics-camera', '{"present":41,"headup":0.82,"hands":5,"noise":52.3}', { students_present: 41, head_up_rate: 0.82, hands_raised: 5, noise_db: 52.3 }],
  ['campus-broadcast', '{"playing":false,"vol":60,"prog":"none"}', { playing: false, volume_pct: 60, program: 'none' }],
  ['student-wristband', '[{"band":"W-2231","hr":128,"steps":3021,"spo2":98,"temp":36.4,"bat":66,"ts":1700000000000}]', { band: 'W-2231', heart_rate_bpm: 128, steps: 3021, spo2_pct: 98, skin_temp_c: 36.4, battery_pct: 66 }],
  ['wristband-base', '{"bands":36,"lost":0.4,"rssi":-70}', { connected_bands: 36, packet_loss_pct: 0.4, rssi_dbm: -70 }],
  ['smart-jump-rope', '{"user":"S2023007","jumps":162,"dur":60,"breaks":2}', { user: 'S2023007', jumps: 162, duration_s: 60, breaks: 2 }],
  ['morning-check-kiosk', '{"card":"K2024011","temp":36.6,"flags":["cough"]}', { card: 'K2024011', body_temp_c: 36.6, symptom_flags: 'cough' }],
  ['air-quality-monitor', '{"pm25":35,"pm10":52,"co2":820,"tvoc":0.21,"hcho":0.03,"t":24.1,"rh":45}', { pm25_ugm3: 35, pm10_ugm3: 52, co2_ppm: 820, tvoc_mgm3: 0.21, hcho_mgm3: 0.03, temperature_c: 24.1, humidity_pct: 45 }],
  ['occupancy-sensor', '{"occ":true,"count":27}', { occupied: true, people_count: 27 }],
  ['smoke-detector', '{"alarm":false,"smoke":0.02,"bat":91,"tamper":false}', { alarm: false, smoke_density_dbm: 0.02, battery_pct: 91, tamper: false }],
  ['door-access', '{"door":"closed"}', { door: 'closed' }],
];

describe('vendor documentation: MQTT payload examples', () => {
  for (const [id, payload, fields] of MQTT) {
    it(`${id}: ${payload}`, () => {
      const r = decodeMqtt(tpl(id), payload, ctx);
      expect(r).toMatchObject({ ok: true, readings: [{ template: id, device: 'cat', fields }] });
    });
  }

  it('event examples: class-sign checkin and door-access access, with the card marked id', () => {
    expect(decodeMqtt(tpl('class-sign'), '{"evt":"checkin","card":"S2023001","ts":1700000000001}', { ...ctx, channel: 'event' }))
      .toMatchObject({ ok: true, readings: [{ event: 'checkin', ts: 1700000000001, fields: { card: 'S2023001' } }] });
    expect(decodeMqtt(tpl('door-access'), '{"evt":"access","card":"S2023001","granted":true,"ts":1700000000002}', { ...ctx, channel: 'event' }))
      .toMatchObject({ ok: true, readings: [{ event: 'access', fields: { card: 'S2023001', granted: true } }] });
    for (const id of ['class-sign', 'door-access']) expect(tpl(id).fields.find((f) => f.name === 'card')?.privacy).toBe('id');
  });

  it('smart-pen: one reading per point, ts = t0 + running dt, x/y in mm, tags page and stroke, pen marked id', () => {
    const payload = '{"pen":"P-00123","page":"8.12.33.4","bat":78,"strokes":[{"t0":1700000000000,"pts":[[1000,2000,300,0],[1005,2004,310,10],[1011,2009,305,12]]}]}';
    const r = decodeMqtt(tpl('smart-pen'), payload, ctx);
    expect(r.ok && r.readings.map((x) => [x.ts, x.fields.x_mm, x.fields.y_mm, x.fields.pressure, x.tags.page, x.tags.stroke, x.fields.pen]))
      .toEqual([[1700000000000, 100, 200, 300, '8.12.33.4', '0', 'P-00123'], [1700000000010, 100.5, 200.4, 310, '8.12.33.4', '0', 'P-00123'], [1700000000022, 101.1, 200.9, 305, '8.12.33.4', '0', 'P-00123']]);
    expect(tpl('smart-pen').fields.find((f) => f.name === 'pen')?.privacy).toBe('id');
  });

  it('documented units and privacy classes', () => {
    expect(unitOf(tpl('classroom-light'), 'cct_k')).toBe('K');
    expect(unitOf(tpl('smart-socket'), 'energy_kwh')).toBe('kWh');
    const band = tpl('student-wristband');
    for (const f of ['heart_rate_bpm', 'spo2_pct', 'skin_temp_c']) expect(band.fields.find((x) => x.name === f)?.privacy).toBe('health');
    expect(band.fields.find((x) => x.name === 'band')?.privacy).toBe('id');
    expect(tpl('morning-check-kiosk').fields.filter((f) => f.privacy === 'health').map((f) => f.name)).toEqual(['body_temp_c', 'symptom_flags']);
    expect(tpl('smart-jump-rope').fields.find((f) => f.name === 'user')?.privacy).toBe('id');
    expect(tpl('response-clicker').fields.find((f) => f.name === 'clicker_id')?.privacy).toBe('id');
    expect(tpl('fitness-test-station').fields.filter((f) => f.privacy === 'health')).toHaveLength(5);
  });

  it('alarms: smoke, leak, forced door, every fume-hood alarm bit', () => {
    const alarms = (id: string) => tpl(id).fields.filter((f) => f.alarm !== undefined && f.alarm !== false).map((f) => [f.name, f.alarm]);
    expect(alarms('smoke-detector')).toEqual([['alarm', true]]);
    expect(alarms('water-leak-sensor')).toEqual([['leak', true]]);
    expect(alarms('door-access')).toEqual([['door', ['forced']]]);
    expect(alarms('lab-fume-hood')).toEqual([['low_velocity', true], ['sash_high', true], ['fan_failure', true]]);
  });
});

// [template, table, [field, address, raw type, order, scale]] as documented
const REGISTERS: [string, string, [string, number, string, string, number][]][] = [
  ['energy-meter-1p', 'holding', [['voltage_v', 0, 'f32', 'ABCD', 1], ['current_a', 2, 'f32', 'ABCD', 1], ['active_power_w', 4, 'f32', 'ABCD', 1], ['power_factor', 6, 'f32', 'ABCD', 1], ['frequency_hz', 8, 'f32', 'ABCD', 1], ['energy_import_kwh', 10, 'u32', 'ABCD', 0.01]]],
  ['energy-meter-3p', 'holding', [['ua_v', 0, 'f32', 'CDAB', 1], ['ub_v', 2, 'f32', 'CDAB', 1], ['uc_v', 4, 'f32', 'CDAB', 1], ['ia_a', 6, 'f32', 'CDAB', 1], ['ib_a', 8, 'f32', 'CDAB', 1], ['ic_a', 10, 'f32', 'CDAB', 1], ['active_power_kw', 12, 'f32', 'CDAB', 1], ['power_factor', 14, 'f32', 'CDAB', 1], ['energy_import_kwh', 16, 'u32', 'CDAB', 0.01]]],
  ['water-meter', 'holding', [['total_m3', 0, 'u32', 'ABCD', 0.001], ['flow_m3h', 2, 'u16', 'ABCD', 0.01], ['leak_alarm', 3, 'bit', 'ABCD', 1], ['reverse_flow', 3, 'bit', 'ABCD', 1], ['low_battery', 3, 'bit', 'ABCD', 1]]],
  ['solar-inverter', 'holding', [['state', 0, 'u16', 'ABCD', 1], ['pv_power_w', 1, 'u32', 'ABCD', 1], ['ac_power_w', 3, 'u32', 'ABCD', 1], ['daily_yield_kwh', 5, 'u16', 'ABCD', 0.1], ['total_yield_kwh', 6, 'u32', 'ABCD', 0.1], ['inverter_temp_c', 8, 'i16', 'ABCD', 0.1]]],
  ['air-conditioner', 'holding', [['on', 0, 'u16', 'ABCD', 1], ['mode', 1, 'u16', 'ABCD', 1], ['setpoint_c', 2, 'i16', 'ABCD', 0.1], ['room_temp_c', 3, 'i16', 'ABCD', 0.1], ['fan_speed', 4, 'u16', 'ABCD', 1], ['fault_code', 5, 'u16', 'ABCD', 1]]],
  ['fresh-air-unit', 'holding', [['fan_level', 0, 'u16', 'ABCD', 1], ['pm25_in_ugm3', 1, 'u16', 'ABCD', 1], ['pm25_out_ugm3', 2, 'u16', 'ABCD', 1], ['co2_ppm', 3, 'u16', 'ABCD', 1], ['filter_hours', 4, 'u16', 'ABCD', 1], ['bypass_open', 5, 'u16', 'ABCD', 1]]],
  ['env-sensor-rs485', 'input', [['temperature_c', 0, 'i16', 'ABCD', 0.1], ['humidity_pct', 1, 'u16', 'ABCD', 0.1], ['co2_ppm', 2, 'u16', 'ABCD', 1], ['pm25_ugm3', 3, 'u16', 'ABCD', 1], ['tvoc_mgm3', 4, 'u16', 'ABCD', 0.001], ['illuminance_lux', 5, 'u32', 'ABCD', 1], ['noise_db', 7, 'u16', 'ABCD', 0.1]]],
  ['water-leak-sensor', 'discrete', [['leak', 0, 'bool', 'ABCD', 1], ['probe_fault', 1, 'bool', 'ABCD', 1]]],
  ['lab-fume-hood', 'holding', [['face_velocity_mps', 0, 'u16', 'ABCD', 0.01], ['sash_height_mm', 1, 'u16', 'ABCD', 1], ['low_velocity', 2, 'bit', 'ABCD', 1], ['sash_high', 2, 'bit', 'ABCD', 1], ['fan_failure', 2, 'bit', 'ABCD', 1], ['fan_on', 3, 'u16', 'ABCD', 1]]],
];

describe('vendor documentation: Modbus register maps', () => {
  for (const [id, table, points] of REGISTERS) {
    it(id, () => {
      const t = tpl(id);
      if (t.transport !== 'modbus') throw new Error(`${id} is not modbus`);
      expect(t.modbus.points.map((p) => [p.field, p.address, p.type, p.order, p.scale])).toEqual(points);
      expect(new Set(t.modbus.points.map((p) => p.table))).toEqual(new Set([table]));
    });
  }
  it('lighting-relay-8ch: coils 0–7 then input registers 0–8', () => {
    const t = tpl('lighting-relay-8ch');
    if (t.transport !== 'modbus') throw new Error('not modbus');
    expect(t.modbus.points.map((p) => `${p.table}:${p.address}:${p.field}:${p.scale}`)).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `coil:${n - 1}:ch${n}_on:1`),
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `input:${n - 1}:ch${n}_current_a:0.001`),
      'input:8:total_power_w:1',
    ]);
  });
  it('water-meter and lab-fume-hood status bits are bits 0, 1, 2', () => {
    for (const id of ['water-meter', 'lab-fume-hood']) {
      const t = tpl(id);
      if (t.transport !== 'modbus') throw new Error('not modbus');
      expect(t.modbus.points.filter((p) => p.type === 'bit').map((p) => p.bit)).toEqual([0, 1, 2]);
    }
  });
});

describe('vendor documentation: serial line forms', () => {
  const sctx = { device: 'cat', receivedAt: 1_700_000_000_000 };
  it('projector: 9600 8N1, CR, polls POWR/LAMP/ERST; replies decode; ERRn is an error', () => {
    const t = tpl('projector');
    expect(serialSettings(t)).toEqual({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1, delimiter: '\r', poll: { commands: ['%1POWR ?', '%1LAMP ?', '%1ERST ?'] } });
    expect(decodeSerialLine(t, '%1POWR=3', sctx)).toMatchObject({ ok: true, readings: [{ fields: { power: 'warming' } }] });
    expect(decodeSerialLine(t, '%1LAMP=1500 0', sctx)).toMatchObject({ ok: true, readings: [{ fields: { lamp_hours: 1500, lamp_on: false } }] });
    expect(decodeSerialLine(t, '%1ERST=120000', sctx)).toMatchObject({ ok: true, readings: [{ fields: { fan_status: 'warning', lamp_status: 'error', other_status: 'ok' } }] });
    for (const n of [1, 2, 3, 4]) expect(decodeSerialLine(t, `%1POWR=ERR${n}`, sctx)).toMatchObject({ ok: false, code: 'device_error' });
  });
  it('response-clicker: 115200, ANS and HB lines', () => {
    const t = tpl('response-clicker');
    expect(serialSettings(t).baudRate).toBe(115200);
    expect(decodeSerialLine(t, 'ANS,C-1,12,F,980', sctx)).toMatchObject({ ok: true, readings: [{ event: 'answer', fields: { clicker_id: 'C-1', question_no: 12, choice: 'F', latency_ms: 980 } }] });
    expect(decodeSerialLine(t, 'HB,B-1,40', sctx)).toMatchObject({ ok: true, readings: [{ fields: { base_id: 'B-1', connected_count: 40 } }] });
  });
  it('fitness-test-station: 9600, every item with its unit', () => {
    const t = tpl('fitness-test-station');
    expect(serialSettings(t).baudRate).toBe(9600);
    const lines: [string, Record<string, unknown>][] = [
      ['FT,C1,HEIGHT,150.2,cm', { height_cm: 150.2 }], ['FT,C1,WEIGHT,41.3,kg', { weight_kg: 41.3 }], ['FT,C1,VC,2100,ml', { vital_capacity_ml: 2100 }],
      ['FT,C1,SITREACH,9.5,cm', { sit_reach_cm: 9.5 }], ['FT,C1,RUN50,9.1,s', { run_50m_s: 9.1 }],
    ];
    for (const [line, fields] of lines) expect(decodeSerialLine(t, line, sctx)).toMatchObject({ ok: true, readings: [{ fields: { card_id: 'C1', ...fields } }] });
  });
  it('noise-meter: 9600, $NOISE sentences with XOR checksum; state V rejected', () => {
    const t = tpl('noise-meter');
    expect(serialSettings(t).baudRate).toBe(9600);
    expect(decodeSerialLine(t, '$NOISE,52.3,68.1,A*38', sctx)).toMatchObject({ ok: true, readings: [{ fields: { laeq_db: 52.3, lamax_db: 68.1 } }] });
    expect(decodeSerialLine(t, '$NOISE,52.3,68.1,V*2F', sctx)).toMatchObject({ ok: false, code: 'device_invalid' });
    expect(decodeSerialLine(t, '$NOISE,52.3,68.1,A*00', sctx)).toMatchObject({ ok: false, code: 'bad_checksum' });
  });
});
