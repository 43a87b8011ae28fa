/**
 * The MQTT topic scheme of docs/interfaces.md. Device side:
 *   campus/<template-id>/<device-id>/(telemetry|event|status|command)
 * Gateway side: gateway/<site-id>/rejected. Uplink: hub/<site-id>/summary/<kind>, hub/<site-id>/alarm/<template-id>.
 */
export const DEVICE_CHANNELS = ['telemetry', 'event', 'status', 'command'] as const;
export type DeviceChannel = (typeof DEVICE_CHANNELS)[number];

export interface DeviceTopic {
  template: string;
  device: string;
  channel: DeviceChannel;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Parses a device topic; returns undefined for anything that is not one. */
export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'campus') return undefined;
  const [, template, device, channel] = parts as [string, string, string, string];
  if (!SEGMENT.test(template) || !SEGMENT.test(device)) return undefined;
  if (!(DEVICE_CHANNELS as readonly string[]).includes(channel)) return undefined;
  return { template, device, channel: channel as DeviceChannel };
}

export function deviceTopic(template: string, device: string, channel: DeviceChannel): string {
  return `campus/${template}/${device}/${channel}`;
}

export function rejectedTopic(siteId: string): string {
  return `gateway/${siteId}/rejected`;
}

export const SUMMARY_KINDS = [
  'energy', 'lighting', 'usage', 'environment', 'device-health', 'pe-activity', 'writing-activity',
] as const;
export type SummaryKind = (typeof SUMMARY_KINDS)[number];

export function summaryTopic(siteId: string, kind: SummaryKind): string {
  return `hub/${siteId}/summary/${kind}`;
}

export function alarmTopic(siteId: string, templateId: string): string {
  return `hub/${siteId}/alarm/${templateId}`;
}
