/**
 * The hub side of the chaos run (issue #10): a mosquitto hub broker that can be killed with
 * SIGKILL and started again on the same port with its persistence, the hub role as a child
 * process (`campus-gateway hub --config FILE`), a wire watcher on the hub broker, and smoke
 * detectors whose QoS 1 readings raise and clear alarms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { ensurePackages, freePort, repoRoot } from '../test/kit/index.js';
import { spawnReady, type TrackedProcess } from '../test/kit/processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface HubBroker { url: string; port: number; start(): Promise<void>; kill9(): Promise<void>; stop(): Promise<void> }

function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/**
 * mosquitto with persistence (saved every second and at exit) in `dir`. The kit's startMosquitto
 * has no SIGKILL, so the chaos run starts its own through the kit's tracked spawn.
 */
export async function startHubBroker(dir: string): Promise<HubBroker> {
  await ensurePackages(['mosquitto']);
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_queued_messages 100000',
    'persistence true', `persistence_location ${dir}/`, 'autosave_interval 1',
    'log_dest stderr', 'log_type error', 'log_type warning', ...(process.getuid?.() === 0 ? ['user root'] : []),
  ].join('\n') + '\n');
  let proc: TrackedProcess | undefined;
  const start = async () => {
    if (proc !== undefined && !proc.hasExited()) return;
    proc = await spawnReady('mosquitto', ['-c', conf], `hub mosquitto on ${port}`, () => acceptsTcp(port), 20_000);
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`, port, start,
    async kill9() { await proc?.stop('SIGKILL'); },
    async stop() { await proc?.stop('SIGTERM'); },
  };
}

export interface HubChild { start(): Promise<void>; kill9(): Promise<void>; stop(): Promise<void> }

/** The hub role as a child process with the CLI; ready once it logged "hub subscribed". */
export function hubChild(configFile: string, log: (l: string) => void, logFile?: string): HubChild {
  let child: ChildProcess | undefined;
  const exited = () => new Promise<void>((r) => (child === undefined || child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  return {
    async start() {
      const c = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--no-deprecation', join(repoRoot, 'gateway/src/cli.ts'), 'hub', '--config', configFile], {
        cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      let out = '';
      const ready = new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`hub did not subscribe within 60 s: ${out.slice(-1500)}`)), 60_000);
        const onData = (b: Buffer) => {
          out = (out + b.toString()).slice(-20_000);
          if (logFile) appendFileSync(logFile, b);
          if (out.includes('hub subscribed')) { clearTimeout(t); resolve(); }
        };
        c.stdout?.on('data', onData);
        c.stderr?.on('data', onData);
        c.once('exit', (code) => { clearTimeout(t); reject(new Error(`hub exited with ${code} at start: ${out.slice(-1500)}`)); });
      });
      if (logFile) appendFileSync(logFile, `--- hub start ${new Date().toISOString()}\n`);
      await ready;
      log(`hub up (pid ${c.pid})`);
    },
    async kill9() { child?.kill('SIGKILL'); await exited(); },
    async stop() {
      child?.kill('SIGTERM');
      const t = setTimeout(() => child?.kill('SIGKILL'), 30_000);
      await exited();
      clearTimeout(t);
    },
  };
}

/** What the watcher saw on the hub broker: message id → window or alarm key, and deliveries per id. */
export interface Wire { summaries: Map<string, string>; alarms: Map<string, string>; deliveries: number; stop(): void }

export const summaryKey = (kind: string, resolution: string, windowStart: string) => `${kind}|${resolution}|${windowStart}`;
export const alarmKey = (device: string, alarm: string, ts: number, state: string) => `${device}|${alarm}|${ts}|${state}`;

/** A persistent-session QoS 1 subscriber to everything the site sends the hub. */
export function watchHubWire(url: string, site: string): Wire {
  const wire: Wire = { summaries: new Map(), alarms: new Map(), deliveries: 0, stop: () => c.end(true) };
  const c: MqttClient = mqtt.connect(url, { clientId: 'chaos-hub-watcher', clean: false, reconnectPeriod: 500, connectTimeout: 10_000 });
  c.on('error', () => undefined);
  c.on('connect', () => { c.subscribe([`hub/${site}/summary/#`, `hub/${site}/alarm/#`], { qos: 1 }); });
  c.on('message', (_t, p) => {
    wire.deliveries++;
    try {
      const m = JSON.parse(p.toString()) as { id: string; kind: string; resolution?: string; windowStart: string; device?: string; alarm?: string; state?: string };
      if (m.kind === 'alarm') wire.alarms.set(m.id, alarmKey(m.device ?? '', m.alarm ?? '', Date.parse(m.windowStart), m.state ?? ''));
      else wire.summaries.set(m.id, summaryKey(m.kind, m.resolution ?? '', m.windowStart));
    } catch {
      // not ours to judge: the hub counts invalid messages
    }
  });
  return wire;
}

export interface AlarmDevice {
  id: string;
  client: MqttClient;
  /** ts → alarm value sent with it; ts → index in the device's sequence. */
  published: Map<number, boolean>;
  acked: Set<number>;
}

/**
 * A smoke detector: sequential QoS 1 readings with the current time as `ts`, the alarm flag
 * alternating false, true, false …, so every reading after the first raises or clears the alarm.
 * A reading not acknowledged is sent again with the same ts and value.
 */
export async function runAlarmDevice(d: AlarmDevice, intervalMs: number, run: { stopped: boolean; drainDeadline: number; published: number }): Promise<void> {
  let last = 0;
  for (let seq = 0; !run.stopped; seq++) {
    const ts = Math.max(Date.now(), last + 1);
    last = ts;
    const alarm = seq % 2 === 1;
    d.published.set(ts, alarm);
    const payload = JSON.stringify({ alarm, smoke: alarm ? 0.4 : 0.02, bat: 90, tamper: false, ts });
    for (;;) {
      run.published++;
      const ok = await Promise.race([
        d.client.publishAsync(`campus/smoke-detector/${d.id}/event`, payload, { qos: 1 }).then(() => true, () => false),
        sleep(15_000).then(() => false),
      ]);
      if (ok) { d.acked.add(ts); break; }
      if (run.stopped && Date.now() > run.drainDeadline) return;
      await sleep(250);
    }
    await sleep(intervalMs);
  }
}
