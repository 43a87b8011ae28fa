/**
 * Composition root of the gateway service: wires templates, registry, stores,
 * broker, ingest and the HTTP API from a validated config. `createGateway`
 * returns `{ start, stop }` and handles for tests.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { parseDeviceTopic, rejectedTopic } from './core/topics.js';
import type { GatewayConfig } from './config/schema.js';
import { createBroker, type Broker } from './broker/broker.js';
import { deviceAuthFromConfig } from './broker/device-auth.js';
import { adminDevicesRoutes } from './api/routes/admin-devices.js';
import { createIngest, type Ingest } from './pipeline/ingest.js';
import { createDeviceRegistry, type DeviceRegistry } from './registry/device-registry.js';
import { createEmbeddedStore } from './store/embedded-store.js';
import { createInfluxStore } from './store/influx-store.js';
import type { ReadingStore } from './store/types.js';
import { createTemplateRegistry, type TemplateRegistry } from './templates/index.js';
import { buildHttpApp } from './api/server.js';
import { createModbusAdapter, createSerialAdapter, type Adapter, type AdapterSink } from './adapters/index.js';
import { createPseudonymizer, type Pseudonymizer } from './privacy/index.js';
import { createDeviceCommands, type DeviceCommands } from './commands/device-commands.js';
import { commandRoutes } from './commands/routes.js';
import type { HealthReport } from './api/routes/health.js';

export interface Gateway {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly config: GatewayConfig;
  readonly broker: Broker;
  readonly registry: DeviceRegistry;
  readonly templates: TemplateRegistry;
  readonly ingest: Ingest;
  readonly store: ReadingStore;
  readonly pseudonymizer: Pseudonymizer;
  readonly adapters: { modbus: Adapter; serial: Adapter };
  http(): FastifyInstance;
  /** Bound ports (after start), useful when the config asked for port 0. */
  ports(): { mqtt: number; http: number };
  health(): HealthReport;
}

const DEFAULT_OFFLINE_AFTER_MS = 5 * 60_000;
const SWEEP_EVERY_MS = 5_000;

export function createStore(config: GatewayConfig, log: Logger, templates?: TemplateRegistry): ReadingStore {
  const s = config.store;
  if (s.kind === 'embedded') {
    return createEmbeddedStore({ path: s.path, retentionDays: s.retentionDays, siteTags: { site: config.site.id } }, { log });
  }
  const integerFields = new Map<string, ReadonlySet<string>>();
  return createInfluxStore({
    config: s,
    site: config.site.id,
    spoolDir: s.spoolPath ?? join(process.env.GATEWAY_DATA_DIR ?? './data', 'influx-spool'),
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
}

export function createGateway(config: GatewayConfig, deps: { log: Logger }): Gateway {
  const log = deps.log;
  const templates = createTemplateRegistry({ ...(config.templatesDir ? { dir: config.templatesDir } : {}), watch: true }, { log: log.child({ component: 'templates' }) });
  const lifecycle = config.broker.lifecycle;
  const registry = createDeviceRegistry({ missedPolls: lifecycle.missedPolls, offlineAlarmAfterMs: lifecycle.offlineAlarmAfterSeconds * 1000 });
  for (const d of config.devices) registry.upsert({ ...d, provisioned: true });
  const brokerAuth = deviceAuthFromConfig(config);
  const store = createStore(config, log, templates);
  const pseudonymizer = createPseudonymizer({ keyFile: config.privacy.pseudonymKeyFile }, { log });
  // The two closures below refer to each other's component; both run only after start().
  const theBroker: Broker = createBroker(config.broker, {
    log,
    auth: brokerAuth,
    onDeviceConnect: (id, template, at) => registry.seen(id, template, at),
    onDevicePublish: (topic, payload, at) => ingest.handleMqtt(topic, payload, at),
    onDeviceStatus: (topic, payload, at) => void ingest.handleMqtt(topic, payload, at),
  });
  const ingest = createIngest({
    log, templates, registry, stores: [store],
    privacy: { deidentify: (readings, template) => pseudonymizer.deidentify(readings, template) },
    publishRejected: (payload) => {
      theBroker.publish(rejectedTopic(config.site.id), payload).catch(() => undefined);
    },
  });
  const adapters = createAdapters(config, { log, templates, registry, ingest });
  const commands = createCommandsFor(config, adapters, log);
  let app: FastifyInstance | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;

  function health(): HealthReport {
    const storeHealth = store.health();
    const templateErrors = templates.errors();
    const status = storeHealth.ok && templateErrors.length === 0 ? 'ok' : 'degraded';
    return {
      status,
      broker: { clients: theBroker.connectedClients(), auth: config.broker.auth.enabled ? 'on' : 'off (anonymous devices allowed)', ...theBroker.stats() },
      store: { ...storeHealth },
      uplink: config.uplink ? { configured: true } : null,
      devices: registry.counts(),
      templates: { loaded: templates.list().length, errors: templateErrors.length },
      ingest: ingest.stats(),
      warnings: config.broker.auth.enabled ? [] : ['broker auth is off: any client may publish as any device'],
    };
  }

  return {
    config, broker: theBroker, registry, templates, ingest, store, pseudonymizer, adapters,
    http() {
      if (!app) throw new Error('GW_ERR_NOT_STARTED: gateway is not started');
      return app;
    },
    ports: () => ({ mqtt: theBroker.port(), http: app ? (app.server.address() as { port: number } | null)?.port ?? 0 : 0 }),
    health,
    async start() {
      await templates.start();
      await pseudonymizer.start();
      await store.start();
      const warm = await store.latest?.();
      for (const [id, l] of warm ?? []) registry.setLatest(id, l.template, l.ts, l.fields);
      await theBroker.start();
      await adapters.modbus.start();
      await adapters.serial.start();
      subscribeCommands(theBroker, commands, config.site.id, log);
      if (!config.broker.auth.enabled) log.warn('broker auth is off: devices connect anonymously (demo default)');
      app = await buildHttpApp({
        log, health: { report: health }, store, registry,
        templateOf: (id) => templates.get(id),
        templates, ingest, broker: theBroker, site: config.site.id,
        plugins: [commandRoutes(commands, (id) => adapterStats(adapters, id)), async (a) => {
          await a.register(adminDevicesRoutes, { auth: brokerAuth, registry, disconnect: (id) => theBroker.disconnectDevice(id), hasTemplate: (id) => templates.get(id) !== undefined });
        }],
        ...(config.http.tokens ? { tokens: config.http.tokens } : {}),
        sessions: {
          ...(config.store.kind === 'embedded' && config.store.path !== ':memory:' ? { file: join(config.store.path, 'sessions.json') } : {}),
          pseudonym: (value) => pseudonymizer.pseudonym(value),
        },
      });
      await app.listen({ port: config.http.port, host: config.http.host });
      sweepTimer = setInterval(() => {
        registry.sweep(Date.now(), (t) => templates.get(t)?.offlineAfterMs ?? DEFAULT_OFFLINE_AFTER_MS);
      }, SWEEP_EVERY_MS);
      sweepTimer.unref();
      log.info({ http: this.ports().http, mqtt: theBroker.port(), site: config.site.id }, 'gateway started');
    },
    async stop() {
      if (sweepTimer) clearInterval(sweepTimer);
      await app?.close();
      await adapters.serial.stop();
      await adapters.modbus.stop();
      await theBroker.stop();
      await store.stop();
      await pseudonymizer.stop();
      await templates.stop();
    },
  };
}

/** Modbus and serial adapters, their devices registered and their output fed to ingest. */
function createAdapters(
  config: GatewayConfig,
  deps: { log: Logger; templates: TemplateRegistry; registry: DeviceRegistry; ingest: Ingest },
): { modbus: Adapter; serial: Adapter } {
  const templateOf = new Map<string, string>();
  for (const a of [...config.adapters.modbus, ...config.adapters.serial]) {
    templateOf.set(a.deviceId, a.template);
    deps.registry.upsert({ id: a.deviceId, template: a.template, provisioned: true, ...(a.room ? { room: a.room } : {}), ...(a.building ? { building: a.building } : {}) });
  }
  const log = deps.log.child({ component: 'adapters' });
  const sink: AdapterSink = {
    readings(rs) {
      const first = rs[0];
      if (!first) return;
      deps.ingest.acceptReadings(first.template, rs).catch((err: unknown) => log.warn({ err, device: first.device }, 'adapter readings could not be stored'));
    },
    rejected: (r) => deps.ingest.reject(r),
    deviceSeen(id, ok, error) {
      const template = templateOf.get(id);
      if (!template) return;
      if (ok) {
        deps.registry.seen(id, template, Date.now());
        deps.registry.setError(id, template, null);
      } else {
        deps.registry.setError(id, template, error ?? 'no answer');
      }
    },
  };
  const adapterDeps = { log: deps.log, templates: deps.templates, sink };
  return { modbus: createModbusAdapter(config.adapters.modbus, adapterDeps), serial: createSerialAdapter(config.adapters.serial, adapterDeps) };
}

function createCommandsFor(config: GatewayConfig, adapters: { modbus: Adapter; serial: Adapter }, log: Logger): DeviceCommands {
  const driven = new Map<string, { template: string; adapter: Adapter }>();
  for (const a of config.adapters.modbus) driven.set(a.deviceId, { template: a.template, adapter: adapters.modbus });
  for (const a of config.adapters.serial) driven.set(a.deviceId, { template: a.template, adapter: adapters.serial });
  return createDeviceCommands(driven, { log });
}

function adapterStats(adapters: { modbus: Adapter; serial: Adapter }, id: string): Record<string, unknown> | undefined {
  const s = adapters.modbus.stats().find((d) => d.device === id) ?? adapters.serial.stats().find((d) => d.device === id);
  return s ? { ...s } : undefined;
}

/** Commands published on `campus/<template>/<id>/command` for devices an adapter drives; outcomes on `gateway/<site>/commands`. */
function subscribeCommands(broker: Broker, commands: DeviceCommands, siteId: string, log: Logger): void {
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
