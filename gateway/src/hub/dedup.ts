/**
 * Message ids the hub has already stored, so a resend (QoS 1 after a lost PUBACK, or
 * a gateway replaying its outbox) is dropped. Persisted in SQLite, bounded: past
 * `capacity` the oldest tenth is forgotten in one go.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export interface SeenIds {
  has(id: string): boolean;
  add(id: string): void;
  size(): number;
  /** The client ids this process connected with last time (hub.ts ends the sessions of those it no longer uses). */
  clientIds(): string[];
  setClientIds(ids: readonly string[]): void;
  close(): void;
}

export function openSeenIds(path: string, capacity: number): SeenIds {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS seen (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE)');
  const has = db.prepare<[string], { n: number }>('SELECT 1 AS n FROM seen WHERE id = ?');
  const add = db.prepare('INSERT OR IGNORE INTO seen (id) VALUES (?)');
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const setMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  const trim = db.prepare('DELETE FROM seen WHERE seq <= (SELECT MAX(seq) FROM seen) - ?');
  let size = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM seen').get()!.n;
  return {
    has: (id) => has.get(id) !== undefined,
    add(id) {
      size += add.run(id).changes;
      if (size > capacity) {
        trim.run(Math.floor(capacity * 0.9));
        size = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM seen').get()!.n;
      }
    },
    size: () => size,
    clientIds() {
      const raw = getMeta.get('client_ids')?.value;
      const ids: unknown = raw === undefined ? [] : JSON.parse(raw);
      return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
    },
    setClientIds(ids) {
      setMeta.run('client_ids', JSON.stringify(ids));
    },
    close: () => db.close(),
  };
}
