// The ready parts buildHttpApp takes (class sessions in memory, an empty roster store, a metrics
// registry), for the tests that serve the API without a whole gateway. gateway.ts makes the real ones.
import type { Logger } from 'pino';
import { createGatewayMetrics } from '../../src/metrics/metrics.js';
import type { DeviceRegistry } from '../../src/registry/device-registry.js';
import { createRosterStore, createSessionManager } from '../../src/sessions/index.js';
import type { ReadingStore } from '../../src/store/types.js';
import type { Template } from '../../src/templates/index.js';

export function httpParts(deps: { log: Logger; registry: DeviceRegistry; store: ReadingStore; templates?: { get(id: string): Template | undefined } }) {
  const { log, registry, store, templates } = deps;
  return {
    sessions: createSessionManager({}, {
      log, deviceStatus: (id) => registry.get(id)?.status,
      lookup: { device: (id) => registry.get(id), template: (id) => templates?.get(id) },
    }),
    rosters: createRosterStore({}, { log }),
    metrics: createGatewayMetrics({ devices: () => registry.counts(), store: () => store.health() }),
  };
}
