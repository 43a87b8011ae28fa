/**
 * The composition root of the gateway service: every component is made here (helped by
 * wiring.ts for the ones built from a config section) and handed, ready, to whoever uses it.
 * No component builds another's dependencies or reads the environment; every path comes from
 * config/paths.ts, once. `createGateway` returns `{ start, stop }` and handles for tests.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

import { rejectedTopic } from './core/topics.js';
import { resolveStatePaths, type StatePaths } from './config/paths.js';
import type { GatewayConfig } from './config/schema.js';
import { checkStartable } from './config/secure-start.js';
import { siteTimeZone } from './config/site-zone.js';
import { preflight } from './config/preflight.js';
import { createBroker, type Broker } from './broker/broker.js';
import { deviceAuthFromConfig } from './broker/device-auth.js';
import { createDeviceProvisioning } from './registry/provisioning.js';
import { createPipeline, type Pipeline } from './pipeline/pipeline.js';
import { createStateFanout, type StateFanout } from './pipeline/state-fanout.js';
import { createDeviceRegistry, type DeviceRegistry } from './registry/device-registry.js';
import type { ReadingStore } from './store/types.js';
import { createTemplateCatalog, type TemplateCatalog } from './templates/index.js';
import { buildHttpApp } from './api/server.js';
import { createPseudonymizer, type Pseudonymizer } from './privacy/pseudonymizer.js';
import { createUplinkGuard, type UplinkGuard } from './privacy/guard.js';
import { createOutboundNames, type OutboundNames } from './privacy/outbound-names.js';
import { createSummaries, type Summaries } from './summaries/engine.js';
import { createUplink, type Uplink } from './uplink/uplink.js';
import { outboxValues, siteFacts, summariesOptionsFrom, uplinkOptionsFrom } from './uplink/school-uplink.js';
import { createRosterStore, createSessionManager, type RosterStore, type SessionManager } from './sessions/index.js';
import { createSummaryStore, type SummaryStore } from './api/summary-store.js';
import { createGatewayMetrics } from './metrics/metrics.js';
import { adapterStats, createAdapters, createCommandsFor, createStore, subscribeCommands, type Adapters } from './wiring.js';
import type { HealthReport } from './api/routes/health.js';
import { gwError } from './errors.js';

/** The school's outbound side: summaries and alarms, the names they may carry, the guard, the uplink. */
export interface SchoolOutbound {
  summaries: Summaries;
  names: OutboundNames;
  guard: UplinkGuard;
  /** Undefined when no `uplink` is configured. */
  uplink: Uplink | undefined;
}

export interface Gateway {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly config: GatewayConfig;
  /** Every file and directory it writes (config/paths.ts). */
  readonly paths: StatePaths;
  readonly broker: Broker;
  readonly registry: DeviceRegistry;
  readonly templates: TemplateCatalog;
  /** receive → decode → validate → enrich → de-identify → store → fan out, for every transport. */
  readonly pipeline: Pipeline;
  readonly store: ReadingStore;
  readonly pseudonymizer: Pseudonymizer;
  readonly adapters: Adapters;
  readonly school: SchoolOutbound;
  /** Class sessions (fed by the pipeline, served by the API). */
  readonly sessions: SessionManager;
  readonly rosters: RosterStore;
  /** The summaries this gateway emitted, kept on disk for /api/summaries and the district view. */
  readonly summaries: SummaryStore;
  /** `state` / `availability` topics and the SSE stream for the school's apps. */
  readonly stateFanout: StateFanout;
  http(): FastifyInstance;
  /** Bound ports (after start), useful when the config asked for port 0. */
  ports(): { mqtt: number; http: number };
  health(): HealthReport;
}

const DEFAULT_OFFLINE_AFTER_MS = 5 * 60_000;
const SWEEP_EVERY_MS = 5_000;

export function createGateway(config: GatewayConfig, deps: {
  log: Logger; /** Named in config problems. */ configFile?: string;
  /** Shorter summary windows than `uplink.windowSeconds` (the demo closes one every few seconds). */
  summaryWindow?: { windowSeconds: number; graceSeconds: number };
}): Gateway {
  const log = deps.log;
  // Refuses an open config unless it says `insecure: true` (the same check as `config check`).
  const openParts = checkStartable(config);
  // Every state path, once: components are handed theirs and derive none themselves.
  const paths = resolveStatePaths(config);
  const templates = createTemplateCatalog({ ...(config.templatesDir ? { dir: config.templatesDir } : {}), watch: true }, { log });
  const lifecycle = config.broker.lifecycle;
  const registry = createDeviceRegistry({ missedPolls: lifecycle.missedPolls, offlineAlarmAfterMs: lifecycle.offlineAlarmAfterSeconds * 1000 });
  for (const d of config.devices) registry.upsert({ ...d, provisioned: true });
  const brokerAuth = deviceAuthFromConfig(config);
  // Devices provisioned through the admin API (POST, DELETE, import) persist in the data dir and override the config's.
  const provisioning = createDeviceProvisioning(
    { file: paths.devicesFile, configDevices: config.devices, internalUsers: config.broker.auth.internalUsers.map((u) => u.username) },
    { auth: brokerAuth, registry, disconnect: (id) => theBroker.disconnectDevice(id), log: log.child({ component: 'provisioning' }) },
  );
  // One metrics registry per gateway; the store is wrapped so every write's latency is observed.
  const metrics = createGatewayMetrics({
    broker: () => ({ clients: theBroker.connectedClients(), ...theBroker.stats() }),
    ingest: () => pipeline.stats(),
    devices: () => registry.counts(),
    store: () => store.health(),
    adapters: () => [...adapters.modbus.stats(), ...adapters.serial.stats()],
    outboxDepth: () => uplink?.health().queued ?? 0,
    spoolDepth: () => Number(store.health().detail?.spool_batches ?? 0),
  }, { site: config.site.id });
  const store = metrics.instrumentStore(createStore(config, paths, log, templates), config.store.kind);
  const summaryStore = createSummaryStore({ path: paths.summariesDb }, { log });
  // De-identification of the local store, the sessions and the uplink: one key, one pseudonymizer.
  const pseudonymizer = createPseudonymizer({ keyFile: paths.pseudonymKeyFile }, { log });
  const pseudonym = (value: string) => pseudonymizer.pseudonym(value);
  // The names a message to the hub may carry, the guard that checks every message, and the uplink.
  const names = createOutboundNames({ site: config.site.id }, { templates: () => templates.list(), devices: () => registry.list(), pseudonym });
  const guard = createUplinkGuard({ names }, { log });
  const uplinkOptions = uplinkOptionsFrom(config, paths);
  const uplink = uplinkOptions && createUplink(uplinkOptions, { log, guard });
  const summaries = createSummaries({ ...summariesOptionsFrom(config, paths), ...deps.summaryWindow }, {
    log, names,
    templates: () => templates.list(),
    emit(m) {
      summaryStore.push(m);
      uplink?.send(m);
    },
    placeOf: (id) => registry.get(id),
    // The hub's /api/schools shows each school's backlog from these (hub/sites.ts).
    ...(uplink && { healthValues: () => ({ ...siteFacts(config), ...outboxValues(uplink) }) }),
  });
  const school: SchoolOutbound = { summaries, names, guard, uplink };
  // Class sessions and the teachers' saved rosters.
  const sessions = createSessionManager({ file: paths.sessionsFile }, {
    log, pseudonym,
    deviceStatus: (id) => registry.get(id)?.status,
    lookup: { device: (id) => registry.get(id), template: (id) => templates.get(id) },
  });
  const rosters = createRosterStore({ file: paths.rostersFile }, { log });
  // The two closures below refer to each other's component; both run only after start().
  const theBroker: Broker = createBroker(config.broker, {
    log,
    auth: brokerAuth,
    onDeviceConnect: (id, template, at) => registry.seen(id, template, at),
    onDevicePublish: (topic, payload, at) => pipeline.receive({ transport: 'mqtt', topic, payload, at }),
    onDeviceStatus: (topic, payload, at) => void pipeline.receive({ transport: 'mqtt', topic, payload, at }),
  });
  // The de-identified readings of every transport, for apps: retained topics and GET /api/stream.
  const stateFanout = createStateFanout(config.broker.stateTopics, {
    log,
    publish: (topic, payload) => { theBroker.publish(topic, payload, { retain: true }).catch(() => undefined); },
  });
  const pipeline = createPipeline({
    log, templates, registry, stores: [store],
    privacy: { deidentify: (readings, template) => pseudonymizer.deidentifyInPlace(readings, template), pseudonym },
    listeners: [summaries.asListener(), stateFanout, { readings: (readings) => sessions.readings(readings) }],
    publishRejected: (payload) => {
      theBroker.publish(rejectedTopic(config.site.id), payload).catch(() => undefined);
    },
  });
  const adapters = createAdapters(config, { log, templates, registry, pipeline });
  const commands = createCommandsFor(config, adapters, log);
  registry.on('status', (d) => {
    if (d.status !== 'never') stateFanout.availability(d.id, d.template, d.status);
    if (d.status === 'online') summaries.deviceStatus(d.id, d.template, 'online', Date.now());
    if (d.status === 'offline') summaries.deviceStatus(d.id, d.template, 'offline', Date.parse(d.offlineSince ?? new Date().toISOString()));
  });
  let app: FastifyInstance | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;

  function health(): HealthReport {
    const storeHealth = store.health();
    const templateErrors = templates.errors();
    const uplinkHealth = uplink === undefined ? undefined : { ...uplink.health(), refusedByReason: guard.refused() };
    const status = storeHealth.ok && templateErrors.length === 0 ? 'ok' : 'degraded';
    return {
      status,
      broker: { clients: theBroker.connectedClients(), auth: config.broker.auth.enabled ? 'on' : 'off (anonymous devices allowed)', ...theBroker.stats() },
      store: { ...storeHealth },
      uplink: uplinkHealth ? { ...uplinkHealth } : null,
      devices: registry.counts(),
      templates: { loaded: templates.list().length, errors: templateErrors.length },
      ingest: pipeline.stats(),
      insecure: config.insecure,
      warnings: [
        ...(config.broker.auth.enabled ? [] : ['broker auth is off: any client may publish as any device']),
        ...(config.insecure ? ['insecure: true: this gateway may run open (not for a school with real pupils\' data)'] : []),
        ...(storeHealth.detail?.influx_reachable === false ? [`InfluxDB unreachable (${String(storeHealth.detail.last_error)}): readings are spooled on disk until it answers`] : []),
      ],
    };
  }

  /** The latest value of every device, from the store; a store that cannot answer yet only costs the warm cache. */
  async function warmUp(): Promise<void> {
    if (!store.latest || !store.health().ok) return;
    try {
      for (const [id, l] of await store.latest()) registry.setLatest(id, l.template, l.ts, l.fields);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not read the latest values from the store; they fill in as devices report');
    }
  }

  return {
    config, paths, broker: theBroker, registry, templates, pipeline, store, pseudonymizer, adapters, school, summaries: summaryStore, stateFanout, sessions, rosters,
    http() {
      if (!app) throw gwError('GW_ERR_NOT_STARTED', 'gateway is not started');
      return app;
    },
    ports: () => ({ mqtt: theBroker.port(), http: app ? (app.server.address() as { port: number } | null)?.port ?? 0 : 0 }),
    health,
    async start() {
      // Each part's stop is noted before its start: when a start throws half-way, every part begun
      // so far is stopped (listeners, timers, watchers, stores), so the process can exit.
      const begun: (() => Promise<unknown>)[] = [];
      const step = (start: () => Promise<unknown>, stop: () => Promise<unknown>) => {
        begun.push(stop);
        return start();
      };
      try {
        await step(() => templates.start(), () => templates.stop());
        // What `config check` refuses, refused before anything listens or writes (config/preflight.ts).
        const checked = preflight(config, { file: deps.configFile ?? '(config)', templates, paths });
        for (const warning of checked.warnings) log.warn(warning);
        await step(() => summaryStore.start(), () => summaryStore.stop());
        // The pseudonymizer before anything that de-identifies; summaries after the uplink they feed.
        await step(() => pseudonymizer.start(), () => pseudonymizer.stop());
        await step(async () => uplink?.start(), async () => uplink?.stop());
        await step(() => summaries.start(), () => summaries.stop());
        await step(() => store.start(), () => store.stop());
        await warmUp();
        await step(() => sessions.start(), () => sessions.stop());
        await step(() => theBroker.start(), () => theBroker.stop());
        await step(() => adapters.modbus.start(), () => adapters.modbus.stop());
        await step(() => adapters.serial.start(), () => adapters.serial.stop());
        subscribeCommands(theBroker, commands, config.site.id, log);
        if (!config.broker.auth.enabled) log.warn('broker auth is off: devices connect anonymously (demo default)');
        if (config.insecure) log.warn({ open: openParts.map((o) => o.key) }, 'insecure: true: running open on purpose');
        app = await buildHttpApp({
          log, health: { report: health }, store, registry,
          templateOf: (id) => templates.get(id),
          templates, site: config.site.id, siteName: config.site.name, timeZone: siteTimeZone(config),
          summaries: summaryStore,
          stream: stateFanout,
          ...(config.uplink?.hubUrl !== undefined && { hubUrl: config.uplink.hubUrl }),
          metrics, sessions, rosters,
          commands: { commands, stats: (id) => adapterStats(adapters, id) },
          adminDevices: { auth: brokerAuth, registry, provisioning, disconnect: (id) => theBroker.disconnectDevice(id), templateOf: (id) => templates.get(id) },
          ...(config.http.tokens ? { tokens: config.http.tokens } : {}),
        });
        const http = app;
        await step(() => http.listen({ port: config.http.port, host: config.http.host }), () => http.close());
      } catch (err) {
        app = undefined;
        for (const stop of begun.reverse()) await stop().catch((e: unknown) => log.debug({ err: e }, 'could not stop a part after a failed start'));
        throw err;
      }
      sweepTimer = setInterval(() => {
        registry.sweep(Date.now(), (t) => templates.get(t)?.offlineAfterMs ?? DEFAULT_OFFLINE_AFTER_MS);
      }, SWEEP_EVERY_MS);
      sweepTimer.unref();
      log.info({ http: this.ports().http, mqtt: theBroker.port(), site: config.site.id, dataDir: paths.dataDir }, 'gateway started');
    },
    async stop() {
      if (sweepTimer) clearInterval(sweepTimer);
      stateFanout.stop();
      await app?.close();
      await sessions.stop();
      await adapters.serial.stop();
      await adapters.modbus.stop();
      await theBroker.stop();
      await store.stop();
      await summaries.stop();
      await uplink?.stop();
      await pseudonymizer.stop();
      await summaryStore.stop();
      await templates.stop();
    },
  };
}

