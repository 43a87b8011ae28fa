/**
 * Wiring for `campus-gateway start`: the pseudonymizer, the summaries, the privacy
 * guard and (when `uplink` is configured) the uplink, from the gateway config.
 * Start order: pseudonymizer (ingest needs it) → uplink → summaries; stop in reverse.
 *
 *   const school = createSchoolUplink({ config, paths: resolveStatePaths(config) }, { log, templates, devices: () => registry.list() });
 *   await school.start();
 *   createIngest({ …, privacy: school.pseudonymizer, listeners: [school.summaries.asListener()] });
 *   registry status changes → school.summaries.deviceStatus(id, template, status, at)
 */
import type { Logger } from 'pino';
import type { StatePaths } from '../config/paths.js';
import type { GatewayConfig } from '../config/schema.js';
import { siteTimeZone } from '../config/site-zone.js';
import { createPseudonymizer, type Pseudonymizer } from '../privacy/pseudonymizer.js';
import { createUplinkGuard, type UplinkGuard } from '../privacy/guard.js';
import { createOutboundNames, type DeviceLike, type OutboundNames } from '../privacy/outbound-names.js';
import type { TemplateLike } from '../privacy/template-like.js';
import { createSummaries, type Summaries, type SummariesOptions } from '../summaries/engine.js';
import type { UplinkMessage } from '../summaries/types.js';
import { createUplink, type Uplink, type UplinkHealth } from './uplink.js';

/** The files this part keeps, as the composition root resolved them (config/paths.ts). */
export type SchoolUplinkPaths = Pick<StatePaths, 'pseudonymKeyFile' | 'uplinkOutbox' | 'summariesState'>;

export function summariesOptionsFrom(config: GatewayConfig, paths: Pick<StatePaths, 'summariesState'>): SummariesOptions {
  const u = config.uplink;
  return {
    site: config.site.id,
    minGroupSize: config.privacy.minGroupSize,
    timeZone: siteTimeZone(config),
    ...(u !== undefined && {
      windowSeconds: u.windowSeconds,
      graceSeconds: u.graceSeconds,
      offlineAlarmSeconds: u.offlineAlarmSeconds,
      schoolHours: u.schoolHours,
      lessonPeriods: u.lessonPeriods,
      statePath: paths.summariesState,
    }),
  };
}

export interface SchoolUplink {
  pseudonymizer: Pseudonymizer;
  summaries: Summaries;
  /** The config and template names a message to the hub may carry. */
  names: OutboundNames;
  guard: UplinkGuard;
  uplink: Uplink | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** For GET /api/health `uplink`: undefined when no uplink is configured. */
  health(): (UplinkHealth & { refusedByReason: Record<string, number> }) | undefined;
}

export interface SchoolUplinkDeps {
  log: Logger;
  templates: { list(): readonly TemplateLike[] };
  /**
   * The device registry's entries: provisioned devices give the names (device ids, rooms,
   * buildings) outbound messages may carry. Without it none do: devices leave under their
   * pseudonyms and rows about rooms are left out.
   */
  devices?(): Iterable<DeviceLike>;
  /** Also called with every summary and alarm (e.g. to keep them for GET /api/summaries). */
  onMessage?(message: UplinkMessage): void;
  placeOf?(device: string): { room?: string; building?: string } | undefined;
}

export function createSchoolUplink(options: { config: GatewayConfig; paths: SchoolUplinkPaths; summaryWindow?: Pick<SummariesOptions, 'windowSeconds' | 'graceSeconds'> }, deps: SchoolUplinkDeps): SchoolUplink {
  const { config, paths } = options;
  const pseudonymizer = createPseudonymizer({ keyFile: paths.pseudonymKeyFile }, { log: deps.log });
  const names = createOutboundNames({ site: config.site.id }, {
    templates: () => deps.templates.list(),
    devices: () => deps.devices?.() ?? [],
    pseudonym: (value) => pseudonymizer.pseudonym(value),
  });
  const guard = createUplinkGuard({ names }, { log: deps.log });
  const u = config.uplink;
  const uplink = u === undefined ? undefined : createUplink({
    site: config.site.id, url: u.url, username: u.username, password: u.password, caFile: u.caFile,
    topicPrefix: u.topicPrefix, outboxPath: paths.uplinkOutbox, maxMessages: u.outboxMaxMessages,
    hubAck: u.hubAck, ackTimeoutMs: u.ackTimeoutSeconds * 1000,
  }, { log: deps.log, guard });
  const summaries = createSummaries({ ...summariesOptionsFrom(config, paths), ...options.summaryWindow }, {
    log: deps.log,
    names,
    emit(m) {
      deps.onMessage?.(m);
      uplink?.send(m);
    },
    ...(deps.placeOf !== undefined && { placeOf: deps.placeOf }),
  });
  return {
    pseudonymizer,
    summaries,
    names,
    guard,
    uplink,
    async start() {
      await pseudonymizer.start();
      await uplink?.start();
      await summaries.start();
    },
    async stop() {
      await summaries.stop();
      await uplink?.stop();
      await pseudonymizer.stop();
    },
    health: () => (uplink === undefined ? undefined : { ...uplink.health(), refusedByReason: guard.refused() }),
  };
}
