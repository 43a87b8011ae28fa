/**
 * What the adapters need from the rest of the gateway, and what they give back.
 * An adapter reads bytes on schedule and hands them to the sink raw (the pipeline
 * decodes them with the template); the template catalog gives templates; the
 * codec is the template engine's transport half an adapter needs to know what to
 * read and write (codec.ts binds the real one).
 */
import type { Logger } from 'pino';
import type { Template } from '../templates/schema.js';
import type { RegisterBlocks, RegisterSpan } from './modbus/plan.js';

export interface AdapterRejection {
  device: string;
  template: string;
  reason: string;
  code: string;
  raw?: string;
}

/** One poll's registers and coils, by table and address (the pipeline's `modbus` input). */
export interface ModbusRead {
  transport: 'modbus';
  device: string;
  template: string;
  registers: RegisterBlocks;
  at: number;
}

/** Lines a serial port delivered (the pipeline's `serial` input): one streamed line, or one poll cycle's replies. */
export interface SerialLines {
  transport: 'serial';
  device: string;
  template: string;
  lines: readonly string[];
  poll?: boolean;
  at: number;
}

export interface AdapterSink {
  /** Raw input for the pipeline; nothing is decoded in an adapter. */
  receive(input: ModbusRead | SerialLines): void;
  /** A problem found before there is anything to decode (a Modbus exception, a garbled frame, an overlong line). */
  rejected(r: AdapterRejection): void;
  /** Whether the device answered (a poll read, a line received): its presence in the device registry. */
  deviceSeen(deviceId: string, ok: boolean, error?: string): void;
}

export interface TemplateSource {
  get(id: string): Template | undefined;
}

export type ModbusWrite = { ok: true; table: 'coil' | 'holding'; address: number; values: readonly (number | boolean)[] } | { ok: false; reason: string; code: string };

export interface SerialSettings {
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
  delimiter: string;
  poll?: { commands: readonly string[]; intervalMs?: number };
}

/** The template engine's functions the adapters call: what to read, how to frame, how to write (see templates/index.ts). */
export interface AdapterCodec {
  registerSpans(t: Template): RegisterSpan[];
  encodeModbusWrite(t: Template, field: string, value: unknown): ModbusWrite;
  serialSettings(t: Template): SerialSettings;
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
  /** Serial only: lines received, lines dropped for want of a delimiter, port reopenings after a loss. */
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
