/**
 * The summaries component: de-identified readings in, windowed summaries and
 * immediate alarms out (to the uplink's outbox).
 *
 * Windows: base windows of `windowSeconds` (default 60) aligned to the epoch; hour and
 * day roll-ups aligned to the site's local time. A window [s, e) is closed once the
 * clock passes e + grace: readings that arrive late but within the grace period still
 * count, and each window is emitted exactly once (no re-emission, so the hub never
 * has to reconcile two versions). A reading for a window already closed is counted
 * as `late` and left out of summaries (it is still stored locally and can raise an alarm).
 * The clock is passed in; `tick()` is driven by a timer after `start()`, or by tests.
 * Ids come from the window or alarm transition (`messageId`), so whatever is emitted again
 * after a crash (between the outbox write and the state save) is the same message to the hub.
 * Alarm states are saved beside the state file after every alarm (alarms.ts says why).
 */
import type { Logger } from 'pino';
import type { Reading } from '../core/reading.js';
import type { SummaryKind } from '../core/topics.js';
import type { TemplateLike } from '../privacy/template-like.js';
import { createAlarmTracker } from './alarms.js';
import { createDeviceHealthKind } from './kinds/device-health.js';
import { createEnergyKind } from './kinds/energy.js';
import { createEnvironmentKind } from './kinds/environment.js';
import type { KindContext, KindModule, Placement } from './kinds/kind.js';
import { createLightingKind } from './kinds/lighting.js';
import { createPeActivityKind, DEFAULT_ZONES, type HeartRateZones } from './kinds/pe-activity.js';
import { createUsageKind } from './kinds/usage.js';
import { createWritingActivityKind } from './kinds/writing-activity.js';
import { createSchoolHours } from './school-hours.js';
import { createSessionOf } from './sessions.js';
import { messageId } from './message-id.js';
import { alarmStatePath, loadAlarmState, loadState, saveAlarmState, saveState } from './state-file.js';
import { systemClock, type Clock, type Resolution, type UplinkMessage } from './types.js';
import { DAY_MS, floorTo, HOUR_MS, iso } from './window.js';
import { createSiteZone } from '../lib/zone.js';
import { gwError } from '../errors.js';

export interface SummariesOptions {
  site: string;
  windowSeconds?: number;
  graceSeconds?: number;
  minGroupSize?: number;
  /** The site's IANA time zone (`site.timezone`) for hour/day roll-ups, school hours and lesson periods; default UTC. */
  timeZone?: string;
  /** Local school hours; lights on outside them count as "left on". Weekends are outside. */
  schoolHours?: { start: string; end: string; days?: readonly number[] };
  lessonPeriods?: readonly string[];
  offlineAlarmSeconds?: number;
  offlineAlarmSecondsByTemplate?: Readonly<Record<string, number>>;
  /** How long a state sample holds when the template gives no `offlineAfterMs`. */
  defaultHoldSeconds?: number;
  co2LimitPpm?: number;
  lowBatteryPct?: number;
  zones?: HeartRateZones;
  tickMs?: number;
  /** Where to keep roll-ups and counter anchors across restarts; in memory only when absent. */
  statePath?: string;
}

export interface SummariesDeps {
  log: Logger;
  clock?: Clock;
  emit(message: UplinkMessage): void;
  /**
   * The names messages may carry (privacy/outbound-names.ts): a device's config id or its
   * pseudonym, a template id or `unknown`. Default: as given (unit tests).
   */
  names?: { device(id: string, template: string): string; template(id: string): string };
  /** The loaded templates: the usage summary names every usage metric they declare (0 when idle). */
  templates?(): Iterable<TemplateLike>;
  /**
   * Site values added to every device-health window summary: the gateway's own state, e.g. its
   * uplink outbox (`outbox_queued`, `outbox_oldest_s`), so the hub shows each school's backlog.
   */
  healthValues?(): Record<string, number>;
  /** Room and building of a device, for offline alarms. */
  placeOf?(device: string): { room?: string; building?: string } | undefined;
}

export interface IngestOptions {
  /** A class session id from the teachers' session API; otherwise room + lesson period. */
  session?: string;
}

export interface SummariesStats {
  late: number;
  future: number;
  emitted: Record<string, number>;
  /** Start of the oldest window still open (ISO 8601). */
  openFrom: string;
}

export interface Summaries {
  start(): Promise<void>;
  stop(): Promise<void>;
  ingest(readings: readonly Reading[], template: TemplateLike, options?: IngestOptions): void;
  deviceStatus(device: string, template: string | TemplateLike, status: 'online' | 'offline', at: number): void;
  rejected(template: string | TemplateLike, code: string): void;
  /** Closes every window whose grace period has passed; called by the timer. */
  tick(): void;
  stats(): SummariesStats;
  /** The shape the ingest pipeline's listeners have. */
  asListener(): { readings(readings: readonly Reading[], template: TemplateLike): void; rejected(r: { template: string; code: string }): void };
}

const MAX_FUTURE_MS = 5 * 60_000;

export function createSummaries(options: SummariesOptions, deps: SummariesDeps): Summaries {
  const log = deps.log.child({ component: 'summaries' });
  const clock = deps.clock ?? systemClock;
  const windowMs = (options.windowSeconds ?? 60) * 1000;
  const graceMs = (options.graceSeconds ?? 30) * 1000;
  const zone = createSiteZone(options.timeZone ?? 'UTC');
  // Winter and summer offsets both: a window must not straddle a local hour either side of a DST change.
  const offsets = [0, 91, 182, 273].map((d) => zone.offsetMs(clock.now() + d * DAY_MS));
  if (HOUR_MS % windowMs !== 0 || offsets.some((o) => o % windowMs !== 0)) {
    throw gwError('GW_ERR_CONFIG', `uplink.windowSeconds must divide an hour and the site's UTC offset, got ${windowMs / 1000}`);
  }
  const ctx: KindContext = {
    windowMs,
    minGroupSize: options.minGroupSize ?? 5,
    afterHours: createSchoolHours(options.schoolHours ?? { start: '07:00', end: '18:00' }, zone).outside,
    holdMs: (t) => t.offlineAfterMs ?? (options.defaultHoldSeconds ?? 300) * 1000,
    deviceName: (device, template) => deps.names?.device(device, template) ?? device,
  };
  const templateName = (id: string): string => deps.names?.template(id) ?? id;
  const health = createDeviceHealthKind(options.lowBatteryPct);
  const kinds: Array<KindModule<unknown>> = [
    createEnergyKind(ctx),
    createLightingKind(ctx),
    createUsageKind(ctx, () => deps.templates?.() ?? []),
    createEnvironmentKind(ctx, options.co2LimitPpm),
    health,
    createPeActivityKind(ctx, options.zones ?? DEFAULT_ZONES),
    createWritingActivityKind(ctx),
  ] as Array<KindModule<unknown>>;
  const alarms = createAlarmTracker({
    site: options.site,
    offlineAlarmMs: (options.offlineAlarmSeconds ?? 600) * 1000,
    offlineAlarmMsByTemplate: Object.fromEntries(Object.entries(options.offlineAlarmSecondsByTemplate ?? {}).map(([k, v]) => [k, v * 1000])),
    deviceName: ctx.deviceName,
  }, emit);
  const sessionOf = createSessionOf(options.lessonPeriods ?? [], zone);
  let rollups = { hour: new Map<SummaryKind, unknown>(), day: new Map<SummaryKind, unknown>() };
  const stats = { late: 0, future: 0, emitted: {} as Record<string, number> };
  const idFields = new Map<string, string[]>();
  let nextStart = floorTo(clock.now(), windowMs);
  let timer: NodeJS.Timeout | undefined;

  /** False when the uplink threw (its outbox could not write): the alarm tracker then tries again with the next reading. */
  function emit(message: UplinkMessage): boolean {
    const key = message.kind === 'alarm' ? 'alarm' : `${message.kind}:${message.resolution}`;
    try {
      deps.emit(message);
    } catch (err) {
      log.error({ err, kind: message.kind }, 'could not hand a summary to the uplink');
      return false;
    }
    stats.emitted[key] = (stats.emitted[key] ?? 0) + 1;
    // After the outbox has it: a crash in between re-emits the same transition (same id), never loses it.
    if (message.kind === 'alarm') persistAlarms();
    // A wristband out of range is routine, not an error; the name is the config id or the pseudonym.
    if (message.kind === 'alarm' && message.alarm === 'offline') log.info({ template: message.template, device: message.device, state: message.state }, 'device offline alarm');
    return true;
  }

  function persistAlarms(): void {
    if (options.statePath === undefined) return;
    try {
      saveAlarmState(alarmStatePath(options.statePath), alarms.snapshot());
    } catch (err) {
      log.error({ err, statePath: options.statePath }, 'could not save the alarm states');
    }
  }

  function publish(kind: KindModule<unknown>, detail: unknown, resolution: Resolution, start: number, end: number): void {
    const body = kind.publish(detail, resolution);
    if (body === undefined) return;
    if (kind.kind === 'device-health' && resolution === 'window' && deps.healthValues !== undefined) body.values = { ...body.values, ...deps.healthValues() };
    emit({ id: messageId([options.site, kind.kind, resolution, start]), site: options.site, kind: kind.kind, resolution, windowStart: iso(start), windowEnd: iso(end), ...body });
  }

  function rollUp(kind: KindModule<unknown>, level: 'hour' | 'day', detail: unknown): void {
    const acc = rollups[level].get(kind.kind);
    rollups[level].set(kind.kind, acc === undefined ? detail : kind.merge(acc, detail));
  }

  function closeWindow(start: number): void {
    const end = start + windowMs;
    const hourEnds = zone.startOfHour(end) === end;
    const dayEnds = zone.startOfDay(end) === end;
    for (const kind of kinds) {
      const detail = kind.close(start, end);
      kind.prune(end);
      if (detail !== undefined) {
        publish(kind, detail, 'window', start, end);
        const released = kind.released === undefined ? detail : kind.released(detail);
        if (released !== undefined) rollUp(kind, 'hour', released);
      }
      if (hourEnds) {
        const hour = rollups.hour.get(kind.kind);
        rollups.hour.delete(kind.kind);
        if (hour !== undefined) {
          publish(kind, hour, 'hour', end - HOUR_MS, end);
          rollUp(kind, 'day', hour);
        }
      }
      if (dayEnds) {
        const day = rollups.day.get(kind.kind);
        rollups.day.delete(kind.kind);
        if (day !== undefined) publish(kind, day, 'day', zone.startOfDay(end - 1), end);
      }
    }
  }

  function placement(r: Reading, t: TemplateLike, session: string | undefined): Placement {
    let ids = idFields.get(t.id);
    if (ids === undefined) idFields.set(t.id, (ids = t.fields.filter((f) => f.privacy === 'id').map((f) => f.name)));
    const room = r.tags.room ?? 'unassigned';
    let person = r.tags.person;
    for (const name of ids) {
      const v = r.fields[name] ?? r.tags[name];
      if (person === undefined && v !== undefined) person = String(v);
    }
    const building = r.tags.building;
    const s = session ?? sessionOf(room, r.ts);
    // Readings of one message share their placement (a pen's 100 points): one object, not 100.
    const last = lastPlacement;
    if (last !== undefined && last.room === room && last.session === s && last.building === building && last.person === person) return last;
    return (lastPlacement = { room, ...(building !== undefined && { building }), ...(person !== undefined && { person }), session: s });
  }
  let lastPlacement: Placement | undefined;

  function persist(): void {
    if (options.statePath === undefined) return;
    try {
      saveState(options.statePath, {
        version: 2,
        nextStart,
        hour: [...rollups.hour],
        day: [...rollups.day],
        kinds: kinds.flatMap((k) => (k.snapshot === undefined ? [] : [[k.kind, k.snapshot(nextStart)] as [string, unknown]])),
      });
    } catch (err) {
      log.error({ err, statePath: options.statePath }, 'could not save the summaries state');
    }
  }

  function restore(): void {
    if (options.statePath === undefined) return;
    alarms.restore(loadAlarmState(alarmStatePath(options.statePath)));
    const state = loadState(options.statePath);
    if (state === undefined) return;
    if (state.nextStart < nextStart) nextStart = state.nextStart;
    rollups = { hour: new Map(state.hour as Array<[SummaryKind, unknown]>), day: new Map(state.day as Array<[SummaryKind, unknown]>) };
    // Version 1 rolled up the withheld groups too: those roll-ups are dropped rather than sent.
    if (state.version === 1) for (const k of kinds) if (k.released !== undefined) for (const r of Object.values(rollups)) r.delete(k.kind);
    const snaps = new Map(state.kinds);
    for (const k of kinds) if (snaps.has(k.kind)) k.restore?.(snaps.get(k.kind));
    log.info({ resumeFrom: iso(nextStart) }, 'summaries state restored');
  }

  function tick(): void {
    const now = clock.now();
    alarms.tick(now);
    if (now - nextStart > DAY_MS + windowMs + graceMs) {
      const skipTo = floorTo(now - graceMs, windowMs) - windowMs;
      log.warn({ from: iso(nextStart), to: iso(skipTo) }, 'clock jumped ahead by more than a day; skipping empty windows and dropping stale roll-ups');
      nextStart = skipTo;
      rollups = { hour: new Map(), day: new Map() };
    }
    let closed = false;
    while (nextStart + windowMs + graceMs <= now) {
      closeWindow(nextStart);
      nextStart += windowMs;
      closed = true;
    }
    if (closed) persist();
  }

  const api: Summaries = {
    async start() {
      restore();
      timer = setInterval(tick, options.tickMs ?? 1000);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      persist();
    },
    ingest(readings, template, opts = {}) {
      const now = clock.now();
      for (const r of readings) {
        const at = placement(r, template, opts.session);
        alarms.ingest(r, template, at);
        if (r.ts < nextStart) {
          stats.late++;
          continue;
        }
        if (r.ts > now + MAX_FUTURE_MS) {
          stats.future++;
          continue;
        }
        for (const kind of kinds) kind.ingest(r, template, at);
      }
    },
    deviceStatus(device, template, status, at) {
      const id = templateName(typeof template === 'string' ? template : template.id);
      health.deviceStatus(device, id, status, at);
      alarms.deviceStatus(device, id, status, at, deps.placeOf?.(device));
    },
    rejected(template, code) {
      health.rejected(templateName(typeof template === 'string' ? template : template.id), code, clock.now());
    },
    tick,
    stats: () => ({ late: stats.late, future: stats.future, emitted: { ...stats.emitted }, openFrom: iso(nextStart) }),
    asListener() {
      return {
        readings: (readings, template) => api.ingest(readings, template),
        rejected: (r) => api.rejected(r.template, r.code),
      };
    },
  };
  return api;
}
