/**
 * The site's time zone, resolved once from the config: `site.timezone`, else (deprecated,
 * for one release) a fixed-offset zone from `uplink.utcOffsetMinutes`, else the host's zone.
 */
import { fixedOffsetZone, hostTimeZone } from '../lib/zone.js';
import type { GatewayConfig } from './schema.js';

export function siteTimeZone(config: Pick<GatewayConfig, 'site' | 'uplink'>, host: () => string = hostTimeZone): string {
  if (config.site.timezone !== undefined) return config.site.timezone;
  const minutes = config.uplink?.utcOffsetMinutes;
  return minutes === undefined ? host() : fixedOffsetZone(minutes);
}
