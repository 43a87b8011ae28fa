/**
 * The whole gateway with a Modbus device: polled readings reach the device API
 * and the embedded store; commands from the device `command` topic and from
 * `POST /api/devices/:id/command` are range-checked and written to the device.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModbusSimServer, type ModbusSimServer } from '../../../firmware-sim/src/modbus/index.js';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { until } from '../kit/index.js';

let sim: ModbusSimServer;
let gw: Gateway;
let dir: string;
let base: string;

const json = async (path: string, init?: RequestInit) => (await fetch(`${base}${path}`, init)).json() as Promise<Record<string, unknown>>;

beforeAll(async () => {
  sim = createModbusSimServer({ transport: 'tcp', units: [{ unitId: 1, template: 'lighting-relay-8ch' }, { unitId: 2, template: 'air-conditioner' }] });
  await sim.start();
  dir = mkdtempSync(join(tmpdir(), 'cg-cmd-'));
  gw = createGateway(parseConfig({
    insecure: true, // on loopback, open on purpose (no broker auth and/or no API tokens)
    site: { id: 'cmd-school' },
    broker: { port: 0, host: '127.0.0.1' },
    http: { port: 0, host: '127.0.0.1' },
    store: { kind: 'embedded', path: dir },
    privacy: { pseudonymKeyFile: join(dir, 'key') },
    adapters: {
      modbus: [
        { transport: 'tcp', host: '127.0.0.1', port: sim.port, unitId: 1, template: 'lighting-relay-8ch', deviceId: 'relay-101', intervalMs: 200, room: '101', building: 'A' },
        { transport: 'tcp', host: '127.0.0.1', port: sim.port, unitId: 2, template: 'air-conditioner', deviceId: 'ac-101', intervalMs: 200, room: '101', building: 'A' },
      ],
    },
  }), { log: silentLogger() });
  await gw.start();
  base = `http://127.0.0.1:${gw.ports().http}`;
});

afterAll(async () => {
  await gw?.stop();
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('gateway with Modbus devices', () => {
  it('polls the devices into the device API with per-device statistics', async () => {
    const latest = await until('relay readings', async () => {
      const res = await fetch(`${base}/api/devices/relay-101/latest`);
      return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
    });
    expect(typeof latest.ch1_on).toBe('boolean');
    expect(latest.total_power_w).toBeTypeOf('number');
    expect(await json('/api/devices/relay-101')).toMatchObject({ status: 'online', room: '101' });
    const stats = await json('/api/devices/relay-101/stats');
    expect(stats.requests).toBeGreaterThan(0);
    expect(stats.errors).toBe(0);
  });

  it('writes a relay channel from the device command topic', async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, { clientId: 'facilities-console' });
    const outcomes: Array<{ device: string; results: Array<{ field: string; ok: boolean }> }> = [];
    client.on('message', (_t, m) => outcomes.push(JSON.parse(m.toString()) as (typeof outcomes)[number]));
    await client.subscribeAsync('gateway/cmd-school/commands');
    await client.publishAsync('campus/lighting-relay-8ch/relay-101/command', JSON.stringify({ ch3_on: true }), { qos: 1 });
    await until('command outcome', async () => (outcomes.length > 0 ? true : undefined));
    expect(outcomes[0]).toMatchObject({ device: 'relay-101', results: [{ field: 'ch3_on', ok: true }] });
    await until('ch3_on true in the latest reading', async () => ((await json('/api/devices/relay-101/latest')).ch3_on === true ? true : undefined));
    await client.publishAsync('campus/lighting-relay-8ch/relay-101/command', JSON.stringify({ ch3_on: false }), { qos: 1 });
    await until('ch3_on false again', async () => ((await json('/api/devices/relay-101/latest')).ch3_on === false ? true : undefined));
    await client.endAsync();
  });

  it('writes an air-conditioner setpoint through the API and refuses an out-of-range one', async () => {
    const ok = await fetch(`${base}/api/devices/ac-101/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ setpoint_c: 24.5 }) });
    expect(ok.status).toBe(200);
    await until('setpoint 24.5', async () => ((await json('/api/devices/ac-101/latest')).setpoint_c === 24.5 ? true : undefined));
    const bad = await fetch(`${base}/api/devices/ac-101/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ setpoint_c: 40 }) });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { results: Array<{ ok: boolean; code: string }> };
    expect(body.results[0]).toMatchObject({ ok: false, code: 'out_of_range' });
    const none = await fetch(`${base}/api/devices/nobody/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":1}' });
    expect(none.status).toBe(404);
  });
});
