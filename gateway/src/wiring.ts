/**
 * The parts of the composition root that build one component each from the
 * config: the reading store, the Modbus/serial adapters and device commands.
 */
import type { Logger } from 'pino';
import type { StatePaths } from './config/paths.js';
import type { GatewayConfig } from './config/schema.js';
import { parseDeviceTopic } from './core/topics.js';
import type { Broker } from './broker/broker.js';
import type { Pipeline } from './pipeline/pipeline.js';
import type { DeviceRegistry } from './registry/device-registry.js';
import { createEmbeddedStore } from './store/embedded-store.js';
import { createInfluxStore } from './store/influx-store.js';
import { createWalStore } from './store/wal-store.js';
import type { ReadingStore } from './store/types.js';
import type { TemplateCatalog } from './templates/index.js';
import { createModbusAdapter, createSerialAdapter, type Adapter, type AdapterSink } from './adapters/index.js';
import { createDeviceCommands, type DeviceCommands } from './commands/device-commands.js';

export interface Adapters {
  modbus: Adapter;
  serial: Adapter;
}

/** The reading store, its files where `paths` (config/paths.ts) puts them. */
export function createStore(config: GatewayConfig, paths: StatePaths, log: Logger, templates?: TemplateCatalog): ReadingStore {
  const s = config.store;
  if (s.kind === 'embedded') {
    return createEmbeddedStore({ path: paths.storeDir, retentionDays: s.retentionDays, siteTags: { site: config.site.id } }, { log });
  }
  const integerFields = new Map<string, ReadonlySet<string>>();
  const influx = createInfluxStore({
    config: s,
    site: config.site.id,
    spoolDir: paths.influxSpoolDir,
    gzip: s.gzip === 'auto' ? !isLoopbackUrl(s.url) : s.gzip,
    integerFieldsOf(templateId) {
      let set = integerFields.get(templateId);
      if (!set) {
        const t = templates?.get(templateId);
        if (!t) return undefined;
        set = new Set(t.fields.filter((f) => f.type === 'integer').map((f) => f.name));
        integerFields.set(templateId, set);
      }
      return set;
    },
  }, { log });
  return s.wal ? createWalStore(influx, { dir: paths.influxWalDir }, { log }) : influx;
}

/** Modbus and serial adapters, their devices registered and their raw input fed to the pipeline. */
export function createAdapters(
  config: GatewayConfig,
  deps: { log: Logger; templates: TemplateCatalog; registry: DeviceRegistry; pipeline: Pick<Pipeline, 'receive' | 'reject'> },
): Adapters {
  const templateOf = new Map<string, string>();
  // Polled devices go offline after a few missed polls (the registry's lifecycle rule).
  const pollIntervalOf = new Map(config.adapters.modbus.map((a) => [a.deviceId, a.intervalMs] as const));
  for (const a of [...config.adapters.modbus, ...config.adapters.serial]) {
    templateOf.set(a.deviceId, a.template);
    deps.registry.upsert({ id: a.deviceId, template: a.template, provisioned: true, ...(a.room ? { room: a.room } : {}), ...(a.building ? { building: a.building } : {}) });
  }
  const log = deps.log.child({ component: 'adapters' });
  const sink: AdapterSink = {
    receive(input) {
      deps.pipeline.receive(input).catch((err: unknown) => log.warn({ err, device: input.device }, 'adapter readings could not be stored'));
    },
    rejected: (r) => deps.pipeline.reject(r),
    deviceSeen(id, ok, error) {
      const template = templateOf.get(id);
      if (!template) return;
      if (ok) {
        const pollIntervalMs = pollIntervalOf.get(id);
        deps.registry.seen(id, template, Date.now(), pollIntervalMs !== undefined ? { pollIntervalMs } : undefined);
        deps.registry.setError(id, template, null);
      } else {
        deps.registry.setError(id, template, error ?? 'no answer');
      }
    },
  };
  const adapterDeps = { log: deps.log, templates: deps.templates, sink };
  return { modbus: createModbusAdapter(config.adapters.modbus, adapterDeps), serial: createSerialAdapter(config.adapters.serial, adapterDeps) };
}

export function createCommandsFor(config: GatewayConfig, adapters: Adapters, log: Logger): DeviceCommands {
  const driven = new Map<string, { template: string; adapter: Adapter }>();
  for (const a of config.adapters.modbus) driven.set(a.deviceId, { template: a.template, adapter: adapters.modbus });
  for (const a of config.adapters.serial) driven.set(a.deviceId, { template: a.template, adapter: adapters.serial });
  return createDeviceCommands(driven, { log });
}

export function adapterStats(adapters: Adapters, id: string): Record<string, unknown> | undefined {
  const s = adapters.modbus.stats().find((d) => d.device === id) ?? adapters.serial.stats().find((d) => d.device === id);
  return s ? { ...s } : undefined;
}

/** Commands published on `campus/<template>/<id>/command` for devices an adapter drives; outcomes on `gateway/<site>/commands`. */
export function subscribeCommands(broker: Broker, commands: DeviceCommands, siteId: string, log: Logger): void {
  broker.aedes().subscribe(commands.topicFilter, (packet, done) => {
    done();
    const topic = parseDeviceTopic(packet.topic);
    if (!topic || !commands.handles(topic.device)) return;
    let body: unknown;
    try {
      body = JSON.parse(packet.payload.toString());
    } catch {
      body = undefined;
    }
    commands.execute(topic.device, body).then(
      (result) => broker.publish(`gateway/${siteId}/commands`, JSON.stringify({ ts: new Date().toISOString(), ...result })),
      (err: unknown) => log.warn({ err, device: topic.device }, 'command failed'),
    ).catch(() => undefined);
  }, () => undefined);
}

/** InfluxDB on this machine: `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
