/**
 * The benchmark's measurement itself (issue #21 items 1–3), against real servers: a ceiling
 * that lost messages is no ceiling (its ratio is refused, with the reason); mosquitto as the
 * kit starts it delivers every QoS 1 message to one subscriber; the fixed-rate load is open
 * loop (it keeps its schedule when acknowledgements are slow) and sees readings in `/latest`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createGateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { passThrough, withMosquitto } from '../../bench/lib/ceilings.js';
import { runOpenLoop } from '../../bench/lib/open-loop.js';
import { startOpenLoopProc } from '../../bench/lib/open-loop-proc.js';
import { connectRaw } from '../../bench/lib/raw-mqtt.js';
import { formatRatio, interleave, ratioSummary, type CeilingRun } from '../../bench/lib/repeat.js';
import { printSections } from '../../bench/lib/sections.js';
import { holdsBetween, pensAt, slowSyncsBetween, type WorkloadResult } from '../../bench/pipeline-workloads.js';
import type { ChildStats } from '../../bench/lib/gateway-proc.js';
import { startMosquitto } from '../kit/index.js';

const ceiling = (rate: number, delivered = 100): CeilingRun => ({ name: 'c', rate, total: 100, delivered });

describe('bench: repeated, interleaved figures', () => {
  it('runs a ceiling and the gateway alternately, round after round (A B A B A B)', async () => {
    const order: string[] = [];
    const [a, b] = await interleave(3, [async (r) => { order.push(`A${r}`); return r; }, async (r) => { order.push(`B${r}`); return 10 + r; }]);
    expect(order).toEqual(['A0', 'B0', 'A1', 'B1', 'A2', 'B2']);
    expect(a).toEqual([0, 1, 2]);
    expect(b).toEqual([10, 11, 12]);
  });

  it('prints the median and min–max of the per-round ratios', () => {
    const r = ratioSummary([90, 120, 100], [ceiling(100), ceiling(100), ceiling(200)]);
    expect(r).toEqual({ ok: true, median: 0.9, min: 0.5, max: 1.2, rounds: 3 });
    expect(formatRatio(r)).toBe('0.9 (0.5–1.2)');
  });

  it('refuses a ratio when any round\'s ceiling lost messages or did not finish, saying why', () => {
    const lost = ratioSummary([90, 90], [ceiling(100), ceiling(8_000, 61)]);
    expect(lost).toEqual({ ok: false, why: 'round 2: lost 39 of 100 messages' });
    expect(formatRatio(lost)).toBe('refused');
    const failed = ratioSummary([90], [{ ...ceiling(100), failed: 'a write failed: HTTP 500' }]);
    expect(failed).toEqual({ ok: false, why: 'round 1: a write failed: HTTP 500' });
  });
  it('the table prints "refused" and the reason instead of a ratio over a lossy ceiling, and flags a run too short for a steady state', () => {
    const run = (msgs_per_s: number, elapsed_s: number): WorkloadResult => ({ workload: 'telemetry-qos1', msgs: 1, readings: 1, msgs_per_s, readings_per_s: msgs_per_s, p50_ms: 1, p99_ms: 2, cpu_us_per_msg: 40, peak_rss_mib: 150, elapsed_s, lost: 0 });
    const runs = [run(20_000, 12), run(22_000, 6.5)];
    const lossy = [ceiling(8_000, 100), ceiling(8_000, 61)].map((c) => ({ ...c, name: 'mosquitto pass-through QoS 1' }));
    const good = [ceiling(20_000), ceiling(20_000)];
    const text = printSections({ quick: false, school: null, latency: null, workloads: [{ workload: 'telemetry-qos1', runs, ceilings: [
      { column: '÷aedes', runs: good, ratio: ratioSummary(runs.map((r) => r.msgs_per_s), good) },
      { column: '÷mosquitto', runs: lossy, ratio: ratioSummary(runs.map((r) => r.msgs_per_s), lossy) },
    ] }] });
    const row = text.split('\n').find((l) => l.startsWith('telemetry-qos1'))!;
    expect(row).toContain('1.05 (1–1.1)');
    expect(row).toContain('refused');
    expect(row).not.toContain('2.6');
    expect(text).toContain('telemetry-qos1 ÷mosquitto refused: round 2: lost 39 of 100 messages');
    expect(text).toContain('telemetry-qos1: 1 round(s) lasted under 10 s (6.5 s)');
    expect(text).toMatch(/mosquitto pass-through QoS 1 +8000 +1\/2 complete/);
  });

  it('prints each fixed-rate load over its rounds: medians, the p99 spread, and plain aedes of the same rounds beside it', () => {
    const lat = (p50: number, p99: number) => ({ p50_ms: p50, p99_ms: p99, p999_ms: p99 * 2, samples: 50_000 });
    const gw = (p99: number, cpu: number, holds: number[] = []) => ({
      rate: 5000, sent: 50_000, acked: 50_000, offered_per_s: 5000, puback: lat(3, p99), send_lag: lat(0.7, 1.8),
      latest: { ...lat(6, 12), not_visible: 0 }, label: '5,000 msg/s telemetry', gateway_cpu_pct: cpu, gateway_eld_p99_ms: 2, gateway_eld_max_ms: p99,
      restart_holds_ms: holds, slow_syncs: { over_10ms: holds.length, over_25ms: holds.length > 1 ? 1 : 0, over_50ms: 0, over_100ms: 0 },
    });
    const floor = (p99: number) => ({ ...gw(p99, 0), puback: lat(1.1, p99) });
    const disk = (p99: number, over: number, max: number) => ({ sync: { ...lat(0.2, 0.5), max_ms: max, over_10ms: over }, ack: lat(0.9, p99) });
    const text = printSections({ quick: false, school: null, workloads: [], latency: { store: 'embedded', duration_s: 10, rounds: 3, loads: [
      { label: '5,000 msg/s telemetry', runs: [gw(9.5, 70, [4.2]), gw(14.25, 80, [3.1, 61.5]), gw(8, 60)], floor: [floor(2.6), floor(3), floor(2.8)], disk: [disk(1.1, 0, 4.2), disk(26, 2, 147), disk(1.4, 1, 12)] },
    ] } });
    const row = text.split('\n').find((l) => l.startsWith('5,000 msg/s telemetry'))!;
    const cells = row.split(/ {2,}/);
    expect(cells).toContain('150000/150000');
    expect(cells).toContain('9.5 (8–14.3)'); // PUBACK p99: median (min–max) of the rounds
    expect(cells).toContain('70'); // CPU: median
    expect(cells).toContain('14.25'); // loop delay: the worst round
    expect(cells).toContain('2.8 (2.6–3)'); // plain aedes p99 over the same rounds
    expect(cells).toContain('1.4 (1.1–26)'); // the disk's floor p99 over the same rounds
    expect(cells).toContain('3 (max 147 ms)'); // fdatasyncs over 10 ms, all rounds, and the longest
    expect(cells).toContain('3 (max 61.5 ms)'); // the store's log restarts, all rounds, and the longest hold
    expect(cells).toContain('3/1/0'); // the store's own fdatasyncs over 10, 25 and 50 ms, all rounds
    expect(text).toMatch(/open-loop QoS 1, 10 s × 3/);
  });
});

describe('bench: the store\'s log restarts during a run', () => {
  const at = (count: number, lastMs: number[]) => ({ wal_restart_holds: { count, last_ms: lastMs } }) as ChildStats;
  it('takes the holds that happened between two stats requests, from the last 16 the store keeps', () => {
    expect(holdsBetween(at(2, [4, 5]), at(2, [4, 5]))).toEqual([]);
    expect(holdsBetween(at(2, [4, 5]), at(4, [4, 5, 30, 6]))).toEqual([30, 6]);
    // More than the store keeps: all it kept.
    const kept = Array.from({ length: 16 }, (_, i) => i);
    expect(holdsBetween(at(1, [9]), at(40, kept))).toEqual(kept);
  });

  it('takes the store\'s slow fdatasyncs between two stats requests, and none on a store without them', () => {
    const slow = (over10: number, over25: number) => ({ wal_syncs_slow: { over_10ms: over10, over_25ms: over25, over_50ms: 1, over_100ms: 0 } }) as ChildStats;
    expect(slowSyncsBetween(slow(3, 1), slow(15, 2))).toEqual({ over_10ms: 12, over_25ms: 1, over_50ms: 0, over_100ms: 0 });
    expect(slowSyncsBetween({ wal_syncs_slow: null } as ChildStats, slow(1, 0))).toBeNull();
  });
});

describe('bench: pass-through ceilings', () => {
  it('marks a mosquitto run that dropped QoS 1 messages as failed (mosquitto with tiny queues)', async () => {
    const m = await startMosquitto({ configExtra: 'max_queued_messages 5\nmax_inflight_messages 1' });
    try {
      const r = await passThrough('mosquitto', m.url, 1, 20_000, { drainMs: 2_000 });
      expect(r.delivered).toBeLessThan(20_000);
      expect(r.failed).toMatch(/^delivered \d+ of 20000 messages/);
      expect(ratioSummary([20_000], [r]).ok).toBe(false);
    } finally {
      await m.stop();
    }
  });

  it('mosquitto as started for the ceiling delivers every QoS 1 message to one subscriber', async () => {
    const r = await withMosquitto((url) => passThrough('mosquitto', url, 1, 20_000, { drainMs: 20_000, config: 'ceiling' }));
    expect(r.failed).toBeUndefined();
    expect(r.delivered).toBe(20_000);
    expect(r.name).toBe('mosquitto pass-through QoS 1 (ceiling)');
    expect(r.rate).toBeGreaterThan(0);
  });
});

describe('bench: the lean MQTT client of the load generator', () => {
  it('publishes QoS 0 and 1, receives as a QoS 1 subscriber (acknowledging), and fails what waits when the broker closes', async () => {
    const aedes = await Aedes.createBroker();
    const server: Server = createServer((s) => aedes.handle(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
    let hold = false;
    aedes.authorizePublish = (client, _packet, done) => { if (hold && client?.id === 'pub') client.close(); else done(null); };
    try {
      const sub = await connectRaw(url, 'sub');
      const got: string[] = [];
      await sub.subscribe('t/#', 1, (topic, payload) => got.push(`${topic} ${payload.toString()}`));
      const pub = await connectRaw(url, 'pub');
      const acked: Array<string | undefined> = [];
      for (let i = 0; i < 300; i++) pub.publish(`t/${i % 3}`, `m${i}`, i % 2 === 0 ? 1 : 0, (err) => acked.push(err?.message));
      await expect.poll(() => got.length).toBe(300);
      await expect.poll(() => acked.length).toBe(300);
      expect(acked.every((e) => e === undefined)).toBe(true);
      expect(got).toContain('t/0 m0');
      expect(got).toContain('t/2 m299');
      expect(pub.inFlight()).toBe(0);

      hold = true; // the broker now drops the publisher's connection instead of acknowledging
      const late = new Promise<string | undefined>((r) => pub.publish('t/x', 'lost', 1, (err) => r(err?.message)));
      await expect(late).resolves.toMatch(/closed before PUBACK/);
      expect(pub.inFlight()).toBe(0);
      await pub.end();
      await sub.end();
    } finally {
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('refuses a CONNACK with an error code', async () => {
    const aedes = await Aedes.createBroker();
    aedes.authenticate = (_c, _u, _p, done) => done(Object.assign(new Error('no'), { returnCode: 5 }), false);
    const server: Server = createServer((s) => aedes.handle(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await expect(connectRaw(`mqtt://127.0.0.1:${(server.address() as { port: number }).port}`, 'x')).rejects.toThrow(/CONNACK return code 5|closed before CONNACK/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    }
  });
});

describe('bench: open-loop load at a fixed rate', () => {
  it('keeps its schedule while PUBACKs are held back, and counts latency from when each message was due', async () => {
    const aedes = await Aedes.createBroker();
    // Every publish is held 600 ms before it is accepted (and acknowledged).
    aedes.authorizePublish = (_client, _packet, done) => { setTimeout(() => done(null), 600); };
    const server: Server = createServer((s) => aedes.handle(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await runOpenLoop({
        url: `mqtt://127.0.0.1:${port}`, rate: 200, durationMs: 1_000, connections: 4, qos: 1,
        topic: (c) => `t/${c}`, payload: (_c, seq) => `{"seq":${seq}}`, device: (c) => `d-${c}`,
      });
      // A closed loop with a window would have sent a window's worth per 600 ms; the schedule sent all 200.
      expect(r.sent).toBe(200);
      expect(r.acked).toBe(200);
      expect(r.puback.samples).toBe(200);
      expect(r.puback.p50_ms).toBeGreaterThanOrEqual(600);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    }
  });

  it('measures publish → PUBACK and publish → visible in /latest against a real gateway (embedded store)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-bench-open-'));
    const gw = createGateway(parseConfig({
      insecure: true, // on loopback, open on purpose (no broker auth, no API tokens)
      site: { id: 'bench-test' }, broker: { port: 0, host: '127.0.0.1' }, http: { port: 0, host: '127.0.0.1' },
      store: { kind: 'embedded', path: dir }, privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
    }), { log: silentLogger() });
    await gw.start();
    try {
      const { mqtt: mqttPort, http } = gw.ports() as { mqtt: number; http: number };
      const r = await runOpenLoop({
        url: `mqtt://127.0.0.1:${mqttPort}`, httpBase: `http://127.0.0.1:${http}`, rate: 300, durationMs: 2_000, connections: 10, qos: 1,
        topic: (c) => `campus/classroom-light/bench-R-${c}/telemetry`, device: (c) => `bench-R-${c}`, probeEveryMs: 200,
        payload: (_c, seq, ts) => `{"on":true,"bri":${seq % 100},"cct":5000,"lux":512,"pw":36.5,"ts":${ts}}`,
      });
      expect(r.sent).toBe(600);
      expect(r.acked).toBe(600);
      expect(r.puback.samples).toBe(600);
      expect(r.latest.samples).toBeGreaterThan(0);
      expect(r.latest.not_visible).toBe(0);
      expect(r.latest.p50_ms).toBeGreaterThan(0);

      // A classroom of 40 pens, one 100-point stroke a second each: every stroke stored and shown,
      // sent from the load generator's own process as the latency section does.
      const pens = pensAt(1);
      expect([pens.rate, pens.devices]).toEqual([40, 40]);
      const gen = startOpenLoopProc();
      try {
        const p = await gen.run({ url: `mqtt://127.0.0.1:${mqttPort}`, httpBase: `http://127.0.0.1:${http}`, spec: pens.spec, durationMs: 2_000, prefix: 'pens', probeEveryMs: 200 });
        expect(p.sent).toBe(80);
        expect(p.acked).toBe(80);
        expect(p.latest.samples).toBeGreaterThan(0);
        expect(p.latest.not_visible).toBe(0);
        expect(p.sender_major_gcs.count).toBeGreaterThanOrEqual(0);
        // A failed run is an error from the generator, not a hang.
        await expect(gen.run({ url: 'mqtt://127.0.0.1:1', spec: pens.spec, durationMs: 100, prefix: 'nowhere', probeEveryMs: 200 })).rejects.toThrow(/load generator/);
      } finally {
        await gen.stop();
      }
    } finally {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
