/**
 * The chaos run's short mode (issue #10): ~60–100 s of `npm run chaos` (gateway/bench/chaos-run.ts),
 * at least 7 faults covering all seven kinds (hub broker and hub role included); `CHAOS_SEED`
 * replays a run, `CHAOS_SHORT_MS` sets its length. The long mode is `npm run chaos`.
 */
import { describe, expect, it } from 'vitest';
import { KINDS, runChaos } from '../../bench/chaos-run.js';

describe('chaos, short mode', () => {
  it('kills influxd, the gateway (kill -9), a Modbus sim, a pty, the hub broker and the hub at random moments: no acknowledged reading, alarm or summary lost, duplicated or altered; wired devices come back', async () => {
    const report = await runChaos({
      durationMs: Number(process.env.CHAOS_SHORT_MS ?? 50_000), devices: 10, faultEveryMs: 4_000, minFaults: KINDS.length,
      ...(process.env.CHAOS_SEED ? { seed: Number(process.env.CHAOS_SEED) } : {}),
      log: () => undefined,
    });
    console.log(`[reliability] chaos short: ${JSON.stringify(report)}`);
    expect(report.faults_total).toBeGreaterThanOrEqual(KINDS.length);
    expect(Object.keys(report.faults).sort()).toEqual([...KINDS].sort());
    for (const [device, n] of Object.entries(report.wired_after_last_fault)) expect(n, `${device} did not come back after the last fault`).toBeGreaterThan(0);
    expect(report.gateway_restarts).toBeGreaterThanOrEqual(1);
    expect(report.acknowledged).toBeGreaterThan(100);
    expect(report.lost_examples).toEqual([]);
    expect(report.lost).toBe(0);
    expect(report.duplicated).toBe(0);
    expect(report.wrong_value).toBe(0);
    // The hub side: every acknowledged alarm once, every summary window once, nothing left behind.
    const { alarms, summaries } = report.hub;
    expect(alarms.acknowledged).toBeGreaterThan(20);
    expect(alarms.lost_examples).toEqual([]);
    expect(alarms.duplicated_examples).toEqual([]);
    expect([alarms.lost, alarms.duplicated, alarms.spurious]).toEqual([0, 0, 0]);
    expect(summaries.expected).toBeGreaterThan(0);
    expect(summaries.missing_examples).toEqual([]);
    expect(summaries.duplicated_examples).toEqual([]);
    expect([summaries.missing, summaries.duplicated]).toEqual([0, 0]);
    expect(report.hub.hub_ids_unattributed).toBe(0);
    expect(report.hub.outbox_left).toBe(0);
  }, 600_000);
});
