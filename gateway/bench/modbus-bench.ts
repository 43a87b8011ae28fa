/**
 * Modbus cadence benchmark: 50 Modbus TCP devices (each its own simulated
 * server, as on a campus network), polled every second; 5 of them never answer.
 * Reports how late the other 45 devices' polls start against their 1 s cadence
 * (p50/p99/max lateness, from the readings' receive times) and how many polls
 * they missed.
 * Run: node --import tsx gateway/bench/modbus-bench.ts [seconds=30] [devices=50] [dead=5]
 */
import { pino } from 'pino';
import { createModbusSimServer, MODBUS_SIM_TEMPLATES, type ModbusSimServer } from '../../firmware-sim/src/modbus/index.js';
import { createModbusAdapter } from '../src/adapters/index.js';
import type { ModbusAdapterConfig } from '../src/config/schema.js';
import { createTemplateCatalog } from '../src/templates/index.js';

const seconds = Number(process.argv[2] ?? 30);
const total = Number(process.argv[3] ?? 50);
const dead = Number(process.argv[4] ?? 5);
const intervalMs = 1_000;
const log = pino({ level: 'silent' });

const registry = createTemplateCatalog({}, { log });
await registry.start();
const servers: ModbusSimServer[] = [];
const cfg: ModbusAdapterConfig[] = [];
for (let i = 0; i < total; i++) {
  const template = MODBUS_SIM_TEMPLATES[i % MODBUS_SIM_TEMPLATES.length]!;
  const s = createModbusSimServer({ transport: 'tcp', units: [{ unitId: 1, template, seed: i + 1 }] });
  await s.start();
  // Spread the dead devices through the list so they sit between live ones.
  if (i % Math.floor(total / Math.max(1, dead)) === 0 && servers.filter((x) => x.unit(1).mode === 'silent').length < dead) s.setMode(1, 'silent');
  servers.push(s);
  cfg.push({ transport: 'tcp', host: '127.0.0.1', port: s.port, unitId: 1, template, deviceId: `dev-${i}`, intervalMs, timeoutMs: 500, retries: 1, baudRate: 9600 });
}
const deadIds = new Set(cfg.filter((_, i) => servers[i]!.unit(1).mode === 'silent').map((c) => c.deviceId));
const times = new Map<string, number[]>();
let rejected = 0;
const adapter = createModbusAdapter(cfg, {
  log, templates: registry,
  sink: {
    receive(input) { times.set(input.device, [...(times.get(input.device) ?? []), input.at]); },
    rejected() { rejected++; },
    deviceSeen() { /* counted through stats */ },
  },
});
const t0 = Date.now();
await adapter.start();
await new Promise((r) => setTimeout(r, seconds * 1000));
const st = adapter.stats();
await adapter.stop();
const elapsed = Date.now() - t0;
for (const s of servers) await s.stop();
await registry.stop();

const lateness: number[] = [];
let missed = 0;
let polls = 0;
for (const c of cfg) {
  if (deadIds.has(c.deviceId)) continue;
  const ts = times.get(c.deviceId) ?? [];
  const first = ts[0];
  if (first === undefined) { missed += Math.floor(elapsed / intervalMs); continue; }
  // Lateness against the device's own cadence: slot k is due at base + k·interval,
  // base being the earliest-aligned poll (so the first poll's own delay does not hide lateness).
  const slotOf = (t: number) => Math.round((t - first) / intervalMs);
  const base = Math.min(...ts.map((t) => t - slotOf(t) * intervalMs));
  const slots = new Set<number>();
  for (const t of ts) {
    slots.add(slotOf(t));
    lateness.push(t - (base + slotOf(t) * intervalMs));
  }
  const lastSlot = Math.floor((t0 + elapsed - first) / intervalMs) - 1;
  for (let k = 0; k <= lastSlot; k++) if (!slots.has(k)) missed++;
  polls += ts.length;
}
lateness.sort((a, b) => a - b);
const pct = (p: number) => lateness[Math.min(lateness.length - 1, Math.floor(lateness.length * p))] ?? NaN;
const liveStats = st.filter((s) => !deadIds.has(s.device));
const deadStats = st.filter((s) => deadIds.has(s.device));
console.log(JSON.stringify({
  devices: total, dead: deadIds.size, seconds, interval_ms: intervalMs,
  live_polls: polls, live_missed_polls: missed, rejected,
  lateness_ms: { p50: pct(0.5), p99: pct(0.99), max: lateness.at(-1), min: lateness[0] },
  scheduler_lateness_p99_ms_max: Math.max(...liveStats.map((s) => s.lateness_p99_ms ?? 0)),
  live_request_latency_p99_ms_max: Math.max(...liveStats.map((s) => s.latency_p99_ms ?? 0)),
  live_errors: liveStats.reduce((n, s) => n + s.errors + s.timeouts, 0),
  dead_polls: deadStats.reduce((n, s) => n + s.polls, 0), dead_timeouts: deadStats.reduce((n, s) => n + s.timeouts, 0),
}, null, 2));
process.exit(0);
