/**
 * The demo behind `campus-gateway start --simulate` (and `npm start`): the gateway and a simulated
 * school in one process, with nothing to install. The simulators (@campus-gateway/firmware-sim) are
 * loaded only here, by a dynamic import, so a gateway installed without them runs (and says what is
 * missing when asked to simulate).
 *
 * Order: the wired devices first (Modbus TCP servers for the plant room's meters, solar, water and
 * lighting relay and each building's RS-485 units; serial lines on TCP ports), whose addresses become
 * the gateway's `adapters`; then the gateway with every simulated device provisioned (pens and bands
 * bound to made-up students) and summary windows of a few seconds; then the MQTT devices; then two
 * class sessions through the gateway's own HTTP API: a writing lesson of 30 pens and a PE lesson of
 * 30 wristbands, renewed when they reach their 4-hour limit.
 */
import type * as FirmwareSim from '@campus-gateway/firmware-sim';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import { deviceSchema, modbusAdapterSchema, serialAdapterSchema } from '../config/schema.js';
import { startErrors } from '../errors.js';
import { createGateway, type Gateway } from '../gateway.js';
import { demoStudentNames } from './students.js';

// A type-only import: erased from the build, so the package is loaded by loadSimulators() alone.
type Simulators = typeof FirmwareSim;

export interface DemoOptions {
  /** Summary window length (default 10 s, closed 5 s after its end): the District view fills within a minute. */
  windowSeconds?: number;
  graceSeconds?: number;
}

export interface DemoDeps {
  log: Logger;
  configFile?: string;
  /** How the simulators are loaded (tests pass a failing loader). */
  loadSimulators?: () => Promise<Simulators>;
}

export interface DemoSchool {
  gateway: Gateway;
  /** Ids of the class sessions started (writing, PE). */
  sessions(): string[];
  stop(): Promise<void>;
}

/** Sessions last at most 4 h (sessions/schema.ts): the demo starts the next ones when they end. */
const SESSION_MS = 4 * 3_600_000;
/** setTimeout's ceiling: the scenario loops, this only bounds its `finished` promise (~24 days). */
const FOREVER_MS = 2 ** 31 - 1;

export async function loadSimulators(): Promise<Simulators> {
  try {
    return await import('@campus-gateway/firmware-sim');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw startErrors.simulatorMissing(code);
    throw err;
  }
}

/** The HTTP base the demo uses to call its own API (loopback unless the gateway listens on one address only). */
function selfUrl(config: GatewayConfig, port: number): string {
  const host = config.http.host;
  const any = host === undefined || host === '0.0.0.0' || host === '::' || host === '';
  return `http://${any ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startDemo(config: GatewayConfig, options: DemoOptions, deps: DemoDeps): Promise<DemoSchool> {
  const log = deps.log;
  const sim = await (deps.loadSimulators ?? loadSimulators)();
  const scenario = sim.loadDemoScenario();
  // Meters on the school clock: the District view shows a school's kWh, not a trickle, from the first minute.
  const run = sim.createScenarioRun(scenario, { links: 'tcp', loop: true, durationMs: FOREVER_MS, meterClock: 'school' });
  const fragment = await run.prepare().catch(async (err: unknown) => { await run.stop(); throw err; });

  // Bands carry no student in the plan: the PE class's students, in band order.
  const bands = fragment.devices.filter((d) => d.template === 'student-wristband');
  const pens = fragment.devices.filter((d) => d.template === 'smart-pen');
  const bandPerson = new Map(bands.map((d, i) => [d.id, `SPE${String(i + 1).padStart(2, '0')}`]));
  const devices = fragment.devices.map((d) => deviceSchema.parse({ ...d, ...(bandPerson.has(d.id) && { person: bandPerson.get(d.id) }) }));
  const demoConfig: GatewayConfig = {
    ...config,
    // A simulated school with made-up pupils: open on purpose, and flagged so on every page.
    insecure: true,
    devices: [...config.devices, ...devices],
    adapters: {
      modbus: [...config.adapters.modbus, ...fragment.adapters.modbus.map((a) => modbusAdapterSchema.parse(a))],
      serial: [...config.adapters.serial, ...fragment.adapters.serial.map((a) => serialAdapterSchema.parse(a))],
    },
  };
  const windowSeconds = options.windowSeconds ?? 10;
  const gateway = createGateway(demoConfig, { log, ...(deps.configFile && { configFile: deps.configFile }), summaryWindow: { windowSeconds, graceSeconds: options.graceSeconds ?? 5 } });
  const timers = new Set<NodeJS.Timeout>();
  const started: string[] = [];
  try {
    await gateway.start();
    await run.start(`mqtt://127.0.0.1:${gateway.ports().mqtt}`);
  } catch (err) {
    await run.stop().catch(() => undefined);
    await gateway.stop().catch(() => undefined);
    throw err;
  }

  const base = selfUrl(demoConfig, gateway.ports().http);
  const lessons = [
    { room: pens[0]?.room ?? 'A101', class: '三年级2班', subject: '语文 (Chinese)', roster: pens.map((d, i) => ({ device: d.id, student: demoStudentNames(pens.length)[i]! })) },
    { room: bands[0]?.room ?? 'GYM01', class: '五年级1班', subject: '体育 (PE)', roster: bands.map((d, i) => ({ device: d.id, student: demoStudentNames(bands.length, 7)[i]! })) },
  ];
  const startSessions = async (): Promise<void> => {
    const end = new Date(Date.now() + SESSION_MS).toISOString();
    for (const lesson of lessons) {
      if (lesson.roster.length === 0) continue;
      const res = await fetch(`${base}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...lesson, end }) });
      const body = await res.json().catch(() => ({})) as { id?: string; error?: { code: string; message: string } };
      // Names stay out of the log: the class, its size and the API's answer (value-free by design).
      if (res.ok && body.id) { started.push(body.id); log.info({ class: lesson.class, students: lesson.roster.length }, 'demo class session running'); }
      else log.warn({ class: lesson.class, status: res.status, error: body.error?.code }, 'demo class session not started (with http.tokens set, start one from the Teacher view)');
    }
    const t = setTimeout(() => { timers.delete(t); void startSessions().catch((err: unknown) => log.warn({ err }, 'demo sessions not renewed')); }, SESSION_MS + 1_000);
    t.unref();
    timers.add(t);
  };
  await startSessions();
  log.info({ devices: devices.length, modbus: fragment.adapters.modbus.length, serial: fragment.adapters.serial.length, windowSeconds }, 'simulated school running');

  return {
    gateway,
    sessions: () => [...started],
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      // The gateway first, so its adapters do not log the simulators' servers going away.
      await gateway.stop();
      await run.stop();
    },
  };
}
