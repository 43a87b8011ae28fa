/**
 * Stage 7, fan out: the stored readings' newest values become the device's latest (the
 * registry, for /api/devices), its last error is cleared, and every listener gets the batch at
 * once: summaries, class sessions, the state topics and the SSE stream (state-fanout.ts). They
 * run before the store's write completes, so no reading object lives on while its batch is
 * written (under load that wait outlasts two young-generation GCs). If the write fails the
 * publish is not acknowledged and the device sends it again: a summary may then count that
 * reading twice, which only happens when the spool is full or the gateway stops.
 */
import type { Logger } from 'pino';
import type { Reading } from '../core/reading.js';
import type { DeviceRegistry } from '../registry/device-registry.js';
import type { Template } from '../templates/index.js';
import type { Rejection } from './rejections.js';

export interface ReadingListener {
  readings(readings: readonly Reading[], template: Template): void;
  rejected?(rejection: Rejection): void;
}

export function fanout(
  readings: readonly Reading[], template: Template,
  deps: { registry: Pick<DeviceRegistry, 'setLatest' | 'setError'>; listeners: readonly ReadingListener[]; log: Logger },
): void {
  const first = readings[0] as Reading;
  let newest = first;
  for (const r of readings) if (r.ts >= newest.ts && r.event === undefined) newest = r;
  if (newest.event === undefined) deps.registry.setLatest(newest.device, template.id, newest.ts, newest.fields);
  deps.registry.setError(first.device, template.id, null);
  for (const l of deps.listeners) {
    try {
      l.readings(readings, template);
    } catch (err) {
      deps.log.error({ err }, 'a reading listener failed');
    }
  }
}
