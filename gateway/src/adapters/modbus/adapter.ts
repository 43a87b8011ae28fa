/**
 * The Modbus adapter (`adapters.modbus` of docs/interfaces.md): groups devices by
 * connection (one TCP host:port, or one RTU line), runs one request at a time
 * per connection and the connections concurrently, and polls each device on its
 * own cadence. A dead, slow or exception-answering device can only delay the
 * devices behind the same connection, never those on another.
 */
import type { ModbusAdapterConfig } from '../../config/schema.js';
import { templateCodec } from '../codec.js';
import type { Adapter, AdapterDeps } from '../types.js';
import { createDevicePoller, type DevicePoller } from './device-poller.js';
import { createModbusLine, lineKey, type LineSpec, type ModbusLine } from './line.js';
import { GatewayError } from '../../errors.js';

export class AdapterConfigError extends GatewayError {
  constructor(message: string) {
    super('GW_ERR_ADAPTER_CONFIG', message);
    this.name = 'AdapterConfigError';
  }
}

export interface ModbusAdapterOptions {
  /** Max unused registers a merged read may span (read planning). */
  maxGap?: number;
}

function specOf(c: ModbusAdapterConfig): LineSpec {
  if (c.transport === 'tcp') {
    if (!c.host) throw new AdapterConfigError(`adapters.modbus ${c.deviceId}: host is required for transport tcp`);
    return { transport: 'tcp', host: c.host, port: c.port ?? 502 };
  }
  if (!c.path) throw new AdapterConfigError(`adapters.modbus ${c.deviceId}: path is required for transport rtu`);
  return { transport: 'rtu', path: c.path, baudRate: c.baudRate };
}

export function createModbusAdapter(cfg: readonly ModbusAdapterConfig[], deps: AdapterDeps, options: ModbusAdapterOptions = {}): Adapter {
  const log = deps.log.child({ component: 'modbus-adapter' });
  const codec = deps.codec ?? templateCodec;
  const now = deps.clock ? () => deps.clock!.now() : Date.now;
  const lines = new Map<string, ModbusLine>();
  const pollers = new Map<string, DevicePoller>();

  const build = (): void => {
    const seen = new Set<string>();
    cfg.forEach((c, i) => {
      if (seen.has(c.deviceId)) throw new AdapterConfigError(`adapters.modbus[${i}].deviceId: ${c.deviceId} is configured twice`);
      seen.add(c.deviceId);
      const template = deps.templates.get(c.template);
      if (!template) throw new AdapterConfigError(`adapters.modbus[${i}].template: no template ${c.template}`);
      if (template.transport !== 'modbus') throw new AdapterConfigError(`adapters.modbus[${i}].template: ${c.template} is a ${template.transport} template, not modbus`);
      const spec = specOf(c);
      const key = lineKey(spec);
      let line = lines.get(key);
      if (!line) lines.set(key, (line = createModbusLine(spec, { log })));
      pollers.set(c.deviceId, createDevicePoller(c, {
        log, line, template, codec, sink: deps.sink, now,
        // Stagger first polls over one interval so devices do not all fire at once.
        firstDelayMs: Math.floor((i * c.intervalMs) / Math.max(1, cfg.length)),
        maxGap: options.maxGap,
      }));
    });
  };

  return {
    async start() {
      build();
      for (const p of pollers.values()) p.start();
      log.info({ devices: pollers.size, connections: lines.size }, 'modbus adapter started');
    },
    async stop() {
      const stopping = [...pollers.values()].map((p) => p.stop()); // timers cleared synchronously
      await Promise.all([...lines.values()].map((l) => l.close()));
      await Promise.all(stopping);
      lines.clear();
      pollers.clear();
    },
    stats() {
      return [...pollers.values()].map((p) => p.stats());
    },
    async write(deviceId, field, value) {
      const p = pollers.get(deviceId);
      if (!p) return { ok: false, code: 'unknown_device', reason: `${deviceId} is not a Modbus device of this gateway` };
      return p.write(field, value);
    },
  };
}
