/**
 * Stage 4, enrich: the device registry's metadata becomes tags, once per batch (one device per
 * input): room, building and the bound person. Before de-identification on purpose, so the
 * person tag is pseudonymized with the rest. A tag the reading already carries is kept.
 */
import type { Reading } from '../core/reading.js';
import type { DeviceRegistry } from '../registry/device-registry.js';

export function enrich(readings: Reading[], registry: Pick<DeviceRegistry, 'get'>): Reading[] {
  const device = registry.get((readings[0] as Reading).device);
  if (!device?.room && !device?.building && !device?.person) return readings;
  for (const r of readings) {
    if (device.room) r.tags.room ??= device.room;
    if (device.building) r.tags.building ??= device.building;
    if (device.person) r.tags.person ??= device.person;
  }
  return readings;
}
