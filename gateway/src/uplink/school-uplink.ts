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
import type { UplinkOptions } from './uplink.js';

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

export function uplinkOptionsFrom(config: GatewayConfig, paths: Pick<StatePaths, 'uplinkOutbox'>): UplinkOptions | undefined {
  const u = config.uplink;
  if (u === undefined) return undefined;
  return {
    site: config.site.id, url: u.url, username: u.username, password: u.password, caFile: u.caFile,
    topicPrefix: u.topicPrefix, outboxPath: paths.uplinkOutbox, maxMessages: u.outboxMaxMessages,
    hubAck: u.hubAck, ackTimeoutMs: u.ackTimeoutSeconds * 1000,
  };
}
