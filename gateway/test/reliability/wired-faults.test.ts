/**
 * Serial and Modbus faults through the whole gateway (issue #10), with the real adapters:
 * Modbus TCP slaves that answer with the wrong byte count, the wrong unit id, an absurd MBAP
 * length, or never answer on a half-open connection; an RTU unit with bad CRCs on a socat pty;
 * a serial device that sends a megabyte without a newline. Nothing crashes, the faults are
 * counted, and a healthy Modbus device and a healthy serial device keep being stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModbusSimServer, type ModbusSimServer } from '../../../firmware-sim/src/modbus/index.js';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { createPtyPair, type PtyPair } from '../kit/index.js';
import { waitFor } from './mqtt-bytes.js';

const T = 240_000;
type Fault = 'short-count' | 'wrong-unit' | 'huge-length' | 'half-open';

/** A Modbus TCP "slave" that answers every FC03/FC04 request in one faulty way. */
function faultySlave(fault: Fault): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', (req) => {
      if (fault === 'half-open' || req.length < 12) return; // reads, never answers, never closes
      const tx = req.readUInt16BE(0), unit = req[6]!, fc = req[7]!, count = req.readUInt16BE(10);
      const n = Math.min(count, 125) * 2;
      const data = Buffer.alloc(fault === 'short-count' ? n - 2 : n, 0x11);
      const pdu = Buffer.concat([Buffer.from([fc, n]), data]);
      const mbap = Buffer.alloc(7);
      mbap.writeUInt16BE(tx, 0);
      mbap.writeUInt16BE(0, 2);
      mbap.writeUInt16BE(fault === 'huge-length' ? 0xffff : pdu.length + 1, 4);
      mbap[6] = fault === 'wrong-unit' ? (unit + 1) & 0xff : unit;
      s.write(Buffer.concat([mbap, pdu]));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, sockets })));
}

describe('serial and Modbus faults', () => {
  let dir: string;
  let gw: Gateway;
  let good: ModbusSimServer;
  let rtu: ModbusSimServer;
  let rtuPty: PtyPair;
  let noisyPty: PtyPair;
  let goodSerialPty: PtyPair;
  const slaves: Awaited<ReturnType<typeof faultySlave>>[] = [];
  const ports: SerialPort[] = [];

  const stored = (template: string) => gw.pipeline.stats().readings[template] ?? 0;
  async function grows(template: string, by = 2): Promise<void> {
    const from = stored(template);
    await waitFor(() => stored(template) >= from + by, 60_000, `${template} readings stopped arriving`);
  }
  function openPort(path: string): Promise<SerialPort> {
    return new Promise((resolve, reject) => {
      const p = new SerialPort({ path, baudRate: 9600 }, (err) => (err ? reject(err) : resolve(p)));
      ports.push(p);
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rel-wired-'));
    good = createModbusSimServer({ transport: 'tcp', units: [{ unitId: 1, template: 'energy-meter-3p' }] });
    await good.start();
    for (const f of ['short-count', 'wrong-unit', 'huge-length', 'half-open'] as const) slaves.push(await faultySlave(f));
    rtuPty = await createPtyPair();
    rtu = createModbusSimServer({ transport: 'rtu', path: rtuPty.b, units: [{ unitId: 1, template: 'water-meter' }, { unitId: 2, template: 'energy-meter-1p' }] });
    await rtu.start();
    rtu.setMode(1, 'garbage'); // bad CRCs on the bus; unit 2 on the same bus stays healthy
    noisyPty = await createPtyPair();
    goodSerialPty = await createPtyPair();
    const poll = { intervalMs: 200, timeoutMs: 300, retries: 1 };
    gw = createGateway(parseConfig({
      insecure: true, // on loopback, open on purpose (no broker auth and/or no API tokens)
      site: { id: 'wired' },
      broker: { port: 0, host: '127.0.0.1' },
      http: { port: 0, host: '127.0.0.1' },
      store: { kind: 'embedded', path: dir },
      privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
      adapters: {
        modbus: [
          { transport: 'tcp', host: '127.0.0.1', port: good.port, unitId: 1, template: 'energy-meter-3p', deviceId: 'em-good', ...poll },
          ...slaves.map((s, i) => ({ transport: 'tcp' as const, host: '127.0.0.1', port: s.port, unitId: 1, template: 'energy-meter-3p', deviceId: `em-fault-${i}`, ...poll })),
          { transport: 'rtu', path: rtuPty.a, unitId: 1, template: 'water-meter', deviceId: 'wm-crc', ...poll },
          { transport: 'rtu', path: rtuPty.a, unitId: 2, template: 'energy-meter-1p', deviceId: 'em-rtu-good', ...poll },
        ],
        serial: [
          { path: noisyPty.a, template: 'noise-meter', deviceId: 'noise-flood' },
          { path: goodSerialPty.a, template: 'noise-meter', deviceId: 'noise-good' },
        ],
      },
    }), { log: silentLogger() });
    await gw.start();
  }, T);

  afterAll(async () => {
    for (const p of ports) await new Promise((r) => (p.isOpen ? p.close(r) : r(undefined)));
    await gw?.stop();
    await rtu?.stop();
    await good?.stop();
    for (const s of slaves) { for (const k of s.sockets) k.destroy(); s.server.close(); }
    for (const p of [rtuPty, noisyPty, goodSerialPty]) await p?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, T);

  it('faulty Modbus slaves (wrong byte count, wrong unit id, absurd length, half-open) and bad RTU CRCs: counted; healthy units keep being stored', async () => {
    await grows('energy-meter-3p', 5);
    await grows('energy-meter-1p', 3); // the healthy unit on the garbled RTU bus
    await waitFor(() => {
      const st = new Map(gw.adapters.modbus.stats().map((s) => [s.device, s] as const));
      return slaves.every((_, i) => (st.get(`em-fault-${i}`)?.errors ?? 0) + (st.get(`em-fault-${i}`)?.timeouts ?? 0) >= 2)
        && (st.get('wm-crc')?.errors ?? 0) >= 2;
    }, 60_000, 'faults were not counted per device');
    const devices = new Map(gw.registry.list().map((d) => [d.id, d] as const));
    for (let i = 0; i < slaves.length; i++) expect(devices.get(`em-fault-${i}`)?.lastError, `em-fault-${i}`).toBeTruthy();
    expect(devices.get('wm-crc')?.lastError).toBeTruthy();
    // No faulty answer became a reading.
    expect(stored('water-meter')).toBe(0);
    await grows('energy-meter-3p', 3);
  }, T);

  it('a megabyte without a newline on a serial line: dropped with a reason, the line recovers, the other serial device is unaffected', async () => {
    const flood = await openPort(noisyPty.b);
    const other = await openPort(goodSerialPty.b);
    const rejectedBefore = gw.pipeline.stats().rejected.bad_line ?? 0;
    let sending = true;
    const goodLines = (async () => {
      while (sending) {
        other.write('$NOISE,52.3,68.1,A*38\r\n');
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    for (let i = 0; i < 20; i++) await new Promise((r) => flood.write(chunk, () => flood.drain(r)));
    flood.write('\r\n$NOISE,38.0,45.5,A*3C\r\n');
    await waitFor(() => (gw.pipeline.stats().rejected.bad_line ?? 0) > rejectedBefore, 60_000, 'the oversize line was not rejected');
    await waitFor(() => (gw.registry.get('noise-flood')?.latest ?? null) !== null, 60_000, 'the flooded line did not recover');
    await grows('noise-meter', 5);
    sending = false;
    await goodLines;
    expect(process.memoryUsage().rss).toBeLessThan(2 * 1024 ** 3);
  }, T);
});
