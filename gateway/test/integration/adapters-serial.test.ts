/**
 * The serial adapter against the firmware-sim line simulators over real socat
 * pty pairs: the four serial templates end to end through the template engine
 * into the embedded store, PJLink polling merged into one reading per cycle,
 * garbage, bad checksums, an endless line, and unplug/replug.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSerialSim, type SerialSim, type SerialSimOptions } from '../../../firmware-sim/src/serial/index.js';
import { createSerialAdapter, type Adapter, type AdapterRejection, type ModbusRead, type SerialLines } from '../../src/adapters/index.js';
import type { SerialAdapterConfig } from '../../src/config/schema.js';
import type { Reading } from '../../src/core/reading.js';
import { decode } from '../../src/pipeline/decode.js';
import { createEmbeddedStore } from '../../src/store/embedded-store.js';
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

function collector(onReadings?: (rs: Reading[]) => void) {
  const readings = new Map<string, Reading[]>();
  const rejected: AdapterRejection[] = [];
  const failures = new Map<string, number>();
  return {
    readings, rejected, failures,
    count: (d: string) => readings.get(d)?.length ?? 0,
    sink: {
      // The adapter hands raw lines in; the pipeline's decode stage turns them into readings.
      receive(input: ModbusRead | SerialLines) {
        const rs = decode(input, registry.get(input.template)!, (r) => rejected.push(r));
        if (!rs) return;
        for (const r of rs) readings.set(r.device, [...(readings.get(r.device) ?? []), r]);
        onReadings?.(rs);
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

async function rig(sims: Omit<SerialSimOptions, 'path'>[], sink: ReturnType<typeof collector>['sink'], intervalMs = 300, silenceMs?: number): Promise<{ adapter: Adapter; sims: SerialSim[]; pairs: PtyPair[]; ids: string[] }> {
  const pairs: PtyPair[] = [];
  const started: SerialSim[] = [];
  const cfg: SerialAdapterConfig[] = [];
  for (const [i, o] of sims.entries()) {
    const pair = await createPtyPair();
    cleanups.push(() => pair.stop());
    const sim = createSerialSim({ ...o, path: pair.b });
    await sim.start();
    cleanups.push(() => sim.stop());
    pairs.push(pair);
    started.push(sim);
    cfg.push({ path: pair.a, template: o.template, deviceId: `${o.template}-${i}`, intervalMs, ...(silenceMs === undefined ? {} : { silenceMs }) });
  }
  const adapter = createSerialAdapter(cfg, { log, templates: registry, sink }, { reopen: { baseMs: 100, capMs: 500 } });
  await adapter.start();
  cleanups.push(() => adapter.stop());
  return { adapter, sims: started, pairs, ids: cfg.map((c) => c.deviceId) };
}

describe('serial templates end to end', () => {
  it('reads the projector, clicker base, fitness station and noise meter into the embedded store', async () => {
    const store = createEmbeddedStore({ path: ':memory:', retentionDays: 30 }, { log });
    await store.start();
    cleanups.push(() => store.stop());
    const writes: Promise<void>[] = [];
    const c = collector((rs) => writes.push(store.write(rs)));
    const { ids, sims, adapter } = await rig([
      { template: 'projector' },
      { template: 'response-clicker', intervalMs: 50 },
      { template: 'fitness-test-station', intervalMs: 50 },
      { template: 'noise-meter', intervalMs: 50 },
    ], c.sink);
    await waitFor('3 readings from every device', () => ids.every((d) => c.count(d) >= 3));
    await Promise.all(writes);
    expect(c.rejected).toEqual([]);

    // PJLink: three queries per cycle, one merged reading with every field.
    const projector = registry.get('projector')!;
    const pj = c.readings.get(ids[0]!)!;
    for (const r of pj) expect(Object.keys(r.fields).sort()).toEqual(projector.fields.map((f) => f.name).sort());
    expect(pj[0]!.fields).toMatchObject({ power: 'on', lamp_on: true, fan_status: 'ok', other_status: 'ok' });
    expect(sims[0]!.queries).toBeGreaterThanOrEqual(9);
    expect(pj.length).toBeLessThanOrEqual(Math.ceil(sims[0]!.queries / 3));

    const noise = c.readings.get(ids[3]!)!;
    for (const r of noise) {
      expect(r.fields.laeq_db).toBeGreaterThanOrEqual(45);
      expect(r.fields.lamax_db as number).toBeGreaterThan(r.fields.laeq_db as number);
    }
    const fitness = c.readings.get(ids[2]!)!;
    for (const r of fitness) expect(Object.keys(r.fields).length).toBeGreaterThan(0);

    const latest = await store.latest!();
    for (const id of ids) expect(latest.has(id), id).toBe(true);
    const lamp = await store.query!({ device: ids[0]!, field: 'lamp_hours', from: 0, to: Date.now() + 1000 });
    expect(lamp.length).toBeGreaterThanOrEqual(3);
    expect(adapter.stats().find((s) => s.device === ids[0])!.requests).toBeGreaterThanOrEqual(9);
  });
});

describe('bad input on a serial line', () => {
  it('rejects garbage and bad checksums with a reason and keeps reading good sentences', async () => {
    const c = collector();
    const { ids, sims } = await rig([{ template: 'noise-meter', intervalMs: 20, mode: 'noise', seed: 11 }], c.sink);
    const id = ids[0]!;
    await waitFor('good sentences and both kinds of rejection', () => c.count(id) >= 10
      && c.rejected.some((r) => r.code === 'bad_checksum') && c.rejected.some((r) => r.code === 'bad_line'));
    for (const r of c.rejected) {
      expect(r.device).toBe(id);
      expect(r.template).toBe('noise-meter');
      expect(r.reason.length).toBeGreaterThan(0);
      expect(r.raw).toBeDefined();
    }
    // A state-V sentence with a correct checksum is rejected too.
    sims[0]!.mode = 'silent';
    const n = c.rejected.length;
    sims[0]!.writeRaw('$NOISE,50.0,60.0,V*' + checksum('NOISE,50.0,60.0,V') + '\r\n');
    await waitFor('the V sentence rejected', () => c.rejected.length > n);
    expect(c.rejected.at(-1)!.raw).toContain(',V*');
  });

  it('drops a megabyte without a newline with a reason, then reads the next lines', async () => {
    const c = collector();
    const { ids, sims } = await rig([{ template: 'fitness-test-station', intervalMs: 0 }], c.sink);
    const [sim] = sims;
    sim!.emit();
    await waitFor('a first reading', () => c.count(ids[0]!) === 1);
    sim!.writeRaw(Buffer.alloc(1.2 * 1024 * 1024, 'A'));
    await waitFor('the overflow rejection', () => c.rejected.some((r) => /without a line delimiter/.test(r.reason)));
    sim!.writeRaw('\r\n');
    for (let i = 0; i < 3; i++) sim!.emit();
    await waitFor('readings after the overflow', () => c.count(ids[0]!) >= 4);
    sim!.writeRaw('\u0000\u00ff\u0013noise\r\nFT,S1\r\n');
    await waitFor('noise rejected', () => c.rejected.length >= 3);
    expect(c.rejected.slice(1).map((r) => r.code)).toEqual(expect.arrayContaining(['bad_line']));
  });

  it('reports PJLink ERR replies as rejections, not readings', async () => {
    const c = collector();
    const { ids, sims } = await rig([{ template: 'projector', mode: 'silent' }], c.sink);
    sims[0]!.writeRaw('%1POWR=ERR3\r');
    await waitFor('the ERR reply rejected', () => c.rejected.length >= 1);
    expect(c.rejected[0]).toMatchObject({ device: ids[0], template: 'projector' });
    expect(c.count(ids[0]!)).toBe(0);
    await waitFor('polls without reply counted as timeouts', () => (c.failures.get(ids[0]!) ?? 0) >= 1);
  });
});

describe('unplug and replug', () => {
  it('reopens the ports and reads again, for polled and streaming devices', async () => {
    const c = collector();
    // The silence limit too: should serialport miss the port's close, the noise meter still comes back.
    const { ids, pairs, adapter } = await rig([{ template: 'projector' }, { template: 'noise-meter', intervalMs: 50 }], c.sink, 300, 2_000);
    await waitFor('readings before the unplug', () => ids.every((d) => c.count(d) >= 2));
    for (const p of pairs) await p.stop();
    await waitFor('the adapter to notice', () => ids.every((d) => (c.failures.get(d) ?? 0) >= 1));
    const before = ids.map((d) => c.count(d));
    for (const p of pairs) await p.start();
    await waitFor('readings after the replug', () => ids.every((d, i) => c.count(d) >= before[i]! + 2), 60_000);
    for (const s of adapter.stats()) expect(s.reconnects, s.device).toBeGreaterThanOrEqual(1);
  });
});

describe('a port that stays open but falls silent', () => {
  it('is closed and reopened after silenceMs, counted as a failure, and read again', async () => {
    const c = collector();
    const { ids, sims, adapter } = await rig([{ template: 'noise-meter', intervalMs: 50 }], c.sink, 300, 400);
    const id = ids[0]!;
    await waitFor('readings before the silence', () => c.count(id) >= 2);
    expect(c.failures.get(id) ?? 0).toBe(0);
    // The meter stops sending; its port (the pty) stays open, so no close event comes.
    sims[0]!.mode = 'silent';
    await waitFor('the silence to count as a failure', () => (c.failures.get(id) ?? 0) >= 1);
    expect(adapter.stats()[0]!.last_error).toBe('no line for 0.4 s');
    sims[0]!.mode = 'normal';
    const before = c.count(id);
    await waitFor('readings after the reopen', () => c.count(id) >= before + 2);
    expect(adapter.stats()[0]!.reconnects).toBeGreaterThanOrEqual(1);
    expect(adapter.stats()[0]!.open).toBe(true);
  });

  it('is left alone while lines keep coming', async () => {
    const c = collector();
    const { ids, adapter } = await rig([{ template: 'noise-meter', intervalMs: 50 }], c.sink, 300, 300);
    // 40 lines at 50 ms: the limit ran out six times over had the lines not counted.
    await waitFor('readings of the talking meter', () => c.count(ids[0]!) >= 40);
    expect(c.failures.get(ids[0]!) ?? 0).toBe(0);
    expect(adapter.stats()[0]!.reconnects).toBe(0);
  });

  it('refuses a silenceMs no longer than the poll interval of a polled device', async () => {
    const c = collector();
    const cfg: SerialAdapterConfig[] = [{ path: '/dev/null', template: 'projector', deviceId: 'pj-1', intervalMs: 10_000, silenceMs: 5_000 }];
    const adapter = createSerialAdapter(cfg, { log, templates: registry, sink: c.sink });
    await expect(adapter.start()).rejects.toThrow('adapters.serial[0].silenceMs: 5000 ms is not longer than intervalMs (10000 ms)');
    await adapter.stop();
  });

  it('is never reopened with silenceMs 0', async () => {
    const c = collector();
    const { ids, sims, adapter } = await rig([{ template: 'noise-meter', intervalMs: 50, mode: 'silent' }, { template: 'noise-meter', intervalMs: 50 }], c.sink, 300, 0);
    // The talking meter is the clock: 20 of its lines while the other says nothing.
    await waitFor('readings of the talking meter', () => c.count(ids[1]!) >= 20);
    expect(sims[0]!.sent).toBe(0);
    expect(c.failures.get(ids[0]!) ?? 0).toBe(0);
    expect(adapter.stats().map((s) => s.reconnects)).toEqual([0, 0]);
    expect(adapter.stats()[0]!.open).toBe(true);
  });
});

function checksum(body: string): string {
  let x = 0;
  for (const ch of Buffer.from(body, 'latin1')) x ^= ch;
  return x.toString(16).toUpperCase().padStart(2, '0');
}

describe('a serial device behind a serial device server (tcp://host:port)', () => {
  it('reads the projector (PJLink polled) and the noise meter over TCP, and reconnects when the server comes back', async () => {
    const c = collector();
    const projector = createSerialSim({ template: 'projector', listen: {} });
    const noise = createSerialSim({ template: 'noise-meter', intervalMs: 50, listen: {} });
    for (const s of [projector, noise]) { await s.start(); cleanups.push(() => s.stop()); }
    expect(projector.url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const cfg: SerialAdapterConfig[] = [
      { path: projector.url!, template: 'projector', deviceId: 'pj-tcp', intervalMs: 300 },
      { path: noise.url!, template: 'noise-meter', deviceId: 'noise-tcp', intervalMs: 300 },
    ];
    const adapter = createSerialAdapter(cfg, { log, templates: registry, sink: c.sink }, { reopen: { baseMs: 100, capMs: 300 } });
    await adapter.start();
    cleanups.push(() => adapter.stop());
    await waitFor('readings of both devices', () => c.count('pj-tcp') >= 2 && c.count('noise-tcp') >= 3);
    expect(c.readings.get('pj-tcp')![0]!.fields).toMatchObject({ power: 'on', lamp_on: true });
    expect(c.rejected).toEqual([]);

    // The server goes away (box rebooted) and comes back on the same port: the adapter reconnects.
    const port = Number(noise.url!.split(':').at(-1));
    await noise.stop();
    await waitFor('the link to be seen down', () => (c.failures.get('noise-tcp') ?? 0) > 0);
    const again = createSerialSim({ template: 'noise-meter', intervalMs: 50, listen: { port } });
    await again.start();
    cleanups.push(() => again.stop());
    const before = c.count('noise-tcp');
    await waitFor('readings after the reconnect', () => c.count('noise-tcp') >= before + 3);
    expect(adapter.stats().find((s) => s.device === 'noise-tcp')!.reconnects).toBeGreaterThanOrEqual(1);
  });
});
