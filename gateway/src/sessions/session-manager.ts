/**
 * Keeps the class sessions and captures, while a session runs, the readings of
 * its roster's devices (an ingest listener). A reading belongs to a student when
 * its device id, or any tag or string field (the pen/band/clicker id, which the
 * privacy layer has replaced by its pseudonym), equals a roster key or its
 * pseudonym. Captured readings stay in this process: the export is the
 * teacher's and nothing here is ever published uplink.
 *
 * With `file`, session metadata is persisted there and each session's captured
 * readings are appended to `sessions/<id>.ndjson` beside it (mode 0600), so an
 * export still works after a restart; sessions older than `keepDays` are deleted
 * with their readings. In memory, at most `captureLimit` readings per session are
 * kept (the excess is counted).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Reading } from '../core/reading.js';
import type { CreateSession, LiveSessionView, RosterEntry, SessionStatus, SessionView } from './schema.js';

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
  roster: RosterEntry[];
  captured: CapturedReading[];
  dropped: number;
  lastSeen: Map<string, number>;
  /** Captured readings of an earlier run are read back from disk on first use. */
  onDisk: boolean;
}

export interface SessionManagerOptions {
  /** JSON file holding session metadata across restarts; memory only when absent. */
  file?: string;
  /** Readings kept per session (default 1,000,000). */
  captureLimit?: number;
  defaultLengthMs?: number;
  /** A roster device counts as connected when it sent something within this window. */
  connectedWindowMs?: number;
  /** Sessions (and their captured readings) ended longer ago than this are deleted at start (default 30). */
  keepDays?: number;
}

export interface SessionManagerDeps {
  log: Logger;
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
  list(owner?: string): SessionView[];
  get(id: string): Session | undefined;
  /** The session's captured readings (read back from disk for a session of an earlier run). */
  captured(s: Session): CapturedReading[];
  view(s: Session): SessionView;
  live(s: Session): LiveSessionView;
  stopSession(s: Session): SessionView;
  /** Ingest listener entry point. */
  readings(readings: readonly Reading[]): void;
}

export type { Session };

const iso = (ms: number) => new Date(ms).toISOString();

export function createSessionManager(options: SessionManagerOptions, deps: SessionManagerDeps): SessionManager {
  const log = deps.log.child({ component: 'sessions' });
  const now = deps.now ?? Date.now;
  const limit = options.captureLimit ?? 1_000_000;
  const window = options.connectedWindowMs ?? 60_000;
  const sessions = new Map<string, Session>();
  /** match key (clear or pseudonym) → [session, roster entry] for sessions still capturing. */
  let index = new Map<string, Array<[Session, RosterEntry]>>();
  const captureDir = options.file ? join(dirname(options.file), 'sessions') : undefined;
  const streams = new Map<string, WriteStream>();
  const capturePath = (id: string) => join(captureDir!, `${id}.ndjson`);

  function append(s: Session, key: string, r: Reading): void {
    if (!captureDir) return;
    let out = streams.get(s.id);
    if (!out) {
      mkdirSync(captureDir, { recursive: true, mode: 0o700 });
      out = createWriteStream(capturePath(s.id), { flags: 'a', mode: 0o600 });
      out.on('error', (err) => log.warn({ err, session: s.id }, 'could not write captured readings'));
      streams.set(s.id, out);
    }
    out.write(`${JSON.stringify({ k: key, r })}\n`);
  }

  async function close(id: string): Promise<void> {
    const out = streams.get(id);
    streams.delete(id);
    if (out) await new Promise<void>((resolve) => out.end(resolve));
  }

  function status(s: Session): SessionStatus {
    if (s.stoppedAtMs !== null) return 'stopped';
    const t = now();
    if (t < s.startMs) return 'scheduled';
    return t < s.endMs ? 'live' : 'ended';
  }

  function reindex(): void {
    const next = new Map<string, Array<[Session, RosterEntry]>>();
    const add = (k: string, v: [Session, RosterEntry]) => next.set(k, [...(next.get(k) ?? []), v]);
    for (const s of sessions.values()) {
      if (s.stoppedAtMs !== null || now() >= s.endMs) continue;
      for (const r of s.roster) {
        add(r.device, [s, r]);
        if (deps.pseudonym) add(deps.pseudonym(r.device), [s, r]);
      }
    }
    index = next;
  }

  function persist(): void {
    if (!options.file) return;
    const data = [...sessions.values()].map((s) => ({ ...s, captured: undefined, lastSeen: undefined, onDisk: undefined }));
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    writeFileSync(`${options.file}.tmp`, JSON.stringify(data, null, 1), { mode: 0o600 });
    renameSync(`${options.file}.tmp`, options.file);
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
    for (const s of JSON.parse(text) as Array<Omit<Session, 'captured' | 'lastSeen' | 'dropped' | 'onDisk'>>) {
      if ((s.stoppedAtMs ?? s.endMs) < cutoff) {
        if (captureDir) rmSync(capturePath(s.id), { force: true });
        continue;
      }
      sessions.set(s.id, { ...s, captured: [], dropped: 0, lastSeen: new Map(), onDisk: captureDir !== undefined && existsSync(capturePath(s.id)) });
    }
    log.info({ sessions: sessions.size }, 'class sessions loaded');
  }

  function matches(r: Reading): Set<string> {
    const keys = new Set<string>();
    if (index.has(r.device)) keys.add(r.device);
    for (const v of Object.values(r.tags)) if (index.has(v)) keys.add(v);
    for (const v of Object.values(r.fields)) if (typeof v === 'string' && index.has(v)) keys.add(v);
    return keys;
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
      await Promise.all([...streams.keys()].map(close));
      persist();
    },
    create(input, owner) {
      const startMs = input.start ? Date.parse(input.start) : now();
      const s: Session = {
        id: randomUUID(), owner, room: input.room, class: input.class, subject: input.subject,
        startMs, endMs: input.end ? Date.parse(input.end) : startMs + (options.defaultLengthMs ?? 45 * 60_000),
        stoppedAtMs: null, roster: input.roster, captured: [], dropped: 0, lastSeen: new Map(), onDisk: false,
      };
      sessions.set(s.id, s);
      reindex();
      persist();
      log.info({ session: s.id, room: s.room, roster: s.roster.length }, 'class session created');
      return manager.view(s);
    },
    list: (owner) => [...sessions.values()].filter((s) => owner === undefined || s.owner === owner)
      .sort((a, b) => b.startMs - a.startMs).map((s) => manager.view(s)),
    get: (id) => sessions.get(id),
    captured(s) {
      if (s.onDisk) {
        s.onDisk = false;
        const student = new Map(s.roster.map((r) => [r.device, r.student]));
        const fromDisk: CapturedReading[] = [];
        for (const line of readFileSync(capturePath(s.id), 'utf8').split('\n')) {
          if (!line) continue;
          try {
            const { k, r } = JSON.parse(line) as { k: string; r: Reading };
            const name = student.get(k);
            if (name !== undefined) fromDisk.push({ student: name, key: k, reading: r });
          } catch {
            // A line torn by a crash is skipped; the rest of the session stays readable.
          }
        }
        s.captured = [...fromDisk, ...s.captured];
      }
      return s.captured;
    },
    view: (s) => ({
      id: s.id, owner: s.owner, room: s.room, class: s.class, subject: s.subject,
      start: iso(s.startMs), end: iso(s.endMs), stoppedAt: s.stoppedAtMs === null ? null : iso(s.stoppedAtMs),
      status: status(s), roster: s.roster,
    }),
    live(s) {
      const t = now();
      const counts = new Map<string, number>();
      const captured = manager.captured(s);
      for (const c of captured) counts.set(c.key, (counts.get(c.key) ?? 0) + 1);
      const live = s.roster.map((r) => {
        const seen = s.lastSeen.get(r.device);
        const connected = deps.deviceStatus?.(r.device) === 'online' || (seen !== undefined && t - seen <= window);
        return { device: r.device, student: r.student, connected, lastSeen: seen === undefined ? null : iso(seen), readings: counts.get(r.device) ?? 0 };
      });
      return { ...manager.view(s), live, connected: live.filter((l) => l.connected).length, captured: captured.length, droppedReadings: s.dropped };
    },
    stopSession(s) {
      if (s.stoppedAtMs === null) s.stoppedAtMs = Math.min(now(), s.endMs);
      void close(s.id);
      reindex();
      persist();
      log.info({ session: s.id, captured: s.captured.length }, 'class session stopped');
      return manager.view(s);
    },
    readings(readings) {
      if (index.size === 0) return;
      const t = now();
      for (const r of readings) {
        const done = new Set<RosterEntry>();
        for (const key of matches(r)) {
          for (const [s, entry] of index.get(key) ?? []) {
            if (done.has(entry) || r.ts < s.startMs || r.ts >= s.endMs || s.stoppedAtMs !== null) continue;
            done.add(entry);
            s.lastSeen.set(entry.device, t);
            if (s.captured.length >= limit) {
              s.dropped += 1;
            } else {
              s.captured.push({ student: entry.student, key: entry.device, reading: r });
              append(s, entry.device, r);
            }
          }
        }
      }
    },
  };
  return manager;
}
