/**
 * The gateway's pipeline workloads, each against a fresh gateway child process:
 * small telemetry at QoS 0 and QoS 1 (classroom-light payloads from many
 * connections) and smart-pen strokes (one message per stroke of 100 points,
 * as a pen receiver sends them). A workload ends when every reading is stored.
 * Each is a fixed count sized to last well over 10 s on a 2-core machine (a steady state, not
 * a start-up transient); latency here is while saturated. Latency at the rates a school
 * produces is `fixedRateLatency` (open loop, lib/open-loop.ts).
 */
import { tmpdir } from 'node:os';
import { startGatewayProc, type ChildStats, type GatewayProc } from './lib/gateway-proc.js';
import { runLoad, type LoadOptions } from './lib/load.js';
import { latencySummary, round } from './lib/stats.js';
import type { OpenLoopResult } from './lib/open-loop.js';
import { startOpenLoopProc, type OpenLoopProc, type SenderGcs } from './lib/open-loop-proc.js';
import { strokePayload, type FixedRateLoad } from './lib/fixed-loads.js';
import { runDiskFloor, type DiskFloorResult } from './lib/disk-floor.js';
import { SLOW_SYNC_MS, type SlowSyncs } from '../src/store/sqlite-wal-sync.js';

export { pensAt, strokePayload, telemetryAt, type FixedRateLoad } from './lib/fixed-loads.js';

export interface WorkloadResult {
  workload: string;
  msgs: number;
  readings: number;
  msgs_per_s: number;
  readings_per_s: number;
  p50_ms: number;
  p99_ms: number;
  cpu_us_per_msg: number;
  peak_rss_mib: number;
  elapsed_s: number;
  lost: number;
  note?: string;
}

export type GatewayConfigFactory = (label: string, store?: string) => Promise<Record<string, unknown>>;

/** Waits until the gateway has stored `expected` readings, or nothing moved for `stallMs`. */
export async function waitStored(gw: GatewayProc, expected: number, stallMs = 10_000): Promise<ChildStats> {
  let last = await gw.stats();
  let lastChange = Date.now();
  while (last.readings < expected && Date.now() - lastChange < stallMs) {
    await new Promise((r) => setTimeout(r, 100));
    const s = await gw.stats();
    if (s.readings !== last.readings) lastChange = Date.now();
    last = s;
  }
  return last;
}

export function summarize(workload: string, before: ChildStats, after: ChildStats, msgs: number, expected: number, elapsedMs: number, latencies: number[], note?: string): WorkloadResult {
  const readings = after.readings - before.readings;
  const cpu = after.cpu_user_us + after.cpu_system_us - before.cpu_user_us - before.cpu_system_us;
  const l = latencySummary(latencies);
  return {
    workload, msgs, readings,
    msgs_per_s: round((msgs / elapsedMs) * 1000, 0), readings_per_s: round((readings / elapsedMs) * 1000, 0),
    p50_ms: l.p50_ms, p99_ms: l.p99_ms, cpu_us_per_msg: round(cpu / Math.max(1, msgs), 1),
    peak_rss_mib: round(after.max_rss_bytes / 1048576, 1), elapsed_s: round(elapsedMs / 1000, 1),
    lost: Math.max(0, expected - readings), ...(note ? { note } : {}),
  };
}

async function measure(name: string, config: Record<string, unknown>, load: (url: string) => Omit<LoadOptions, 'url'>, readingsPerMsg: number, note?: string): Promise<WorkloadResult> {
  const gw = await startGatewayProc(config);
  try {
    // Warm-up: JIT, connections, store batches.
    const warm = load(gw.mqttUrl);
    await runLoad({ ...warm, url: gw.mqttUrl, perConnection: Math.ceil(warm.perConnection / 10), clientPrefix: `${name}-warm` });
    await waitStored(gw, 1, 3000);
    await new Promise((r) => setTimeout(r, 1500));
    const before = await gw.stats();
    const opts = load(gw.mqttUrl);
    const t0 = performance.now();
    const r = await runLoad({ ...opts, url: gw.mqttUrl });
    const expected = r.sent * readingsPerMsg;
    const after = await waitStored(gw, before.readings + expected);
    const elapsed = performance.now() - t0;
    // p50/p99 here are while saturated (queueing included); see fixedRateLatency for paced load.
    return summarize(name, before, after, r.sent, expected, elapsed, r.latencies, note);
  } finally {
    await gw.stop();
  }
}

const LIGHT = (seq: number, base: number) => `{"on":true,"bri":${seq % 100},"cct":5000,"lux":512,"pw":36.5,"ts":${base + seq}}`;

/** 50 connections × 5,000 = 250,000 messages: ~11 s at the 22,000 msg/s measured on 2 cores. */
export async function telemetryWorkload(qos: 0 | 1, configFor: GatewayConfigFactory, perConnection = 5_000): Promise<WorkloadResult> {
  const base = Date.now() - 86_400_000;
  return measure(`telemetry-qos${qos}`, await configFor(`telemetry-qos${qos}`), () => ({
    connections: 50, perConnection, qos, window: 100, probeEvery: 50,
    topic: (c) => `campus/classroom-light/bench-L-${c}/telemetry`,
    payload: (c, seq) => LIGHT(seq, base + c * 0),
  }), 1, qos === 0 ? 'latency from 1-in-50 QoS 1 probes' : undefined);
}

/** 20 receivers × 1,000 strokes = 2,000,000 points: ~14 s at the 140,000 points/s measured on 2 cores. */
export async function penWorkload(configFor: GatewayConfigFactory, perConnection = 1_000): Promise<WorkloadResult> {
  const base = Date.now() - 86_400_000;
  // 20 receivers (classrooms); each stroke message is 100 points ≈ 1 s of writing.
  return measure('pen-strokes', await configFor('pen-strokes'), () => ({
    connections: 20, perConnection, qos: 1, window: 10,
    topic: (c) => `campus/smart-pen/P-bench-${c}/telemetry`,
    payload: (c, seq) => strokePayload(`P-bench-${c}`, seq, base + seq * 1_200),
  }), 100, '100 points per message (1 stroke)');
}

export type FixedRateResult = OpenLoopResult & {
  label: string; gateway_cpu_pct: number; gateway_eld_p99_ms: number; gateway_eld_max_ms: number;
  /** How long each restart of the embedded store's log during the run held commits back (ms). */
  restart_holds_ms: number[];
  /** The store's fdatasyncs of its log during the run that took over 10, 25, 50, 100 ms (embedded store). */
  slow_syncs: SlowSyncs | null;
  /** The load generator's own major GCs during the run (it shares the cores with the gateway). */
  sender_major_gcs?: SenderGcs;
};

/** The store's slow fdatasyncs between two stats requests. */
export function slowSyncsBetween(before: ChildStats, after: ChildStats): SlowSyncs | null {
  const a = after.wal_syncs_slow;
  const b = before.wal_syncs_slow;
  if (!a || !b) return null;
  return Object.fromEntries(SLOW_SYNC_MS.map((t) => [`over_${t}ms`, a[`over_${t}ms`] - b[`over_${t}ms`]])) as SlowSyncs;
}

/** The holds of the log restarts between two stats requests (at most the last 16 the store keeps). */
export function holdsBetween(before: ChildStats, after: ChildStats): number[] {
  const n = after.wal_restart_holds.count - before.wal_restart_holds.count;
  return n > 0 ? after.wal_restart_holds.last_ms.slice(-n) : [];
}

/**
 * Latency at the rates a school produces (issue #21 item 3): one gateway, each load in turn for
 * `durationMs`, open loop: publish → PUBACK (QoS 1: stored) for every message and publish →
 * visible in `/latest`, sampled; and the gateway's CPU over the run. Each run is sent from the
 * load generator's own process (lib/open-loop-child.ts).
 */
const openLoop = (gen: OpenLoopProc, url: string, httpBase: string | undefined, load: FixedRateLoad, ms: number, prefix: string) => gen.run({
  url, ...(httpBase ? { httpBase } : {}), spec: load.spec, durationMs: ms, prefix,
  // BENCH_TRACE=<dir>: every measured message's latency, for lib/trace-report.ts (not the warm-up runs).
  ...(process.env.BENCH_TRACE && !prefix.includes('warm') ? { traceFile: `${process.env.BENCH_TRACE}/lat-${prefix}.txt` } : {}),
  // ~200 /latest samples in a 10 s run, ~600 over three rounds (enough for a p99), fewer at 40 msg/s.
  probeEveryMs: 50,
});

/** One load's runs, one per round: on the gateway, and on plain aedes (the floor) right after. */
export interface FixedRateRows {
  label: string;
  runs: FixedRateResult[];
  /**
   * The same load against a broker that acknowledges without storing (plain aedes): the part of
   * the PUBACK latency that is the load generator, loopback TCP and MQTT itself on this machine,
   * below which no gateway can answer.
   */
  floor: OpenLoopResult[];
  /** The disk's floor after each: the lowest PUBACK latency its fdatasyncs allow at this rate (lib/disk-floor.ts). */
  disk: DiskFloorResult[];
}

/**
 * Runs every load `rounds` times, each run on the gateway followed by the same run on plain aedes
 * at `floorUrl`, so both see the same stretch of machine noise; the gateway is started once.
 */
export async function fixedRateLatency(config: Record<string, unknown>, loads: readonly FixedRateLoad[], durationMs: number, rounds: number, floorUrl: string,
  begin: (what: string) => Promise<void> = async () => {}, diskDir = tmpdir()): Promise<FixedRateRows[]> {
  const gw = await startGatewayProc(config);
  const gen = startOpenLoopProc();
  try {
    const run = (load: FixedRateLoad, ms: number, prefix: string) => openLoop(gen, gw.mqttUrl, `http://127.0.0.1:${gw.httpPort}`, load, ms, prefix);
    const out: FixedRateRows[] = loads.map((l) => ({ label: l.label, runs: [], floor: [], disk: [] }));
    for (let round_ = 0; round_ < rounds; round_++) {
      for (const [i, load] of loads.entries()) {
        if (round_ === 0) {
          // warm-up: JIT, connections, the devices known
          await run(load, 1_000, `warm-${i}`);
          await openLoop(gen, floorUrl, undefined, load, 1_000, `floor-warm-${i}`);
        }
        await begin(`round ${round_ + 1}: latency ${load.label}`);
        // The gateway's CPU over the run (its /latest probes included): what a school of this rate costs it.
        const [before, t0] = [await gw.stats(), performance.now()]; // (stats() also restarts the event-loop delay histogram)
        const r = await run(load, durationMs, `open-${round_}-${i}`);
        const [after, t1] = [await gw.stats(), performance.now()];
        const cpuUs = after.cpu_user_us + after.cpu_system_us - before.cpu_user_us - before.cpu_system_us;
        out[i]!.runs.push({ ...r, label: load.label, gateway_cpu_pct: round((cpuUs / ((t1 - t0) * 1000)) * 100, 1),
          gateway_eld_p99_ms: round(after.eld_p99_ms, 1), gateway_eld_max_ms: round(after.eld_max_ms, 1), restart_holds_ms: holdsBetween(before, after), slow_syncs: slowSyncsBetween(before, after) });
        await begin(`round ${round_ + 1}: latency ${load.label}, plain aedes`);
        out[i]!.floor.push(await openLoop(gen, floorUrl, undefined, load, durationMs, `floor-${round_}-${i}`));
        await begin(`round ${round_ + 1}: latency ${load.label}, the disk's fdatasync alone`);
        out[i]!.disk.push(runDiskFloor({ dir: diskDir, durationMs, rate: load.rate }));
      }
    }
    return out;
  } finally {
    await gen.stop();
    await gw.stop();
  }
}
