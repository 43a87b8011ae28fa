/**
 * A small simulated school for the uplink and hub integration tests (and demos):
 * minute by minute, the readings its devices would produce after decoding, with the
 * pipeline's room/building tags, carrying clear student identifiers (cards, bands,
 * pens, clickers) exactly as the devices send them, before de-identification.
 */
import type { Reading } from '../core/reading.js';
import type { DeviceLike } from '../privacy/outbound-names.js';

export interface SchoolBatch {
  template: string;
  readings: Reading[];
}

export interface SimulatedSchool {
  /** Every clear personal identifier the simulation uses. */
  identifiers: readonly string[];
  /** Device status transitions (device, template, status, at). */
  statuses: ReadonlyArray<{ device: string; template: string; status: 'online' | 'offline'; at: number }>;
  minute(m: number): SchoolBatch[];
  /** Its devices as the config would provision them (id, template, room, building): the names its messages may carry. */
  devices(): DeviceLike[];
}

const STUDENT_CARDS = ['S2023001', 'S2023002', 'S2023003', 'S2023004', 'S2023005', 'S2023006'];
const BANDS = ['W-2231', 'W-2232', 'W-2233', 'W-2234', 'W-2235', 'W-2236'];
const PENS = ['P-00123', 'P-00124', 'P-00125', 'P-00126', 'P-00127', 'P-00128'];
const CLICKERS = ['C-0701', 'C-0702', 'C-0703', 'C-0704', 'C-0705', 'C-0706'];

export function simulatedSchool(t0: number): SimulatedSchool {
  const A101 = { room: 'A101', building: 'A' };
  const A102 = { room: 'A102', building: 'A' };
  const gym = { room: 'gym', building: 'S' };
  const lab = { room: 'lab', building: 'B' };
  const plant = { room: 'plant', building: 'A' };
  const r = (template: string, device: string, ts: number, fields: Reading['fields'], tags: Reading['tags'], event?: string): Reading =>
    ({ template, device, ts, fields, tags: { ...tags }, ...(event !== undefined && { event }) });

  const school: SimulatedSchool = {
    identifiers: [...STUDENT_CARDS, ...BANDS, ...PENS, ...CLICKERS],
    statuses: [
      ...['em-a', 'sb-a101', 'sd-lab', 'door-lab', 'pen-rx-a101'].map((device) => ({ device, template: device === 'em-a' ? 'energy-meter-1p' : device === 'sb-a101' ? 'smart-board' : device === 'sd-lab' ? 'smoke-detector' : device === 'door-lab' ? 'door-access' : 'pen-receiver', status: 'online' as const, at: t0 })),
      { device: 'wl-1', template: 'water-leak-sensor', status: 'offline', at: t0 + 5_000 },
    ],
    minute(m) {
      const base = t0 + m * 60_000;
      const out: SchoolBatch[] = [];
      const add = (template: string, readings: Reading[]): void => {
        out.push({ template, readings });
      };
      const every10 = [0, 10, 20, 30, 40, 50].map((s) => base + s * 1000);
      add('energy-meter-1p', every10.map((ts, i) => r('energy-meter-1p', 'em-a', ts, { energy_import_kwh: 1000 + (m * 6 + i) * 0.05, active_power_w: 1800 + 100 * i }, plant)));
      add('water-meter', [r('water-meter', 'wm-1', base, { total_m3: 50 + m * 0.02, flow_m3h: 1.2, low_battery: m % 2 === 0 }, plant)]);
      add('solar-inverter', [r('solar-inverter', 'pv-1', base + 5000, { total_yield_kwh: 3000 + m * 0.1, ac_power_w: 6000, state: 'running' }, plant)]);
      add('classroom-light', [r('classroom-light', 'cl-a101-1', base, { on: true, power_w: 36 }, A101), r('classroom-light', 'cl-a102-1', base, { on: true, power_w: 36 }, A102)]);
      add('occupancy-sensor', [r('occupancy-sensor', 'occ-a101', base, { occupied: true, people_count: 30 }, A101), r('occupancy-sensor', 'occ-a102', base, { occupied: false, people_count: 0 }, A102)]);
      add('smart-board', [r('smart-board', 'sb-a101', base, { power: m % 3 === 2 ? 'standby' : 'on', touch_events: 12 }, A101)]);
      add('projector', [r('projector', 'pj-a102', base, { power: 'on', lamp_on: true }, A102)]);
      add('recording-system', [r('recording-system', 'rec-a101', base, { recording: true, streams: 2 }, A101)]);
      add('air-quality-monitor', every10.map((ts, i) => r('air-quality-monitor', 'aq-a101', ts, { co2_ppm: 900 + m * 40 + i * 10, pm25_ugm3: 12 + i, temperature_c: 22 + i * 0.1 }, A101)));
      add('student-wristband', every10.flatMap((ts) => BANDS.map((band, k) => r('student-wristband', 'wb-base-gym', ts, { band, heart_rate_bpm: 95 + k * 12 + m, spo2_pct: 98, battery_pct: k === 0 ? 12 : 80 }, gym))));
      add('smart-pen', PENS.flatMap((pen, k) => [0, 1, 2, 3, 4].map((p) => r('smart-pen', 'pen-rx-a101', base + 2000 + k * 3000 + p * 100, { pen, x_mm: 10 + p, y_mm: 20 + p, pressure: 400 }, { ...A101, page: '8.12.33.4', stroke: '0' }))));
      add('class-sign', m === 0 ? STUDENT_CARDS.map((card, k) => r('class-sign', 'sign-a101', base + k * 1000, { card }, A101, 'checkin')) : [r('class-sign', 'sign-a101', base, { screen_on: true }, A101)]);
      add('response-clicker', CLICKERS.map((clicker_id, k) => r('response-clicker', 'clk-a101', base + 30_000 + k * 500, { clicker_id, question_no: m + 1, choice: 'ABCDEF'[k]!, latency_ms: 1500 + k }, A101, 'answer')));
      add('door-access', [
        r('door-access', 'door-lab', base, { door: m === 3 ? 'forced' : 'closed' }, lab),
        r('door-access', 'door-lab', base + 15_000, { card: STUDENT_CARDS[m % STUDENT_CARDS.length]!, granted: true }, lab, 'access'),
      ]);
      add('smoke-detector', [r('smoke-detector', 'sd-lab', base, { alarm: m === 2, smoke_density_dbm: m === 2 ? 4.2 : 0.02, battery_pct: 91, tamper: false }, lab)]);
      add('lab-fume-hood', [r('lab-fume-hood', 'fh-lab', base, { face_velocity_mps: m === 1 ? 0.2 : 0.5, sash_height_mm: 400, low_velocity: m === 1, sash_high: false, fan_failure: false, fan_on: true }, lab)]);
      return out;
    },
    devices() {
      const devices = new Map<string, DeviceLike>();
      for (const s of school.statuses) devices.set(s.device, { id: s.device, template: s.template, provisioned: true });
      for (const b of school.minute(0)) {
        for (const r of b.readings) devices.set(r.device, { id: r.device, template: r.template, room: r.tags.room, building: r.tags.building, provisioned: true });
      }
      return [...devices.values()];
    },
  };
  return school;
}
