/**
 * The wired half of a scenario: Modbus TCP sim servers (one per building, a
 * unit per device, like a VRF/meter gateway), Modbus RTU buses and serial line
 * devices on socat ptys (or, with `links: 'tcp'`, all on local TCP ports). `start()` returns the gateway's `devices` and
 * `adapters` config for them, since the gateway is the one that polls.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModbusSimServer, type ModbusSimServer, type ModbusSimTemplate } from '../modbus/index.js';
import { createSerialSim, type SerialSim, type SerialSimTemplate } from '../serial/index.js';
import type { SimHandle } from './handles.js';
import type { SchoolPlan } from './plan.js';
import { openPtyPair, type SimPty } from './pty.js';
import type { Scenario } from './schema.js';
import type { Tally } from './tally.js';

export interface GatewayFragment {
  devices: Array<{ id: string; template: string; room: string; building: string; person?: string }>;
  adapters: {
    modbus: Array<Record<string, string | number>>;
    serial: Array<Record<string, string | number>>;
  };
}

export interface WiredSchool {
  start(): Promise<GatewayFragment>;
  stop(): Promise<void>;
  handles: SimHandle[];
  /** Copies request/line counts into the tally. */
  collect(): void;
}

const LINE_INTERVALS: Record<string, number> = { 'response-clicker': 2_000, 'fitness-test-station': 5_000, 'noise-meter': 2_000 };
/** Cumulative counters by template: holding address, scale and word order, for counter resets. */
const COUNTERS: Record<string, { addr: number; order: 'ABCD' | 'CDAB' }> = {
  'energy-meter-1p': { addr: 10, order: 'ABCD' }, 'energy-meter-3p': { addr: 16, order: 'CDAB' },
  'water-meter': { addr: 0, order: 'ABCD' }, 'solar-inverter': { addr: 6, order: 'ABCD' },
};

function u32(regs: Uint16Array, addr: number, order: 'ABCD' | 'CDAB'): number {
  const a = regs[addr] ?? 0;
  const b = regs[addr + 1] ?? 0;
  return order === 'ABCD' ? a * 65536 + b : b * 65536 + a;
}
function setRaw32(regs: Uint16Array, addr: number, raw: number, order: 'ABCD' | 'CDAB'): void {
  const hi = Math.floor(raw / 65536) & 0xffff;
  const lo = raw & 0xffff;
  regs[addr] = order === 'ABCD' ? hi : lo;
  regs[addr + 1] = order === 'ABCD' ? lo : hi;
}

/**
 * `pty` (default): RTU buses and serial lines on socat pty pairs. `tcp`: nothing to install: each RTU
 * bus is served as Modbus TCP (an RS-485-to-Ethernet gateway) and each serial line on a TCP port (a
 * serial device server), which the gateway reads through the same adapters.
 */
export type WiredLinks = 'pty' | 'tcp';

export function createWiredSchool(deps: {
  plan: SchoolPlan; scenario: Scenario; tally: Tally; ptyDir?: string; links?: WiredLinks;
  /** The Modbus devices' clock (meters integrate power over it); default real time. */
  now?: () => number;
}): WiredSchool {
  const overTcp = deps.links === 'tcp';
  const { plan, scenario, tally } = deps;
  const servers = new Map<string, ModbusSimServer>();
  const ptys: SimPty[] = [];
  const sims: Array<{ id: string; sim: SerialSim }> = [];
  const handles: SimHandle[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let dir: string | undefined;
  const later = (at: number, fn: () => void) => {
    const t = setTimeout(() => { timers.delete(t); fn(); }, Math.max(0, at - Date.now()));
    timers.add(t);
  };
  const interval = (t: string, dflt: number) => scenario.intervals_ms[t] ?? dflt;

  return {
    handles,
    async start() {
      if (!overTcp) dir = deps.ptyDir ?? mkdtempSync(join(tmpdir(), 'campus-sim-'));
      const out: GatewayFragment = { devices: [], adapters: { modbus: [], serial: [] } };
      const busPaths = new Map<string, string>();
      for (const [bus, kind] of plan.buses) {
        const units = plan.devices.filter((d) => d.bus === bus).map((d) => ({ unitId: d.unitId!, template: d.template as ModbusSimTemplate, seed: d.unitId! * 31 + bus.length }));
        let server: ModbusSimServer;
        if (kind === 'tcp' || overTcp) {
          server = createModbusSimServer({ transport: 'tcp', host: '127.0.0.1', port: 0, units, ...(deps.now && { now: deps.now }) });
        } else {
          const pty = await openPtyPair(dir!, bus);
          ptys.push(pty);
          busPaths.set(bus, pty.gateway);
          server = createModbusSimServer({ transport: 'rtu', path: pty.sim, units, ...(deps.now && { now: deps.now }) });
        }
        await server.start();
        servers.set(bus, server);
      }
      for (const d of plan.devices) {
        if (d.transport === 'mqtt' || d.transport === 'mqtt-group') {
          out.devices.push({ id: d.id, template: d.template, room: d.room, building: d.building, ...(d.person ? { person: d.person } : {}) });
          continue;
        }
        out.devices.push({ id: d.id, template: d.template, room: d.room, building: d.building });
        const place = { deviceId: d.id, template: d.template, room: d.room, building: d.building };
        if (d.transport === 'modbus-tcp' || d.transport === 'modbus-rtu') {
          const server = servers.get(d.bus!)!;
          const unitId = d.unitId!;
          out.adapters.modbus.push(d.transport === 'modbus-tcp' || overTcp
            ? { transport: 'tcp', host: '127.0.0.1', port: server.port!, unitId, intervalMs: interval(d.template, 5_000), ...place }
            : { transport: 'rtu', path: busPaths.get(d.bus!)!, baudRate: 9600, unitId, intervalMs: interval(d.template, 5_000), ...place });
          const unit = server.unit(unitId);
          const counter = COUNTERS[d.template];
          let offset = 0;
          if (counter) {
            const refresh = unit.refresh.bind(unit);
            unit.refresh = () => {
              refresh();
              if (offset) setRaw32(unit.tables.holding, counter.addr, Math.max(0, u32(unit.tables.holding, counter.addr, counter.order) - offset), counter.order);
            };
          }
          handles.push({
            id: d.id, template: d.template, room: d.room,
            silence: (until) => { server.setMode(unitId, 'silent'); later(until, () => server.setMode(unitId, 'normal')); },
            ...(counter ? { resetCounter: () => { offset += u32(unit.tables.holding, counter.addr, counter.order); } } : {}),
            ...(d.template === 'water-leak-sensor' ? { alarm: (on: boolean) => { unit.tables.discrete[0] = on; } } : {}),
            ...(d.template === 'lab-fume-hood' ? { alarm: (on: boolean) => { unit.tables.holding[3] = on ? 0 : 1; } } : {}),
          });
          continue;
        }
        const pty = overTcp ? undefined : await openPtyPair(dir!, d.id);
        if (pty) ptys.push(pty);
        const sim = createSerialSim({ template: d.template as SerialSimTemplate, ...(pty ? { path: pty.sim } : { listen: {} }), intervalMs: LINE_INTERVALS[d.template] ?? 0, seed: sims.length + 1 });
        await sim.start();
        sims.push({ id: d.id, sim });
        out.adapters.serial.push({ path: pty?.gateway ?? sim.url!, intervalMs: interval(d.template, 5_000), ...place });
        handles.push({
          id: d.id, template: d.template, room: d.room,
          silence: (until) => { sim.mode = 'silent'; later(until, () => { sim.mode = 'normal'; }); },
          bad: (n) => { for (let i = 0; i < n; i++) sim.writeRaw('@@garbage@@\r\n'); },
        });
      }
      return out;
    },
    collect() {
      for (const d of plan.devices) {
        if (d.transport === 'modbus-tcp' || d.transport === 'modbus-rtu') tally.get(d.id, d.template, d.transport).served = servers.get(d.bus!)?.requests.get(d.unitId!) ?? 0;
      }
      for (const s of sims) {
        const d = plan.devices.find((x) => x.id === s.id)!;
        tally.get(d.id, d.template, 'serial').served = s.sim.sent;
      }
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      await Promise.all(sims.map((s) => s.sim.stop()));
      await Promise.all([...servers.values()].map((s) => s.stop()));
      await Promise.all(ptys.map((p) => p.stop()));
      if (dir && !deps.ptyDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
