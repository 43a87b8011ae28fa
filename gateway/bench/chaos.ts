/**
 * `npm run chaos -- [--minutes N] [--seed S] [--devices D] [--fault-every-ms MS]`: the long chaos
 * run of issue #10 (see gateway/test/reliability/README.md). Prints the reconciliation report as a
 * table and one JSON line; exits 1 when an acknowledged reading was lost, duplicated or altered,
 * a wired device did not come back after the last fault, or an alarm or summary was lost or
 * duplicated on its way to the hub (or left in the outbox).
 */
import { parseArgs } from 'node:util';
import { KINDS, runChaos, type FaultKind } from './chaos-run.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    seed: { type: 'string' },
    devices: { type: 'string', default: '40' },
    'fault-every-ms': { type: 'string', default: '20000' },
    /** Comma-separated fault kinds (default all): gateway_kill9,influxd_kill9,influxd_stop,modbus_sim_restart,pty_unplug,hub_broker_kill9,hub_kill9 */
    kinds: { type: 'string' },
    /** Keep the gateway's log and the fault log in this folder. */
    'log-dir': { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    'alarm-devices': { type: 'string', default: '4' },
  },
});
const kinds = values.kinds?.split(',').map((k) => k.trim()).filter((k) => k.length > 0) ?? [];
const bad = kinds.filter((k) => !(KINDS as readonly string[]).includes(k));
if (bad.length > 0) throw new Error(`unknown fault kind(s) ${bad.join(', ')}; known: ${KINDS.join(', ')}`);
const level = values['log-level'];
if (level !== 'debug' && level !== 'info' && level !== 'warn') throw new Error(`--log-level must be debug, info or warn, got ${level}`);
const report = await runChaos({
  durationMs: Number(values.minutes) * 60_000,
  devices: Number(values.devices),
  faultEveryMs: Number(values['fault-every-ms']),
  kinds: kinds as FaultKind[],
  alarmDevices: Number(values['alarm-devices']),
  logLevel: level,
  ...(values['log-dir'] !== undefined ? { logDir: values['log-dir'] } : {}),
  ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
});
const rows: [string, string | number][] = [
  ['seed', report.seed], ['duration (s)', report.duration_s], ['devices', report.devices],
  ['faults injected', `${report.faults_total} ${JSON.stringify(report.faults)}`], ['gateway restarts (kill -9)', report.gateway_restarts],
  ['publishes sent (incl. resends)', report.published], ['readings acknowledged', report.acknowledged], ['readings stored', report.stored],
  ['stored, PUBACK lost to a crash', report.stored_unacknowledged], ['LOST (acknowledged, not stored)', report.lost],
  ['duplicated', report.duplicated], ['wrong value', report.wrong_value], ['wired devices, stored after last fault', JSON.stringify(report.wired_after_last_fault)],
  ['peak gateway RSS (MiB)', report.peak_rss_mib],
  ['hub faults', JSON.stringify(report.hub.faults)],
  ['hub: summaries', JSON.stringify({ ...report.hub.summaries, by_kind: undefined })],
  ['hub: summaries by kind', JSON.stringify(report.hub.summaries.by_kind)],
  ['hub: alarms', JSON.stringify(report.hub.alarms)],
  ['hub: ids stored / unattributed', `${report.hub.hub_ids_stored} / ${report.hub.hub_ids_unattributed}`],
  ['gateway outbox left at the end', report.hub.outbox_left],
  ['rejected (acked on purpose)', JSON.stringify(report.rejected)], ['store dropped (all lives)', JSON.stringify(report.store_dropped)],
];
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(34)} ${v}\n`);
if (report.lost_examples.length > 0) process.stdout.write(`lost, e.g.: ${report.lost_examples.join(' ')}\n`);
for (const l of report.lost_detail) process.stdout.write(`lost ${JSON.stringify(l)}\n`);
process.stdout.write(`${JSON.stringify({ chaos: report })}\n`);
const wiredDead = Object.values(report.wired_after_last_fault).some((n) => n === 0);
const h = report.hub;
const hubBad = h.summaries.missing + h.summaries.duplicated + h.alarms.lost + h.alarms.duplicated + h.alarms.spurious + h.hub_ids_unattributed + h.outbox_left > 0;
process.exit(report.lost + report.duplicated + report.wrong_value > 0 || wiredDead || hubBad ? 1 : 0);
