/**
 * The chaos run's short mode (issue #10): ~60–90 s of `npm run chaos` (gateway/bench/chaos-run.ts),
 * at least 5 faults covering all five kinds; `CHAOS_SEED` replays a run, `CHAOS_SHORT_MS` sets its
 * length. The long mode is `npm run chaos`.
 */
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../bench/chaos-run.js';

describe('chaos, short mode', () => {
  it('kills influxd, the gateway (kill -9), a Modbus sim and a pty at random moments: no acknowledged reading lost, duplicated or altered; wired devices come back', async () => {
    const report = await runChaos({
      durationMs: Number(process.env.CHAOS_SHORT_MS ?? 60_000), devices: 10, faultEveryMs: 5_000, minFaults: 5,
      ...(process.env.CHAOS_SEED ? { seed: Number(process.env.CHAOS_SEED) } : {}),
      log: () => undefined,
    });
    console.log(`[reliability] chaos short: ${JSON.stringify(report)}`);
    expect(report.faults_total).toBeGreaterThanOrEqual(5);
    expect(Object.keys(report.faults).sort()).toEqual(['gateway_kill9', 'influxd_kill9', 'influxd_stop', 'modbus_sim_restart', 'pty_unplug']);
    for (const [device, n] of Object.entries(report.wired_after_last_fault)) expect(n, `${device} did not come back after the last fault`).toBeGreaterThan(0);
    expect(report.gateway_restarts).toBeGreaterThanOrEqual(1);
    expect(report.acknowledged).toBeGreaterThan(100);
    expect(report.lost_examples).toEqual([]);
    expect(report.lost).toBe(0);
    expect(report.duplicated).toBe(0);
    expect(report.wrong_value).toBe(0);
  }, 600_000);
});
