#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node --max-old-space-size=1024
/**
 * The `campus-gateway` command (docs/interfaces.md "Running it"):
 *   campus-gateway start [--config FILE] [--simulate] [--log-format json|pretty]
 *   campus-gateway config check [--hub] FILE   (also: campus-gateway hub config check FILE)
 *   campus-gateway templates check [--json]
 *   campus-gateway templates docs [--out DIR] [--check]
 *   campus-gateway hub --config FILE [--log-format json|pretty]
 *   campus-gateway devices hash-secret [--secret S]   (reads stdin without --secret)
 *   campus-gateway devices import FILE.csv | export   (through the running gateway's admin API)
 *
 * A start that fails ends the process with exit 1 and one line on stderr (no stack for a known
 * error, see errors.ts), after stopping whatever had started, so systemd's Restart=on-failure acts.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from './config/load.js';
import type { GatewayConfig } from './config/schema.js';
import { checkStartable, openParts } from './config/secure-start.js';
import { runConfigCheckCli } from './config/check-cli.js';
import { preflightHub } from './config/preflight.js';
import { describeStartError, fromSystemError } from './errors.js';
import { startDemo } from './demo/demo-school.js';
import { createGateway } from './gateway.js';
import { createRootLogger, resolveLogFormat } from './log.js';
import { runTemplatesCheckCli } from './templates/index.js';
import { runTemplatesDocsCli } from './templates/docs-cli.js';
import { runDevicesCli } from './broker/devices-cli.js';
import { createHubService, loadHubConfig } from './hub/index.js';
import { lowerV8Threads, v8NiceFromEnv, type LowerResult } from './runtime-threads.js';

const USAGE = `usage:
  campus-gateway start [--config FILE] [--simulate] [--log-format json|pretty]
  campus-gateway config check [--hub] FILE
  campus-gateway templates check [--json]
  campus-gateway templates docs [--out DIR] [--check]
  campus-gateway hub --config FILE [--log-format json|pretty]
  campus-gateway hub config check FILE
  campus-gateway devices hash-secret [--secret S]
  campus-gateway devices import FILE.csv [--secrets-out FILE] [--url URL] [--token T]
  campus-gateway devices export [--out FILE] [--url URL] [--token T]`;

/** After a failed start or a stop, anything still open this long is a leak: exit regardless (and say what). */
const EXIT_GRACE_MS = 5_000;

function rootLogger(level: string, format: string | undefined) {
  return createRootLogger(level, undefined, resolveLogFormat(format, process.env, process.stdout.isTTY));
}

/** Config keys of the ports the gateway listens on, so a port in use names its key. */
function portKeys(config: GatewayConfig): Record<string, number | undefined> {
  return { 'http.port': config.http.port, 'broker.port': config.broker.port ?? undefined, 'broker.tls.port': config.broker.tls?.port, 'broker.websocket.port': config.broker.websocket?.port };
}

function waitForSignal(log: { info(o: object, m: string): void }): Promise<void> {
  return new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}

/**
 * Files the service makes (the data dir: readings, outbox, spool, sessions, the pseudonym key) are
 * private to its user whatever umask it was started with. Each component also sets explicit modes;
 * this covers what a library creates on its own.
 */
function privateUmask(): void {
  process.umask(0o077);
}

async function hub(args: string[]): Promise<number> {
  privateUmask();
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, 'log-format': { type: 'string' } } });
  const file = values.config ?? process.env.GATEWAY_CONFIG;
  if (!file) {
    process.stderr.write('usage: campus-gateway hub --config FILE [--log-format json|pretty]\n');
    return 2;
  }
  const config = loadHubConfig(file);
  // What `hub config check` refuses (an unreadable CA, an unwritable dedup file), refused before connecting.
  preflightHub(config, file);
  const log = rootLogger(config.log.level, values['log-format']);
  const theHub = createHubService(config, { log }); // the hub, and its HTTP API when config.http is set
  await theHub.start();
  log.info('hub role running');
  await waitForSignal(log);
  await theHub.stop();
  return 0;
}

/** What lowerV8Threads did, said once the log exists. */
function logV8Threads(log: ReturnType<typeof rootLogger>, r: LowerResult): void {
  if ('skipped' in r) log.info({ v8_threads_nice: 0, reason: r.skipped }, 'V8 background threads left at normal priority');
  else log.info({ v8_threads_nice: r.nice, threads: r.tids.length, found_by: r.by }, 'V8 background threads at a lower priority than the event loop');
}

async function start(args: string[]): Promise<number> {
  // First, before anything starts threads of its own (runtime-threads.ts).
  const v8Threads = lowerV8Threads(v8NiceFromEnv(process.env), process.env);
  privateUmask();
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, simulate: { type: 'boolean', default: false }, 'log-format': { type: 'string' } } });
  const file = values.config ?? process.env.GATEWAY_CONFIG;
  const loaded = loadConfigFile(file);
  // The demo (a simulated school, no real pupils) may run open; it is then flagged as insecure.
  const config = values.simulate && openParts(loaded).length > 0 ? { ...loaded, insecure: true } : loaded;
  checkStartable(config, file || '(defaults)');
  const log = rootLogger(config.log.level, values['log-format']);
  logV8Threads(log, v8Threads);
  if (values.simulate) {
    // The simulators are imported only here: a gateway installed without them starts without --simulate.
    const demo = await startDemo(config, {}, { log, configFile: file || '(defaults)' }).catch((err: unknown) => {
      throw fromSystemError(err, portKeys(config)) ?? err;
    });
    log.info(`dashboard: http://localhost:${demo.gateway.ports().http}/`);
    await waitForSignal(log);
    await demo.stop();
    return 0;
  }
  const gateway = createGateway(config, { log, configFile: file || '(defaults)' });
  await gateway.start().catch((err: unknown) => {
    throw fromSystemError(err, portKeys(config)) ?? err;
  });
  log.info(`dashboard: http://localhost:${gateway.ports().http}/`);
  await waitForSignal(log);
  await gateway.stop();
  return 0;
}

/** The same environment and the same preflight as `start`: what passes here starts. */
function configCheck(args: string[]): Promise<number> {
  return runConfigCheckCli(args, { out: process.stdout, err: process.stderr, env: process.env });
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  try {
    if (command === 'start') return await start(argv.slice(1));
    if (command === 'config' && sub === 'check') return await configCheck(rest);
    if (command === 'hub' && sub === 'config' && rest[0] === 'check') return await configCheck(['--hub', ...rest.slice(1)]);
    if (command === 'templates' && sub === 'check') return await runTemplatesCheckCli(rest, process.stdout);
    if (command === 'templates' && sub === 'docs') return await runTemplatesDocsCli(rest, process.stdout);
    if (command === 'hub') return await hub(argv.slice(1));
    if (command === 'devices') return await runDevicesCli(argv.slice(1), process.stdout);
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
  } catch (err) {
    // A config error starts with the file it is about and prints exactly as `config check` does.
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    const { text, known } = describeStartError(err);
    process.stderr.write(`campus-gateway: ${known ? text : `unexpected error (please report it with this stack)\n${text}`}\n`);
    return 1;
  }
}

/** Sets the exit code and lets the event loop drain; a handle left open after EXIT_GRACE_MS is a leak, not a reason to hang. */
function exitWhenDrained(code: number): void {
  process.exitCode = code;
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    process.stderr.write(`campus-gateway: GW_ERR_EXIT_FORCED: still open ${EXIT_GRACE_MS / 1000} s after stopping (${open.join(', ')}); exiting\n`);
    process.exit(code);
  }, EXIT_GRACE_MS).unref();
}

main(process.argv.slice(2)).then(exitWhenDrained, (err: unknown) => {
  process.stderr.write(`campus-gateway: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  exitWhenDrained(1);
});
