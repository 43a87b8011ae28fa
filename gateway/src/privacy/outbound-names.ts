/**
 * The names a message to the hub may carry. Every string in a summary or an alarm comes from
 * the school's config (the site id; provisioned devices with their rooms and buildings), from
 * the templates (ids, alarm fields and their enum values) or from the gateway itself (message
 * ids, times, kinds, reason codes, pseudonyms); never from what a device sent. The uplink guard
 * checks messages against these names (outbound-schema.ts), so a device cannot steer it by
 * choosing a value: the old guard refused any message containing a value seen in an `id` field,
 * and a check-in whose card equalled the site id stopped every message, fire alarms included
 * (issue #16).
 *
 * A device leaves the school under its config id only when it is provisioned (config, adapters,
 * admin API) and not personal; otherwise under its pseudonym. Personal: bound to a person
 * (`person` in its config), or of a template whose `id` field is a `state` (the device reports
 * whose it is in every reading: wristbands, pens, jump ropes, the kiosk's card).
 * A device that connected on its own named itself: its topic id is not a config name.
 */
import type { FieldLike, TemplateLike } from './template-like.js';
import { PERSON_TAG, PSEUDONYM_PATTERN } from './pseudonymizer.js';

export interface DeviceLike {
  readonly id: string;
  readonly template: string;
  readonly room?: string | undefined;
  readonly building?: string | undefined;
  readonly person?: string | undefined;
  readonly provisioned?: boolean | undefined;
}

export interface OutboundNamesOptions {
  site: string;
  /** How long a snapshot of the templates and devices is used before it is taken again. */
  refreshMs?: number;
}

export interface OutboundNamesDeps {
  templates(): Iterable<TemplateLike>;
  /** The device registry's entries; only provisioned ones give names. */
  devices(): Iterable<DeviceLike>;
  pseudonym(value: string): string;
  clock?: { now(): number };
}

/** Where a reading has no room from the config (summaries' placement). */
export const UNASSIGNED_ROOM = 'unassigned';
/** Stands for a template the gateway does not have (e.g. a topic naming a template that does not exist). */
export const UNKNOWN_TEMPLATE = 'unknown';

export interface OutboundNames {
  readonly site: string;
  /** What a device is called outside the school: its config id, or its pseudonym. */
  device(id: string, template: string): string;
  /** The template id if the gateway has that template, else `unknown`. */
  template(id: string): string;
  isDevice(name: string): boolean;
  isRoom(name: string): boolean;
  isBuilding(name: string): boolean;
  isTemplate(id: string): boolean;
  /** The field of a template declared as an alarm, if `field` is one. */
  alarmField(template: string, field: string): FieldLike | undefined;
  /** Field names marked `id` or `health` in any template, and `person`: never a key of a message. */
  privateKeys(): ReadonlySet<string>;
  pseudonym(value: string): string;
}

interface Snapshot {
  at: number;
  templates: Map<string, TemplateLike>;
  privateKeys: Set<string>;
  /** Provisioned device id → personal. */
  devices: Map<string, boolean>;
  rooms: Set<string>;
  buildings: Set<string>;
}

function isPersonalTemplate(t: TemplateLike | undefined): boolean {
  return t?.fields.some((f) => f.privacy === 'id' && f.role === 'state') ?? false;
}

export function createOutboundNames(options: OutboundNamesOptions, deps: OutboundNamesDeps): OutboundNames {
  const refreshMs = options.refreshMs ?? 1000;
  const now = () => deps.clock?.now() ?? Date.now();
  let snap: Snapshot | undefined;

  function take(): Snapshot {
    const templates = new Map<string, TemplateLike>();
    const privateKeys = new Set<string>([PERSON_TAG]);
    for (const t of deps.templates()) {
      templates.set(t.id, t);
      for (const f of t.fields) if (f.privacy !== undefined) privateKeys.add(f.name);
    }
    const devices = new Map<string, boolean>();
    const rooms = new Set<string>([UNASSIGNED_ROOM]);
    const buildings = new Set<string>();
    for (const d of deps.devices()) {
      if (d.provisioned !== true) continue;
      devices.set(d.id, d.person !== undefined || isPersonalTemplate(templates.get(d.template)));
      if (d.room !== undefined) rooms.add(d.room);
      if (d.building !== undefined) buildings.add(d.building);
    }
    return { at: now(), templates, privateKeys, devices, rooms, buildings };
  }

  function current(): Snapshot {
    if (snap === undefined || now() - snap.at >= refreshMs) snap = take();
    return snap;
  }

  /** A device provisioned a moment ago (admin API) is not in a snapshot up to `refreshMs` old: look again once. */
  function personal(id: string): boolean | undefined {
    let s = current();
    if (!s.devices.has(id) && now() - s.at >= 50) s = snap = take();
    return s.devices.get(id);
  }

  return {
    site: options.site,
    device(id, template) {
      const p = personal(id);
      return p === false && !isPersonalTemplate(current().templates.get(template)) ? id : deps.pseudonym(id);
    },
    template: (id) => (current().templates.has(id) ? id : UNKNOWN_TEMPLATE),
    isDevice: (name) => PSEUDONYM_PATTERN.test(name) || personal(name) === false,
    isRoom: (name) => current().rooms.has(name),
    isBuilding: (name) => current().buildings.has(name),
    isTemplate: (id) => id === UNKNOWN_TEMPLATE || current().templates.has(id),
    alarmField(template, field) {
      const f = current().templates.get(template)?.fields.find((x) => x.name === field);
      return f !== undefined && f.alarm !== undefined && f.alarm !== false && f.privacy === undefined ? f : undefined;
    },
    privateKeys: () => current().privateKeys,
    pseudonym: deps.pseudonym,
  };
}
