/**
 * `npm run chaos -- [--minutes N] [--seed S] [--devices D] [--fault-every-ms MS]`: the long chaos
 * run of issue #10 (see gateway/test/reliability/README.md). Prints the reconciliation report as a
 * table and one JSON line; exits 1 when an acknowledged reading was lost, duplicated or altered,
 * or a wired device did not come back after the last fault.
 */
import { parseArgs } from 'node:util';
import { runChaos } from './chaos-run.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    seed: { type: 'string' },
    devices: { type: 'string', default: '40' },
    'fault-every-ms': { type: 'string', default: '20000' },
  },
});
const report = await runChaos({
  durationMs: Number(values.minutes) * 60_000,
  devices: Number(values.devices),
  faultEveryMs: Number(values['fault-every-ms']),
  ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
});
const rows: [string, string | number][] = [
  ['seed', report.seed], ['duration (s)', report.duration_s], ['devices', report.devices],
  ['faults injected', `${report.faults_total} ${JSON.stringify(report.faults)}`], ['gateway restarts (kill -9)', report.gateway_restarts],
  ['publishes sent (incl. resends)', report.published], ['readings acknowledged', report.acknowledged], ['readings stored', report.stored],
  ['stored, PUBACK lost to a crash', report.stored_unacknowledged], ['LOST (acknowledged, not stored)', report.lost],
  ['duplicated', report.duplicated], ['wrong value', report.wrong_value], ['wired devices, stored after last fault', JSON.stringify(report.wired_after_last_fault)],
  ['peak gateway RSS (MiB)', report.peak_rss_mib],
];
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(34)} ${v}\n`);
if (report.lost_examples.length > 0) process.stdout.write(`lost, e.g.: ${report.lost_examples.join(' ')}\n`);
process.stdout.write(`${JSON.stringify({ chaos: report })}\n`);
const wiredDead = Object.values(report.wired_after_last_fault).some((n) => n === 0);
process.exit(report.lost + report.duplicated + report.wrong_value > 0 || wiredDead ? 1 : 0);
