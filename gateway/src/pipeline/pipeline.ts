/**
 * The pipeline: one path for a reading from every transport, its stages in the order they run,
 * one file each:
 *   receive.ts → decode.ts → validate.ts → enrich.ts → deidentify.ts → store.ts → fanout.ts
 * The broker hands in `{ transport: 'mqtt', topic, payload, at }`, the Modbus adapter
 * `{ transport: 'modbus', device, template, registers, at }`, the serial adapter
 * `{ transport: 'serial', device, template, lines, at }`; the checks are the same for all three.
 * A bad input is rejected with a reason (reject.ts): counted, logged at debug, published on
 * `gateway/<site-id>/rejected`; it never throws out of here. `receive` resolves once the
 * readings are durably stored (the broker acknowledges a QoS 1 publish then), or at once when
 * the input was rejected and reported.
 */
import type { Logger } from 'pino';
import type { Reading } from '../core/reading.js';
import type { DeviceRegistry } from '../registry/device-registry.js';
import type { ReadingStore } from '../store/types.js';
import type { Template, TemplateCatalog } from '../templates/index.js';
import { decode } from './decode.js';
import { deidentify, type Deidentifier } from './deidentify.js';
import { enrich } from './enrich.js';
import { fanout, type ReadingListener } from './fanout.js';
import { receive, type PipelineInput } from './receive.js';
import { createRejecter } from './reject.js';
import type { Rejection } from './rejections.js';
import { createStorableCheck, store } from './store.js';
import { validate } from './validate.js';

export type { Rejection } from './rejections.js';
export type { ReadingListener } from './fanout.js';
export type { PipelineInput, MqttInput, ModbusInput, SerialInput } from './receive.js';

export interface PipelineDeps {
  log: Logger;
  templates: Pick<TemplateCatalog, 'get'>;
  registry: DeviceRegistry;
  stores: ReadingStore[];
  /** Publishes a rejection message on the rejected topic (QoS 0). */
  publishRejected(payload: string): void;
  /**
   * Replaces `id` fields by pseudonyms before anything is stored or forwarded; `pseudonym` names
   * a personal template's device in its rejections.
   */
  privacy?: Deidentifier & { pseudonym?(value: string): string };
  /** Epoch ms, for the rejection messages' `ts` (tests). */
  now?: () => number;
  listeners?: ReadingListener[];
}

export interface PipelineStats {
  readings: Record<string, number>;
  rejected: Record<string, number>;
}

export interface Pipeline {
  /** Raw input from a transport; resolves once its readings are durably stored (or it was rejected). */
  receive(input: PipelineInput): Promise<void>;
  /** A problem a transport found before there was anything to decode (a Modbus exception, an overlong serial line). */
  reject(rejection: Rejection): void;
  stats(): PipelineStats;
  addListener(listener: ReadingListener): void;
}

const DONE: Promise<void> = Promise.resolve();

/**
 * Outside the pipeline's closures on purpose: the callback waiting for the store holds the
 * count and the template id only, never a reading.
 */
function countWhenStored(stored: Promise<unknown>, counts: Record<string, number>, templateId: string, count: number): Promise<void> {
  return stored.then(() => { counts[templateId] = (counts[templateId] ?? 0) + count; });
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const log = deps.log.child({ component: 'pipeline' });
  const listeners = [...(deps.listeners ?? [])];
  const stats: PipelineStats = { readings: {}, rejected: {} };
  const storable = createStorableCheck();
  const reject = createRejecter({
    log, templates: deps.templates, registry: deps.registry, listeners, counts: stats.rejected, publish: deps.publishRejected,
    ...(deps.privacy?.pseudonym && { pseudonym: (id: string) => deps.privacy!.pseudonym!(id) }),
    ...(deps.now && { now: deps.now }),
  });
  const receiveDeps = { templates: deps.templates, registry: deps.registry, reject };
  const fanoutDeps = { registry: deps.registry, listeners, log };

  /** Not async on purpose: nothing here is suspended while the store writes, so no reading is kept alive by a waiting frame. */
  function run(input: PipelineInput): Promise<void> {
    const template: Template | undefined = receive(input, receiveDeps);
    if (!template) return DONE;
    const decoded = decode(input, template, reject);
    if (!decoded || decoded.length === 0) return DONE;
    if (!validate(input, template.id, decoded, reject)) return DONE;
    const readings = deidentify(enrich(decoded, deps.registry), template, deps.privacy);
    const unstorable = storable.problem(readings);
    if (unstorable !== undefined) {
      reject({ device: (readings[0] as Reading).device, template: template.id, code: 'invalid_string', reason: unstorable });
      return DONE;
    }
    const stored = store(deps.stores, readings);
    fanout(readings, template, fanoutDeps);
    return countWhenStored(stored, stats.readings, template.id, readings.length);
  }

  return {
    receive(input) {
      try {
        return run(input);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    reject,
    stats: () => ({ readings: { ...stats.readings }, rejected: { ...stats.rejected } }),
    addListener: (l) => listeners.push(l),
  };
}
