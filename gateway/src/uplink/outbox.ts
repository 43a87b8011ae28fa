/**
 * The uplink's durable outbox: every summary and alarm is written here (SQLite, WAL,
 * synchronous=FULL: on disk before `push` returns) and removed only once the hub's
 * broker has acknowledged it (PUBACK). It survives a hub outage of days and a gateway
 * restart or crash; messages go out in the order they were pushed.
 * Bounded: when full, the oldest message of the lowest priority is dropped (base
 * windows before hourly roll-ups before daily roll-ups before alarms) and counted.
 */
import Database from 'better-sqlite3';
import { preparePrivateSqlite } from '../config/private-files.js';

export interface OutboxEntry {
  seq: number;
  id: string;
  topic: string;
  payload: string;
}

export interface Outbox {
  push(entry: { id: string; topic: string; payload: string; priority: number }): void;
  /** Up to `limit` entries after `afterSeq`, oldest first. */
  next(afterSeq: number, limit: number): OutboxEntry[];
  remove(seq: number): void;
  /** Removes the message with this id (the hub acknowledged it); false if it is not here. */
  removeId(id: string): boolean;
  size(): number;
  /** When the oldest message still here was queued (epoch ms); null when empty. */
  oldestQueuedMs(): number | null;
  /** Messages dropped because the outbox was full, since it was created (persisted). */
  dropped(): number;
  close(): void;
}

export function openOutbox(path: string, maxMessages: number): Outbox {
  preparePrivateSqlite(path);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, topic TEXT NOT NULL,
      payload TEXT NOT NULL, priority INTEGER NOT NULL, created_ms INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS outbox_drop ON outbox (priority, seq);
    CREATE INDEX IF NOT EXISTS outbox_id ON outbox (id);
    CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  `);
  const insert = db.prepare('INSERT INTO outbox (id, topic, payload, priority, created_ms) VALUES (?, ?, ?, ?, ?)');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox');
  const dropOne = db.prepare('DELETE FROM outbox WHERE seq = (SELECT seq FROM outbox ORDER BY priority ASC, seq ASC LIMIT 1)');
  const bump = db.prepare("INSERT INTO counters (name, value) VALUES ('dropped', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1");
  const readDropped = db.prepare<[], { value: number }>("SELECT value FROM counters WHERE name = 'dropped'");
  const select = db.prepare<[number, number], OutboxEntry>('SELECT seq, id, topic, payload FROM outbox WHERE seq > ? ORDER BY seq ASC LIMIT ?');
  const del = db.prepare('DELETE FROM outbox WHERE seq = ?');
  const delId = db.prepare('DELETE FROM outbox WHERE id = ?');
  const oldest = db.prepare<[], { t: number | null }>('SELECT MIN(created_ms) AS t FROM outbox');
  let size = count.get()!.n;

  const pushTx = db.transaction((e: { id: string; topic: string; payload: string; priority: number }) => {
    while (size >= maxMessages) {
      if (dropOne.run().changes === 0) break;
      bump.run();
      size--;
    }
    insert.run(e.id, e.topic, e.payload, e.priority, Date.now());
    size++;
  });

  return {
    push: (e) => pushTx(e),
    next: (afterSeq, limit) => select.all(afterSeq, limit),
    remove(seq) {
      size -= del.run(seq).changes;
    },
    removeId(id) {
      const n = delId.run(id).changes;
      size -= n;
      return n > 0;
    },
    size: () => size,
    oldestQueuedMs: () => (size === 0 ? null : oldest.get()?.t ?? null),
    dropped: () => readDropped.get()?.value ?? 0,
    close: () => db.close(),
  };
}
