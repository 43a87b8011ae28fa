/**
 * Register maps of the ten Modbus templates, exactly as the device catalog (docs/devices)
 * documents them (0-based protocol addresses). Values move with time (daily
 * and minute-scale waves plus noise); cumulative counters integrate power or
 * flow over the elapsed time, so they only grow.
 */
import type { PduTarget, RegisterTables, UnitMode } from './pdu.js';
import { getI16, setF32, setI16, setU16, setU32 } from './words.js';

export const MODBUS_SIM_TEMPLATES = [
  'lighting-relay-8ch', 'energy-meter-1p', 'energy-meter-3p', 'water-meter', 'solar-inverter',
  'air-conditioner', 'fresh-air-unit', 'env-sensor-rs485', 'water-leak-sensor', 'lab-fume-hood',
] as const;
export type ModbusSimTemplate = (typeof MODBUS_SIM_TEMPLATES)[number];

export interface ModbusSimDevice extends PduTarget {
  template: ModbusSimTemplate;
}

/** Deterministic PRNG (mulberry32) so a seeded simulation repeats. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tables(coils: number, discrete: number, input: number, holding: number): RegisterTables {
  return { coils: new Array<boolean>(coils).fill(false), discrete: new Array<boolean>(discrete).fill(false), input: new Uint16Array(input), holding: new Uint16Array(holding) };
}

type Model = (t: RegisterTables, ctx: { now: number; dtH: number; rnd: () => number; wave: (periodMs: number) => number; state: Record<string, number> }) => void;

const MODELS: Record<ModbusSimTemplate, { size: [number, number, number, number]; init?: (t: RegisterTables, rnd: () => number) => void; model: Model; writable?: (table: 'coils' | 'holding', addr: number, value: number | boolean) => boolean }> = {
  'lighting-relay-8ch': {
    size: [8, 0, 9, 0],
    init: (t) => { t.coils.fill(true, 0, 4); },
    model: (t, { rnd }) => {
      let total = 0;
      for (let ch = 0; ch < 8; ch++) {
        const amps = t.coils[ch] ? 0.8 + rnd() * 0.4 : 0;
        setU16(t.input, ch, amps, 0.001);
        total += amps * 230;
      }
      setU16(t.input, 8, total);
    },
    writable: (table, addr) => table === 'coils' && addr < 8,
  },
  'energy-meter-1p': {
    size: [0, 0, 0, 12],
    model: (t, { dtH, rnd, wave, state }) => {
      const v = 230 + 3 * wave(600_000) + rnd() - 0.5;
      const a = Math.max(0.2, 6 + 4 * wave(3_600_000) + rnd());
      const pf = 0.93 + 0.04 * rnd();
      const w = v * a * pf;
      state.kwh = (state.kwh ?? 1234.5) + (w / 1000) * dtH;
      setF32(t.holding, 0, v); setF32(t.holding, 2, a); setF32(t.holding, 4, w);
      setF32(t.holding, 6, pf); setF32(t.holding, 8, 50 + 0.05 * wave(60_000));
      setU32(t.holding, 10, state.kwh, 0.01);
    },
  },
  'energy-meter-3p': {
    size: [0, 0, 0, 18],
    model: (t, { dtH, rnd, wave, state }) => {
      let kw = 0;
      for (let p = 0; p < 3; p++) {
        const v = 230 + 2 * wave(900_000 + p * 1000) + rnd() - 0.5;
        const a = Math.max(0.5, 20 + 10 * wave(3_600_000) + 2 * rnd());
        setF32(t.holding, p * 2, v, 'CDAB');
        setF32(t.holding, 6 + p * 2, a, 'CDAB');
        kw += (v * a * 0.95) / 1000;
      }
      state.kwh = (state.kwh ?? 56789.12) + kw * dtH;
      setF32(t.holding, 12, kw, 'CDAB');
      setF32(t.holding, 14, 0.95, 'CDAB');
      setU32(t.holding, 16, state.kwh, 0.01, 'CDAB');
    },
  },
  'water-meter': {
    size: [0, 0, 0, 4],
    model: (t, { dtH, rnd, wave, state }) => {
      const flow = Math.max(0, 1.2 + wave(1_800_000) + 0.2 * rnd());
      state.m3 = (state.m3 ?? 4321.0) + flow * dtH;
      setU32(t.holding, 0, state.m3, 0.001);
      setU16(t.holding, 2, flow, 0.01);
      t.holding[3] = (state.status ?? 0) & 0x7;
    },
  },
  'solar-inverter': {
    size: [0, 0, 0, 9],
    model: (t, { dtH, rnd, wave, state }) => {
      const pv = Math.max(0, 15_000 * (0.6 + 0.4 * wave(86_400_000)) + 200 * rnd());
      const ac = pv * 0.97;
      state.daily = ((state.daily ?? 12.3) + (ac / 1000) * dtH) % 6553;
      state.total = (state.total ?? 98_765.4) + (ac / 1000) * dtH;
      t.holding[0] = pv > 0 ? 1 : 0;
      setU32(t.holding, 1, pv); setU32(t.holding, 3, ac);
      setU16(t.holding, 5, state.daily, 0.1);
      setU32(t.holding, 6, state.total, 0.1);
      setI16(t.holding, 8, 38 + 8 * wave(3_600_000) + rnd(), 0.1);
    },
  },
  'air-conditioner': {
    size: [0, 0, 0, 6],
    init: (t) => { t.holding[0] = 1; t.holding[1] = 1; setI16(t.holding, 2, 26, 0.1); setI16(t.holding, 3, 29, 0.1); t.holding[4] = 0; },
    model: (t, { rnd }) => {
      const set = getI16(t.holding, 2, 0.1);
      const room = getI16(t.holding, 3, 0.1);
      const target = t.holding[0] ? set : 29;
      setI16(t.holding, 3, room + (target - room) * 0.05 + (rnd() - 0.5) * 0.1, 0.1);
    },
    writable: (table, addr, value) => table === 'holding' && (
      (addr === 0 && (value === 0 || value === 1))
      || (addr === 1 && Number(value) <= 4)
      || (addr === 2 && Number(value) >= 160 && Number(value) <= 320)
      || (addr === 4 && Number(value) <= 3)),
  },
  'fresh-air-unit': {
    size: [0, 0, 0, 6],
    model: (t, { dtH, rnd, wave, state }) => {
      state.filter = (state.filter ?? 812) + dtH;
      t.holding[0] = 2;
      setU16(t.holding, 1, 12 + 4 * wave(1_200_000) + 2 * rnd());
      setU16(t.holding, 2, 48 + 20 * wave(7_200_000) + 4 * rnd());
      setU16(t.holding, 3, 700 + 300 * wave(2_700_000) + 20 * rnd());
      setU16(t.holding, 4, Math.floor(state.filter));
      t.holding[5] = 0;
    },
  },
  'env-sensor-rs485': {
    size: [0, 0, 8, 0],
    model: (t, { rnd, wave }) => {
      setI16(t.input, 0, 23 + 2 * wave(3_600_000) + 0.2 * rnd(), 0.1);
      setU16(t.input, 1, 45 + 8 * wave(5_400_000) + rnd(), 0.1);
      setU16(t.input, 2, 750 + 350 * wave(2_700_000) + 20 * rnd());
      setU16(t.input, 3, 25 + 10 * wave(7_200_000) + 3 * rnd());
      setU16(t.input, 4, 0.15 + 0.08 * wave(1_800_000) + 0.01 * rnd(), 0.001);
      setU32(t.input, 5, Math.max(0, 450 + 250 * wave(86_400_000) + 10 * rnd()));
      setU16(t.input, 7, 48 + 10 * wave(600_000) + 2 * rnd(), 0.1);
    },
  },
  'water-leak-sensor': {
    size: [0, 2, 0, 0],
    model: () => undefined,
  },
  'lab-fume-hood': {
    size: [0, 0, 0, 4],
    init: (t) => { t.holding[3] = 1; t.holding[1] = 300; },
    model: (t, { rnd, wave }) => {
      const v = t.holding[3] ? 0.5 + 0.05 * wave(120_000) + 0.02 * rnd() : 0;
      setU16(t.holding, 0, v, 0.01);
      const sash = t.holding[1] ?? 0;
      t.holding[2] = (v < 0.3 ? 1 : 0) | (sash > 500 ? 2 : 0) | (t.holding[3] ? 0 : 4);
    },
    writable: (table, addr) => table === 'holding' && (addr === 1 || addr === 3),
  },
};

export interface SimDeviceOptions {
  seed?: number;
  now?: () => number;
}

export function createSimDevice(template: ModbusSimTemplate, { seed = 1, now = Date.now }: SimDeviceOptions = {}): ModbusSimDevice {
  const def = MODELS[template];
  const t = tables(...def.size);
  const rnd = seededRandom(seed);
  const state: Record<string, number> = {};
  const phase = rnd() * Math.PI * 2;
  def.init?.(t, rnd);
  let last = now();
  const device: ModbusSimDevice = {
    template,
    tables: t,
    mode: 'normal' as UnitMode,
    refresh() {
      const ts = now();
      const dtH = Math.max(0, ts - last) / 3_600_000;
      last = Math.max(last, ts);
      def.model(t, { now: ts, dtH, rnd, state, wave: (periodMs) => Math.sin((ts / periodMs) * Math.PI * 2 + phase) });
    },
    acceptWrite: (table, addr, value) => def.writable?.(table, addr, value) ?? false,
  };
  device.refresh();
  return device;
}
