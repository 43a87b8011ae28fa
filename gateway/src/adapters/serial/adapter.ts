/**
 * The serial adapter (`adapters.serial` of docs/interfaces.md): one device per port.
 * Serial devices are read-only here; `write` answers not_writable.
 */
import type { SerialAdapterConfig } from '../../config/schema.js';
import { templateCodec } from '../codec.js';
import { AdapterConfigError } from '../modbus/adapter.js';
import type { Adapter, AdapterDeps } from '../types.js';
import { createPortDevice, type PortDevice } from './port-device.js';

export interface SerialAdapterOptions {
  /** A line longer than this without a delimiter is dropped with a reason. */
  maxLineBytes?: number;
  /** How long to wait for the reply to one poll command. */
  replyTimeoutMs?: number;
  /** Backoff of port reopening after an unplug. */
  reopen?: { baseMs: number; capMs: number };
}

export function createSerialAdapter(cfg: readonly SerialAdapterConfig[], deps: AdapterDeps, options: SerialAdapterOptions = {}): Adapter {
  const log = deps.log.child({ component: 'serial-adapter' });
  const codec = deps.codec ?? templateCodec;
  const now = deps.clock ? () => deps.clock!.now() : Date.now;
  const devices = new Map<string, PortDevice>();

  const build = (): void => {
    const paths = new Set<string>();
    cfg.forEach((c, i) => {
      if (devices.has(c.deviceId)) throw new AdapterConfigError(`adapters.serial[${i}].deviceId: ${c.deviceId} is configured twice`);
      if (paths.has(c.path)) throw new AdapterConfigError(`adapters.serial[${i}].path: ${c.path} is used by another device`);
      paths.add(c.path);
      const template = deps.templates.get(c.template);
      if (!template) throw new AdapterConfigError(`adapters.serial[${i}].template: no template ${c.template}`);
      if (template.transport !== 'serial') throw new AdapterConfigError(`adapters.serial[${i}].template: ${c.template} is a ${template.transport} template, not serial`);
      // No line for this long counts as a lost port (port-device.ts); 0: never.
      const silenceMs = c.silenceMs ?? template.offlineAfterMs ?? 0;
      if (c.silenceMs && c.silenceMs <= c.intervalMs && (codec.serialSettings(template).poll?.commands.length ?? 0) > 0) {
        throw new AdapterConfigError(`adapters.serial[${i}].silenceMs: ${c.silenceMs} ms is not longer than intervalMs (${c.intervalMs} ms), so the port of this polled device would be reopened between polls`);
      }
      devices.set(c.deviceId, createPortDevice(c, {
        log, template, codec, sink: deps.sink, now, silenceMs,
        maxLineBytes: options.maxLineBytes ?? 1024 * 1024,
        replyTimeoutMs: Math.min(options.replyTimeoutMs ?? 1_000, c.intervalMs),
        reopen: options.reopen ?? { baseMs: 250, capMs: 10_000 },
      }));
    });
  };

  return {
    async start() {
      build();
      await Promise.all([...devices.values()].map((d) => d.start()));
      log.info({ devices: devices.size }, 'serial adapter started');
    },
    async stop() {
      await Promise.all([...devices.values()].map((d) => d.stop()));
      devices.clear();
    },
    stats() {
      return [...devices.values()].map((d) => d.stats());
    },
    async write(deviceId) {
      return { ok: false, code: 'not_writable', reason: `${deviceId}: serial devices take no commands` };
    },
  };
}
