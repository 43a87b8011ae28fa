/**
 * Open-loop load at a fixed rate (issue #21 item 3): messages leave on a schedule, whether or
 * not the earlier ones were acknowledged, as devices in a school do. A closed loop (send when
 * the previous one is acknowledged) slows down with the gateway and hides its queueing
 * ("coordinated omission"); here latency counts from the time a message was *due*, so a stall
 * of the sender or the gateway shows in the tail instead of thinning the load.
 * Two latencies: publish → PUBACK (QoS 1: stored) for every message, and publish → visible in
 * the gateway's `/api/devices/:id/latest`, sampled (a probe every `probeEveryMs`, polled).
 */
import { writeFileSync } from 'node:fs';
import { connectAll } from './load.js';
import { watchLoopGaps } from './loop-gaps.mjs';
import type { RawClient } from './raw-mqtt.js';
import { latencySummary } from './stats.js';

type LatencySummary = ReturnType<typeof latencySummary>;

export interface OpenLoopOptions {
  url: string;
  /** Messages per second, all connections together. */
  rate: number;
  durationMs: number;
  connections: number;
  qos: 0 | 1;
  topic(conn: number): string;
  /** `ts` is the reading's own time (ms, now), rising per connection. */
  payload(conn: number, seq: number, ts: number): string;
  device(conn: number): string;
  /** Gateway HTTP base (e.g. http://127.0.0.1:8080) for the `/latest` probes; none: no probes. */
  httpBase?: string;
  probeEveryMs?: number;
  /** Longest wait for a probe to show in `/latest` before it counts as not visible. */
  probeTimeoutMs?: number;
  clientPrefix?: string;
  /** Writes each acknowledged message's due time (epoch ms) and latency (ms) here (`BENCH_TRACE`, trace-report.ts). */
  traceFile?: string;
}

export interface OpenLoopResult {
  rate: number;
  sent: number;
  acked: number;
  /** Achieved send rate (msg/s): below `rate` when the sender itself could not keep up. */
  offered_per_s: number;
  puback: LatencySummary;
  /** Due → the publish call, in this process: the load generator's own lateness (part of `puback`). */
  send_lag: LatencySummary;
  latest: LatencySummary & { not_visible: number };
}

const TICK_MS = 1;

/** Whether `/latest` of `device` shows a reading at `ts` or later. */
async function latestAt(httpBase: string, device: string, ts: number): Promise<boolean> {
  const res = await fetch(`${httpBase}/api/devices/${encodeURIComponent(device)}/latest`);
  if (res.status !== 200) { await res.arrayBuffer(); return false; }
  const body = await res.json() as { ts?: number | string };
  const seen = typeof body.ts === 'string' ? Date.parse(body.ts) : body.ts;
  return typeof seen === 'number' && seen >= ts;
}

export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const clients: RawClient[] = await connectAll(o.url, o.connections, o.clientPrefix ?? `open-${o.rate}`);
  const puback: number[] = [];
  const sendLag: number[] = [];
  const visible: number[] = [];
  let notVisible = 0;
  let sent = 0;
  let acked = 0;
  let inFlightAcks = 0;
  const probes: Promise<void>[] = [];
  const trace: string[] = [];
  // With the trace, the load generator's own event-loop gaps over 6 ms too (kind `sender`, with
  // its main thread's run and run-queue wait): a message counts from when it was due, so a late
  // send or a late read of its PUBACK is in its latency.
  const senderGaps: string[] = [];
  const stopGapWatch = o.traceFile ? watchLoopGaps('sender', senderGaps) : undefined;
  const seqs = new Array<number>(o.connections).fill(0);
  const lastTs = new Array<number>(o.connections).fill(0);
  const interval = 1000 / o.rate;
  const t0 = performance.now();
  let nextProbeAt = t0 + (o.probeEveryMs ?? 200);

  const probe = (device: string, ts: number, due: number) => {
    const deadline = due + (o.probeTimeoutMs ?? 10_000);
    probes.push((async () => {
      while (performance.now() < deadline) {
        if (await latestAt(o.httpBase!, device, ts).catch(() => false)) { visible.push(performance.now() - due); return; }
        await new Promise((r) => setTimeout(r, 2));
      }
      notVisible++;
    })());
  };

  const send = (n: number, due: number) => {
    const conn = n % o.connections;
    const seq = seqs[conn]!++;
    const ts = Math.max(lastTs[conn]! + 1, Date.now());
    lastTs[conn] = ts;
    sent++;
    inFlightAcks++;
    sendLag.push(performance.now() - due);
    clients[conn]!.publish(o.topic(conn), o.payload(conn, seq, ts), o.qos, (err) => {
      inFlightAcks--;
      if (err) return;
      acked++;
      puback.push(performance.now() - due);
      if (o.traceFile) trace.push(`${(performance.timeOrigin + due).toFixed(1)} ${(performance.now() - due).toFixed(2)}`);
    });
    if (o.httpBase && due >= nextProbeAt) {
      nextProbeAt += o.probeEveryMs ?? 200;
      probe(o.device(conn), ts, due);
    }
  };

  const total = Math.round((o.durationMs / 1000) * o.rate);
  await new Promise<void>((resolve) => {
    let n = 0;
    const tick = () => {
      // Everything due by now goes out now: the schedule, not the acknowledgements, sets the pace.
      const now = performance.now();
      while (n < total && t0 + n * interval <= now) { send(n, t0 + n * interval); n++; }
      if (n >= total) resolve();
      else setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const sendElapsed = performance.now() - t0;
  const drainUntil = performance.now() + 30_000;
  while (inFlightAcks > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  await Promise.all(probes);
  if (o.traceFile) {
    stopGapWatch?.();
    writeFileSync(o.traceFile, `${trace.join('\n')}\n`);
    writeFileSync(o.traceFile.replace(/lat-([^/]*)$/, 'gw-sender-$1'), `${senderGaps.join('\n')}\n`);
  }
  await Promise.all(clients.map((c) => c.end()));
  return {
    rate: o.rate, sent, acked, offered_per_s: Math.round((sent / sendElapsed) * 1000),
    puback: latencySummary(puback),
    send_lag: latencySummary(sendLag),
    latest: { ...latencySummary(visible), not_visible: notVisible },
  };
}
