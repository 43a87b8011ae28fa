/**
 * Runs a scenario against a gateway: the wired devices first (the gateway
 * needs their ports and ptys in its config), then the MQTT fleet on the
 * sped-up school clock, with the faults at their times; the run ends when the
 * simulated day (or `durationMs`) is over. `report()` gives the per-device
 * counts for reconciliation.
 */
import { applyFault, type AppliedFault } from './faults.js';
import { createMqttFleet, type MqttFleet } from './mqtt-fleet.js';
import { planSchool, type SchoolPlan } from './plan.js';
import { minuteOf, type Scenario } from './schema.js';
import { createTally, type DeviceCount, type Tally } from './tally.js';
import { createWiredSchool, type GatewayFragment, type WiredLinks, type WiredSchool } from './wired.js';

export interface ScenarioRunOptions {
  /** The gateway's MQTT URL (or give it to `start`). */
  url?: string;
  username?: string;
  password?: string;
  /** Real run length; default: the simulated day at the scenario's speed. */
  durationMs?: number;
  /** Where pty links go (default a temp dir). */
  ptyDir?: string;
  /** Start the day over when it ends (soak runs longer than one day). */
  loop?: boolean;
  /** `tcp`: RTU buses and serial lines on local TCP ports instead of socat ptys (the demo: nothing to install). */
  links?: WiredLinks;
  /**
   * `school`: Modbus meters count energy, water and solar yield on the sped-up school clock (a
   * day's kWh in the day's real minutes, as the demo wants); `real` (default): on real time.
   */
  meterClock?: 'real' | 'school';
}

export interface RunReport {
  scenario: string;
  site: string;
  started_at: string;
  ended_at: string;
  sim_start: string;
  sim_end: string;
  totals: ReturnType<Tally['totals']>;
  faults: AppliedFault[];
  devices: DeviceCount[];
}

export interface ScenarioRun {
  readonly plan: SchoolPlan;
  /** Starts the Modbus servers and ptys; returns the gateway's devices + adapters config. */
  prepare(): Promise<GatewayFragment>;
  /** Connects the MQTT devices (to `url`, default the option's) and starts the school clock. */
  start(url?: string): Promise<void>;
  /** Resolves when the simulated day is over (then call stop). */
  readonly finished: Promise<void>;
  stop(): Promise<void>;
  report(): RunReport;
  /** Simulated minute of the day now. */
  minute(): number;
  /** Publish → PUBACK latencies (ms) of a sample of acknowledged messages. */
  latencies(): number[];
}

const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(Math.floor(minute % 60)).padStart(2, '0')}`;

export function createScenarioRun(scenario: Scenario, o: ScenarioRunOptions): ScenarioRun {
  const plan = planSchool(scenario);
  const tally = createTally();
  const start = minuteOf(scenario.clock.start);
  const end = minuteOf(scenario.clock.end);
  const realMsPerSimMinute = 60_000 / scenario.clock.speed;
  const durationMs = o.durationMs ?? (end - start) * realMsPerSimMinute;
  let t0 = 0;
  const minute = () => {
    if (t0 === 0) return start;
    const elapsed = (Date.now() - t0) / realMsPerSimMinute;
    return o.loop ? start + (elapsed % (end - start)) : Math.min(end, start + elapsed);
  };
  const born = Date.now();
  const schoolNow = () => born + (Date.now() - born) * scenario.clock.speed;
  const wired: WiredSchool = createWiredSchool({
    plan, scenario, tally, ...(o.ptyDir ? { ptyDir: o.ptyDir } : {}), ...(o.links ? { links: o.links } : {}), ...(o.meterClock === 'school' && { now: schoolNow }),
  });
  let fleet: MqttFleet | undefined;
  const applied: AppliedFault[] = [];
  const timers: NodeJS.Timeout[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((r) => { finish = r; });
  let startedAt = '';
  let endedAt = '';

  return {
    plan, finished, minute,
    latencies: () => tally.latencies(),
    prepare: () => wired.start(),
    async start(url) {
      const target = url ?? o.url;
      if (!target) throw new Error('SIM_ERR_NO_URL: give the gateway MQTT URL to createScenarioRun or start');
      fleet = createMqttFleet({ plan, scenario, tally, minute, url: target, ...(o.username ? { username: o.username, password: o.password } : {}) });
      await fleet.start();
      t0 = Date.now();
      startedAt = new Date(t0).toISOString();
      const handles = [...fleet.handles, ...wired.handles];
      for (const f of scenario.faults) {
        const delay = (minuteOf(f.at) - start) * realMsPerSimMinute;
        if (delay < 0 || delay > durationMs) continue;
        timers.push(setTimeout(() => applied.push(applyFault(f, handles, realMsPerSimMinute)), delay));
      }
      timers.push(setTimeout(finish, durationMs));
    },
    async stop() {
      if (endedAt) return;
      for (const t of timers) clearTimeout(t);
      await fleet?.stop();
      wired.collect();
      await wired.stop();
      endedAt = new Date().toISOString();
      finish();
    },
    report() {
      wired.collect();
      return {
        scenario: scenario.name, site: scenario.site, started_at: startedAt, ended_at: endedAt || new Date().toISOString(),
        sim_start: scenario.clock.start, sim_end: hhmm(minute()), totals: tally.totals(), faults: applied, devices: tally.all(),
      };
    },
  };
}
