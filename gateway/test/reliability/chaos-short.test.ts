/**
 * The chaos run's short mode (issue #10; the long mode is `npm run chaos -- --minutes 60`):
 * ~60–90 s (at least 3 faults, one of each kind) of a QoS 1 fleet into the gateway child process while influxd and the gateway are
 * killed and restarted at random moments; every acknowledged reading must be in InfluxDB
 * exactly once with the value sent. CHAOS_SEED replays a run.
 */
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../bench/chaos-run.js';

describe('chaos, short mode', () => {
  it('kills influxd and the gateway (kill -9) at random moments: no acknowledged reading lost, duplicated or altered', async () => {
    const report = await runChaos({
      durationMs: Number(process.env.CHAOS_SHORT_MS ?? 60_000), devices: 10, faultEveryMs: 6_000, minFaults: 3,
      ...(process.env.CHAOS_SEED ? { seed: Number(process.env.CHAOS_SEED) } : {}),
      log: () => undefined,
    });
    console.log(`[reliability] chaos short: ${JSON.stringify(report)}`);
    expect(report.faults_total).toBeGreaterThanOrEqual(3);
    expect(report.gateway_restarts).toBeGreaterThanOrEqual(1);
    expect(report.acknowledged).toBeGreaterThan(100);
    expect(report.lost_examples).toEqual([]);
    expect(report.lost).toBe(0);
    expect(report.duplicated).toBe(0);
    expect(report.wrong_value).toBe(0);
  }, 600_000);
});
