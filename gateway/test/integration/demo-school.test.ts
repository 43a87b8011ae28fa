// The demo as `npm start` runs it (node gateway/dist/cli.js start --simulate, a child process, ports 0,
// a temp data dir): within a minute or so every transport has delivered through the HTTP API (MQTT
// devices of the templates, Modbus TCP meters and the lighting relay, the serial projector read over
// its TCP line), both class sessions run with their 30 pens and 30 bands captured, and the first
// energy and usage summaries exist (the District view's data). The simulators are loaded only with
// --simulate: with @campus-gateway/firmware-sim made unresolvable, `start` serves as usual and
// `start --simulate` ends with GW_ERR_SIMULATOR_MISSING.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, repoRoot, testOutputDir } from '../kit/index.js';
import { makeTempDir, spawnTracked, waitUntil, type TrackedProcess } from '../kit/processes.js';

const cli = join(repoRoot, 'gateway', 'dist', 'cli.js');

function writeConfig(dir: string): string {
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, [
    'site: { id: demo-school, name: Demo School }',
    'broker: { port: 0, host: 127.0.0.1 }',
    'http: { port: 0, host: 127.0.0.1 }',
    `dataDir: ${join(dir, 'data')}`,
    'store: { kind: embedded }',
    'log: { level: info }',
  ].join('\n'));
  return file;
}

/** The HTTP port from the `dashboard: http://localhost:<port>/` log line. */
async function dashboardPort(proc: TrackedProcess, timeoutMs: number): Promise<number> {
  let port = 0;
  await waitUntil('the dashboard line', () => {
    const m = /dashboard: http:\/\/localhost:(\d+)\//.exec(proc.outputTail());
    port = m ? Number(m[1]) : 0;
    return port > 0;
  }, { timeoutMs, proc });
  return port;
}

interface Device { id: string; template: string; status: string; lastSeen: string | null }
interface SessionDetail { class: string; connected: number; captured: number; live: Array<{ device: string; readings: number }> }

describe('the demo school (start --simulate)', () => {
  let proc: TrackedProcess;
  let base: string;
  const t0 = Date.now();
  const seenAt: Record<string, number> = {};
  const json = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${base}${path}`);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<T>;
  };

  beforeAll(async () => {
    const dir = makeTempDir('demo-school');
    proc = spawnTracked(process.execPath, [cli, 'start', '--simulate', '--config', writeConfig(dir), '--log-format', 'json'], { cwd: dir });
    base = `http://127.0.0.1:${await dashboardPort(proc, 60_000)}`;
  });
  afterAll(async () => {
    const exit = await proc?.stop('SIGTERM', 20_000);
    expect(exit?.code, proc?.outputTail()).toBe(0);
  });

  it('shows every transport, both class sessions and the first summaries within a couple of minutes', async () => {
    const mark = (what: string) => { seenAt[what] ??= Date.now() - t0; return true; };
    const points = async (device: string, field: string) => (await json<{ points: unknown[] }>(`/api/readings?device=${device}&field=${field}`)).points.length;
    const sessions = async () => Promise.all((await json<Array<{ id: string }>>('/api/sessions')).map((s) => json<SessionDetail>(`/api/sessions/${s.id}`)));
    const checks: Record<string, () => Promise<boolean>> = {
      // MQTT: devices of (nearly) every MQTT template online.
      mqtt: async () => new Set((await json<Device[]>('/api/devices')).filter((d) => d.status === 'online').map((d) => d.template)).size >= 30,
      // Modbus TCP: the three-phase meter's energy counter stored; the lighting relay polled.
      modbus: async () => (await points('A-PLANT01-energy-meter-3p-1', 'energy_import_kwh')) > 0
        && (await json<Device>('/api/devices/A-PLANT01-lighting-relay-8ch-1')).status === 'online',
      // Serial: the PJLink projector, polled over its line, answers lamp hours.
      serial: async () => (await points('A101-projector-1', 'lamp_hours')) > 0,
      energy: async () => (await points('A-PLANT01-energy-meter-1p-1', 'active_power_w')) > 0,
      pens: async () => (await sessions()).some((s) => s.live.filter((l) => l.device.startsWith('P-') && l.readings > 0).length === 30),
      bands: async () => (await sessions()).some((s) => s.live.filter((l) => l.device.startsWith('W-') && l.readings > 0).length === 30),
      summaries: async () => (await json<{ items: unknown[] }>('/api/summaries?kind=energy')).items.length > 0
        && (await json<{ items: unknown[] }>('/api/summaries?kind=usage')).items.length > 0,
    };
    await waitUntil(`the demo's transports, sessions and summaries (${Object.keys(checks).join(', ')})`, async () => {
      for (const [what, check] of Object.entries(checks)) if (seenAt[what] === undefined && await check().catch(() => false)) mark(what);
      return Object.keys(checks).every((k) => seenAt[k] !== undefined);
    }, { timeoutMs: 150_000, intervalMs: 1_000, proc });

    // Two live sessions of 30 made-up students: a writing lesson and a PE lesson.
    const live = await sessions();
    expect(live.map((s) => [s.class, s.live.length])).toEqual(expect.arrayContaining([['三年级2班', 30], ['五年级1班', 30]]));
    const energy = await json<{ items: Array<{ values: Record<string, number> }> }>('/api/summaries?kind=energy');
    expect(energy.items[0]!.values).toHaveProperty('energy_kwh');
    // No student name in the gateway's log.
    expect(proc.outputTail()).not.toMatch(/子涵|雨桐|可馨/);
    console.info(`demo: first seen after start (ms) ${JSON.stringify(seenAt)}`);
  });

  it('fills the Teacher and District views in chromium', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(`${base}/#/teacher`);
      await expect.poll(() => page.locator('#sessions li.session').count(), { timeout: 20_000 }).toBe(2);
      await expect.poll(async () => Number(await page.locator('#session-captured .stat-value').textContent()), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(await page.locator('#roster tbody tr').count()).toBe(30);
      await page.screenshot({ path: join(testOutputDir('web'), 'demo-teacher.png'), fullPage: true });
      await page.goto(`${base}/#/district`);
      await page.locator('#district-charts [data-metric="energy_kwh"]').waitFor({ timeout: 30_000 });
      expect(Number(await page.locator('#district-kwh .stat-value').textContent())).toBeGreaterThan(0);
      await page.screenshot({ path: join(testOutputDir('web'), 'demo-district.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

describe('a gateway without the simulators', () => {
  // An ESM resolve hook that answers @campus-gateway/firmware-sim as an uninstalled package would.
  const hook = (dir: string) => {
    const hooks = join(dir, 'no-sim-hooks.mjs');
    writeFileSync(hooks, `export async function resolve(spec, ctx, next) {
  if (spec.startsWith('@campus-gateway/firmware-sim')) { const e = new Error("Cannot find package '" + spec + "'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; }
  return next(spec, ctx);
}\n`);
    const register = join(dir, 'no-sim.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
    return register;
  };

  it('starts and serves without --simulate, and refuses --simulate naming what is missing', async () => {
    const dir = makeTempDir('no-sim');
    const config = writeConfig(dir);
    const noSim = hook(dir);
    writeFileSync(config, '\ninsecure: true\n', { flag: 'a' });
    const gw = spawnTracked(process.execPath, ['--import', noSim, cli, 'start', '--config', config, '--log-format', 'json'], { cwd: dir });
    try {
      const port = await dashboardPort(gw, 60_000);
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
    } finally {
      expect((await gw.stop('SIGTERM', 20_000)).code).toBe(0);
    }
    const demo = spawnTracked(process.execPath, ['--import', noSim, cli, 'start', '--simulate', '--config', config], { cwd: dir });
    expect((await demo.exited).code).toBe(1);
    expect(demo.outputTail()).toMatch(/GW_ERR_SIMULATOR_MISSING: --simulate needs the simulators \(@campus-gateway\/firmware-sim\)/);
  });
});
