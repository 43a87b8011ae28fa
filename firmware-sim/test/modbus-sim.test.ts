/**
 * The Modbus simulator against an independent client (modbus-serial's
 * ModbusRTU) over a real TCP socket and a real socat pty pair: register maps,
 * several unit ids per server, silence, exception 02, writes, replug.
 */
import modbusSerial from 'modbus-serial';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createPtyPair } from '../../gateway/test/kit/index.js';
import { createModbusSimServer, MODBUS_SIM_TEMPLATES, type ModbusSimServer } from '../src/modbus/index.js';

const Client = modbusSerial as unknown as new () => ModbusRTU;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sim(opts: Parameters<typeof createModbusSimServer>[0]): Promise<ModbusSimServer> {
  const s = createModbusSimServer(opts);
  await s.start();
  cleanups.push(() => s.stop());
  return s;
}

function client(c: ModbusRTU): ModbusRTU {
  c.on('error', () => undefined);
  cleanups.push(() => new Promise<void>((r) => c.close(() => r())));
  return c;
}

async function checkMaps(c: ModbusRTU, server: ModbusSimServer, unitOf: (i: number) => number): Promise<void> {
  for (const [i, template] of MODBUS_SIM_TEMPLATES.entries()) {
    c.setID(unitOf(i));
    const t = server.unit(unitOf(i)).tables;
    expect(server.unit(unitOf(i)).template).toBe(template);
    if (t.coils.length) expect((await c.readCoils(0, t.coils.length)).data.slice(0, t.coils.length)).toEqual(t.coils);
    if (t.discrete.length) expect((await c.readDiscreteInputs(0, t.discrete.length)).data.slice(0, t.discrete.length)).toEqual(t.discrete);
    if (t.input.length) expect((await c.readInputRegisters(0, t.input.length)).data).toHaveLength(t.input.length);
    if (t.holding.length) expect((await c.readHoldingRegisters(0, t.holding.length)).data).toHaveLength(t.holding.length);
  }
}

describe('Modbus TCP simulator', () => {
  it('serves every template on its own unit id, documented registers only', async () => {
    const server = await sim({ transport: 'tcp', units: MODBUS_SIM_TEMPLATES.map((template, i) => ({ unitId: 10 + i, template })) });
    const c = client(new Client());
    await c.connectTCP('127.0.0.1', { port: server.port! });
    c.setTimeout(1_000);
    await checkMaps(c, server, (i) => 10 + i);
    // energy-meter-1p holds 12 registers; reading past them is exception 02.
    c.setID(11);
    await expect(c.readHoldingRegisters(10, 4)).rejects.toMatchObject({ modbusCode: 2 });
    const v = (await c.readHoldingRegisters(0, 2)).buffer.readFloatBE(0);
    expect(v).toBeGreaterThan(220);
    expect(v).toBeLessThan(240);
  });

  it('goes silent, answers exception 02 on request, and accepts writes', async () => {
    const server = await sim({ transport: 'tcp', units: [{ unitId: 1, template: 'air-conditioner' }, { unitId: 2, template: 'lighting-relay-8ch' }] });
    const c = client(new Client());
    await c.connectTCP('127.0.0.1', { port: server.port! });
    c.setTimeout(300);
    c.setID(1);
    await c.writeRegister(2, 235);
    expect((await c.readHoldingRegisters(2, 1)).data).toEqual([235]);
    await expect(c.writeRegister(2, 500)).rejects.toMatchObject({ modbusCode: 3 });
    server.setMode(1, 'exception');
    await expect(c.readHoldingRegisters(0, 6)).rejects.toMatchObject({ modbusCode: 2 });
    server.setMode(1, 'silent');
    await expect(c.readHoldingRegisters(0, 6)).rejects.toMatchObject({ errno: 'ETIMEDOUT' });
    c.setID(2);
    await c.writeCoils(0, [false, true, false, true, false, true, false, true]);
    expect((await c.readCoils(0, 8)).data).toEqual([false, true, false, true, false, true, false, true]);
    expect(server.requests.get(1)).toBe(5);
  });
});

describe('Modbus RTU simulator on a pty pair', () => {
  it('serves several unit ids on one line and comes back after a replug', async () => {
    const pair = await createPtyPair();
    cleanups.push(() => pair.stop());
    const server = await sim({ transport: 'rtu', path: pair.b, units: MODBUS_SIM_TEMPLATES.map((template, i) => ({ unitId: 1 + i, template })) });
    const c = client(new Client());
    await c.connectRTUBuffered(pair.a, { baudRate: 9600 });
    c.setTimeout(1_000);
    await checkMaps(c, server, (i) => 1 + i);
    server.setMode(3, 'silent');
    c.setID(3);
    c.setTimeout(200);
    await expect(c.readHoldingRegisters(0, 18)).rejects.toMatchObject({ errno: 'ETIMEDOUT' });
    c.setID(99); // no such unit on this bus: silence, as on RS-485
    await expect(c.readHoldingRegisters(0, 1)).rejects.toMatchObject({ errno: 'ETIMEDOUT' });

    await pair.stop();
    await pair.start();
    const again = client(new Client());
    await again.connectRTUBuffered(pair.a, { baudRate: 9600 });
    again.setTimeout(500);
    again.setID(8); // env-sensor-rs485
    let answered = false;
    for (let i = 0; i < 40 && !answered; i++) {
      answered = await again.readInputRegisters(0, 8).then(() => true, () => false);
    }
    expect(answered).toBe(true);
  });
});
