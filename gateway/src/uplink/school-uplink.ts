/**
 * The options of the school's outbound side, read from the gateway config: the summaries
 * engine (`summariesOptionsFrom`) and the uplink to the district hub (`uplinkOptionsFrom`,
 * undefined when no `uplink` is configured). The composition root (gateway.ts) makes the
 * pseudonymizer, the outbound names, the guard, the uplink and the summaries from these;
 * nothing here constructs a component.
 */
import type { StatePaths } from '../config/paths.js';
import type { GatewayConfig } from '../config/schema.js';
import { siteTimeZone } from '../config/site-zone.js';
import type { SummariesOptions } from '../summaries/engine.js';
import type { Uplink, UplinkOptions } from './uplink.js';

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

/** `outbox_queued` and, when something waits, `outbox_oldest_s` (age of the oldest, whole seconds). */
export function outboxValues(uplink: Pick<Uplink, 'backlog'>, now = Date.now()): Record<string, number> {
  const b = uplink.backlog();
  // The outbox stamps messages with the system clock, so its age is measured on it too.
  return { outbox_queued: b.queued, ...(b.oldestMs !== null && { outbox_oldest_s: Math.max(0, Math.round((now - b.oldestMs) / 1000)) }) };
}

/** What the district ranks schools by (energy per student, per m²), from `site.students` and `site.floorArea_m2`. */
export function siteFacts(config: Pick<GatewayConfig, 'site'>): Record<string, number> {
  return {
    ...(config.site.students !== undefined && { students: config.site.students }),
    ...(config.site.floorArea_m2 !== undefined && { floor_area_m2: config.site.floorArea_m2 }),
  };
}

export function uplinkOptionsFrom(config: GatewayConfig, paths: Pick<StatePaths, 'uplinkOutbox'>): UplinkOptions | undefined {
  const u = config.uplink;
  if (u === undefined) return undefined;
  return {
    site: config.site.id, url: u.url, username: u.username, password: u.password, caFile: u.caFile,
    topicPrefix: u.topicPrefix, outboxPath: paths.uplinkOutbox, maxMessages: u.outboxMaxMessages,
    hubAck: u.hubAck, ackTimeoutMs: u.ackTimeoutSeconds * 1000,
  };
}
