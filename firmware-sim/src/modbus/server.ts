/**
 * Modbus simulator servers: TCP (MBAP header, Modbus Messaging on TCP/IP
 * Implementation Guide v1.0b §3.1.3) and RTU over a serial line / pty (Modbus
 * over Serial Line v1.02 §2.5.1: address, PDU, CRC-16 low byte first). Both
 * share one PDU core (pdu.ts); several unit ids answer on one server. Our own
 * framing rather than modbus-serial's ServerTCP/ServerSerial: one code path for
 * both framings, and per-unit silence, exceptions and delays are exact.
 */
import net from 'node:net';
import { createReopeningPort, type ReopeningPort } from '../serial/port.js';
import { createSimDevice, type ModbusSimTemplate, type ModbusSimDevice } from './devices.js';
import { crc16, exception, handlePdu, type UnitMode } from './pdu.js';

export interface SimUnitSpec {
  unitId: number;
  template: ModbusSimTemplate;
  seed?: number;
}

export type ModbusSimServerOptions =
  | { transport: 'tcp'; host?: string; port?: number; units: SimUnitSpec[]; now?: () => number }
  | { transport: 'rtu'; path: string; baudRate?: number; units: SimUnitSpec[]; now?: () => number };

export interface ModbusSimServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The TCP port actually bound (after start), or undefined for RTU. */
  readonly port: number | undefined;
  unit(unitId: number): ModbusSimDevice;
  /** normal | silent (never answers) | exception (answers every request with exception 02) | garbage (corrupted frames). */
  setMode(unitId: number, mode: UnitMode): void;
  /** Answer this unit's requests after a delay (a slow device). */
  setDelay(unitId: number, ms: number): void;
  /** Requests received per unit id (answered or not). */
  readonly requests: Map<number, number>;
  /** Requests received and not yet answered (silent units excluded), and the most seen at once. */
  readonly pending: number;
  readonly maxPending: number;
}

export function createModbusSimServer(options: ModbusSimServerOptions): ModbusSimServer {
  const units = new Map<number, ModbusSimDevice>();
  const delays = new Map<number, number>();
  const requests = new Map<number, number>();
  let pending = 0;
  let maxPending = 0;
  for (const u of options.units) units.set(u.unitId, createSimDevice(u.template, { seed: u.seed ?? u.unitId, now: options.now }));

  const answer = (unitId: number, pdu: Buffer, reply: (res: Buffer, garbled: boolean) => void, unknownUnit: Buffer | null): void => {
    requests.set(unitId, (requests.get(unitId) ?? 0) + 1);
    const dev = units.get(unitId);
    const res = dev ? handlePdu(dev, pdu) : unknownUnit;
    if (!res) return;
    const garbled = dev?.mode === 'garbage';
    const delay = delays.get(unitId) ?? 0;
    pending++;
    maxPending = Math.max(maxPending, pending);
    const send = (): void => { pending--; reply(res, garbled); };
    if (delay > 0) setTimeout(send, delay);
    else send();
  };

  let tcp: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  let rtu: ReopeningPort | undefined;
  let boundPort: number | undefined;

  const onTcp = (sock: net.Socket): void => {
    sockets.add(sock);
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 7) {
        const len = buf.readUInt16BE(4);
        if (len < 2 || len > 254) { sock.destroy(); return; }
        if (buf.length < 6 + len) break;
        const tid = buf.readUInt16BE(0);
        const unitId = buf[6]!;
        const pdu = Buffer.from(buf.subarray(7, 6 + len));
        buf = buf.subarray(6 + len);
        // [MBAP] an unknown unit behind a gateway: exception 0x0B (target device failed to respond)
        answer(unitId, pdu, (full, garbled) => {
          if (sock.destroyed) return;
          const res = garbled ? full.subarray(0, Math.max(1, full.length - 1)) : full; // a truncated PDU
          const head = Buffer.alloc(7);
          head.writeUInt16BE(tid, 0); head.writeUInt16BE(0, 2); head.writeUInt16BE(res.length + 1, 4); head[6] = unitId;
          sock.write(Buffer.concat([head, res]));
        }, exception(pdu[0] ?? 0, 0x0b));
      }
    });
  };

  // RTU: requests have a length known from the function code; a bad CRC drops a byte and resyncs.
  let rtuBuf = Buffer.alloc(0);
  let idle: NodeJS.Timeout | undefined;
  const rtuLength = (b: Buffer): number | undefined => {
    const fc = b[1];
    if (fc === undefined) return undefined;
    if (fc >= 1 && fc <= 6) return 8;
    if (fc === 15 || fc === 16) return b.length >= 7 ? 9 + b[6]! : undefined;
    return -1;
  };
  const onRtu = (chunk: Buffer): void => {
    rtuBuf = Buffer.concat([rtuBuf, chunk]);
    if (idle) clearTimeout(idle);
    // [Serial Line §2.5.1.1] silence ends a frame: drop a fragment left after 50 ms of quiet
    idle = setTimeout(() => { rtuBuf = Buffer.alloc(0); }, 50);
    for (;;) {
      const need = rtuLength(rtuBuf);
      if (need === undefined) return;
      if (need === -1) { rtuBuf = rtuBuf.subarray(1); continue; }
      if (rtuBuf.length < need) return;
      const frame = rtuBuf.subarray(0, need);
      if (crc16(frame.subarray(0, need - 2)) !== frame.readUInt16LE(need - 2)) { rtuBuf = rtuBuf.subarray(1); continue; }
      rtuBuf = rtuBuf.subarray(need);
      const unitId = frame[0]!;
      if (!units.has(unitId)) continue; // not for a unit on this bus: stay quiet
      answer(unitId, Buffer.from(frame.subarray(1, need - 2)), (res, garbled) => {
        const out = Buffer.alloc(res.length + 3);
        out[0] = unitId;
        res.copy(out, 1);
        out.writeUInt16LE(crc16(out.subarray(0, res.length + 1)) ^ (garbled ? 0x5a5a : 0), res.length + 1); // garbage: a wrong CRC
        rtu?.write(out);
      }, null);
    }
  };

  return {
    async start() {
      if (options.transport === 'tcp') {
        const server = net.createServer(onTcp);
        tcp = server;
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
        });
        const a = server.address();
        boundPort = typeof a === 'object' && a ? a.port : undefined;
      } else {
        rtu = createReopeningPort({ path: options.path, baudRate: options.baudRate }, onRtu);
        await rtu.start();
      }
    },
    async stop() {
      if (idle) clearTimeout(idle);
      for (const s of sockets) s.destroy();
      if (tcp) await new Promise<void>((r) => tcp!.close(() => r()));
      tcp = undefined;
      await rtu?.stop();
    },
    get port() { return boundPort; },
    unit(unitId) {
      const u = units.get(unitId);
      if (!u) throw new Error(`no simulated unit ${unitId}`);
      return u;
    },
    setMode(unitId, mode) { this.unit(unitId).mode = mode; },
    setDelay(unitId, ms) { delays.set(unitId, ms); },
    requests,
    get pending() { return pending; },
    get maxPending() { return maxPending; },
  };
}
