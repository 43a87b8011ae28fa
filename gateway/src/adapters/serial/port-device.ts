/**
 * One serial device on one port (or a serial device server's TCP port, line-port.ts): opens it with the template's framing,
 * splits lines (bounded) and hands each line to the sink raw (the pipeline
 * decodes it with the template's grammar). For request/response templates
 * (PJLink projector) it writes the poll commands every interval, one at a time,
 * and hands the cycle's replies in together, to be merged into one reading. When the port disappears (USB unplugged) it is reopened with capped
 * exponential backoff and jitter until it is back. The port's `close` event is how an unplug is
 * usually seen, but serialport does not always emit it when a port vanishes with no read or write
 * failing; so a port that has given no line for `silenceMs` (default: the template's
 * `offlineAfterMs`) is closed and reopened the same way.
 */
import type { Logger } from 'pino';
import type { SerialAdapterConfig } from '../../config/schema.js';
import type { Template } from '../../templates/schema.js';
import { backoffDelay } from '../../lib/backoff.js';
import { createLatencyWindow } from '../../lib/latency-window.js';
import type { AdapterCodec, AdapterSink, DeviceStats, SerialSettings } from '../types.js';
import { BoundedReadlineParser } from './bounded-readline.js';
import { createLinePort, type LinePort } from './line-port.js';

export interface PortDeviceDeps {
  log: Logger;
  template: Template;
  codec: AdapterCodec;
  sink: AdapterSink;
  now: () => number;
  maxLineBytes: number;
  replyTimeoutMs: number;
  reopen: { baseMs: number; capMs: number };
  /** No line for this long (ms) counts as a lost port; 0: never (the adapter resolves the default). */
  silenceMs: number;
}

export interface PortDevice {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): DeviceStats;
}

type Waiter = { prefix: string; resolve: (line: string | undefined) => void; timer: NodeJS.Timeout };

export function createPortDevice(cfg: SerialAdapterConfig, deps: PortDeviceDeps): PortDevice {
  const { template, codec, sink, now } = deps;
  const log = deps.log.child({ device: cfg.deviceId, path: cfg.path });
  const settings: SerialSettings = codec.serialSettings(template);
  const commands = settings.poll?.commands ?? [];
  const latency = createLatencyWindow();
  const lateness = createLatencyWindow();
  const s = { requests: 0, errors: 0, timeouts: 0, exceptions: 0, polls: 0, overruns: 0, lines: 0, rejected: 0, reconnects: 0, last_error: null as string | null, last_ok_at: null as number | null };
  let port: LinePort | undefined;
  let stopped = true;
  let failures = 0;
  let reopenTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let dueAt = 0;
  let waiter: Waiter | undefined;
  /** The lines of the poll cycle running now (undefined between cycles). */
  let cycleLines: string[] | undefined;
  const { silenceMs } = deps;
  let silenceTimer: NodeJS.Timeout | undefined;
  /** When the open port last gave a line, or was opened (performance.now()). */
  let heardAt = 0;

  /** A problem of the link itself (nothing to decode): the pipeline rejects lines that do not decode. */
  const reject = (code: string, reason: string): void => {
    s.rejected++;
    s.last_error = reason;
    sink.rejected({ device: cfg.deviceId, template: template.id, code, reason });
  };

  const onLine = (raw: string): void => {
    const line = raw.replace(/^[\r\n]+|[\r\n]+$/g, '');
    if (line === '') return;
    s.lines++;
    heardAt = performance.now();
    if (waiter && line.startsWith(waiter.prefix)) {
      const w = waiter;
      waiter = undefined;
      clearTimeout(w.timer);
      w.resolve(line);
    }
    s.last_ok_at = now();
    sink.deviceSeen(cfg.deviceId, true);
    if (cycleLines) cycleLines.push(line);
    else sink.receive({ transport: 'serial', device: cfg.deviceId, template: template.id, lines: [line], at: s.last_ok_at });
  };

  const scheduleReopen = (why: string): void => {
    if (stopped || reopenTimer) return;
    failures++;
    const delay = backoffDelay(failures, deps.reopen);
    if (failures === 1) log.warn({ why }, 'serial port lost; reopening');
    sink.deviceSeen(cfg.deviceId, false, why);
    reopenTimer = setTimeout(() => { reopenTimer = undefined; void open(); }, delay);
  };

  /** Checks the open port for silence every time `silenceMs` could have run out. */
  const watchSilence = (): void => {
    clearTimeout(silenceTimer);
    silenceTimer = undefined;
    if (silenceMs <= 0 || stopped || !port) return;
    const left = heardAt + silenceMs - performance.now();
    if (left > 0) {
      silenceTimer = setTimeout(watchSilence, left);
      silenceTimer.unref();
      return;
    }
    const p = port;
    port = undefined;
    s.last_error = `no line for ${silenceMs / 1000} s`;
    p.close(() => undefined);
    scheduleReopen(s.last_error);
  };

  const open = (): Promise<void> => new Promise((resolve) => {
    if (stopped) return resolve();
    const p = createLinePort(cfg.path, cfg.baudRate ?? settings.baudRate, settings);
    const parser = p.pipe(new BoundedReadlineParser(deps.maxLineBytes, { delimiter: settings.delimiter, encoding: 'latin1' }));
    parser.on('data', (line: string) => { if (port === p) onLine(line); });
    parser.on('overflow', (n: number) => reject('bad_line', `dropped ${n} bytes received without a line delimiter (limit ${deps.maxLineBytes})`));
    p.on('error', () => undefined);
    p.on('close', () => {
      if (port !== p) return;
      port = undefined;
      scheduleReopen('port closed');
    });
    p.open((err) => {
      if (err) {
        s.last_error = `open ${cfg.path}: ${err.message}`;
        scheduleReopen(s.last_error);
        return resolve();
      }
      if (stopped) { p.close(() => undefined); return resolve(); }
      if (failures > 0) { s.reconnects++; log.info({ after_failures: failures }, 'serial port reopened'); }
      failures = 0;
      port = p;
      heardAt = performance.now();
      watchSilence();
      resolve();
    });
  });

  const ask = (cmd: string): Promise<string | undefined> => new Promise((resolve) => {
    const prefix = cmd.split(' ')[0] ?? cmd;
    waiter = { prefix, resolve, timer: setTimeout(() => { waiter = undefined; resolve(undefined); }, deps.replyTimeoutMs) };
    s.requests++;
    port?.write(cmd + settings.delimiter);
  });

  const cycle = async (): Promise<void> => {
    s.polls++;
    if (!port?.isOpen) { s.errors++; sink.deviceSeen(cfg.deviceId, false, 'port not open'); return; }
    const ts = now();
    cycleLines = [];
    let answered = 0;
    for (const cmd of commands) {
      const t0 = performance.now();
      const reply = await ask(cmd);
      if (stopped) break;
      if (reply === undefined) { s.timeouts++; s.last_error = `no reply to ${cmd} within ${deps.replyTimeoutMs} ms`; continue; }
      latency.add(performance.now() - t0);
      answered++;
    }
    const lines = cycleLines;
    cycleLines = undefined;
    if (answered === 0) { sink.deviceSeen(cfg.deviceId, false, s.last_error ?? 'no reply'); return; }
    if (lines.length > 0) sink.receive({ transport: 'serial', device: cfg.deviceId, template: template.id, lines, poll: true, at: ts });
  };

  const schedulePoll = (): void => {
    if (stopped) return;
    const t = now();
    while (dueAt <= t) dueAt += cfg.intervalMs;
    pollTimer = setTimeout(() => {
      pollTimer = undefined;
      if (polling) { s.overruns++; return schedulePoll(); }
      lateness.add(Math.max(0, now() - dueAt));
      polling = cycle().finally(() => { polling = undefined; schedulePoll(); });
    }, dueAt - t);
  };

  return {
    async start() {
      stopped = false;
      await open();
      if (commands.length > 0) { dueAt = now(); schedulePoll(); }
    },
    async stop() {
      stopped = true;
      clearTimeout(reopenTimer);
      clearTimeout(pollTimer);
      clearTimeout(silenceTimer);
      if (waiter) { clearTimeout(waiter.timer); waiter.resolve(undefined); waiter = undefined; }
      await polling;
      const p = port;
      port = undefined;
      if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
    },
    stats() {
      const q = (w: ReturnType<typeof createLatencyWindow>, x: number) => { const v = w.quantile(x); return v === null ? null : Math.round(v * 10) / 10; };
      return {
        device: cfg.deviceId, template: template.id, transport: 'serial', ...s, open: port?.isOpen ?? false,
        latency_p50_ms: q(latency, 0.5), latency_p99_ms: q(latency, 0.99), lateness_p99_ms: q(lateness, 0.99),
      };
    },
  };
}
