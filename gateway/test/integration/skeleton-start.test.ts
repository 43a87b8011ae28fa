/**
 * Walking skeleton, as a user runs it: `campus-gateway start --simulate` as a
 * child process with the embedded defaults on free ports; the simulated school's
 * devices come online in /api/devices with their latest normalized values.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot } from '../kit/index.js';

let child: ChildProcess | undefined;
let dataDir: string | undefined;
let output = '';

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('campus-gateway start --simulate', () => {
  it('shows the simulated devices online with normalized values within 60 s', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cg-start-'));
    const [http, mqttPort] = [await freePort(), await freePort()];
    child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'gateway/src/cli.ts', 'start', '--simulate'], {
      cwd: repoRoot,
      env: { ...process.env, GATEWAY_HTTP_PORT: String(http), GATEWAY_MQTT_PORT: String(mqttPort), GATEWAY_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    const deadline = Date.now() + 60_000;
    let devices: Array<{ id: string; template: string; status: string; room: string }> = [];
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${output}`);
      try {
        devices = (await (await fetch(`http://127.0.0.1:${http}/api/devices`)).json()) as typeof devices;
        if (devices.length >= 100 && devices.every((d) => d.status === 'online')) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(devices.length, output).toBeGreaterThanOrEqual(100);
    expect(devices.filter((d) => d.status !== 'online')).toEqual([]);
    expect(new Set(devices.map((d) => d.room)).size).toBeGreaterThanOrEqual(6);
    // Every template of the catalog, over MQTT, Modbus TCP and serial lines (demo-school.test.ts has the rest).
    expect(new Set(devices.map((d) => d.template)).size).toBe(34);
    const aqm = devices.find((d) => d.template === 'air-quality-monitor')!;
    let latest: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      const res = await fetch(`http://127.0.0.1:${http}/api/devices/${aqm.id}/latest`);
      if (res.ok) {
        latest = (await res.json()) as Record<string, unknown>;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(latest.co2_ppm).toBeTypeOf('number');
    expect(latest.temperature_c).toBeTypeOf('number');
    const page = await (await fetch(`http://127.0.0.1:${http}/`)).text();
    expect(page).toContain('campus-gateway');
    // The demo is the one start that may run open, and it says so.
    expect(await (await fetch(`http://127.0.0.1:${http}/api/health`)).json()).toMatchObject({ insecure: true, api: { auth: 'open' } });
  });
});
