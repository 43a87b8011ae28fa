/**
 * Stage 6, store: the de-identified readings go to every store, which takes them at once
 * (encoded, batched) and resolves once they are durable. Everything that reaches a store can be
 * stored (core/storable.ts): the decoders checked what the device sent; the device id and the
 * tags the pipeline added from the registry (a room typed with a line break through the admin
 * API) are checked here, before the write, so no store drops a reading after it was acknowledged.
 */
import type { Reading } from '../core/reading.js';
import { tagValueProblem } from '../core/storable.js';
import type { ReadingStore } from '../store/types.js';

/** Tags the pipeline adds from the device registry: checked here, the decoders check the rest. */
const ADDED_TAGS = ['room', 'building', 'person'] as const;

export interface StorableCheck {
  /** Why the device id or an added tag of these readings cannot be stored; undefined when all can. */
  problem(readings: readonly Reading[]): string | undefined;
}

export function createStorableCheck(): StorableCheck {
  // Values already found storable (bounded): the registry's few rooms and buildings, device ids.
  const storable = new Set<string>();
  const remember = (v: string): void => {
    if (storable.size >= 10_000) storable.clear();
    storable.add(v);
  };
  return {
    problem(readings) {
      let device: string | undefined;
      for (const r of readings) {
        if (r.device === device) continue;
        device = r.device;
        if (!storable.has(device)) {
          const bad = tagValueProblem(device);
          if (bad) return `device id: invalid_string (${bad.detail})`;
          remember(device);
        }
      }
      const tags = (readings[0] as Reading).tags;
      for (const k of ADDED_TAGS) {
        const v = tags[k];
        if (v === undefined || storable.has(v)) continue;
        const bad = tagValueProblem(v);
        if (bad) return `tag ${k} (from the device registry): invalid_string (${bad.detail})`;
        remember(v);
      }
      return undefined;
    },
  };
}

/**
 * Hands the readings to every store. A plain function on purpose: a closure in the pipeline
 * capturing `readings` would share the context of the store-completion callback and keep every
 * reading alive until its batch is written (found in a heap snapshot: 20,000 points held by
 * in-flight pen messages).
 */
export function store(stores: readonly ReadingStore[], readings: readonly Reading[]): Promise<unknown> {
  if (stores.length === 1) return (stores[0] as ReadingStore).write(readings);
  const all: Promise<void>[] = [];
  for (const s of stores) all.push(s.write(readings));
  return Promise.all(all);
}
