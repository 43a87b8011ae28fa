/**
 * Ingest: topic + payload (or an adapter's decoded readings) → template decode →
 * de-identification → device registry → stores → listeners (summaries).
 * A bad reading is rejected with a reason, counted, logged at debug and
 * published on `gateway/<site-id>/rejected`; it never throws out of here.
 */
import type { Logger } from 'pino';
import type { Reading } from '../core/reading.js';
import type { DeviceTopic } from '../core/topics.js';
import type { DeviceRegistry } from '../registry/device-registry.js';
import type { ReadingStore } from '../store/types.js';
import { decodeMqtt, type Template, type TemplateRegistry } from '../templates/index.js';

export interface Rejection {
  device: string;
  template: string;
  code: string;
  reason: string;
  topic?: string;
  /** The start of the raw input, for the operator. */
  raw?: string;
}

export interface ReadingListener {
  readings(readings: readonly Reading[], template: Template): void;
  rejected?(rejection: Rejection): void;
}

export interface IngestDeps {
  log: Logger;
  templates: TemplateRegistry;
  registry: DeviceRegistry;
  stores: ReadingStore[];
  /** Publishes a rejection message on the rejected topic (QoS 0). */
  publishRejected(payload: string): void;
  /** Replaces `id` fields by pseudonyms before anything is stored or forwarded. */
  privacy?: { deidentify(readings: Reading[], template: Template): Reading[] };
  listeners?: ReadingListener[];
}

export interface IngestStats {
  readings: Record<string, number>;
  rejected: Record<string, number>;
}

export interface Ingest {
  /** A device publish on the broker; resolves once its readings are durably stored. */
  handleMqtt(topic: DeviceTopic, payload: Buffer, receivedAt: number): Promise<void>;
  /** Readings decoded by an adapter (Modbus, serial). */
  acceptReadings(templateId: string, readings: Reading[]): Promise<void>;
  reject(rejection: Rejection): void;
  stats(): IngestStats;
  addListener(listener: ReadingListener): void;
}

const RAW_PREVIEW = 200;
/**
 * Timestamp policy: a reading more than 24 h ahead of the gateway's clock is rejected (the
 * device's clock is wrong; stored, it would freeze the device's latest values until that date).
 * Past timestamps are accepted (a device replaying its backlog); retention prunes the old ones.
 */
const MAX_FUTURE_MS = 24 * 3_600_000;
const DONE: Promise<void> = Promise.resolve();

/**
 * Outside accept() on purpose: a closure there capturing `readings` would put them in the
 * context that the store-completion callback shares, keeping every reading alive until its
 * batch is written (found in a heap snapshot: 20,000 points held by in-flight pen messages).
 */
function writeAll(stores: readonly ReadingStore[], readings: readonly Reading[]): Promise<unknown> {
  if (stores.length === 1) return (stores[0] as ReadingStore).write(readings);
  const all: Promise<void>[] = [];
  for (const s of stores) all.push(s.write(readings));
  return Promise.all(all);
}

export function createIngest(deps: IngestDeps): Ingest {
  const log = deps.log.child({ component: 'ingest' });
  const listeners = [...(deps.listeners ?? [])];
  const stats: IngestStats = { readings: {}, rejected: {} };

  function reject(r: Rejection): void {
    stats.rejected[r.code] = (stats.rejected[r.code] ?? 0) + 1;
    log.debug({ rejection: r }, 'reading rejected');
    deps.registry.setError(r.device, r.template, `${r.code}: ${r.reason}`);
    try {
      deps.publishRejected(JSON.stringify({ ts: new Date().toISOString(), ...r }));
    } catch (err) {
      log.warn({ err }, 'could not publish a rejection');
    }
    for (const l of listeners) l.rejected?.(r);
  }

  /**
   * Not async on purpose: nothing here is suspended while the store writes, so no reading, payload
   * or decode result is kept alive by a waiting frame; only the count and template id are.
   */
  function accept(template: Template, decoded: Reading[]): Promise<void> {
    if (decoded.length === 0) return DONE;
    // Device metadata first (room, building, bound person), so the person tag is pseudonymized with the rest.
    const device = deps.registry.get(decoded[0]!.device);
    if (device?.room || device?.building || device?.person) {
      for (const r of decoded) {
        if (device.room) r.tags.room ??= device.room;
        if (device.building) r.tags.building ??= device.building;
        if (device.person) r.tags.person ??= device.person;
      }
    }
    const readings = deps.privacy ? deps.privacy.deidentify(decoded, template) : decoded;
    const first = readings[0]!;
    const count = readings.length;
    // The stores take the readings now (encoded, batched); listeners run at once, so no reading
    // object lives on while its batch is written: under load that wait outlasts two young-generation
    // GCs, and every waiting reading would be promoted to the old generation (RSS). If the write
    // fails the publish is not acknowledged and the device sends it again: a summary may then
    // count that reading twice, which only happens when the spool is full or the gateway stops.
    const stored = writeAll(deps.stores, readings);
    let newest = first;
    for (const r of readings) if (r.ts >= newest.ts && r.event === undefined) newest = r;
    if (newest.event === undefined) deps.registry.setLatest(newest.device, template.id, newest.ts, newest.fields);
    for (const l of listeners) {
      try {
        l.readings(readings, template);
      } catch (err) {
        log.error({ err }, 'a reading listener failed');
      }
    }
    const templateId = template.id;
    return stored.then(() => { stats.readings[templateId] = (stats.readings[templateId] ?? 0) + count; });
  }

  function handle(topic: DeviceTopic, payload: Buffer, receivedAt: number): Promise<void> {
    const { template: templateId, device, channel } = topic;
    if (channel === 'command') return DONE;
    if (channel === 'status') {
      const text = payload.toString('utf8').trim();
      if (text === 'online' || text === 'offline') deps.registry.setStatus(device, templateId, text, receivedAt);
      else reject({ device, template: templateId, code: 'bad_status', reason: `status must be "online" or "offline", got ${JSON.stringify(text.slice(0, 40))}` });
      return DONE;
    }
    const template = deps.templates.get(templateId);
    if (!template) {
      reject({ device, template: templateId, code: 'unknown_template', reason: `no template "${templateId}"`, raw: payload.toString('utf8', 0, RAW_PREVIEW) });
      return DONE;
    }
    deps.registry.seen(device, templateId, receivedAt);
    const result = decodeMqtt(template, payload, { device, channel, receivedAt });
    if (!result.ok) {
      reject({ device, template: templateId, code: result.code, reason: result.reason, topic: `campus/${templateId}/${device}/${channel}`, raw: payload.toString('utf8', 0, RAW_PREVIEW) });
      return DONE;
    }
    const tooLate = receivedAt + MAX_FUTURE_MS;
    for (const r of result.readings) {
      if (r.ts > tooLate) {
        reject({
          device, template: templateId, code: 'out_of_range', topic: `campus/${templateId}/${device}/${channel}`, raw: payload.toString('utf8', 0, RAW_PREVIEW),
          reason: `ts ${new Date(r.ts).toISOString()} is more than 24 h ahead of the gateway's clock (${new Date(receivedAt).toISOString()}); is the device's clock set?`,
        });
        return DONE;
      }
    }
    deps.registry.setError(device, templateId, null);
    return accept(template, result.readings);
  }

  return {
    handleMqtt(topic, payload, receivedAt) {
      try {
        return handle(topic, payload, receivedAt);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    async acceptReadings(templateId, readings) {
      const template = deps.templates.get(templateId);
      if (!template) throw new Error(`GW_ERR_UNKNOWN_TEMPLATE: ${templateId}`);
      await accept(template, readings);
    },
    reject,
    stats: () => ({ readings: { ...stats.readings }, rejected: { ...stats.rejected } }),
    addListener: (l) => listeners.push(l),
  };
}
