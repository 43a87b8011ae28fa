/**
 * One Modbus connection: a TCP socket to a server/gateway, or one RS-485 line
 * (RTU). Owns one modbus-serial client and runs one request at a time, in
 * arrival order (writes jump the queue). On RTU, consecutive frames are
 * separated by the inter-frame gap (Modbus over Serial Line v1.02 §2.5.1.1:
 * at least 3.5 character times; 1.75 ms fixed above 19200 baud). A broken
 * connection is reopened on demand with capped exponential backoff and jitter.
 */
import modbusSerial from 'modbus-serial';
import type { ModbusRTU as ModbusClient } from 'modbus-serial/ModbusRTU.js';
import type { Logger } from 'pino';
import { backoffDelay } from '../../lib/backoff.js';
import { GatewayError } from '../../errors.js';

export type LineSpec = { transport: 'tcp'; host: string; port: number } | { transport: 'rtu'; path: string; baudRate: number };

export type { ModbusClient };
// modbus-serial is CommonJS (`module.exports = ModbusRTU`); its typings declare an ES default export.
const ModbusRTU = modbusSerial as unknown as new () => ModbusClient;

export class LineError extends GatewayError {
  /** timeout: no answer; exception: a Modbus exception answer; frame: a garbled answer (CRC, length, address) — the line stays up; connection: the socket/port is gone. */
  constructor(readonly kind: 'timeout' | 'exception' | 'frame' | 'connection', message: string, readonly modbusCode?: number) {
    super('GW_ERR_MODBUS_LINE', message);
    this.name = 'LineError';
  }
}

export function lineKey(spec: LineSpec): string {
  return spec.transport === 'tcp' ? `tcp://${spec.host}:${spec.port}` : `rtu://${spec.path}`;
}

export function interFrameGapMs(baudRate: number): number {
  return baudRate > 19_200 ? 1.75 : Math.ceil((3.5 * 11 * 1000) / baudRate);
}

interface Job {
  unitId: number;
  timeoutMs: number;
  run: (c: ModbusClient) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export interface ModbusLine {
  readonly key: string;
  request<T>(unitId: number, timeoutMs: number, run: (c: ModbusClient) => Promise<T>, urgent?: boolean): Promise<T>;
  close(): Promise<void>;
  readonly queued: number;
}

export function classify(err: unknown): LineError {
  if (err instanceof LineError) return err;
  const e = err as { message?: string; errno?: string; modbusCode?: number } | undefined;
  if (typeof e?.modbusCode === 'number') return new LineError('exception', `exception ${e.modbusCode}: ${e.message ?? ''}`.trim(), e.modbusCode);
  if (e?.errno === 'ETIMEDOUT' || /timed out/i.test(e?.message ?? '')) return new LineError('timeout', 'timed out');
  if (/^(CRC error|Data length error|Unexpected data error)/.test(e?.message ?? '')) return new LineError('frame', `bad frame: ${e?.message ?? ''}`);
  return new LineError('connection', e?.message ?? String(err));
}

export function createModbusLine(spec: LineSpec, { log, connectTimeoutMs = 3_000 }: { log: Logger; connectTimeoutMs?: number }): ModbusLine {
  const key = lineKey(spec);
  const gapMs = spec.transport === 'rtu' ? interFrameGapMs(spec.baudRate) : 0;
  const queue: Job[] = [];
  let client: ModbusClient | undefined;
  let busy = false;
  let closed = false;
  let failures = 0;
  let retryAt = 0;
  let lastFailureLog = 0;

  const drop = (why: string): void => {
    const c = client;
    client = undefined;
    if (!c) return;
    log.debug({ line: key, why }, 'modbus connection dropped');
    c.close(() => undefined);
  };

  const connect = async (): Promise<ModbusClient> => {
    if (client?.isOpen) return client;
    const now = Date.now();
    if (now < retryAt) throw new LineError('connection', `not connected to ${key} (retry in ${retryAt - now} ms)`);
    const c = new ModbusRTU();
    c.on('error', (err: unknown) => { if (client === c) drop(String((err as Error)?.message ?? err)); });
    c.on('close', () => { if (client === c) client = undefined; });
    let connectTimer: NodeJS.Timeout | undefined;
    try {
      const opening = spec.transport === 'tcp' ? c.connectTCP(spec.host, { port: spec.port }) : c.connectRTUBuffered(spec.path, { baudRate: spec.baudRate });
      // A host that drops SYNs would hold this line's queue for minutes: bound the connect.
      await Promise.race([opening, new Promise<never>((_, reject) => { connectTimer = setTimeout(() => reject(new Error(`no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs); })]);
    } catch (err) {
      failures++;
      retryAt = Date.now() + backoffDelay(failures, { baseMs: 250, capMs: 15_000 });
      if (Date.now() - lastFailureLog > 30_000) {
        lastFailureLog = Date.now();
        log.warn({ line: key, err: (err as Error).message, failures }, 'modbus connect failed');
      }
      c.close(() => undefined);
      throw new LineError('connection', `connect ${key}: ${(err as Error).message}`);
    } finally {
      clearTimeout(connectTimer);
    }
    if (closed) { c.close(() => undefined); throw new LineError('connection', 'line closed'); }
    if (failures > 0) log.info({ line: key, after_failures: failures }, 'modbus connection restored');
    failures = 0;
    client = c;
    return c;
  };

  const runOne = async (job: Job): Promise<unknown> => {
    const c = await connect();
    c.setID(job.unitId);
    c.setTimeout(job.timeoutMs);
    let guard: NodeJS.Timeout | undefined;
    // modbus-serial times out by itself; the guard covers a port that died mid-request.
    const guardP = new Promise<never>((_, reject) => { guard = setTimeout(() => reject(new LineError('timeout', 'timed out (guard)')), job.timeoutMs + 500); });
    try {
      return await Promise.race([job.run(c), guardP]);
    } catch (err) {
      const e = classify(err);
      if (e.kind === 'connection') drop(e.message);
      throw e;
    } finally {
      clearTimeout(guard);
    }
  };

  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      for (let job = queue.shift(); job; job = queue.shift()) {
        try { job.resolve(await runOne(job)); } catch (err) { job.reject(err); }
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    } finally {
      busy = false;
    }
  };

  return {
    key,
    request<T>(unitId: number, timeoutMs: number, run: (c: ModbusClient) => Promise<T>, urgent = false): Promise<T> {
      if (closed) return Promise.reject(new LineError('connection', 'line closed'));
      return new Promise<T>((resolve, reject) => {
        const job: Job = { unitId, timeoutMs, run, resolve: resolve as (v: unknown) => void, reject };
        if (urgent) queue.unshift(job);
        else queue.push(job);
        void pump();
      });
    },
    async close() {
      closed = true;
      for (const j of queue.splice(0)) j.reject(new LineError('connection', 'line closed'));
      const c = client;
      client = undefined;
      if (c) await new Promise<void>((r) => c.close(() => r()));
    },
    get queued() { return queue.length + (busy ? 1 : 0); },
  };
}
