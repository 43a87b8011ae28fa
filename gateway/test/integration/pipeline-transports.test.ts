/**
 * One pipeline for every transport: the same temperature reading from an MQTT device (a real
 * mqtt client to the gateway's broker), a Modbus TCP device (the firmware-sim server, its input
 * register set by the test) and a serial device (lines written into a socat pty) goes through
 * the same stages: the same rejection for an out-of-range value, the same enrichment (room) and
 * de-identification (the bound person leaves only as its pseudonym), the same fan-out
 * (listeners, latest values, the store).
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModbusSimServer, type ModbusSimServer } from '../../../firmware-sim/src/modbus/index.js';
import { createGateway, parseConfig, silentLogger, type Gateway } from '../../src/index.js';
import type { Reading } from '../../src/core/reading.js';
import { rejectedTopic } from '../../src/core/topics.js';
import { createPtyPair, until, type PtyPair } from '../kit/index.js';
import { makeTempDir } from '../kit/processes.js';

const bundled = join(import.meta.dirname, '..', '..', '..', 'device-templates');
const PERSON = 'Zhang Wei';
/** An air-quality monitor's full payload (every key is required). */
const aq = (t: number) => ({ pm25: 10, pm10: 20, co2: 600, tvoc: 0.1, hcho: 0.01, t, rh: 40 });

/** A serial thermometer (no such bundled template): `T,<celsius>` lines, the same range as the other two. */
const SERIAL_TEMPLATE = `id: serial-thermometer
name: Serial thermometer (pipeline test)
zh: 串口温度计
category: environment
transport: serial
description: One line per reading, T,<temperature in °C>.
offlineAfterMs: 120000
fields:
  - { name: temperature_c, zh: 温度, type: number, unit: °C, min: -40, max: 80, role: gauge }
serial:
  baudRate: 9600
  delimiter: "\\r\\n"
  lines:
    - csv:
        - const: T
        - field: temperature_c
`;
const SERIAL_SAMPLES = `good:
  - name: a classroom
    line: 'T,21.5'
    expect:
      - ts: 1700000000000
        fields: { temperature_c: 21.5 }
  - name: a cold morning
    line: 'T,-3'
    expect:
      - ts: 1700000000000
        fields: { temperature_c: -3 }
bad:
  - name: too hot
    line: 'T,95'
    code: out_of_range
    reason: 'temperature_c (column 2): 95 is outside -40…80'
  - name: another sentence
    line: 'H,40'
    code: bad_line
    reason: 'not a line this device sends'
`;

describe('one pipeline for MQTT, Modbus and serial', () => {
  let gw: Gateway;
  let sim: ModbusSimServer;
  let pair: PtyPair;
  let port: SerialPort;
  let client: MqttClient;
  const heard: Reading[] = [];
  const rejected: Array<Record<string, unknown>> = [];
  const devices = { mqtt: 'aq-101', modbus: 'env-101', serial: 'thermo-101' } as const;

  beforeAll(async () => {
    const dir = makeTempDir('pipeline-transports');
    const templatesDir = join(dir, 'templates');
    for (const t of ['air-quality-monitor', 'env-sensor-rs485']) cpSync(join(bundled, t), join(templatesDir, t), { recursive: true });
    mkdirSync(join(templatesDir, 'serial-thermometer'), { recursive: true });
    writeFileSync(join(templatesDir, 'serial-thermometer', 'template.yaml'), SERIAL_TEMPLATE);
    writeFileSync(join(templatesDir, 'serial-thermometer', 'samples.yaml'), SERIAL_SAMPLES);

    sim = createModbusSimServer({ transport: 'tcp', units: [{ unitId: 1, template: 'env-sensor-rs485' }] });
    await sim.start();
    const unit = sim.unit(1);
    unit.refresh = () => undefined; // the test sets the registers
    unit.tables.input[0] = 215; // 21.5 °C (i16, scale 0.1)
    pair = await createPtyPair();

    const config = parseConfig({
      insecure: true,
      templatesDir,
      broker: { port: 0, host: '127.0.0.1' },
      http: { port: 0, host: '127.0.0.1' },
      store: { kind: 'embedded', path: join(dir, 'data') },
      privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
      devices: Object.values(devices).map((id, i) => ({ id, template: ['air-quality-monitor', 'env-sensor-rs485', 'serial-thermometer'][i]!, room: '101', person: PERSON })),
      adapters: {
        modbus: [{ transport: 'tcp', host: '127.0.0.1', port: sim.port, unitId: 1, template: 'env-sensor-rs485', deviceId: devices.modbus, intervalMs: 200, room: '101' }],
        serial: [{ path: pair.a, template: 'serial-thermometer', deviceId: devices.serial, intervalMs: 1000, room: '101' }],
      },
    });
    gw = createGateway(config, { log: silentLogger() });
    gw.pipeline.addListener({ readings: (rs) => { heard.push(...rs); } });
    await gw.start();
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, { clientId: devices.mqtt, reconnectPeriod: 0 });
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, { clientId: 'rejected-watcher', reconnectPeriod: 0 });
    watcher.on('message', (_t, payload) => rejected.push(JSON.parse(payload.toString()) as Record<string, unknown>));
    await watcher.subscribeAsync(rejectedTopic(config.site.id));
    afterAllClose.push(() => watcher.endAsync());
    port = new SerialPort({ path: pair.b, baudRate: 9600 });
    await new Promise<void>((resolve, reject) => port.on('open', () => resolve()).on('error', reject));
  });

  const afterAllClose: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const close of afterAllClose) await close();
    await client?.endAsync();
    await new Promise<void>((r) => (port?.isOpen ? port.close(() => r()) : r()));
    await gw?.stop();
    await sim?.stop();
    await pair?.stop();
  });

  const of = (device: string) => heard.filter((r) => r.device === device && r.fields.temperature_c !== undefined);

  it('enriches, de-identifies, stores and fans out the same reading from each transport alike', async () => {
    await client.publishAsync(`campus/air-quality-monitor/${devices.mqtt}/telemetry`, JSON.stringify(aq(21.5)), { qos: 1 });
    port.write('T,21.5\r\n');
    await until('a reading from each transport', () => (Object.values(devices).every((d) => of(d).length > 0) ? true : undefined), 30_000);

    const pseudonym = gw.pseudonymizer.pseudonym(PERSON);
    for (const device of Object.values(devices)) {
      const [r] = of(device);
      expect(r!.fields.temperature_c, device).toBe(21.5);
      expect(r!.tags, device).toEqual({ room: '101', person: pseudonym });
      expect(gw.registry.get(device)?.latest?.fields.temperature_c, device).toBe(21.5);
      expect(JSON.stringify(r), device).not.toContain(PERSON);
    }
    await until('stored from each transport', async () => {
      const latest = await gw.store.latest!();
      return Object.values(devices).every((d) => latest.get(d)?.fields.temperature_c === 21.5) ? true : undefined;
    }, 30_000);
    const stored = gw.pipeline.stats().readings;
    for (const t of ['air-quality-monitor', 'env-sensor-rs485', 'serial-thermometer']) expect(stored[t], t).toBeGreaterThan(0);
  });

  it('rejects an out-of-range value with the same code, field and reason from each transport', async () => {
    sim.unit(1).tables.input[0] = 950; // 95.0 °C
    await client.publishAsync(`campus/air-quality-monitor/${devices.mqtt}/telemetry`, JSON.stringify(aq(95)), { qos: 1 });
    port.write('T,95\r\n');
    const firstOf = (device: string) => rejected.find((m) => m.device === device);
    await until('a rejection from each transport', () => (Object.values(devices).every((d) => firstOf(d)) ? true : undefined), 30_000);
    for (const device of Object.values(devices)) {
      const m = firstOf(device)!;
      expect(m, device).toMatchObject({ code: 'out_of_range', field: 'temperature_c' });
      expect(String(m.reason), device).toMatch(/^temperature_c \(.*\): 95 is outside -40…80$/);
      expect(gw.registry.get(device)?.lastError, device).toMatch(/^out_of_range: temperature_c/);
    }
    expect(heard.some((r) => r.fields.temperature_c === 95)).toBe(false);
  });
});
