/**
 * Ingest: topic + payload (or an adapter's decoded readings) → template decode →
 * de-identification → device registry → stores → listeners (summaries).
 * A bad reading is rejected with a reason, counted, logged at debug and
 * published on `gateway/<site-id>/rejected`; it never throws out of here.
 * Everything that reaches the stores is storable (core/storable.ts): the decoders check what the
 * device sent, and the tags added here (room, building, person, device) are checked before the
 * write, so no store drops a reading after it was acknowledged. What a rejection shows is in
 * rejections.ts (no personal value, ever).
 */
import type { Logger } from 'pino';
import type { Reading } from '../core/reading.js';
import { tagValueProblem } from '../core/storable.js';
import type { DeviceTopic } from '../core/topics.js';
import type { DeviceRegistry } from '../registry/device-registry.js';
import type { ReadingStore } from '../store/types.js';
import { decodeMqtt, type Template, type TemplateRegistry } from '../templates/index.js';
import { privacyOf, rejectionMessage, shownRejection, type Privacy, type Rejection } from './rejections.js';
import { gwError } from '../errors.js';

export type { Rejection } from './rejections.js';

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
  /**
   * Replaces `id` fields by pseudonyms before anything is stored or forwarded; `pseudonym` names
   * a personal template's device in its rejections.
   */
  privacy?: { deidentify(readings: Reading[], template: Template): Reading[]; pseudonym?(value: string): string };
  /** Epoch ms, for the rejection messages' `ts` (tests). */
  now?: () => number;
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

const RAW_PREVIEW = 120;
/** Tags the pipeline adds from the device registry: checked here, the decoders check the rest. */
const ADDED_TAGS = ['room', 'building', 'person'] as const;
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
  const now = deps.now ?? Date.now;
  const pseudonym = deps.privacy?.pseudonym ? (id: string) => deps.privacy!.pseudonym!(id) : undefined;
  // Tag values already found storable (bounded): the registry's few rooms and buildings, device ids.
  const storable = new Set<string>();

  /** A template we do not know may be a personal device's whose template went away: ask the registry. */
  function privacyFor(templateId: string, device: string): Privacy {
    const own = privacyOf(deps.templates.get(templateId));
    if (own !== 'unknown') return own;
    const known = deps.registry.get(device)?.template;
    return known === undefined || known === templateId ? 'unknown' : privacyOf(deps.templates.get(known)) === 'personal' ? 'personal' : 'unknown';
  }

  function reject(r: Rejection): void {
    stats.rejected[r.code] = (stats.rejected[r.code] ?? 0) + 1;
    const message = rejectionMessage(r, privacyFor(r.template, r.device), pseudonym, now());
    log.debug({ rejection: message }, 'reading rejected');
    deps.registry.setError(r.device, r.template, `${r.code}: ${r.reason}`);
    try {
      deps.publishRejected(JSON.stringify(message));
    } catch (err) {
      log.warn({ err }, 'could not publish a rejection');
    }
    const shown = shownRejection(r, message);
    for (const l of listeners) l.rejected?.(shown);
  }

  /** The device id and the registry's tags of the readings to store, if one is not storable. */
  function addedTagProblem(readings: readonly Reading[]): string | undefined {
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
  }

  function remember(v: string): void {
    if (storable.size >= 10_000) storable.clear();
    storable.add(v);
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
    const unstorable = addedTagProblem(readings);
    if (unstorable !== undefined) {
      reject({ device: first.device, template: template.id, code: 'invalid_string', reason: unstorable });
      return DONE;
    }
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
      else reject({ device, template: templateId, code: 'bad_status', channel, bytes: payload.length, raw: text, reason: `status must be "online" or "offline", got ${text.length} characters` });
      return DONE;
    }
    const template = deps.templates.get(templateId);
    if (!template) {
      reject({ device, template: templateId, code: 'unknown_template', reason: `no template "${templateId}"`, channel, bytes: payload.length });
      return DONE;
    }
    deps.registry.seen(device, templateId, receivedAt);
    const result = decodeMqtt(template, payload, { device, channel, receivedAt });
    if (!result.ok) {
      reject({
        device, template: templateId, code: result.code, reason: result.reason, ...(result.field === undefined ? {} : { field: result.field }),
        channel, topic: `campus/${templateId}/${device}/${channel}`, bytes: payload.length, raw: payload.toString('utf8', 0, RAW_PREVIEW),
      });
      return DONE;
    }
    const tooLate = receivedAt + MAX_FUTURE_MS;
    for (const r of result.readings) {
      if (r.ts > tooLate) {
        reject({
          device, template: templateId, code: 'out_of_range', channel, topic: `campus/${templateId}/${device}/${channel}`, bytes: payload.length, raw: payload.toString('utf8', 0, RAW_PREVIEW),
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
      if (!template) throw gwError('GW_ERR_UNKNOWN_TEMPLATE', `${templateId}`);
      await accept(template, readings);
    },
    reject,
    stats: () => ({ readings: { ...stats.readings }, rejected: { ...stats.rejected } }),
    addListener: (l) => listeners.push(l),
  };
}
