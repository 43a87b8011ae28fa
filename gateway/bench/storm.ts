/**
 * Reconnect storm (issue #21 item 4): a school of `devices` devices with broker auth on logs in
 * all at once, (a) on the first connect after the gateway starts (a restart or a power cut: no
 * login is remembered, every device costs one scrypt verification), then (b) after a network blip
 * without a restart (every socket destroyed, the gateway keeps running: logins are answered from
 * the verifier's cache). Measured: time until all are online, refused logins, the gateway's CPU.
 *
 * Devices are provisioned as a school's are: secrets as `POST /api/devices/import` generates them
 * (192-bit) and hashed at the same cost (GENERATED_SECRET_COST), listed in the config's `devices`.
 * All clients come from 127.0.0.1: one address, as a building behind one NAT router.
 */
import { generateDeviceSecret, GENERATED_SECRET_COST } from '../src/broker/device-import.js';
import { hashSecret } from '../src/broker/secrets.js';
import { createFleet, type FleetDevice, type FleetOptions, type StormRound } from './lib/storm-fleet.js';
import { round, table } from './lib/stats.js';

/** The gateway under test, however it runs (bench: a child process; test: in process). */
export interface StormGateway {
  port: number;
  /** CPU time used by the gateway process so far, user + system, µs. */
  cpuUs(): Promise<number>;
  stop(): Promise<void>;
}

export interface StormOptions {
  devices: number;
  /** The bench's gateway config (store, listeners); broker auth and the devices are added here. */
  baseConfig: Record<string, unknown>;
  start(config: Record<string, unknown>): Promise<StormGateway>;
  log?(msg: string): void;
  fleet?: FleetOptions;
}

export interface StormRow extends StormRound {
  phase: 'restart' | 'blip';
  cpu_s: number;
  /** Gateway CPU ÷ wall time of the phase (1 = one core busy). */
  cpu_cores: number;
}

export async function provisionFleet(n: number): Promise<{ fleet: FleetDevice[]; devices: Array<Record<string, string>> }> {
  const fleet: FleetDevice[] = [];
  const devices: Array<Record<string, string>> = [];
  for (let i = 0; i < n; i++) {
    const id = `meter-${String(i).padStart(5, '0')}`;
    const secret = generateDeviceSecret();
    fleet.push({ id, secret });
    devices.push({ id, template: 'energy-meter-1p', secretHash: await hashSecret(secret, GENERATED_SECRET_COST) });
  }
  return { fleet, devices };
}

export async function stormWorkload(o: StormOptions): Promise<StormRow[]> {
  const log = o.log ?? (() => undefined);
  log(`storm: provisioning ${o.devices} devices (generated secrets, scrypt N=${GENERATED_SECRET_COST.N})`);
  const { fleet: creds, devices } = await provisionFleet(o.devices);
  const base = o.baseConfig as { broker?: Record<string, unknown> };
  const config = {
    ...o.baseConfig,
    broker: { ...base.broker, auth: { enabled: true, maxFailures: 5, lockoutSeconds: 300 } },
    devices,
  };
  const gw = await o.start(config);
  const fleet = createFleet(creds, o.fleet);
  const rows: StormRow[] = [];
  try {
    for (const phase of ['restart', 'blip'] as const) {
      if (phase === 'blip') {
        fleet.dropAll();
        // let the gateway see the sockets close, as after a switch reboot
        await new Promise((r) => setTimeout(r, 500));
      }
      log(`storm: ${phase}: ${o.devices} devices log in at once`);
      const cpu0 = await gw.cpuUs();
      const t0 = performance.now();
      const r = await fleet.connectAll(gw.port);
      const wall = performance.now() - t0;
      const cpu = (await gw.cpuUs()) - cpu0;
      rows.push({ phase, ...r, cpu_s: round(cpu / 1e6, 2), cpu_cores: round(cpu / 1e3 / wall, 2) });
    }
  } finally {
    fleet.dropAll();
    await gw.stop();
  }
  return rows;
}

export function printStorm(rows: readonly StormRow[]): string {
  const refused = (r: StormRow) => Object.entries(r.refused).map(([rc, n]) => `${n} (rc ${rc})`).join(', ') || '0';
  return `${table(['storm (auth on)', 'devices', 'online', 'all online s', 'p50 s', 'p99 s', 'refused logins', 'dropped', 'gateway CPU s', 'cores'],
    rows.map((r) => [r.phase === 'restart' ? 'first connect after start' : 'blip, no restart', r.devices, r.online,
      round(r.all_online_ms / 1000, 2), round(r.p50_ms / 1000, 2), round(r.p99_ms / 1000, 2), refused(r), r.dropped, r.cpu_s, r.cpu_cores]))}
  refused: CONNACK 3 = scrypt queue full (busy) or too many logins of one address in flight (throttled); 4 = bad secret; 5 = locked out.
  target: all online < 10 s after a restart. Clients retry with backoff 250 ms × 2^n (cap 2 s, ±50 % jitter).
`;
}
