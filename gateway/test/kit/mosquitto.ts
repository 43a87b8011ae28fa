// A real mosquitto 2.x broker (Debian's mosquitto package) on a free loopback port.
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ensurePackages } from './packages.js';
import { freePort } from './ports.js';
import { makeTempDir, spawnReady, type TrackedProcess } from './processes.js';

const START_TIMEOUT_MS = 20_000;

export interface MosquittoServer {
  /** `mqtt://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** SIGTERM, resolves once mosquitto has exited. */
  stop(): Promise<void>;
  /** Starts mosquitto again after stop(): same port, same config. */
  start(): Promise<void>;
}

export interface MosquittoOptions {
  /** Lines appended to the generated mosquitto.conf (e.g. `persistence true`). */
  configExtra?: string;
}

function mosquittoConfig(dir: string, port: number, extra: string): string {
  const lines = [
    '# Written by gateway/test/kit/mosquitto.ts',
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    // The default of 1000 silently drops QoS 1 messages to a subscriber that lags.
    'max_queued_messages 100000',
    // The default of 20 throttles QoS 1 to one subscriber to 20 messages per round trip; 0 = no limit.
    'max_inflight_messages 0',
    `persistence_location ${dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
  ];
  if (!/^\s*persistence\s/m.test(extra)) lines.push('persistence false');
  // As root, mosquitto would switch to the `mosquitto` user, which cannot read our 0700 temp dir.
  if (process.getuid?.() === 0) lines.push('user root');
  return `${lines.join('\n')}\n${extra}\n`;
}

function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function launch(configFile: string, port: number): Promise<TrackedProcess> {
  return spawnReady('mosquitto', ['-c', configFile], `mosquitto (127.0.0.1:${port}, config ${configFile}; waiting for it to accept TCP)`, () => acceptsTcp(port), START_TIMEOUT_MS);
}

/** Starts mosquitto on a free port, anonymous, no persistence unless `configExtra` asks for it. */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<MosquittoServer> {
  await ensurePackages(['mosquitto', 'mosquitto-clients']);
  const dir = makeTempDir('mosquitto');
  const configFile = join(dir, 'mosquitto.conf');
  let port = 0;
  let proc: TrackedProcess | undefined;
  for (let attempt = 1; proc === undefined; attempt++) {
    port = await freePort();
    writeFileSync(configFile, mosquittoConfig(dir, port, opts.configExtra ?? ''));
    try {
      proc = await launch(configFile, port);
    } catch (err) {
      // A port taken by a process outside the kit between freePort() and bind: try a new one.
      if (attempt >= 3 || !/address already in use/i.test(String(err))) throw err;
    }
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async stop(): Promise<void> {
      await proc?.stop('SIGTERM');
    },
    async start(): Promise<void> {
      if (proc !== undefined && !proc.hasExited()) return;
      proc = await launch(configFile, port);
    },
  };
}
