/**
 * The start-up refusal, in one place: `campus-gateway start`, `campus-gateway config check` and
 * `createGateway` all call `checkStartable`, so a file that passes the check starts and one that
 * would be refused at start fails the check, with the same message.
 *
 * A gateway carries pupils' heart rates and fire alarms. Open means anyone on the network can
 * subscribe to `campus/#` (broker auth off) or call the API as admin (no `http.tokens`). That is
 * refused unless the config says `insecure: true` (a lab, a demo: `start --simulate` runs open),
 * and then /api/health and every dashboard page say so.
 */
import { ConfigError } from './load.js';
import { GatewayError } from '../errors.js';
import type { GatewayConfig } from './schema.js';

type StartConfig = Pick<GatewayConfig, 'broker' | 'http' | 'devices' | 'insecure'>;

export class InsecureConfigError extends GatewayError {
  declare readonly code: 'GW_ERR_INSECURE_CONFIG';
  constructor(readonly file: string, readonly open: readonly OpenPart[]) {
    const fix = [
      open.some((o) => o.key === 'broker') ? 'broker.auth.enabled: true with a secretHash per device' : undefined,
      open.some((o) => o.key === 'http') ? 'http.tokens with at least an admin token\'s tokenHash' : undefined,
    ].filter(Boolean).join(', and ');
    // One line: it is what a systemd journal or `docker compose logs` shows of a failed start.
    super('GW_ERR_INSECURE_CONFIG', `${file}: GW_ERR_INSECURE_CONFIG: refusing to start an open gateway: ${open.map((o) => o.text).join('; ')}. `
      + `Set ${fix}; make each hash with \`campus-gateway devices hash-secret\` (it reads the secret or token on stdin; `
      + 'make a token with `openssl rand -base64 24`). Or set insecure: true to run open on purpose (then shown on /api/health and every dashboard page).');
    this.name = 'InsecureConfigError';
  }
}

export interface OpenPart {
  key: 'broker' | 'http';
  text: string;
}

/** What is open in this config; empty when broker auth is on and API tokens are set. */
export function openParts(config: StartConfig): OpenPart[] {
  const open: OpenPart[] = [];
  if (!config.broker.auth.enabled) open.push({ key: 'broker', text: 'broker.auth.enabled is not true (any client on the network can subscribe to campus/# and read every reading)' });
  if (!config.http.tokens || config.http.tokens.length === 0) open.push({ key: 'http', text: 'http.tokens is empty (anyone on the network can use the API and the dashboard as admin)' });
  return open;
}

/** Cross-checks the schema cannot express, which start-up would otherwise trip over later. */
export function crossProblems(config: StartConfig): string[] {
  const problems: string[] = [];
  const deviceIds = new Set(config.devices.map((d) => d.id));
  for (const [i, u] of config.broker.auth.internalUsers.entries()) {
    if (deviceIds.has(u.username)) problems.push(`broker.auth.internalUsers.${i}.username: "${u.username}" is also a device id; expected a name no device uses`);
  }
  return problems;
}

/**
 * Throws a ConfigError (cross-check problems) or an InsecureConfigError (an open gateway without
 * `insecure: true`); returns what is open (empty unless insecure) so callers can warn about it.
 */
export function checkStartable(config: StartConfig, file = '(config)'): OpenPart[] {
  const problems = crossProblems(config);
  if (problems.length > 0) throw new ConfigError(file, problems);
  const open = openParts(config);
  if (open.length > 0 && !config.insecure) throw new InsecureConfigError(file, open);
  return open;
}
