#!/usr/bin/env node
/**
 * The `campus-sim` command:
 *   campus-sim --scenario FILE --url mqtt://host:port [--duration 90s] [--out counts.json]
 *              [--gateway-config FILE] [--start-delay 20s] [--record FILE] [--pty-dir DIR] [--username U --password P]
 *   campus-sim record --url URL --out FILE [--duration 60s]
 *   campus-sim replay --file FILE --url URL [--speed 10]
 * A scenario run writes the gateway's `devices` + `adapters` config for its
 * wired devices to --gateway-config (the gateway polls them), runs the day,
 * prints a per-template summary and writes per-device counts to --out.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { createRecorder } from './record/recorder.js';
import { replayRecording } from './record/replay.js';
import { createScenarioRun, type RunReport } from './scenario/runner.js';
import { loadScenario, ScenarioError } from './scenario/schema.js';

const USAGE = `usage:
  campus-sim --scenario FILE --url mqtt://host:port [--duration 90s] [--out counts.json] [--gateway-config FILE] [--start-delay 20s] [--record FILE]
  campus-sim record --url URL --out FILE [--duration 60s]
  campus-sim replay --file FILE --url URL [--speed 1]`;

/** "90s", "30m", "2h", "1500" (ms) → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text} (use e.g. 90s, 30m, 2h)`);
  const k = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * k;
}

export function summarize(r: RunReport): string {
  const by = new Map<string, { devices: number; sent: number; acked: number; readings: number; bad: number; served: number }>();
  for (const d of r.devices) {
    const t = by.get(d.template) ?? { devices: 0, sent: 0, acked: 0, readings: 0, bad: 0, served: 0 };
    t.devices++; t.sent += d.sent_msgs; t.acked += d.acked_msgs; t.readings += d.acked_readings; t.bad += d.bad_msgs; t.served += d.served ?? 0;
    by.set(d.template, t);
  }
  const rows = [...by].sort(([a], [b]) => a.localeCompare(b)).map(([t, c]) =>
    `${t.padEnd(28)} ${String(c.devices).padStart(5)} ${String(c.sent).padStart(9)} ${String(c.acked).padStart(9)} ${String(c.readings).padStart(10)} ${String(c.bad).padStart(5)} ${String(c.served).padStart(8)}`);
  return [`${'template'.padEnd(28)} ${'devs'.padStart(5)} ${'sent'.padStart(9)} ${'acked'.padStart(9)} ${'readings'.padStart(10)} ${'bad'.padStart(5)} ${'served'.padStart(8)}`, ...rows].join('\n');
}

async function runScenario(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: {
    scenario: { type: 'string' }, url: { type: 'string', default: 'mqtt://127.0.0.1:1883' }, duration: { type: 'string' },
    out: { type: 'string' }, 'gateway-config': { type: 'string' }, record: { type: 'string' }, 'pty-dir': { type: 'string' },
    username: { type: 'string' }, password: { type: 'string' }, 'start-delay': { type: 'string' },
  } });
  if (!values.scenario) { process.stderr.write(`${USAGE}\n`); return 2; }
  const scenario = loadScenario(values.scenario);
  const run = createScenarioRun(scenario, {
    url: values.url, ...(values.duration ? { durationMs: parseDuration(values.duration) } : {}),
    ...(values['pty-dir'] ? { ptyDir: values['pty-dir'] } : {}), ...(values.username ? { username: values.username, password: values.password } : {}),
  });
  const fragment = await run.prepare();
  if (values['gateway-config']) writeFileSync(values['gateway-config'], stringify({ site: { id: scenario.site }, ...fragment }));
  process.stderr.write(`campus-sim: ${run.plan.devices.length} devices (${fragment.adapters.modbus.length} Modbus, ${fragment.adapters.serial.length} serial polled by the gateway)\n`);
  if (values['start-delay']) {
    // Time to (re)start the gateway with the written config before the MQTT devices connect.
    process.stderr.write(`campus-sim: wired devices up; starting the MQTT devices in ${values['start-delay']}\n`);
    await new Promise((r) => setTimeout(r, parseDuration(values['start-delay']!)));
  }
  const recorder = values.record ? createRecorder({ url: values.url, file: values.record }) : undefined;
  await recorder?.start();
  await run.start();
  let stopping = false;
  const stop = () => { if (!stopping) { stopping = true; void run.stop(); } };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await run.finished;
  await run.stop();
  await recorder?.stop();
  const report = run.report();
  process.stdout.write(`${summarize(report)}\n${JSON.stringify({ scenario: report.scenario, totals: report.totals, faults: report.faults.length })}\n`);
  if (values.out) writeFileSync(values.out, JSON.stringify(report, null, 1));
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === 'record') {
      const { values } = parseArgs({ args: rest, options: { url: { type: 'string', default: 'mqtt://127.0.0.1:1883' }, out: { type: 'string' }, duration: { type: 'string' } } });
      if (!values.out) { process.stderr.write(`${USAGE}\n`); return 2; }
      const rec = createRecorder({ url: values.url, file: values.out });
      await rec.start();
      await new Promise<void>((resolve) => {
        if (values.duration) setTimeout(resolve, parseDuration(values.duration));
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await rec.stop();
      process.stdout.write(`${JSON.stringify({ recorded: rec.messages, file: values.out })}\n`);
      return 0;
    }
    if (cmd === 'replay') {
      const { values } = parseArgs({ args: rest, options: { url: { type: 'string', default: 'mqtt://127.0.0.1:1883' }, file: { type: 'string' }, speed: { type: 'string', default: '1' } } });
      if (!values.file) { process.stderr.write(`${USAGE}\n`); return 2; }
      const speed = values.speed === 'max' ? Infinity : Number(values.speed);
      process.stdout.write(`${JSON.stringify(await replayRecording({ url: values.url, file: values.file, speed }))}\n`);
      return 0;
    }
    if (cmd === undefined || cmd === '--help' || cmd === 'help') { process.stdout.write(`${USAGE}\n`); return 0; }
    return await runScenario(argv);
  } catch (err) {
    if (err instanceof ScenarioError) { process.stderr.write(`${err.message}\n`); return 1; }
    throw err;
  }
}

if (process.argv[1] && /cli\.(ts|js)$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then((code) => { process.exit(code); }, (err: unknown) => {
    process.stderr.write(`campus-sim: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
