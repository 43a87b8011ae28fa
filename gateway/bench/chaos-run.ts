/**
 * The chaos run (issue #10): a QoS 1 MQTT fleet publishes into the gateway
 * (a child process started with the CLI, store.kind influx) while a seeded
 * fault script kills and restarts, at random moments, influxd (SIGKILL or
 * SIGTERM), the gateway itself (SIGKILL), the hub broker (mosquitto, SIGKILL) and
 * the hub role (SIGKILL). At the end every reading a device had acknowledged
 * (PUBACK) is looked up in InfluxDB by device and timestamp: each must be there
 * exactly once with the value that was sent (chaos-readings.ts); and on the hub side (chaos-hub.ts,
 * chaos-hub-reconcile.ts) every acknowledged alarm-raising or -clearing reading
 * must be one alarm in the district database, every summary window one message.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { SerialPort } from 'serialport';
// mulberry32, seeded, so a failing run can be replayed with its seed.
import { createModbusSimServer, seededRandom as prng } from '../../firmware-sim/src/modbus/index.js';
import { createPtyPair, freePort, startInflux, type InfluxServer } from '../test/kit/index.js';
import { gatewayChild, rssMiB } from './chaos-gateway.js';
import { hubChild, runAlarmDevice, startHubBroker, watchHubWire, type AlarmDevice, type HubBroker, type HubChild, type Wire } from './chaos-hub.js';
import { expectedWindows, readIds, reconcileHub, type HubReport } from './chaos-hub-reconcile.js';
import { reconcileReadings, storedPoints, type Device, type ReadingsReport } from './chaos-readings.js';

export interface ChaosOptions {
  durationMs: number;
  devices?: number;
  /** Per device, between acknowledged publishes. */
  intervalMs?: number;
  seed?: number;
  /** Mean time between faults. */
  faultEveryMs?: number;
  /** Keep injecting past durationMs until this many faults happened (default 0). */
  minFaults?: number;
  /** Smoke detectors raising and clearing alarms (QoS 1, default 4), one reading per this many ms (default 400). */
  alarmDevices?: number;
  alarmIntervalMs?: number;
  /** Fault kinds to inject (default all seven). */
  kinds?: readonly FaultKind[];
  /** Keeps the gateway's log (stderr of every start) here, as `gateway.log`, with `faults.log`. */
  logDir?: string;
  /** Gateway log level (default warn). */
  logLevel?: 'debug' | 'info' | 'warn';
  log?: (line: string) => void;
}

/** The fleet's readings (chaos-readings.ts: acknowledged, stored, lost, duplicated …) and the rest of the run. */
export interface ChaosReport extends ReadingsReport {
  seed: number;
  duration_s: number;
  devices: number;
  faults: Record<string, number>;
  faults_total: number;
  published: number;
  gateway_restarts: number;
  /** Wired devices (Modbus TCP sim, serial line on a socat pty): readings stored after the last fault (must be > 0 each). */
  wired_after_last_fault: Record<string, number>;
  peak_rss_mib: number;
  /** Rejections the gateway published on gateway/chaos/rejected (acknowledged on purpose), by code. */
  rejected: Record<string, number>;
  /** The influx store's `dropped` counters, summed over the gateway's lives (read before each kill -9 and at the end). */
  store_dropped: Record<string, number>;
  /** Summaries and alarms at the hub (district InfluxDB), hub faults. */
  hub: HubReport;
}

const MEASUREMENT = 'classroom_light';
const DB = 'campus';
const T0 = Date.UTC(2026, 0, 5, 8);
export const KINDS = ['gateway_kill9', 'influxd_kill9', 'influxd_stop', 'modbus_sim_restart', 'pty_unplug', 'hub_broker_kill9', 'hub_kill9'] as const;
const HUB_DB = 'district';
/** Short summary windows so that a short run closes several (the defaults are 60 s + 30 s grace). */
const WINDOW_S = 10;
const GRACE_S = 5;
export type FaultKind = (typeof KINDS)[number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Also used by the reliability tests (spool-restart.ts). */
export { gatewayChild, type GatewayChild } from './chaos-gateway.js';
export type { LostDetail } from './chaos-readings.js';

/** One device: sequential QoS 1 publishes; a publish not acknowledged in time is sent again (same ts, same value). */
async function runDevice(d: Device, intervalMs: number, run: { stopped: boolean; drainDeadline: number; published: number; started: number }): Promise<void> {
  for (let seq = 0; !run.stopped; seq++) {
    const ts = T0 + seq * 10;
    const bri = seq % 101;
    d.published.set(ts, bri);
    const payload = JSON.stringify({ on: true, bri, cct: 5000, lux: 300, pw: 20.5, ts });
    const firstSent = Date.now() - run.started;
    for (let attempt = 1; ; attempt++) {
      run.published++;
      const ok = await Promise.race([
        d.client.publishAsync(`campus/classroom-light/${d.id}/telemetry`, payload, { qos: 1 }).then(() => true, () => false),
        sleep(15_000).then(() => false),
      ]);
      if (ok) { d.acked.add(ts); d.timing.set(ts, [firstSent, Date.now() - run.started, attempt]); break; }
      if (run.stopped && Date.now() > run.drainDeadline) return;
      await sleep(250);
    }
    await sleep(intervalMs);
  }
}

async function countSince(influx: InfluxServer, measurement: string, device: string, fromMs: number): Promise<number> {
  const q = `SELECT count(*) FROM "${measurement}" WHERE "device"='${device}' AND time >= ${fromMs}ms`;
  const res = await fetch(`${influx.url}/query?db=${DB}&epoch=ms&q=${encodeURIComponent(q)}`).catch(() => undefined);
  const body = (await res?.json().catch(() => undefined)) as { results?: { series?: { values: number[][] }[] }[] } | undefined;
  const row = body?.results?.[0]?.series?.[0]?.values[0] ?? [];
  return Math.max(0, ...row.slice(1));
}

/** A noise meter on the far end of a pty: one NMEA-style line every 200 ms; reopens after an unplug. */
function serialWriter(path: string): { pause(): Promise<void>; resume(): void } {
  let port: SerialPort | undefined;
  let timer: NodeJS.Timeout | undefined;
  const open = () => {
    const p = new SerialPort({ path, baudRate: 9600 }, (err) => {
      if (err) { setTimeout(open, 250); return; }
      port = p;
      timer = setInterval(() => p.write('$NOISE,52.3,68.1,A*38\r\n'), 200);
    });
    p.on('error', () => undefined);
  };
  open();
  return {
    async pause() {
      clearInterval(timer);
      const p = port;
      port = undefined;
      if (p?.isOpen) await new Promise((r) => p.close(() => r(undefined)));
    },
    resume: open,
  };
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? ((l: string) => process.stderr.write(`[chaos] ${l}\n`));
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rnd = prng(seed);
  const nDevices = o.devices ?? 20;
  const faultEvery = o.faultEveryMs ?? 8_000;
  const dir = mkdtempSync(join(tmpdir(), 'chaos-'));
  const influx = await startInflux();
  await influx.createDatabase(DB);
  const [mqttPort, httpPort, simPort] = [await freePort(), await freePort(), await freePort()];
  const sim = createModbusSimServer({ transport: 'tcp', port: simPort, units: [{ unitId: 1, template: 'energy-meter-3p' }] });
  await sim.start();
  const pty = await createPtyPair();
  const serial = serialWriter(pty.b);
  mkdirSync(join(dir, 'hub-broker'));
  const broker: HubBroker = await startHubBroker(join(dir, 'hub-broker'));
  const hubConfigFile = join(dir, 'hub.yaml');
  writeFileSync(hubConfigFile, JSON.stringify({
    broker: { url: broker.url, clientId: 'chaos-hub' },
    influx: { url: influx.url, database: HUB_DB },
    dedup: { path: join(dir, 'hub-dedup.db') },
    log: { level: 'info' },
  }));
  const outboxPath = join(dir, 'uplink-outbox.db');
  const configFile = join(dir, 'gateway.yaml');
  writeFileSync(configFile, JSON.stringify({
    site: { id: 'chaos' },
    insecure: true, // on loopback, open on purpose (no broker auth, no API tokens)
    log: { level: o.logLevel ?? 'warn' },
    broker: { port: mqttPort, host: '127.0.0.1' },
    http: { port: httpPort, host: '127.0.0.1' },
    store: { kind: 'influx', url: influx.url, database: DB, flushMs: 200, spoolPath: join(dir, 'spool') },
    privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
    uplink: {
      url: broker.url, outboxPath, summariesStatePath: join(dir, 'summaries-state.bin'),
      windowSeconds: WINDOW_S, graceSeconds: GRACE_S, ackTimeoutSeconds: 5,
    },
    // Provisioned: an alarm names its device by the config id only for a device in the config
    // (one that named itself on the broker leaves under its pseudonym; issue #16).
    devices: Array.from({ length: o.alarmDevices ?? 4 }, (_, i) => ({ id: `smoke-${String(i).padStart(2, '0')}`, template: 'smoke-detector' })),
    adapters: {
      modbus: [{ transport: 'tcp', host: '127.0.0.1', port: simPort, unitId: 1, template: 'energy-meter-3p', deviceId: 'wired-em', intervalMs: 500, timeoutMs: 500 }],
      serial: [{ path: pty.a, template: 'noise-meter', deviceId: 'wired-noise' }],
    },
  }));
  if (o.logDir) mkdirSync(o.logDir, { recursive: true });
  const faultLog = (line: string) => { if (o.logDir) appendFileSync(join(o.logDir, 'faults.log'), `${new Date().toISOString()} ${line}\n`); };
  const gw = gatewayChild(configFile, httpPort, dir, log, o.logDir ? join(o.logDir, 'gateway.log') : undefined);
  const hub: HubChild = hubChild(hubConfigFile, log, o.logDir ? join(o.logDir, 'hub.log') : undefined);
  let wire: Wire | undefined;
  /** Gateway lives [up, down) in epoch ms, for the summaries' completeness rule. */
  const lives: [number, number][] = [];
  let upAt = 0;
  const alarmDevices: AlarmDevice[] = [];
  const faults: Record<string, number> = {};
  const faultTimes: [number, string][] = [];
  const storeDropped: Record<string, number> = {};
  const rejected: Record<string, number> = {};
  const rejectedKeys = new Map<string, string>();
  /** The store's drop counters of this gateway life, added to the run's totals before a kill -9 and at the end. */
  const addDropped = async () => {
    const h = await gw.health();
    const dropped = (h?.store as { dropped?: Record<string, number> } | undefined)?.dropped ?? {};
    for (const [k, n] of Object.entries(dropped)) storeDropped[k] = (storeDropped[k] ?? 0) + n;
    if (Object.keys(dropped).length > 0) faultLog(`store dropped ${JSON.stringify(dropped)}`);
  };
  let watcher: MqttClient | undefined;
  let restarts = 0;
  let peakRss = 0;
  const rssTimer = setInterval(() => { peakRss = Math.max(peakRss, rssMiB(gw.pid())); }, 500);
  const devices: Device[] = [];
  const started = Date.now();
  const run = { stopped: false, drainDeadline: Infinity, published: 0, started };
  try {
    await hub.start();
    wire = watchHubWire(broker.url, 'chaos');
    await gw.start();
    upAt = Date.now();
    // Rejections are acknowledged on purpose (and published here): the reconciliation reports them beside a lost reading.
    watcher = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'chaos-watcher', reconnectPeriod: 500, connectTimeout: 10_000 });
    watcher.on('error', () => undefined);
    watcher.on('connect', () => { watcher?.subscribe('gateway/chaos/rejected', { qos: 0 }); });
    watcher.on('message', (_t, p) => {
      try {
        const r = JSON.parse(p.toString()) as { device?: string; code?: string; reason?: string; raw?: string };
        const code = r.code ?? 'unknown';
        rejected[code] = (rejected[code] ?? 0) + 1;
        const ts = /"ts":(\d+)/.exec(r.raw ?? '')?.[1];
        if (r.device && ts) rejectedKeys.set(`${r.device}@${ts}`, `${code}: ${r.reason ?? ''}`);
        faultLog(`rejected ${p.toString().slice(0, 300)}`);
      } catch {
        rejected.unparsable = (rejected.unparsable ?? 0) + 1;
      }
    });
    for (let i = 0; i < nDevices; i++) {
      const id = `chaos-${String(i).padStart(3, '0')}`;
      const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { clientId: id, reconnectPeriod: 500, connectTimeout: 10_000 });
      client.on('error', () => undefined);
      devices.push({ id, client, published: new Map(), acked: new Set(), timing: new Map() });
    }
    for (let i = 0; i < (o.alarmDevices ?? 4); i++) {
      const id = `smoke-${String(i).padStart(2, '0')}`;
      const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { clientId: id, reconnectPeriod: 500, connectTimeout: 10_000 });
      client.on('error', () => undefined);
      alarmDevices.push({ id, client, published: new Map(), acked: new Set() });
    }
    const fleet = [
      ...devices.map((d) => runDevice(d, o.intervalMs ?? 100, run)),
      ...alarmDevices.map((d) => runAlarmDevice(d, o.alarmIntervalMs ?? 400, run)),
    ];
    log(`seed ${seed}: ${nDevices} devices, faults every ~${faultEvery} ms for ${Math.round(o.durationMs / 1000)} s`);
    const kinds = o.kinds && o.kinds.length > 0 ? o.kinds : KINDS;
    const cycle: FaultKind[] = [];
    let lastFaultAt = Date.now();
    const total = () => Object.values(faults).reduce((a, b) => a + b, 0);
    const more = () => Date.now() - started < o.durationMs || total() < (o.minFaults ?? 0);
    while (more()) {
      await sleep(faultEvery / 2 + rnd() * faultEvery);
      if (!more()) break;
      // Random moments and down times; the kinds go round a seeded shuffle, so any 3 faults cover all 3 kinds.
      if (cycle.length === 0) cycle.push(...kinds.map((k) => [rnd(), k] as const).sort((a, b) => a[0] - b[0]).map(([, k]) => k));
      const kind = cycle.shift()!;
      const down = 500 + rnd() * 4_000;
      faults[kind] = (faults[kind] ?? 0) + 1;
      log(`fault ${kind}, down ${Math.round(down)} ms`);
      lastFaultAt = Date.now();
      faultTimes.push([lastFaultAt - started, kind]);
      faultLog(`fault ${kind} at ${lastFaultAt - started} ms, down ${Math.round(down)} ms`);
      if (kind === 'gateway_kill9') {
        await addDropped();
        lives.push([upAt, Date.now()]);
        await gw.kill9();
        await sleep(down);
        await gw.start();
        upAt = Date.now();
        restarts++;
      } else if (kind === 'hub_broker_kill9') {
        await broker.kill9();
        await sleep(down);
        await broker.start();
      } else if (kind === 'hub_kill9') {
        await hub.kill9();
        await sleep(down);
        await hub.start();
      } else if (kind === 'modbus_sim_restart') {
        await sim.stop();
        await sleep(down);
        await sim.start();
      } else if (kind === 'pty_unplug') {
        await serial.pause();
        await pty.stop();
        await sleep(down);
        await pty.start();
        serial.resume();
      } else {
        if (kind === 'influxd_kill9') await influx.kill9(); else await influx.stop();
        await sleep(down * 2);
        await influx.start();
      }
    }
    log('faults over; draining');
    run.stopped = true;
    run.drainDeadline = Date.now() + 120_000;
    await Promise.all(fleet);
    // Everything acknowledged is written or spooled; wait until the spool and the live batches are in InfluxDB.
    const until = Date.now() + 180_000;
    for (;;) {
      const h = await gw.health();
      const d = (h?.store as { detail?: Record<string, number> } | undefined)?.detail;
      if (d && d.spool_lines === 0 && d.queued_batches === 0 && d.in_flight === 0 && (h?.store as { ok?: boolean }).ok) break;
      if (Date.now() > until) { log(`store did not drain: ${JSON.stringify(h?.store)}`); break; }
      await sleep(500);
    }
    // The wired devices must have come back after the last fault (polled/read again, stored).
    const wired: Record<string, number> = {};
    const wiredUntil = Date.now() + 60_000;
    for (const [m, dev] of [['energy_meter_3p', 'wired-em'], ['noise_meter', 'wired-noise']] as const) {
      do {
        wired[dev] = await countSince(influx, m, dev, lastFaultAt + 1_000);
        if (wired[dev] === 0) await sleep(1_000);
      } while (wired[dev] === 0 && Date.now() < wiredUntil);
    }
    // Every summary and alarm acknowledged by the hub: stop between two window closes with an empty outbox,
    // and not before the last life has closed a window the completeness rule expects (22 s after its start).
    const windowMs = WINDOW_S * 1000;
    const uplinkUntil = Date.now() + 180_000;
    const lastLifeLongEnough = () => Date.now() >= upAt + 5_000 + windowMs + GRACE_S * 1000 + 2_500;
    for (;;) {
      const phase = Date.now() % windowMs;
      const u = (await gw.health())?.uplink as { queued?: number; inflight?: number } | undefined;
      if (u?.queued === 0 && u.inflight === 0 && lastLifeLongEnough() && phase > GRACE_S * 1000 + 1_500 && phase < windowMs - 1_000) break;
      if (Date.now() > uplinkUntil) { log(`uplink did not drain: ${JSON.stringify(u)}`); break; }
      await sleep(250);
    }
    await addDropped();
    lives.push([upAt, Date.now()]);
    await gw.stop();
    const outboxLeft = readIds(outboxPath, 'SELECT id FROM outbox').length;
    // Acknowledgements the hub already sent are for stored messages; let it finish its batch and stop.
    await sleep(500);
    await hub.stop();
    wire?.stop();
    const hubIds = readIds(join(dir, 'hub-dedup.db'), 'SELECT id FROM seen');
    const hubFaults = Object.fromEntries(Object.entries(faults).filter(([k]) => k.startsWith('hub_')));
    const hubReport = await reconcileHub({
      influx, db: HUB_DB, site: 'chaos', wire: wire!, hubIds, outboxLeft, alarmDevices, faults: hubFaults,
      expected: expectedWindows(lives, windowMs, GRACE_S * 1000),
    });
    const readings = reconcileReadings(devices, await storedPoints(influx, DB, MEASUREMENT, 'brightness_pct', 'chaos'), rejectedKeys, faultTimes);
    return {
      seed, duration_s: Math.round((Date.now() - started) / 1000), devices: nDevices, faults, faults_total: Object.values(faults).reduce((a, b) => a + b, 0),
      published: run.published, ...readings, gateway_restarts: restarts, wired_after_last_fault: wired, peak_rss_mib: Math.round(peakRss),
      rejected, store_dropped: storeDropped, hub: hubReport,
    };
  } finally {
    run.stopped = true;
    clearInterval(rssTimer);
    for (const d of [...devices, ...alarmDevices]) d.client.end(true);
    watcher?.end(true);
    wire?.stop();
    await gw.kill9();
    await hub.kill9();
    await broker.kill9();
    await serial.pause();
    await pty.stop();
    await sim.stop().catch(() => undefined);
    await influx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
