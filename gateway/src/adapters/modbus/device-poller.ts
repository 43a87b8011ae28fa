/**
 * Polls one Modbus device on its line: a fixed cadence (`intervalMs`, first
 * poll staggered), each planned read with a timeout and `retries` retries,
 * then the registers read go to the sink raw (the pipeline decodes them). After a failed cycle the device backs off (capped
 * exponential, jittered) so a dead unit costs its bus little; a good answer
 * puts it back on its cadence at once.
 */
import type { Logger } from 'pino';
import type { ModbusAdapterConfig } from '../../config/schema.js';
import type { Template } from '../../templates/schema.js';
import { backoffDelay } from '../../lib/backoff.js';
import { createLatencyWindow } from '../../lib/latency-window.js';
import type { AdapterCodec, AdapterSink, DeviceStats, WriteResult } from '../types.js';
import { classify, LineError, type ModbusLine } from './line.js';
import { addToBlocks, planRegisterReads, type ReadRequest, type RegisterBlocks } from './plan.js';

export interface DevicePollerDeps {
  log: Logger;
  line: ModbusLine;
  template: Template;
  codec: AdapterCodec;
  sink: AdapterSink;
  now: () => number;
  /** Delay of the first poll (staggering). */
  firstDelayMs: number;
  maxGap?: number;
}

export interface DevicePoller {
  start(): void;
  stop(): Promise<void>;
  pollSoon(): void;
  write(field: string, value: unknown): Promise<WriteResult>;
  stats(): DeviceStats;
}

export function createDevicePoller(cfg: ModbusAdapterConfig, deps: DevicePollerDeps): DevicePoller {
  const { line, template, codec, sink, now } = deps;
  const log = deps.log.child({ device: cfg.deviceId });
  const plan: ReadRequest[] = planRegisterReads(codec.registerSpans(template), { maxGap: deps.maxGap ?? 8 });
  const latency = createLatencyWindow();
  const lateness = createLatencyWindow();
  const s = { requests: 0, errors: 0, timeouts: 0, exceptions: 0, polls: 0, overruns: 0, last_error: null as string | null, last_ok_at: null as number | null };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  let dueAt = 0;
  let failures = 0;
  let lastWarn = 0;

  const readOnce = async (req: ReadRequest): Promise<readonly (number | boolean)[]> => {
    let lastErr: LineError | undefined;
    for (let attempt = 0; attempt <= cfg.retries && !stopped; attempt++) {
      const t0 = performance.now();
      s.requests++;
      try {
        const res = await line.request(cfg.unitId, cfg.timeoutMs, (c): Promise<{ data: readonly (number | boolean)[] }> => {
          switch (req.fc) {
            case 1: return c.readCoils(req.address, req.count);
            case 2: return c.readDiscreteInputs(req.address, req.count);
            case 3: return c.readHoldingRegisters(req.address, req.count);
            default: return c.readInputRegisters(req.address, req.count);
          }
        });
        latency.add(performance.now() - t0);
        return res.data;
      } catch (err) {
        lastErr = classify(err);
        if (lastErr.kind === 'timeout') s.timeouts++;
        else s.errors++;
        if (lastErr.kind === 'exception') {
          s.exceptions++;
          // [MB §7] 05 acknowledge / 06 busy are worth a retry; other exceptions are final.
          if (lastErr.modbusCode !== 5 && lastErr.modbusCode !== 6) break;
        }
      }
    }
    throw lastErr ?? new LineError('connection', 'stopped');
  };

  const cycle = async (): Promise<void> => {
    s.polls++;
    const receivedAt = now();
    const blocks: RegisterBlocks = {};
    try {
      for (const req of plan) addToBlocks(blocks, req, await readOnce(req));
    } catch (err) {
      const e = classify(err);
      failures++;
      s.last_error = e.message;
      sink.deviceSeen(cfg.deviceId, false, e.message);
      // The device answered, but not with data: an exception, or a garbled frame.
      if (e.kind === 'exception') sink.rejected({ device: cfg.deviceId, template: template.id, code: 'device_error', reason: `modbus ${e.message}` });
      if (e.kind === 'frame') sink.rejected({ device: cfg.deviceId, template: template.id, code: /CRC/.test(e.message) ? 'bad_checksum' : 'device_error', reason: `modbus ${e.message}` });
      if (now() - lastWarn > 60_000) {
        lastWarn = now();
        log.warn({ err: e.message, failures }, 'modbus poll failed');
      }
      return;
    }
    failures = 0;
    s.last_ok_at = now();
    sink.deviceSeen(cfg.deviceId, true);
    sink.receive({ transport: 'modbus', device: cfg.deviceId, template: template.id, registers: blocks, at: receivedAt });
  };

  const schedule = (): void => {
    if (stopped) return;
    const t = now();
    // Fixed cadence: the next slot after now; on failure, not before the backoff delay.
    let slots = 0;
    for (; dueAt <= t; slots++) dueAt += cfg.intervalMs;
    if (failures === 0 && slots > 1) s.overruns += slots - 1; // slots that passed while the poll ran
    let at = dueAt;
    if (failures > 0) {
      const back = t + backoffDelay(failures, { baseMs: cfg.intervalMs, capMs: Math.max(cfg.intervalMs, 30_000) });
      if (back > at) { at = back; dueAt = back; }
    }
    timer = setTimeout(tick, Math.max(0, at - t));
  };

  const tick = (): void => {
    timer = undefined;
    if (stopped) return;
    if (running) {
      s.overruns++;
      schedule();
      return;
    }
    lateness.add(Math.max(0, now() - dueAt));
    running = cycle().finally(() => { running = undefined; schedule(); });
  };

  return {
    start() {
      stopped = false;
      dueAt = now() + deps.firstDelayMs;
      timer = setTimeout(tick, deps.firstDelayMs);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
    pollSoon() {
      if (stopped || running) return;
      if (timer) clearTimeout(timer);
      dueAt = now();
      tick();
    },
    async write(field, value) {
      const enc = codec.encodeModbusWrite(template, field, value);
      if (!enc.ok) return { ok: false, code: enc.code, reason: enc.reason };
      const { table, address, values } = enc;
      try {
        s.requests++;
        await line.request(cfg.unitId, cfg.timeoutMs, async (c) => {
          if (table === 'coil') {
            const bits = values.map(Boolean);
            return bits.length === 1 ? c.writeCoil(address, bits[0]!) : c.writeCoils(address, bits);
          }
          const words = values.map(Number);
          return words.length === 1 ? c.writeRegister(address, words[0]!) : c.writeRegisters(address, words);
        }, true);
      } catch (err) {
        const e = classify(err);
        if (e.kind === 'timeout') s.timeouts++;
        else s.errors++;
        return { ok: false, code: e.kind === 'exception' || e.kind === 'frame' ? 'device_error' : e.kind === 'timeout' ? 'timeout' : 'unreachable', reason: `write ${field}: ${e.message}` };
      }
      log.info({ field, value }, 'modbus write done');
      setTimeout(() => this.pollSoon(), 0);
      return { ok: true };
    },
    stats() {
      return {
        device: cfg.deviceId, template: template.id, transport: cfg.transport, ...s,
        latency_p50_ms: round(latency.quantile(0.5)), latency_p99_ms: round(latency.quantile(0.99)), lateness_p99_ms: round(lateness.quantile(0.99)),
      };
    },
  };
}

function round(v: number | null): number | null {
  return v === null ? null : Math.round(v * 10) / 10;
}
