/**
 * Logs for people: `campus-gateway start` on a terminal (a real pseudo-terminal through
 * util-linux `script`) writes pretty lines, through a pipe JSON lines; `--log-format` and
 * GATEWAY_LOG_FORMAT override; a bad value is one fatal line. A device going offline, and its
 * offline alarm reaching the hub broker, are `info`: nothing at warn or error.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createGateway } from '../../src/gateway.js';
import { createRootLogger } from '../../src/log.js';
import { ensurePackages, repoRoot, startMosquitto } from '../kit/index.js';
import { CLI_ARGS, expectOneFatalLine, linesOf, runCli, waitFor, type CliResult } from './cli-child.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-logs-'));
let blocker: Server;
let config = '';

/** A pretty line: time, level, then the message (`[component] ` first when there is one). */
const PRETTY = /^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /;

beforeAll(async () => {
  await ensurePackages(['bsdutils']);
  // The start runs until the HTTP port, which is taken: every start-up line is logged, then it exits.
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  config = join(dir, 'gateway.yaml');
  writeFileSync(config, JSON.stringify({
    insecure: true,
    broker: { port: 0, host: '127.0.0.1' },
    http: { port: (blocker.address() as { port: number }).port, host: '127.0.0.1' },
    store: { kind: 'embedded', path: join(dir, 'data') },
    privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
  }));
});

afterAll(async () => {
  await new Promise((r) => blocker?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI on a pseudo-terminal: stdout and stderr both arrive on it (CRLF, maybe colours). */
function onTerminal(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const command = [process.execPath, ...CLI_ARGS, ...args].join(' ');
  return new Promise((resolve) => {
    execFile('script', ['-qec', command, '/dev/null'], { cwd: repoRoot, env: { ...process.env, GATEWAY_CONFIG: '', GATEWAY_LOG_FORMAT: '', ...env }, timeout: 40_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, signal: null, stdout, stderr });
    });
  });
}

function expectPretty(lines: string[]): void {
  expect(lines.some((l) => /^\[[\d:.]+\] INFO: \[templates\] templates loaded \{"dir":/.test(l)), lines.join('\n')).toBe(true);
  expect(lines.some((l) => /^\[[\d:.]+\] INFO: \[broker\] MQTT broker listening /.test(l))).toBe(true);
  expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
}

function expectJson(lines: string[]): void {
  expect(lines.length).toBeGreaterThan(3);
  for (const l of lines) expect(JSON.parse(l)).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
}

describe('campus-gateway start: log format', () => {
  it('on a terminal: readable lines, then the one fatal line', async () => {
    const r = await onTerminal(['start', '--config', config]);
    expect(r.code, r.stdout).toBe(1);
    const lines = linesOf(r.stdout);
    expectPretty(lines);
    expect(lines.filter((l) => !PRETTY.test(l))).toEqual([expect.stringMatching(/^campus-gateway: GW_ERR_PORT_IN_USE: /)]);
  });

  it('through a pipe: JSON lines on stdout, the fatal line alone on stderr', async () => {
    const r = await runCli(['start', '--config', config]);
    expectOneFatalLine(r, /GW_ERR_PORT_IN_USE/);
    expectJson(linesOf(r.stdout));
    // First thing, before the config: V8's background threads below the event loop (runtime-threads.ts).
    const v8 = linesOf(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => String(e.msg).startsWith('V8 background threads'));
    expect(v8).toEqual([expect.objectContaining({ msg: 'V8 background threads at a lower priority than the event loop', v8_threads_nice: 10, threads: 4 })]);
  });

  it('GATEWAY_V8_NICE: 0 leaves V8\'s threads alone, a bad value is one fatal line', async () => {
    const r = await runCli(['start', '--config', config], { GATEWAY_V8_NICE: '0' });
    expect(linesOf(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => String(e.msg).startsWith('V8 background threads')))
      .toEqual([expect.objectContaining({ msg: 'V8 background threads left at normal priority', reason: 'GATEWAY_V8_NICE=0' })]);
    expectOneFatalLine(await runCli(['start', '--config', config], { GATEWAY_V8_NICE: '-5' }), /GW_ERR_CONFIG: GATEWAY_V8_NICE must be a whole number from 0 \(leave V8's threads alone\) to 19, not "-5"/);
  });

  it('--log-format json on a terminal, GATEWAY_LOG_FORMAT=pretty through a pipe', async () => {
    const json = await onTerminal(['start', '--config', config, '--log-format', 'json']);
    expectJson(linesOf(json.stdout).filter((l) => !l.startsWith('campus-gateway: ')));
    const pretty = await runCli(['start', '--config', config], { GATEWAY_LOG_FORMAT: 'pretty' });
    expectPretty(linesOf(pretty.stdout));
  });

  it('a bad format is one fatal line naming where it came from', async () => {
    expectOneFatalLine(await runCli(['start', '--config', config, '--log-format', 'xml']), /GW_ERR_LOG_FORMAT: --log-format must be json or pretty \(got "xml"\)/);
    expectOneFatalLine(await runCli(['start', '--config', config], { GATEWAY_LOG_FORMAT: 'yaml' }), /GW_ERR_LOG_FORMAT: GATEWAY_LOG_FORMAT must be/);
  });
});

describe('device offline', () => {
  it('a wristband and a light going offline, and their offline alarms reaching the hub, log nothing at warn or error', async () => {
    const hub = await startMosquitto();
    const entries: { level: number; msg: string; [k: string]: unknown }[] = [];
    const log = createRootLogger('info', { write: (s: string) => void entries.push(JSON.parse(s) as (typeof entries)[number]) });
    const gw = createGateway(parseConfig({
      insecure: true,
      site: { id: 'offline-school' },
      broker: { port: 0, host: '127.0.0.1' },
      http: { port: 0, host: '127.0.0.1' },
      store: { kind: 'embedded', path: join(dir, 'offline') },
      privacy: { pseudonymKeyFile: join(dir, 'offline', 'pseudonym.key') },
      uplink: { url: hub.url, outboxPath: join(dir, 'offline', 'outbox.db'), summariesStatePath: join(dir, 'offline', 'summaries.bin'), offlineAlarmSeconds: 10, ackTimeoutSeconds: 120 },
    }), { log });
    const alarms: string[] = [];
    const watcher = await mqtt.connectAsync(hub.url, { clientId: 'hub-watcher' });
    try {
      await gw.start();
      watcher.on('message', (_t, p) => alarms.push(p.toString()));
      await watcher.subscribeAsync('hub/+/alarm/#', { qos: 1 });
      const started = entries.length;
      const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, { clientId: 'dev-1' });
      await device.publishAsync('campus/student-wristband/WB-7/telemetry', '{"band":"WB-7","hr":92,"steps":10,"spo2":98,"temp":33,"bat":80}', { qos: 1 });
      await device.publishAsync('campus/classroom-light/L-9/telemetry', '{"on":true,"bri":80,"cct":5000,"lux":512,"pw":36.5}', { qos: 1 });
      await device.publishAsync('campus/student-wristband/WB-7/status', 'offline', { qos: 1, retain: true });
      await device.publishAsync('campus/classroom-light/L-9/status', 'offline', { qos: 1, retain: true });
      await device.endAsync();
      await waitFor('two offline alarms at the hub', () => alarms.filter((a) => a.includes('"offline"')).length >= 2, 45_000);
      const after = entries.slice(started);
      expect(after.filter((e) => e.msg === 'device offline alarm').map((e) => e.level)).toEqual([30, 30]);
      expect(after.filter((e) => e.level >= 40).map((e) => e.msg)).toEqual([]);
      // A wristband is a personal device: its clear id appears in no log line (the alarm names its pseudonym).
      expect(after.filter((e) => JSON.stringify(e).includes('WB-7'))).toEqual([]);
    } finally {
      await watcher.endAsync();
      await gw.stop();
      await hub.stop();
    }
  }, 60_000);
});

