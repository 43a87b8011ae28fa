#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node
/**
 * The `campus-gateway` command (docs/interfaces.md "Running it"):
 *   campus-gateway start [--config FILE] [--simulate]
 *   campus-gateway config check FILE
 *   campus-gateway templates check [--json]
 *   campus-gateway templates docs [--out DIR] [--check]
 *   campus-gateway hub --config FILE
 *   campus-gateway devices hash-secret [--secret S]   (reads stdin without --secret)
 *   campus-gateway devices import FILE.csv | export   (through the running gateway's admin API)
 */
import { parseArgs } from 'node:util';
import { createSimulatedSchool } from '@campus-gateway/firmware-sim';
import { ConfigError, loadConfigFile } from './config/load.js';
import { checkStartable, InsecureConfigError, openParts } from './config/secure-start.js';
import { createGateway } from './gateway.js';
import { createRootLogger } from './log.js';
import { runTemplatesCheckCli } from './templates/index.js';
import { runTemplatesDocsCli } from './templates/docs-cli.js';
import { runDevicesCli } from './broker/devices-cli.js';
import { ProvisioningError } from './registry/provisioning.js';
import { createHubService, loadHubConfig } from './hub/index.js';

const USAGE = `usage:
  campus-gateway start [--config FILE] [--simulate]
  campus-gateway config check FILE
  campus-gateway templates check [--json]
  campus-gateway templates docs [--out DIR] [--check]
  campus-gateway hub --config FILE
  campus-gateway devices hash-secret [--secret S]
  campus-gateway devices import FILE.csv [--secrets-out FILE] [--url URL] [--token T]
  campus-gateway devices export [--out FILE] [--url URL] [--token T]`;

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
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } } });
  const file = values.config ?? process.env.GATEWAY_CONFIG;
  if (!file) {
    process.stderr.write('usage: campus-gateway hub --config FILE\n');
    return 2;
  }
  const config = loadHubConfig(file);
  const log = createRootLogger(config.log.level);
  const theHub = createHubService(config, { log }); // the hub, and its HTTP API when config.http is set
  await theHub.start();
  log.info('hub role running');
  await waitForSignal(log);
  await theHub.stop();
  return 0;
}

async function start(args: string[]): Promise<number> {
  privateUmask();
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, simulate: { type: 'boolean', default: false } } });
  const file = values.config ?? process.env.GATEWAY_CONFIG;
  const loaded = loadConfigFile(file);
  // The demo (a simulated school, no real pupils) may run open; it is then flagged as insecure.
  const config = values.simulate && openParts(loaded).length > 0 ? { ...loaded, insecure: true } : loaded;
  checkStartable(config, file || '(defaults)');
  const log = createRootLogger(config.log.level);
  const gateway = createGateway(config, { log });
  await gateway.start();
  let sim: { stop(): Promise<void> } | undefined;
  if (values.simulate) {
    const school = createSimulatedSchool({ url: `mqtt://127.0.0.1:${gateway.ports().mqtt}`, rooms: 6 }, { log: log.child({ component: 'simulator' }) });
    for (const d of school.devices()) gateway.registry.upsert({ ...d, building: 'A', provisioned: true });
    await school.start();
    sim = school;
    log.info({ devices: school.devices().length }, 'simulated school running');
  }
  log.info(`dashboard: http://localhost:${gateway.ports().http}/`);
  await waitForSignal(log);
  await sim?.stop();
  await gateway.stop();
  return 0;
}

function configCheck(args: string[]): number {
  const file = args[0];
  if (!file) {
    process.stderr.write('usage: campus-gateway config check FILE\n');
    return 2;
  }
  // The same environment and the same check as `start`: what passes here starts.
  const config = loadConfigFile(file, process.env);
  const open = checkStartable(config, file);
  process.stdout.write(open.length === 0 ? `${file}: ok\n` : `${file}: ok, but insecure: true and open: ${open.map((o) => o.text).join('; ')}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  try {
    if (command === 'start') return await start(argv.slice(1));
    if (command === 'config' && sub === 'check') return configCheck(rest);
    if (command === 'templates' && sub === 'check') return await runTemplatesCheckCli(rest, process.stdout);
    if (command === 'templates' && sub === 'docs') return await runTemplatesDocsCli(rest, process.stdout);
    if (command === 'hub') return await hub(argv.slice(1));
    if (command === 'devices') return await runDevicesCli(argv.slice(1), process.stdout);
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof InsecureConfigError || err instanceof ProvisioningError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`campus-gateway: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
