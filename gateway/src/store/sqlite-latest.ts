/**
 * The embedded store's `latest` table: each device's newest fields, which `/latest` starts from
 * after a restart. A device's first reading writes its row in the same commit; after that the row
 * is written at most every LATEST_WRITE_EVERY_MS, its newer fields merged in memory meanwhile.
 * After a crash, `repair()` merges into each row the readings stored after it.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { FieldValue, Reading } from '../core/reading.js';

/**
 * A device's row in `latest` is written at most this often (ms). Written with every commit, its
 * few pages doubled what each commit wrote to the log (at 5,000 msg/s from 100 devices, ~4 of
 * `latest`'s pages beside ~4 of `readings`'). A device's first reading is written at once; a
 * crash loses nothing: `repair()` at start merges the readings newer than each row back into it.
 */
export const LATEST_WRITE_EVERY_MS = 1_000;

export const LATEST_TABLE_SQL = `CREATE TABLE IF NOT EXISTS latest (
  device TEXT PRIMARY KEY, template TEXT NOT NULL, ts INTEGER NOT NULL, fields TEXT NOT NULL
);`;

interface PendingFields {
  template: string;
  ts: number;
  fields: Record<string, FieldValue>;
  /** When it is written (this process's clock, `performance.now()`). */
  due: number;
}

export type LatestEntry = { template: string; ts: number; fields: Record<string, FieldValue> };

export interface LatestTable {
  /** Prepares the statements on the store's connection and repairs the table after a crash. */
  open(db: Database.Database): void;
  /** Before a transaction that may call `keep`/`writeDue`. */
  beginTx(): void;
  /** The transaction failed: rows it added are forgotten again. */
  txFailed(): void;
  /** Inside the transaction that stores `r`. */
  keep(r: Reading, now: number): void;
  /** Inside a transaction: writes the pending fields that are due (all of them with `Infinity`). */
  writeDue(now: number): void;
  hasPending(): boolean;
  /** The table with the pending fields merged in. */
  read(db: Database.Database): Map<string, LatestEntry>;
}

export function createLatestTable(log: Logger): LatestTable {
  /** Devices with a row in `latest`, and the `ts` of that row. */
  const rowTs = new Map<string, number>();
  /** Rows the current transaction added (forgotten again if it fails). */
  let rowsAdded: string[] = [];
  /**
   * Per device, its newest fields not yet in `latest` (merged, as the row would merge them), in
   * the order they became pending: that is also the order they are due in.
   */
  const pending = new Map<string, PendingFields>();
  let upsert: Database.Statement | undefined;

  /**
   * After a crash, `latest` can miss the last second of a device's readings: merges each row's
   * newer readings back in (an index range per device). `event` is the row's event name, which the
   * store adds to the fields it keeps in `readings`, not a field.
   */
  function repair(d: Database.Database): void {
    const rows = d.prepare('SELECT device, template, ts, fields FROM latest').all() as { device: string; template: string; ts: number; fields: string }[];
    const newer = d.prepare("SELECT ts, json_extract(tags, '$.template') AS template, fields FROM readings WHERE device = ? AND ts > ? ORDER BY ts");
    const update = d.prepare('UPDATE latest SET template = ?, ts = ?, fields = ? WHERE device = ?');
    let repaired = 0;
    d.transaction(() => {
      for (const row of rows) {
        rowTs.set(row.device, row.ts);
        const later = newer.all(row.device, row.ts) as { ts: number; template: string; fields: string }[];
        if (later.length === 0) continue;
        const fields = JSON.parse(row.fields) as Record<string, FieldValue>;
        for (const l of later) {
          const { event: _event, ...f } = JSON.parse(l.fields) as Record<string, FieldValue>;
          Object.assign(fields, f);
        }
        const last = later[later.length - 1]!;
        update.run(last.template, last.ts, JSON.stringify(fields), row.device);
        rowTs.set(row.device, last.ts);
        repaired++;
      }
    })();
    if (repaired > 0) log.info({ devices: repaired }, 'embedded store: brought latest up to the readings written before a crash');
  }

  return {
    open(db) {
      upsert = db.prepare(`INSERT INTO latest (device, template, ts, fields) VALUES (?, ?, ?, ?)
        ON CONFLICT(device) DO UPDATE SET template = excluded.template, ts = excluded.ts,
          fields = json_patch(latest.fields, excluded.fields) WHERE excluded.ts >= latest.ts`);
      repair(db);
    },
    beginTx() {
      rowsAdded = [];
    },
    txFailed() {
      for (const device of rowsAdded) rowTs.delete(device);
      rowsAdded = [];
    },
    /**
     * A device without a row gets it in this commit. Otherwise the reading is merged into the
     * device's pending fields (an older one changes nothing), written a second after they became
     * pending.
     */
    keep(r, now) {
      const ts = rowTs.get(r.device);
      if (ts === undefined) {
        upsert!.run(r.device, r.template, Math.trunc(r.ts), JSON.stringify(r.fields));
        rowTs.set(r.device, r.ts);
        rowsAdded.push(r.device);
        return;
      }
      const p = pending.get(r.device);
      if (!p) {
        if (r.ts < ts) return;
        pending.set(r.device, { template: r.template, ts: r.ts, fields: { ...r.fields }, due: now + LATEST_WRITE_EVERY_MS });
      } else if (r.ts >= p.ts) {
        p.template = r.template;
        p.ts = r.ts;
        Object.assign(p.fields, r.fields);
      }
    },
    // The map is in due order: the first one not due ends the walk.
    writeDue(now) {
      for (const [device, p] of pending) {
        if (p.due > now) break;
        upsert!.run(device, p.template, Math.trunc(p.ts), JSON.stringify(p.fields));
        rowTs.set(device, p.ts);
        pending.delete(device);
      }
    },
    hasPending: () => pending.size > 0,
    read(db) {
      const out = new Map<string, LatestEntry>();
      for (const row of db.prepare('SELECT device, template, ts, fields FROM latest').all() as { device: string; template: string; ts: number; fields: string }[]) {
        out.set(row.device, { template: row.template, ts: row.ts, fields: JSON.parse(row.fields) as Record<string, FieldValue> });
      }
      for (const [device, p] of pending) {
        const row = out.get(device);
        if (row && p.ts < row.ts) continue;
        out.set(device, { template: p.template, ts: Math.trunc(p.ts), fields: { ...row?.fields, ...p.fields } });
      }
      return out;
    },
  };
}
