/**
 * The Modbus adapter against the firmware-sim Modbus servers over real TCP
 * sockets and real socat pty pairs (RTU): every Modbus template read end to end
 * through the template engine into the embedded store; dead, exception-answering
 * and unplugged devices; writes. Assertions are on counts and values, never on timing.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModbusSimServer, MODBUS_SIM_TEMPLATES, type ModbusSimServer } from '../../../firmware-sim/src/modbus/index.js';
import { createModbusAdapter, type Adapter, type AdapterRejection, type ModbusRead, type SerialLines } from '../../src/adapters/index.js';
import type { ModbusAdapterConfig } from '../../src/config/schema.js';
import type { Reading } from '../../src/core/reading.js';
import { decode } from '../../src/pipeline/decode.js';
import { createEmbeddedStore } from '../../src/store/embedded-store.js';
import type { ReadingStore } from '../../src/store/types.js';
import { createTemplateCatalog, type TemplateCatalog } from '../../src/templates/index.js';
import { createPtyPair, type PtyPair } from '../kit/index.js';

const log = pino({ level: 'silent' });
let registry: TemplateCatalog;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  registry = createTemplateCatalog({}, { log });
  await registry.start();
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await registry.stop();
});

function collector(store?: ReadingStore) {
  const readings = new Map<string, Reading[]>();
  const rejected: AdapterRejection[] = [];
  const failures = new Map<string, number>();
  const writes: Promise<void>[] = [];
  return {
    readings, rejected, failures, writes,
    count: (d: string) => readings.get(d)?.length ?? 0,
    sink: {
      // The adapter hands raw registers in; the pipeline's decode stage turns them into readings.
      receive(input: ModbusRead | SerialLines) {
        const rs = decode(input, registry.get(input.template)!, (r) => rejected.push(r));
        if (!rs) return;
        for (const r of rs) readings.set(r.device, [...(readings.get(r.device) ?? []), r]);
        if (store) writes.push(store.write(rs));
      },
      rejected(r: AdapterRejection) { rejected.push(r); },
      deviceSeen(d: string, ok: boolean) { if (!ok) failures.set(d, (failures.get(d) ?? 0) + 1); },
    },
  };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function device(d: Partial<ModbusAdapterConfig> & Pick<ModbusAdapterConfig, 'transport' | 'template' | 'deviceId' | 'unitId'>): ModbusAdapterConfig {
  return { baudRate: 9600, intervalMs: 200, timeoutMs: 400, retries: 1, ...d };
}

async function startSim(opts: Parameters<typeof createModbusSimServer>[0]): Promise<ModbusSimServer> {
  const s = createModbusSimServer(opts);
  await s.start();
  cleanups.push(() => s.stop());
  return s;
}

async function startAdapter(cfg: ModbusAdapterConfig[], sink: ReturnType<typeof collector>['sink']): Promise<Adapter> {
  const a = createModbusAdapter(cfg, { log, templates: registry, sink });
  await a.start();
  cleanups.push(() => a.stop());
  return a;
}

async function pty(): Promise<PtyPair> {
  const p = await createPtyPair();
  cleanups.push(() => p.stop());
  return p;
}

describe.each(['tcp', 'rtu'] as const)('every Modbus template over %s', (transport) => {
  it('is read end to end into the embedded store with the catalog fields', async () => {
    const units = MODBUS_SIM_TEMPLATES.map((template, i) => ({ unitId: i + 1, template }));
    const pair = transport === 'rtu' ? await pty() : undefined;
    const sim = await startSim(pair ? { transport: 'rtu', path: pair.b, units } : { transport: 'tcp', units });
    const store = createEmbeddedStore({ path: ':memory:', retentionDays: 30 }, { log });
    await store.start();
    cleanups.push(() => store.stop());
    const c = collector(store);
    const cfg = units.map((u) => device({
      transport, unitId: u.unitId, template: u.template, deviceId: `${transport}-${u.template}`,
      ...(pair ? { path: pair.a } : { host: '127.0.0.1', port: sim.port }),
    }));
    const adapter = await startAdapter(cfg, c.sink);
    await waitFor('3 readings from every device', () => cfg.every((d) => c.count(d.deviceId) >= 3));
    await Promise.all(c.writes);

    expect(c.rejected).toEqual([]);
    const latest = await store.latest!();
    for (const d of cfg) {
      const t = registry.get(d.template)!;
      const row = latest.get(d.deviceId);
      expect(row?.template, d.deviceId).toBe(d.template);
      expect(Object.keys(row!.fields).sort(), d.template).toEqual(t.fields.map((f) => f.name).sort());
    }
    // Values match what the simulator holds.
    const last = (id: string) => c.readings.get(`${transport}-${id}`)!.at(-1)!.fields;
    expect(last('lighting-relay-8ch')).toMatchObject({ ch1_on: true, ch4_on: true, ch5_on: false, ch5_current_a: 0 });
    expect(last('air-conditioner')).toMatchObject({ setpoint_c: 26, fault_code: 0 });
    expect(last('lab-fume-hood')).toMatchObject({ fan_on: true, sash_height_mm: 300 });
    expect(last('water-leak-sensor')).toMatchObject({ leak: false, probe_fault: false });
    expect(last('energy-meter-1p').voltage_v).toBeGreaterThan(220);
    // Cumulative counters never go down.
    for (const [id, field] of [['energy-meter-1p', 'energy_import_kwh'], ['energy-meter-3p', 'energy_import_kwh'], ['water-meter', 'total_m3'], ['solar-inverter', 'total_yield_kwh']] as const) {
      const series = c.readings.get(`${transport}-${id}`)!.map((r) => r.fields[field] as number);
      for (let i = 1; i < series.length; i++) expect(series[i]!, `${id}.${field}`).toBeGreaterThanOrEqual(series[i - 1]!);
    }
    const stats = adapter.stats();
    expect(stats).toHaveLength(10);
    for (const s of stats) {
      expect(s.requests).toBeGreaterThan(0);
      expect(s.errors + s.timeouts).toBe(0);
      expect(s.latency_p50_ms).not.toBeNull();
    }
    const points = await store.query!({ device: `${transport}-energy-meter-3p`, field: 'ia_a', from: 0, to: Date.now() + 1000 });
    expect(points.length).toBeGreaterThanOrEqual(3);
  });
});

describe('failure isolation', () => {
  it('silent, slow, exception- and garbage-answering devices do not stop the others', async () => {
    const pair = await pty();
    const rtu = await startSim({ transport: 'rtu', path: pair.b, units: [
      { unitId: 1, template: 'water-meter' }, { unitId: 2, template: 'energy-meter-1p' }, { unitId: 3, template: 'solar-inverter' },
      { unitId: 4, template: 'fresh-air-unit' }] });
    const shared = await startSim({ transport: 'tcp', units: [{ unitId: 1, template: 'env-sensor-rs485' }, { unitId: 2, template: 'fresh-air-unit' }] });
    const lone = await startSim({ transport: 'tcp', units: [{ unitId: 1, template: 'energy-meter-3p' }] });
    const failing = await startSim({ transport: 'tcp', units: [{ unitId: 1, template: 'lab-fume-hood' }] });
    const slow = await startSim({ transport: 'tcp', units: [{ unitId: 1, template: 'water-leak-sensor' }] });
    slow.setDelay(1, 150); // answers, but slowly (within the 400 ms timeout)
    const garbled = await startSim({ transport: 'tcp', units: [{ unitId: 1, template: 'energy-meter-1p' }] });
    garbled.setMode(1, 'garbage'); // truncated PDUs
    rtu.setMode(4, 'garbage'); // wrong CRCs on the shared bus
    rtu.setMode(2, 'silent');
    rtu.setMode(3, 'exception');
    shared.setMode(2, 'silent');
    failing.setMode(1, 'exception');
    const tcp = (port: number | undefined) => ({ transport: 'tcp' as const, host: '127.0.0.1', port });
    const c = collector();
    const adapter = await startAdapter([
      device({ transport: 'rtu', path: pair.a, unitId: 1, template: 'water-meter', deviceId: 'rtu-ok' }),
      device({ transport: 'rtu', path: pair.a, unitId: 2, template: 'energy-meter-1p', deviceId: 'rtu-silent' }),
      device({ transport: 'rtu', path: pair.a, unitId: 3, template: 'solar-inverter', deviceId: 'rtu-exception' }),
      device({ ...tcp(shared.port), unitId: 1, template: 'env-sensor-rs485', deviceId: 'tcp-shared-ok' }),
      device({ ...tcp(shared.port), unitId: 2, template: 'fresh-air-unit', deviceId: 'tcp-silent' }),
      device({ ...tcp(lone.port), unitId: 1, template: 'energy-meter-3p', deviceId: 'tcp-ok' }),
      device({ ...tcp(failing.port), unitId: 1, template: 'lab-fume-hood', deviceId: 'tcp-exception' }),
      device({ ...tcp(slow.port), unitId: 1, template: 'water-leak-sensor', deviceId: 'tcp-slow' }),
      device({ transport: 'rtu', path: pair.a, unitId: 4, template: 'fresh-air-unit', deviceId: 'rtu-garbage' }),
      device({ ...tcp(garbled.port), unitId: 1, template: 'energy-meter-1p', deviceId: 'tcp-garbage' }),
    ], c.sink);

    await waitFor('the silent devices to time out twice', () => (c.failures.get('rtu-silent') ?? 0) >= 2 && (c.failures.get('tcp-silent') ?? 0) >= 2);
    await waitFor('readings from the healthy devices', () => ['rtu-ok', 'tcp-shared-ok', 'tcp-ok', 'tcp-slow'].every((d) => c.count(d) >= 8));
    await waitFor('garbled answers rejected', () => c.rejected.some((r) => r.device === 'rtu-garbage') && c.rejected.some((r) => r.device === 'tcp-garbage'));
    expect(c.count('rtu-silent') + c.count('tcp-silent') + c.count('rtu-exception') + c.count('tcp-exception')).toBe(0);
    expect(c.count('rtu-garbage') + c.count('tcp-garbage')).toBe(0);
    expect(c.rejected.find((r) => r.device === 'rtu-garbage')).toMatchObject({ code: 'bad_checksum', reason: expect.stringMatching(/CRC/) });
    expect(c.rejected.find((r) => r.device === 'tcp-garbage')!.reason).toMatch(/bad frame/);

    const byDevice = new Map(adapter.stats().map((s) => [s.device, s]));
    expect(byDevice.get('rtu-silent')!.timeouts).toBeGreaterThanOrEqual(2);
    expect(byDevice.get('tcp-silent')!.timeouts).toBeGreaterThanOrEqual(2);
    for (const d of ['rtu-exception', 'tcp-exception']) {
      expect(byDevice.get(d)!.exceptions, d).toBeGreaterThan(0);
      expect(byDevice.get(d)!.last_error, d).toMatch(/exception 2/);
      expect(c.rejected.some((r) => r.device === d && r.code === 'device_error' && /exception 2/.test(r.reason)), d).toBe(true);
    }
    // A dead device backs off: far fewer polls than a healthy neighbour on the same bus.
    expect(byDevice.get('rtu-silent')!.polls).toBeLessThan(byDevice.get('rtu-ok')!.polls);
    expect(byDevice.get('tcp-slow')!.latency_p50_ms).toBeGreaterThanOrEqual(140);
    for (const d of ['rtu-ok', 'tcp-shared-ok', 'tcp-ok', 'tcp-slow']) expect(byDevice.get(d)!.errors + byDevice.get(d)!.timeouts, d).toBe(0);

    // Recovery: the device comes back and is read again.
    rtu.setMode(3, 'normal');
    failing.setMode(1, 'normal');
    await waitFor('recovered devices to be read', () => c.count('rtu-exception') > 0 && c.count('tcp-exception') > 0, 60_000);
  });

  it('an RTU line unplugged and plugged back in is read again', async () => {
    const pair = await pty();
    await startSim({ transport: 'rtu', path: pair.b, units: [{ unitId: 7, template: 'env-sensor-rs485' }, { unitId: 8, template: 'water-leak-sensor' }] });
    const c = collector();
    await startAdapter([
      device({ transport: 'rtu', path: pair.a, unitId: 7, template: 'env-sensor-rs485', deviceId: 'env' }),
      device({ transport: 'rtu', path: pair.a, unitId: 8, template: 'water-leak-sensor', deviceId: 'leak' }),
    ], c.sink);
    await waitFor('readings before the unplug', () => c.count('env') >= 3 && c.count('leak') >= 3);
    await pair.stop();
    await waitFor('failures after the unplug', () => (c.failures.get('env') ?? 0) >= 2 && (c.failures.get('leak') ?? 0) >= 2);
    const before = { env: c.count('env'), leak: c.count('leak') };
    await pair.start();
    await waitFor('readings after the replug', () => c.count('env') >= before.env + 3 && c.count('leak') >= before.leak + 3, 60_000);
  });

  it('a TCP server that restarts is reconnected', async () => {
    const sim = await startSim({ transport: 'tcp', units: [{ unitId: 1, template: 'air-conditioner' }] });
    const port = sim.port!;
    const c = collector();
    await startAdapter([device({ transport: 'tcp', host: '127.0.0.1', port, unitId: 1, template: 'air-conditioner', deviceId: 'ac' })], c.sink);
    await waitFor('readings', () => c.count('ac') >= 2);
    await sim.stop();
    await waitFor('failures while the server is down', () => (c.failures.get('ac') ?? 0) >= 2);
    const before = c.count('ac');
    await startSim({ transport: 'tcp', port, units: [{ unitId: 1, template: 'air-conditioner' }] });
    await waitFor('readings after the restart', () => c.count('ac') >= before + 2, 60_000);
  });
});

describe('concurrency', () => {
  it('sends one request at a time on an RTU bus, while TCP connections are polled in parallel', async () => {
    const pair = await pty();
    const bus = await startSim({ transport: 'rtu', path: pair.b, units: [1, 2, 3].map((unitId) => ({ unitId, template: 'env-sensor-rs485' as const })) });
    const tcps = await Promise.all([1, 2, 3].map(() => startSim({ transport: 'tcp', units: [{ unitId: 1, template: 'water-meter' }] })));
    for (const u of [1, 2, 3]) bus.setDelay(u, 60);
    for (const t of tcps) t.setDelay(1, 60);
    const c = collector();
    let parallel = 0;
    const sampler = setInterval(() => { if (tcps.filter((t) => t.pending > 0).length >= 2) parallel++; }, 5);
    cleanups.push(async () => clearInterval(sampler));
    await startAdapter([
      ...[1, 2, 3].map((u) => device({ transport: 'rtu', path: pair.a, unitId: u, template: 'env-sensor-rs485', deviceId: `bus-${u}`, intervalMs: 100 })),
      ...tcps.map((t, i) => device({ transport: 'tcp', host: '127.0.0.1', port: t.port, unitId: 1, template: 'water-meter', deviceId: `net-${i}`, intervalMs: 100 })),
    ], c.sink);
    await waitFor('readings from every device', () => [1, 2, 3].every((u) => c.count(`bus-${u}`) >= 5) && [0, 1, 2].every((i) => c.count(`net-${i}`) >= 5));
    await waitFor('two TCP servers busy at once', () => parallel > 0);
    clearInterval(sampler);
    expect(bus.maxPending).toBe(1); // never a second frame on the bus before the answer
    expect(Math.max(...tcps.map((t) => t.maxPending))).toBe(1); // one request per connection too
  });
});

describe('writes', () => {
  it('switches a relay channel and sets the air conditioner, range-checked', async () => {
    const sim = await startSim({ transport: 'tcp', units: [{ unitId: 1, template: 'lighting-relay-8ch' }, { unitId: 2, template: 'air-conditioner' }] });
    const pair = await pty();
    const rtu = await startSim({ transport: 'rtu', path: pair.b, units: [{ unitId: 4, template: 'lighting-relay-8ch' }] });
    const c = collector();
    const tcp = { transport: 'tcp' as const, host: '127.0.0.1', port: sim.port };
    const adapter = await startAdapter([
      device({ ...tcp, unitId: 1, template: 'lighting-relay-8ch', deviceId: 'relay' }),
      device({ ...tcp, unitId: 2, template: 'air-conditioner', deviceId: 'ac' }),
      device({ transport: 'rtu', path: pair.a, unitId: 4, template: 'lighting-relay-8ch', deviceId: 'relay-rtu' }),
    ], c.sink);
    await waitFor('first readings', () => c.count('relay') > 0 && c.count('ac') > 0 && c.count('relay-rtu') > 0);

    expect(await adapter.write('relay', 'ch5_on', true)).toEqual({ ok: true });
    expect(sim.unit(1).tables.coils[4]).toBe(true);
    expect(await adapter.write('relay-rtu', 'ch1_on', false)).toEqual({ ok: true });
    expect(rtu.unit(4).tables.coils[0]).toBe(false);
    await waitFor('a reading showing ch5 on', () => c.readings.get('relay')!.at(-1)!.fields.ch5_on === true);
    await waitFor('a reading showing ch1 off over RTU', () => c.readings.get('relay-rtu')!.at(-1)!.fields.ch1_on === false);

    expect(await adapter.write('ac', 'setpoint_c', 24.5)).toEqual({ ok: true });
    expect(sim.unit(2).tables.holding[2]).toBe(245);
    expect(await adapter.write('ac', 'mode', 'heat')).toEqual({ ok: true });
    expect(sim.unit(2).tables.holding[1]).toBe(4);
    await waitFor('a reading with the new setpoint', () => c.readings.get('ac')!.at(-1)!.fields.setpoint_c === 24.5);

    const tooHot = await adapter.write('ac', 'setpoint_c', 40);
    expect(tooHot).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(sim.unit(2).tables.holding[2]).toBe(245);
    expect(await adapter.write('ac', 'room_temp_c', 20)).toMatchObject({ ok: false, code: 'not_writable' });
    expect(await adapter.write('ac', 'mode', 'turbo')).toMatchObject({ ok: false });
    expect(await adapter.write('nobody', 'mode', 'cool')).toMatchObject({ ok: false, code: 'unknown_device' });
  });
});
