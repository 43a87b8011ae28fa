/**
 * The school-day workload: firmware-sim's default scenario (~2,000 devices of
 * all 34 templates, 20 classrooms writing with pens at once, two PE classes,
 * Modbus meters polled every 5 s, faults) against a gateway child process,
 * for a slice of the day. Messages = acknowledged MQTT messages + Modbus
 * requests + serial lines; latency is publish → PUBACK (stored).
 */
import { createScenarioRun, loadScenario } from '@campus-gateway/firmware-sim';
import { startGatewayProc } from './lib/gateway-proc.js';
import { summarize, waitStored, type GatewayConfigFactory, type WorkloadResult } from './pipeline-workloads.js';

export interface SchoolDayOptions {
  scenarioFile: string;
  /** Overrides the scenario's number of classrooms writing with pens at once. */
  writingRooms?: number;
  /** Real run time. */
  durationMs: number;
  /** Simulated time of day to start at (from 09:30 a 90 s slice covers the end of a PE period, a 20-room writing period and the next PE period). */
  start?: string;
}

export async function schoolDayWorkload(o: SchoolDayOptions, configFor: GatewayConfigFactory): Promise<WorkloadResult & { devices: number; acked_readings: number; stored_all: boolean }> {
  const scenario = loadScenario(o.scenarioFile);
  if (o.writingRooms !== undefined) scenario.timetable.writing.rooms = o.writingRooms;
  scenario.clock.start = o.start ?? '09:30';
  const run = createScenarioRun(scenario, { durationMs: o.durationMs });
  const fragment = await run.prepare();
  const gw = await startGatewayProc({ ...(await configFor('school-day')), devices: fragment.devices, adapters: fragment.adapters });
  try {
    const before = await gw.stats();
    const t0 = performance.now();
    await run.start(gw.mqttUrl);
    await run.finished;
    await run.stop();
    const report = run.report();
    const t = report.totals;
    // Everything acknowledged is stored already; give the pollers' last readings a moment.
    const after = await waitStored(gw, before.readings + t.acked_readings, 3000);
    const elapsed = performance.now() - t0;
    const msgs = t.acked_msgs + (t.served ?? 0);
    const res = summarize('school-day', before, after, msgs, 0, elapsed, run.latencies(),
      `${run.plan.devices.length} devices, ${scenario.timetable.writing.rooms} rooms writing, ${Math.round(o.durationMs / 1000)} s from ${scenario.clock.start} at ${scenario.clock.speed}×; msgs incl. Modbus requests + serial lines`);
    return { ...res, devices: run.plan.devices.length, acked_readings: t.acked_readings, stored_all: after.readings - before.readings >= t.acked_readings };
  } finally {
    await run.stop().catch(() => undefined);
    await gw.stop();
  }
}
