/**
 * The district at scale (`npm run bench -- --only district`): N simulated schools' uplinks
 * against one mosquitto (the test kit's: `max_queued_messages 100000`, `max_inflight_messages 0`),
 * one or two hub processes (two share the load on `$share/district/…`, MQTT 3.1.1, QoS 1) and
 * a real influxd. Each school replays the summary and alarm mix of a 2,000-device school
 * (lib/district-mix.ts) with its windows compressed: one minute of school time every
 * `windowMs`, all schools closing their windows at the same moment, as gateways aligned to the
 * clock do.
 *
 * Measured per run: messages/s offered and held (first hub acknowledgement of each message),
 * hub CPU and peak RSS (per process), mosquitto and influxd CPU, end-to-end lag p50/p99 from
 * window close (publish) to the hub's acknowledgement, which it sends only after InfluxDB
 * answered 204 (it batches acknowledgements for up to 50 ms); then, from InfluxDB itself,
 * the messages lost (published, no point with its `msg_id`) and the duplicate points (points
 * stored − points the messages make: a resend that reached the other hub process is written
 * again onto the same point, so it is 0 unless point identity breaks).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { toLines } from '../src/hub/points.js';
import { topicOf } from '../src/uplink/uplink.js';
import { startMosquitto, type InfluxServer } from '../test/kit/index.js';
import { MIX_T0, stampMessage, type SchoolMix } from './lib/district-mix.js';
import { startHubProc, type HubProc } from './lib/hub-proc.js';
import { pidOnPort, sampleProcess, type ProcUsage } from './lib/proc-sample.js';
import { percentile, round, table } from './lib/stats.js';

export interface DistrictRunOptions {
  schools: number;
  hubs: 1 | 2;
  /** The hubs write to InfluxDB through this URL (a delaying proxy, lib/district-delay.ts) instead of `influx.url`. */
  influxWriteUrl?: string;
  /** MQTT connections per hub process (`broker.connections`; more than 1 joins the shared group). Default 1. */
  connections?: number;
  /** One minute of school time every windowMs. */
  windowMs: number;
  /** How many windows each school sends. */
  windows: number;
  /** Give up waiting for the hub to store everything after this long past the last window. */
  drainTimeoutMs: number;
  mix: SchoolMix;
  /**
   * Also publish every n-th message a second time (same id and payload), as a gateway replays
   * its outbox after an acknowledgement timed out; 0: none. With two hub processes a resend
   * may reach the other one, whose dedup set has not seen it.
   */
  resendEvery?: number;
  influx: InfluxServer;
  log(msg: string): void;
}

export interface DistrictRow {
  schools: number;
  hubs: number;
  connections: number;
  window_s: number;
  messages: number;
  /** Messages published a second time (resendEvery). */
  resent: number;
  points: number;
  offered_msg_s: number;
  held_msg_s: number;
  held_points_s: number;
  lag_p50_s: number;
  lag_p99_s: number;
  hub: ProcUsage[];
  /** Hub CPU per message received (all processes): what sizes a hub on a machine of its own. */
  hub_cpu_ms_per_msg: number;
  /** influxd CPU per point written. */
  influxd_cpu_us_per_point: number | null;
  mosquitto: ProcUsage | null;
  influxd: ProcUsage | null;
  /** Writes beyond one per message (a resend stored again by a hub process: same point, overwritten). */
  rewrites: number | null;
  /** Resends the hubs dropped by their dedup sets. */
  dedup_dropped: number;
  duplicate_points: number;
  lost: number;
  drained: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let runSeq = 0;

async function countIds(influx: InfluxServer, db: string): Promise<{ ids: number; points: number }> {
  const res = await influx.query(
    'SELECT COUNT(DISTINCT("msg_id")) FROM /^summary_/ WHERE scope = \'site\'; SELECT COUNT(DISTINCT("msg_id")) FROM "alarm"; SELECT COUNT("msg_id") FROM /^summary_/; SELECT COUNT("msg_id") FROM "alarm"', db);
  const sum = (i: number) => (res.results[i]?.series ?? []).reduce((n, s) => n + Number(s.values[0]?.[1] ?? 0), 0);
  return { ids: sum(0) + sum(1), points: sum(2) + sum(3) };
}

export async function districtRun(o: DistrictRunOptions): Promise<DistrictRow> {
  const dir = mkdtempSync(join(tmpdir(), 'district-'));
  const conns = o.connections ?? 1;
  const database = `district_${o.schools}_${o.hubs}_${conns}_${++runSeq}_${process.pid}`;
  await o.influx.createDatabase(database);
  const broker = await startMosquitto();
  const hubs: HubProc[] = [];
  const clients: MqttClient[] = [];
  let watcher: MqttClient | undefined;
  try {
    for (let i = 0; i < o.hubs; i++) {
      hubs.push(await startHubProc({ dir, name: `district-hub-${i + 1}`, brokerUrl: broker.url, influxUrl: o.influxWriteUrl ?? o.influx.url, database, sharedGroup: o.hubs > 1 || conns > 1 ? 'district' : null, connections: conns }));
    }
    // First acknowledgement of each message id: when the hub had it stored.
    const publishedAt = new Map<string, number>();
    const lags: number[] = [];
    let lastAckAt = 0;
    watcher = mqtt.connect(broker.url, { clientId: 'district-ack-watcher', protocolVersion: 4, clean: true });
    watcher.on('message', (_t, payload) => {
      const now = performance.now();
      for (const id of (JSON.parse(payload.toString('utf8')) as { ids: string[] }).ids) {
        const at = publishedAt.get(id);
        if (at === undefined) continue;
        publishedAt.delete(id);
        lags.push((now - at) / 1000);
        lastAckAt = now;
      }
    });
    await watcher.subscribeAsync('hub/+/ack', { qos: 1 });
    const sites = Array.from({ length: o.schools }, (_, i) => `school-${String(i + 1).padStart(4, '0')}`);
    for (let i = 0; i < sites.length; i += 50) {
      clients.push(...await Promise.all(sites.slice(i, i + 50).map((site) => mqtt.connectAsync(broker.url, { clientId: `gw-${site}`, protocolVersion: 4, clean: true, reconnectPeriod: 1000 }))));
    }
    const pids = { mosquitto: pidOnPort(broker.port), influxd: pidOnPort(o.influx.port) };
    const samplers = { hubs: hubs.map((h) => sampleProcess(h.pid)), mosquitto: pids.mosquitto ? sampleProcess(pids.mosquitto) : undefined, influxd: pids.influxd ? sampleProcess(pids.influxd) : undefined };
    let messages = 0;
    let resent = 0;
    let points = 0;
    const t0 = performance.now();
    o.log(`district: ${o.schools} school(s), ${o.hubs} hub process(es) × ${conns} connection(s), ${o.windows} windows of ${o.windowMs / 1000} s`);
    for (let w = 0; w < o.windows; w++) {
      await sleep(Math.max(0, t0 + (w + 1) * o.windowMs - performance.now()));
      const batch = o.mix.windows[w % o.mix.windows.length]!;
      for (let s = 0; s < sites.length; s++) {
        for (const m of batch) {
          const msg = stampMessage(m, sites[s]!, w, MIX_T0);
          publishedAt.set(msg.id, performance.now());
          messages++;
          points += toLines(msg).length;
          const topic = topicOf('hub', sites[s]!, msg);
          const payload = JSON.stringify(msg);
          clients[s]!.publish(topic, payload, { qos: 1 });
          if (o.resendEvery && messages % o.resendEvery === 0) {
            resent++;
            clients[s]!.publish(topic, payload, { qos: 1 });
          }
        }
      }
    }
    const lastWindowAt = performance.now();
    while (publishedAt.size > 0 && performance.now() - lastWindowAt < o.drainTimeoutMs) await sleep(200);
    const usage = { hubs: samplers.hubs.map((s) => s.stop()), mosquitto: samplers.mosquitto?.stop() ?? null, influxd: samplers.influxd?.stop() ?? null };
    const drained = publishedAt.size === 0;
    const counters = await Promise.all(hubs.map((h) => h.counters()));
    const stored = await countIds(o.influx, database);
    // Window w is published at t0 + (w + 1) × windowMs: `windows` windows of load span windows × windowMs.
    const offeredS = (o.windows * o.windowMs) / 1000;
    const spanS = Math.max(offeredS, ((drained ? lastAckAt : performance.now()) - t0) / 1000);
    const sorted = lags.sort((a, b) => a - b);
    return {
      schools: o.schools, hubs: o.hubs, connections: conns, window_s: o.windowMs / 1000, messages, resent, points,
      offered_msg_s: round(messages / offeredS, 0),
      held_msg_s: round(lags.length / spanS, 0),
      held_points_s: round((points * (lags.length / messages)) / spanS, 0),
      lag_p50_s: round(percentile(sorted, 50), 2), lag_p99_s: round(percentile(sorted, 99), 2),
      hub: usage.hubs, mosquitto: usage.mosquitto, influxd: usage.influxd,
      hub_cpu_ms_per_msg: round((usage.hubs.reduce((n, h) => n + h.cpu_s, 0) * 1000) / counters.reduce((n, c) => n + c.received, 0), 2),
      // Points written: those of every message stored, rewrites included (the mean per message).
      influxd_cpu_us_per_point: usage.influxd ? round((usage.influxd.cpu_s * 1e6) / ((points / messages) * counters.reduce((n, c) => n + c.stored, 0)), 1) : null,
      // Only once drained: the hubs go on storing between their counters and the InfluxDB count.
      rewrites: drained ? counters.reduce((n, c) => n + c.stored, 0) - stored.ids : null,
      dedup_dropped: counters.reduce((n, c) => n + c.duplicates, 0),
      duplicate_points: Math.max(0, stored.points - points),
      lost: messages - stored.ids,
      drained,
    };
  } finally {
    watcher?.end(true);
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await Promise.all(hubs.map((h) => h.stop()));
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printDistrict(rows: readonly DistrictRow[], devices: number): string {
  const hub = (r: DistrictRow) => r.hub.map((h) => `${h.cpu_pct}% / ${h.rss_max_mib}`).join(' + ');
  return `district (each school: the mix of a ${devices.toLocaleString('en')}-device school, one window of school time every window_s; lag = window close → stored in InfluxDB)\n${table(
    ['schools', 'hubs', 'conns', 'window s', 'msgs', 'resent', 'offered msg/s', 'held msg/s', 'held points/s', 'lag p50 s', 'lag p99 s', 'hub CPU / RSS MiB', 'hub CPU ms/msg', 'mosquitto CPU', 'influxd CPU', 'influxd CPU µs/point', 'dedup dropped', 'rewrites', 'dup points', 'lost'],
    rows.map((r) => [r.schools, r.hubs, r.connections, r.window_s, r.messages, r.resent, r.offered_msg_s, r.held_msg_s, r.held_points_s, r.lag_p50_s, r.lag_p99_s, hub(r), r.hub_cpu_ms_per_msg,
      r.mosquitto ? `${r.mosquitto.cpu_pct}%` : '–', r.influxd ? `${r.influxd.cpu_pct}%` : '–', r.influxd_cpu_us_per_point ?? '–', r.dedup_dropped, r.rewrites ?? '–', r.duplicate_points, r.drained ? r.lost : `${r.lost} (not drained)`]),
  )}\n`;
}
