/**
 * The summaries this gateway emitted, on disk, for `/api/summaries` and the district view
 * (issue #20: held in memory, the District tab said "No summaries yet" after every restart).
 * SQLite beside the outbox, not the reading store: the InfluxDB store may be absent or down,
 * and the outbox forgets a summary once the hub has it. One row per message id, so a window
 * emitted again after a crash (same id, `summaries/message-id.ts`) is stored once.
 *
 * Bounded: rows older than `retentionDays` (31) by window start are pruned at start and every
 * `pruneEveryMs` (10 min); base windows (1 440 a day per kind at 60 s) are also capped at
 * `maxWindows`, oldest first, so a short window setting cannot fill the disk. Hour and day
 * roll-ups, the district view's data, are never pushed out by windows.
 * Alarms are not kept: they may name a personal device before the uplink guard pseudonymizes
 * it. Summaries carry counts and sums per site, meter, room or session pseudonym only.
 */
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { preparePrivateSqlite } from '../config/private-files.js';
import type { SummaryRecord, SummarySource } from './routes/summaries.js';

export interface SummaryStoreOptions {
  path: string;
  retentionDays?: number;
  maxWindows?: number;
  pruneEveryMs?: number;
  /** Most rows one query returns (the district view asks for 14 days of one kind). */
  maxQueryRows?: number;
}

export interface SummaryStore extends SummarySource {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Accepts any uplink message; alarms and shapes without a window are ignored. */
  push(message: { kind: string; windowStart: string; resolution?: string; id?: string }): void;
  size(): number;
}

const DAY_MS = 86_400_000;

export function createSummaryStore(options: SummaryStoreOptions, deps: { log: Logger; clock?: { now(): number } }): SummaryStore {
  const log = deps.log.child({ component: 'summary-store' });
  const now = () => deps.clock?.now() ?? Date.now();
  const retentionMs = (options.retentionDays ?? 31) * DAY_MS;
  const maxWindows = options.maxWindows ?? 50_000;
  const maxQueryRows = options.maxQueryRows ?? 20_000;
  let db: Database.Database | undefined;
  let statements: ReturnType<typeof prepare> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let ignored = 0;

  function prepare(d: Database.Database) {
    return {
      upsert: d.prepare('INSERT OR REPLACE INTO summaries (id, kind, resolution, window_start_ms, payload) VALUES (?, ?, ?, ?, ?)'),
      byKind: d.prepare<[string, number, number, number], { payload: string }>(
        'SELECT payload FROM summaries WHERE kind = ? AND window_start_ms >= ? AND window_start_ms < ? ORDER BY window_start_ms, id LIMIT ?'),
      all: d.prepare<[number, number, number], { payload: string }>(
        'SELECT payload FROM summaries WHERE window_start_ms >= ? AND window_start_ms < ? ORDER BY window_start_ms, id LIMIT ?'),
      expire: d.prepare('DELETE FROM summaries WHERE window_start_ms < ?'),
      windows: d.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM summaries WHERE resolution = 'window'"),
      trimWindows: d.prepare("DELETE FROM summaries WHERE rowid IN (SELECT rowid FROM summaries WHERE resolution = 'window' ORDER BY window_start_ms LIMIT ?)"),
      count: d.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM summaries'),
    };
  }

  function prune(): void {
    if (statements === undefined) return;
    const expired = statements.expire.run(now() - retentionMs).changes;
    const over = statements.windows.get()!.n - maxWindows;
    const trimmed = over > 0 ? statements.trimWindows.run(over).changes : 0;
    if (expired + trimmed > 0) log.debug({ expired, trimmed }, 'pruned stored summaries');
  }

  return {
    async start() {
      preparePrivateSqlite(options.path);
      db = new Database(options.path);
      db.pragma('journal_mode = WAL');
      // A copy for the site's own view (the outbox holds what must reach the hub): NORMAL survives a
      // process crash; a power cut may lose the last windows, which the hub still has.
      db.pragma('synchronous = NORMAL');
      db.exec(`
        CREATE TABLE IF NOT EXISTS summaries (id TEXT PRIMARY KEY, kind TEXT NOT NULL, resolution TEXT NOT NULL,
          window_start_ms INTEGER NOT NULL, payload TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS summaries_kind_start ON summaries (kind, window_start_ms);
        CREATE INDEX IF NOT EXISTS summaries_start ON summaries (window_start_ms);
      `);
      statements = prepare(db);
      prune();
      timer = setInterval(prune, options.pruneEveryMs ?? 600_000);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      statements = undefined;
      db?.close();
      db = undefined;
    },
    push(m) {
      const start = typeof m.windowStart === 'string' ? Date.parse(m.windowStart) : Number.NaN;
      if (m.kind === 'alarm' || !Number.isFinite(start)) return;
      if (statements === undefined) {
        // Only between stop and start; the message still goes to the outbox.
        if (ignored++ % 1000 === 0) log.warn({ kind: m.kind }, 'GW_ERR_SUMMARY_STORE_CLOSED: a summary arrived while the summary store is closed; not kept locally');
        return;
      }
      const resolution = m.resolution ?? 'window';
      statements.upsert.run(m.id ?? `${m.kind}/${resolution}/${m.windowStart}`, m.kind, resolution, start, JSON.stringify(m));
    },
    async query(q) {
      if (statements === undefined) return [];
      const rows = q.kind !== undefined ? statements.byKind.all(q.kind, q.from, q.to, maxQueryRows) : statements.all.all(q.from, q.to, maxQueryRows);
      return rows.map((r) => JSON.parse(r.payload) as SummaryRecord);
    },
    size: () => statements?.count.get()!.n ?? 0,
  };
}
