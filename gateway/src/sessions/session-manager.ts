/**
 * Keeps the class sessions and captures, while a session runs, the readings of
 * its roster's devices (an ingest listener). A roster line must name a device the
 * school registered for one student, and a reading is that device's only when its
 * template's identifier field carries the device's id (roster.ts). A session starts
 * now or later (a few minutes of clock skew allowed), lasts at most 4 h, and a
 * device is on at most one session's roster at a time. Captured readings stay in
 * this process: the export is the teacher's and nothing here is ever published uplink.
 *
 * With `file`, session metadata is persisted there and each session's captured
 * readings are appended to `sessions/<id>.ndjson` beside it (mode 0600), so an
 * export still works after a restart; sessions older than `keepDays` are deleted
 * with their readings. In memory, at most `captureLimit` readings per session are
 * kept (the excess is counted).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Reading } from '../core/reading.js';
import type { TemplateLike } from '../privacy/template-like.js';
import { DEFAULT_ZONES } from '../summaries/kinds/pe-activity.js';
import { buildCaptureIndex, type CaptureIndex } from './capture-index.js';
import { createCaptureFiles } from './capture-file.js';
import { sessionSpan } from './session-span.js';
import { createLessonLive, type LessonLive, type LiveEvents } from './lesson-live.js';
import { createLessonTally, type LessonTally, type StudentLessonRow } from './lesson-summary.js';
import { writeFileAtomicSync } from '../lib/atomic-file.js';
import { SessionRuleError, type RefusedLine } from './errors.js';
import { bindRoster, identityFields, withoutIdentity, type RosterLookup } from './roster.js';
import { previewRosterText, type RosterPreview } from './roster-preview.js';
import { DEFAULT_CAPTURE_LIMIT, MAX_SESSION_MS, type BoundRosterEntry, type CreateSession, type LiveSessionView, type SessionStatus, type SessionView } from './schema.js';

export interface CapturedReading {
  student: string;
  key: string;
  reading: Reading;
}

interface Session {
  id: string;
  owner: string;
  room: string;
  class: string;
  subject: string;
  startMs: number;
  endMs: number;
  stoppedAtMs: number | null;
  roster: BoundRosterEntry[];
  captured: CapturedReading[];
  dropped: number;
  lastSeen: Map<string, number>;
  /** Per-student rows kept up to date at capture (every reading, the ones past the memory limit too). */
  tally: LessonTally;
  /** Each pen's current page and each band's latest sample (the wall's and PE view's snapshot). */
  wall: LessonLive;
  counts: Map<string, number>;
  total: number;
  /** Captured readings of an earlier run are read back from disk on first use. */
  onDisk: boolean;
}

export interface SessionManagerOptions {
  /** JSON file holding session metadata across restarts; memory only when absent. */
  file?: string;
  /** Readings kept in memory per session (default 100,000, about 33 MiB of pen points; the file keeps all). */
  captureLimit?: number;
  defaultLengthMs?: number;
  /** A roster device counts as connected when it sent something within its template's `reportIntervalMs`
   * (else `offlineAfterMs`, else this window). */
  connectedWindowMs?: number;
  /** Sessions (and their captured readings) ended longer ago than this are deleted at start (default 30). */
  keepDays?: number;
}

export interface SessionManagerDeps {
  log: Logger;
  /** The registry and templates a roster is checked against; without it no roster line is accepted. */
  lookup?: RosterLookup;
  /** Online status of gateway devices (the registry). */
  deviceStatus?: (id: string) => 'online' | 'offline' | 'never' | undefined;
  /** The privacy layer's pseudonym of a clear identifier, when readings are de-identified at ingest. */
  pseudonym?: (value: string) => string;
  now?: () => number;
}

export interface SessionManager {
  start(): Promise<void>;
  stop(): Promise<void>;
  create(input: CreateSession, owner: string): SessionView;
  /** A pasted roster checked line by line for a session over `at` (default: from now, the default length). */
  previewRoster(text: string, at?: Pick<CreateSession, 'start' | 'end'>): RosterPreview;
  list(owner?: string): SessionView[];
  get(id: string): Session | undefined;
  /** The session's captured readings (read back from disk for a session of an earlier run). */
  captured(s: Session): CapturedReading[];
  view(s: Session): SessionView;
  live(s: Session): LiveSessionView;
  stopSession(s: Session): SessionView;
  /** Ingest listener entry point. */
  readings(readings: readonly Reading[]): void;
  /** The devices on the rosters of the owner's sessions running now, with the running session's span. */
  rosterDevices(owner: string): Map<string, { from: number; to: number }>;
  /** A template as the roster lookup has it now (the export reads its behaviour). */
  templateOf(id: string): TemplateLike | undefined;
  /** Every reading the session captures from now on, per ingest batch (the live views' stream); returns the unsubscribe. */
  subscribe(id: string, fn: (events: LiveEvents) => void): () => void;
  /** The session's pens' current pages and bands' latest samples, strokes numbered as the export counts them. */
  liveSnapshot(s: Session): LiveEvents;
  /** Readings captured in all (on disk too), past what `captured` holds in memory once over `captureLimit`. */
  total(s: Session): number;
  /** One row per student over everything captured (memory limit or not). */
  lessonRows(s: Session, endMs: number): StudentLessonRow[];
  /** The field and tag names a student's readings carried. */
  columns(s: Session, student: string): { fields: string[]; tags: string[] };
  /**
   * Every captured reading in capture order, all of them: read back from `sessions/<id>.ndjson` when
   * the session has a file (a 45-min lesson of 40 pens is ~8 M points, past the memory limit), else memory.
   */
  eachCaptured(s: Session, fn: (c: CapturedReading) => void): Promise<void>;
}

export type { Session };


const iso = (ms: number) => new Date(ms).toISOString();
/** Whether a reading's time lies in the session: from its start to its end or its stop. */
const within = (s: Pick<Session, 'startMs' | 'endMs' | 'stoppedAtMs'>, ts: number) => ts >= s.startMs && ts < Math.min(s.endMs, s.stoppedAtMs ?? Infinity);
const lineOf = (problem: string) => Number(/^roster line (\d+)/.exec(problem)?.[1] ?? 0);
const byLine = (a: string, b: string) => lineOf(a) - lineOf(b);

export function createSessionManager(options: SessionManagerOptions, deps: SessionManagerDeps): SessionManager {
  const log = deps.log.child({ component: 'sessions' });
  const now = deps.now ?? Date.now;
  const limit = options.captureLimit ?? DEFAULT_CAPTURE_LIMIT;
  const window = options.connectedWindowMs ?? 60_000;
  const sessions = new Map<string, Session>();
  const lookup: RosterLookup = deps.lookup ?? { device: () => undefined, template: () => undefined };
  const idFieldsOf = (template: string) => identityFields(lookup.template(template));
  const connectedWithin = (template: string): number => {
    const t = lookup.template(template);
    return t?.reportIntervalMs ?? t?.offlineAfterMs ?? window;
  };
  let index: CaptureIndex<Session> = buildCaptureIndex<Session>({ sessions: [], identityFields: idFieldsOf });
  const files = createCaptureFiles({ dir: options.file ? join(dirname(options.file), 'sessions') : undefined }, { log });
  const listeners = new Map<string, Set<(events: LiveEvents) => void>>();
  const fresh = (roster: readonly BoundRosterEntry[]) => ({
    tally: createLessonTally(roster, (id) => lookup.template(id)), wall: createLessonLive((id) => lookup.template(id)), counts: new Map<string, number>(), total: 0,
  });
  /** What every captured reading adds to the session's counts and rows. */
  function count(s: Session, c: CapturedReading): void {
    s.tally.add(c.student, c.reading);
    s.counts.set(c.key, (s.counts.get(c.key) ?? 0) + 1);
    s.total++;
  }
  /** Captured readings of a file, in capture order, by the live capture's rule. */
  function diskLine(s: Session, line: string, byDevice: Map<string, BoundRosterEntry>): CapturedReading | undefined {
    if (!line) return undefined;
    try {
      const { k, r } = JSON.parse(line) as { k: string; r: Reading };
      const e = byDevice.get(k);
      // Same rule as the live capture (a file of an older version held more).
      if (e !== undefined && r.template === e.template && within(s, r.ts)) return { student: e.student, key: k, reading: withoutIdentity(r, idFieldsOf(e.template)) };
    } catch {
      // A line torn by a crash is skipped; the rest of the session stays readable.
    }
    return undefined;
  }

  function status(s: Session): SessionStatus {
    if (s.stoppedAtMs !== null) return 'stopped';
    const t = now();
    if (t < s.startMs) return 'scheduled';
    return t < s.endMs ? 'live' : 'ended';
  }

  function reindex(): void {
    const capturing = [...sessions.values()].filter((s) => s.stoppedAtMs === null && now() < s.endMs);
    index = buildCaptureIndex({ sessions: capturing.map((s) => ({ session: s, roster: s.roster })), identityFields: idFieldsOf, pseudonym: deps.pseudonym });
  }

  const span = (input: Pick<CreateSession, 'start' | 'end'>) => sessionSpan(input, now(), options.defaultLengthMs);

  /** Devices on the roster of a session running at some time in [startMs, endMs): one session per device at a time. */
  function claimed(startMs: number, endMs: number): Set<string> {
    const taken = new Set<string>();
    for (const s of sessions.values()) {
      if (s.startMs < endMs && Math.min(s.endMs, s.stoppedAtMs ?? Infinity) > startMs) for (const e of s.roster) taken.add(e.device);
    }
    return taken;
  }

  function persist(): void {
    if (!options.file) return;
    const data = [...sessions.values()].map((s) => ({ ...s, captured: undefined, lastSeen: undefined, onDisk: undefined, tally: undefined, wall: undefined, counts: undefined, total: undefined }));
    writeFileAtomicSync(options.file, JSON.stringify(data, null, 1));
  }

  function load(): void {
    if (!options.file) return;
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch {
      return;
    }
    const cutoff = now() - (options.keepDays ?? 30) * 86_400_000;
    for (const s of JSON.parse(text) as Array<Omit<Session, 'captured' | 'lastSeen' | 'dropped' | 'onDisk' | 'tally' | 'wall' | 'counts' | 'total'>>) {
      if ((s.stoppedAtMs ?? s.endMs) < cutoff) {
        files.remove(s.id);
        continue;
      }
      // A session kept by an older version is held to today's rules: its roster bound again (the
      // lines refused today dropped) and its span cut to the longest a session may last.
      const roster = s.roster.every((e) => typeof e.template === 'string') ? s.roster : bindRoster(s.roster, lookup).entries;
      const endMs = Math.min(s.endMs, s.startMs + MAX_SESSION_MS);
      sessions.set(s.id, { ...s, roster, endMs, captured: [], dropped: 0, lastSeen: new Map(), onDisk: files.exists(s.id), ...fresh(roster) });
    }
    log.info({ sessions: sessions.size }, 'class sessions loaded');
  }

  const manager: SessionManager = {
    async start() {
      load();
      // A session still running across a restart gets its earlier readings back now,
      // before new ones are appended to the same file (so none is read twice).
      for (const s of sessions.values()) if (s.stoppedAtMs === null && now() < s.endMs) manager.captured(s);
      reindex();
    },
    async stop() {
      await files.closeAll();
      persist();
    },
    create(input, owner) {
      const { startMs, endMs } = span(input);
      const { entries, problems, refused } = bindRoster(input.roster, lookup);
      const lines: RefusedLine[] = [...refused];
      const taken = claimed(startMs, endMs);
      input.roster.forEach((r, i) => {
        if (!taken.has(r.device)) return;
        problems.push(`roster line ${i + 1}: the device is on another class session's roster at that time`);
        lines.push({ line: i + 1, reason: 'in_use' });
      });
      if (problems.length > 0) throw new SessionRuleError('GW_ERR_ROSTER', problems.sort(byLine).join('; '), lines.sort((a, b) => a.line - b.line));
      const s: Session = {
        id: randomUUID(), owner, room: input.room, class: input.class, subject: input.subject,
        startMs, endMs, stoppedAtMs: null, roster: entries, captured: [], dropped: 0, lastSeen: new Map(), onDisk: false, ...fresh(entries),
      };
      sessions.set(s.id, s);
      reindex();
      persist();
      log.info({ session: s.id, room: s.room, roster: s.roster.length }, 'class session created');
      return manager.view(s);
    },
    previewRoster(text, at = {}) {
      const { startMs, endMs } = span(at);
      return previewRosterText(text, lookup, claimed(startMs, endMs));
    },
    list: (owner) => [...sessions.values()].filter((s) => owner === undefined || s.owner === owner)
      .sort((a, b) => b.startMs - a.startMs).map((s) => manager.view(s)),
    get: (id) => sessions.get(id),
    captured(s) {
      if (s.onDisk) {
        s.onDisk = false;
        const byDevice = new Map(s.roster.map((r) => [r.device, r]));
        const fromDisk: CapturedReading[] = [];
        const earlier = s.captured;
        Object.assign(s, fresh(s.roster));
        files.eachLineSync(s.id, (line) => {
          const c = diskLine(s, line, byDevice);
          if (c === undefined) return;
          count(s, c);
          s.wall.add([c]);
          // memory keeps at most `limit`; the file keeps all (eachCaptured reads it)
          if (fromDisk.length < limit) fromDisk.push(c);
        });
        for (const c of earlier) count(s, c);
        s.wall.add(earlier);
        s.captured = [...fromDisk, ...earlier];
      }
      return s.captured;
    },
    view: (s) => ({
      id: s.id, owner: s.owner, room: s.room, class: s.class, subject: s.subject,
      start: iso(s.startMs), end: iso(s.endMs), stopped_at: s.stoppedAtMs === null ? null : iso(s.stoppedAtMs),
      status: status(s), roster: s.roster,
    }),
    live(s) {
      const t = now();
      manager.captured(s); // read back from disk once, for a session of an earlier run
      const counts = s.counts;
      const live = s.roster.map((r) => {
        const seen = s.lastSeen.get(r.device);
        // Data within the template's report interval, not "seen once": the registry keeps a pen
        // online for its offline rule (15 min), long after its receiver left the room (issue #19).
        const connected = seen !== undefined && t - seen <= connectedWithin(r.template) && deps.deviceStatus?.(r.device) !== 'offline';
        const b = lookup.template(r.template)?.behaviour;
        const kind = b?.pen !== undefined ? 'pen' as const : b?.heartRate !== undefined ? 'heart-rate' as const : 'other' as const;
        return { device: r.device, template: r.template, kind, student: r.student, connected, last_seen: seen === undefined ? null : iso(seen), readings: counts.get(r.device) ?? 0 };
      });
      const students = s.tally.rows(Math.min(t, s.endMs, s.stoppedAtMs ?? Infinity));
      return { ...manager.view(s), live, students, zones: { bounds: [...DEFAULT_ZONES.bounds], mvpa_from_zone: DEFAULT_ZONES.mvpaFromZone }, connected: live.filter((l) => l.connected).length, captured: s.total, dropped_readings: s.dropped };
    },
    stopSession(s) {
      if (s.stoppedAtMs === null) {
        s.stoppedAtMs = Math.min(now(), s.endMs);
        // A reading stamped after the stop (a device clock ahead) was not taken while the session ran.
        s.captured = manager.captured(s).filter((c) => within(s, c.reading.ts));
      }
      void files.close(s.id);
      reindex();
      persist();
      log.info({ session: s.id, captured: s.captured.length }, 'class session stopped');
      return manager.view(s);
    },
    readings(readings) {
      if (index.size === 0) return;
      const t = now();
      const batches = new Map<Session, CapturedReading[]>();
      for (const r of readings) {
        let kept: Reading | undefined;
        for (const { session: s, entry } of index.match(r)) {
          // Only what was measured while the session ran (a band's buffered samples from before are not).
          if (s.stoppedAtMs !== null || !within(s, r.ts)) continue;
          s.lastSeen.set(entry.device, t);
          kept ??= withoutIdentity(r, index.idFieldsOf(r.template) ?? []);
          const c = { student: entry.student, key: entry.device, reading: kept };
          // Past the memory limit a reading is still counted and, with a file, kept there (exports read it).
          if (s.captured.length >= limit) {
            if (!files.enabled) { s.dropped += 1; continue; }
          } else s.captured.push(c);
          count(s, c);
          files.append(s.id, entry.device, kept);
          const batch = batches.get(s);
          if (batch === undefined) batches.set(s, [c]);
          else batch.push(c);
        }
      }
      // the wall's pages and the bands' latest samples, once per batch; what is new goes to the live views
      for (const [s, batch] of batches) {
        const e = s.wall.add(batch);
        if (e.pens.length === 0 && e.hearts.length === 0) continue;
        for (const fn of listeners.get(s.id) ?? []) {
          try {
            fn(e);
          } catch (err) {
            log.warn({ err, session: s.id }, 'a live view listener failed');
          }
        }
      }
    },
    lessonRows: (s, endMs) => {
      manager.captured(s);
      return s.tally.rows(endMs);
    },
    columns: (s, student) => s.tally.columns(student),
    total: (s) => {
      manager.captured(s);
      return s.total;
    },
    async eachCaptured(s, fn) {
      manager.captured(s);
      // what the write stream still holds goes to the file first (it is opened asynchronously; the next capture opens it again)
      await files.close(s.id);
      if (!files.exists(s.id)) {
        for (const c of s.captured) fn(c);
        return;
      }
      const byDevice = new Map(s.roster.map((r) => [r.device, r]));
      for await (const line of files.lines(s.id)) {
        const c = diskLine(s, line, byDevice);
        if (c !== undefined) fn(c);
      }
    },
    liveSnapshot: (s) => {
      manager.captured(s);
      return s.wall.snapshot();
    },
    subscribe(id, fn) {
      let set = listeners.get(id);
      if (set === undefined) listeners.set(id, (set = new Set()));
      set.add(fn);
      return () => {
        set.delete(fn);
        if (set.size === 0) listeners.delete(id);
      };
    },
    templateOf: (id) => lookup.template(id),
    rosterDevices(owner) {
      const out = new Map<string, { from: number; to: number }>();
      for (const s of sessions.values()) {
        if (s.owner !== owner || status(s) !== 'live') continue;
        for (const e of s.roster) out.set(e.device, { from: s.startMs, to: s.endMs });
      }
      return out;
    },
  };
  return manager;
}
