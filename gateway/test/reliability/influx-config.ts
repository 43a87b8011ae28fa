import type { StoreConfig } from '../../src/config/schema.js';

/** Narrows a parsed store config to the influx one (what createInfluxStore takes). */
export function influxConfig(s: StoreConfig): Extract<StoreConfig, { kind: 'influx' }> {
  if (s.kind !== 'influx') throw new Error('expected an influx store config');
  return s;
}
