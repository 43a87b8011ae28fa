/**
 * The small school day end to end: firmware-sim's `school-small` scenario
 * (all 34 templates over MQTT, Modbus TCP/RTU on socat ptys and serial ptys,
 * pens, wristbands, faults) runs a compressed day against a real gateway with
 * its embedded store. Every reading the simulators counted as acknowledged
 * (QoS 1 PUBACK, which the gateway sends only once stored) is in the store,
 * per device; every polled device was read; bad payloads were rejected; the
 * meter's counter reset is stored as a drop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScenarioRun, loadScenario, type RunReport, type ScenarioRun } from '@campus-gateway/firmware-sim';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { ensurePackages, repoRoot } from '../kit/index.js';

const RUN_MS = 45_000;
let dir: string;
let gw: Gateway;
let run: ScenarioRun;
let report: RunReport;
let stored: Map<string, number>;
let rejected: number;

beforeAll(async () => {
  await ensurePackages(['socat']);
  dir = mkdtempSync(join(tmpdir(), 'cg-school-day-'));
  const scenario = loadScenario(join(repoRoot, 'firmware-sim/scenarios/school-small.yaml'));
  // The wired devices first: the gateway's adapters config needs their ports and ptys.
  const pending = createScenarioRun(scenario, { durationMs: RUN_MS, ptyDir: dir });
  const fragment = await pending.prepare();
  gw = createGateway(parseConfig({
    insecure: true, // on loopback, open on purpose (no broker auth and/or no API tokens)
    site: { id: scenario.site },
    broker: { port: 0, host: '127.0.0.1' },
    http: { port: 0, host: '127.0.0.1' },
    store: { kind: 'embedded', path: join(dir, 'data') },
    privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
    devices: fragment.devices,
    adapters: fragment.adapters,
  }), { log: silentLogger() });
  await gw.start();
  run = pending;
  await run.start(`mqtt://127.0.0.1:${gw.ports().mqtt}`);
  await run.finished;
  await run.stop();
  report = run.report();
  rejected = Object.values(gw.pipeline.stats().rejected).reduce((a, b) => a + b, 0);
  await gw.stop();
  const db = new Database(join(dir, 'data', 'gateway.db'), { readonly: true });
  stored = new Map((db.prepare('SELECT device, count(*) AS n FROM readings GROUP BY device').all() as Array<{ device: string; n: number }>).map((r) => [r.device, r.n]));
  db.close();
  const byTemplate: Record<string, [number, number]> = {};
  for (const d of report.devices) {
    const t = (byTemplate[d.template] ??= [0, 0]);
    t[0] += d.acked_readings; t[1] += stored.get(d.device) ?? 0;
  }
  for (const d of run.plan.devices) if (!report.devices.some((x) => x.device === d.id)) (byTemplate[d.template] ??= [0, 0])[1] += stored.get(d.id) ?? 0;
  console.info('school day: totals', JSON.stringify(report.totals), 'rejected', rejected, '\n[acked readings, stored] by template', JSON.stringify(byTemplate), '\nfaults', JSON.stringify(report.faults));
}, 150_000);

afterAll(async () => {
  await run?.stop().catch(() => undefined);
  await gw?.stop().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a small school day against the gateway', () => {
  it('simulates every one of the 34 templates', () => {
    expect(new Set(run.plan.devices.map((d) => d.template)).size).toBe(34);
  });

  it('loses no acknowledged reading: per device, stored ≥ acknowledged and ≤ sent', () => {
    const mqtt = report.devices.filter((d) => d.transport === 'mqtt' || d.transport === 'mqtt-group');
    expect(report.totals.acked_readings).toBeGreaterThan(1000);
    const lost = mqtt.filter((d) => (stored.get(d.device) ?? 0) < d.acked_readings)
      .map((d) => ({ device: d.device, acked: d.acked_readings, stored: stored.get(d.device) ?? 0 }));
    expect(lost).toEqual([]);
    const extra = mqtt.filter((d) => (stored.get(d.device) ?? 0) > d.sent_readings).map((d) => d.device);
    expect(extra).toEqual([]);
  });

  it('carries pen strokes and wristband samples through their receiver and base', () => {
    const sum = (t: string) => report.devices.filter((d) => d.template === t).reduce((a, d) => a + d.acked_readings, 0);
    expect(sum('smart-pen')).toBeGreaterThan(1000);
    expect(sum('student-wristband')).toBeGreaterThan(20);
  });

  it('polled every Modbus and serial device and stored their readings', () => {
    const wired = run.plan.devices.filter((d) => d.transport !== 'mqtt' && d.transport !== 'mqtt-group');
    expect(wired.length).toBeGreaterThan(15);
    const unread = wired.filter((d) => d.template !== 'projector' && !(stored.get(d.id) ?? 0)).map((d) => d.id);
    expect(unread).toEqual([]);
    const projectors = wired.filter((d) => d.template === 'projector');
    expect(projectors.filter((d) => (stored.get(d.id) ?? 0) > 0).length).toBe(projectors.length);
  });

  it('rejected the injected bad payloads and stored none of them', () => {
    const bad = report.devices.reduce((a, d) => a + d.bad_acked, 0);
    expect(bad).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThanOrEqual(bad);
    expect(report.faults.map((f) => f.kind)).toEqual(expect.arrayContaining(['bad_payload', 'silent', 'counter_reset', 'disconnect', 'alarm']));
  });

  it('stored the three-phase meter counter reset as a drop (the gateway keeps the raw counter)', async () => {
    const meter = run.plan.devices.find((d) => d.template === 'energy-meter-3p')!;
    const reset = report.faults.find((f) => f.kind === 'counter_reset' && f.devices.includes(meter.id));
    expect(reset).toBeDefined();
    const db = new Database(join(dir, 'data', 'gateway.db'), { readonly: true });
    const values = (db.prepare("SELECT json_extract(fields, '$.energy_import_kwh') AS v FROM readings WHERE device = ? ORDER BY ts").all(meter.id) as Array<{ v: number }>).map((r) => r.v);
    db.close();
    const drops = values.filter((v, i) => i > 0 && v < values[i - 1]!);
    expect(drops.length).toBe(1);
  });
});
