/**
 * What the adapters need from the rest of the gateway, and what they give back.
 * The ingest pipeline passes a sink; the template registry gives templates; the
 * codec is the template engine's Modbus/serial half (codec.ts binds the real one).
 */
import type { Logger } from 'pino';
import type { Reading } from '../core/reading.js';
import type { Template } from '../templates/schema.js';
import type { RegisterBlocks, RegisterSpan } from './modbus/plan.js';

export interface AdapterRejection {
  device: string;
  template: string;
  reason: string;
  code: string;
  raw?: string;
}

export interface AdapterSink {
  readings(rs: Reading[]): void;
  rejected(r: AdapterRejection): void;
  deviceSeen(deviceId: string, ok: boolean, error?: string): void;
}

export interface TemplateSource {
  get(id: string): Template | undefined;
}

export type DecodeResult = { ok: true; readings: Reading[] } | { ok: false; reason: string; code: string };
export type ModbusWrite = { ok: true; table: 'coil' | 'holding'; address: number; values: readonly (number | boolean)[] } | { ok: false; reason: string; code: string };

export interface SerialSettings {
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
  delimiter: string;
  poll?: { commands: readonly string[]; intervalMs?: number };
}

/** The template engine's functions the adapters call (see templates/index.ts). */
export interface AdapterCodec {
  registerSpans(t: Template): RegisterSpan[];
  decodeModbus(t: Template, blocks: RegisterBlocks, ctx: { device: string; receivedAt: number }): DecodeResult;
  encodeModbusWrite(t: Template, field: string, value: unknown): ModbusWrite;
  serialSettings(t: Template): SerialSettings;
  decodeSerialLine(t: Template, line: string, ctx: { device: string; receivedAt: number }): DecodeResult;
}

export interface AdapterDeps {
  log: Logger;
  templates: TemplateSource;
  sink: AdapterSink;
  clock?: { now(): number };
  /** Defaults to the template engine; tests of the scheduling alone may pass their own. */
  codec?: AdapterCodec;
}

export type WriteResult = { ok: true } | { ok: false; code: string; reason: string };

/** Per-device statistics for the device API and /metrics. */
export interface DeviceStats {
  device: string;
  template: string;
  transport: 'tcp' | 'rtu' | 'serial';
  requests: number;
  errors: number;
  timeouts: number;
  exceptions: number;
  polls: number;
  /** Poll slots skipped because the previous poll was still running. */
  overruns: number;
  latency_p50_ms: number | null;
  latency_p99_ms: number | null;
  /** How late polls started against their schedule (p99). */
  lateness_p99_ms: number | null;
  last_error: string | null;
  last_ok_at: number | null;
  /** Serial only: lines received, lines rejected, port reopenings after a loss. */
  lines?: number;
  rejected?: number;
  reconnects?: number;
  open?: boolean;
}

export interface Adapter {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): DeviceStats[];
  write(deviceId: string, field: string, value: unknown): Promise<WriteResult>;
}
