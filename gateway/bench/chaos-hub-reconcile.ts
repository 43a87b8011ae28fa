/**
 * The hub half of the chaos run's reconciliation (issue #10): summaries and alarms as the
 * district InfluxDB holds them (by `msg_id`), the hub's own list of stored ids (its dedup
 * database), the wire as a watcher saw it, against what the simulated devices had
 * acknowledged and the base windows that closed while the gateway was up.
 */
import Database from 'better-sqlite3';
import type { InfluxServer } from '../test/kit/index.js';
import { alarmKey, summaryKey, type AlarmDevice, type Wire } from './chaos-hub.js';

export interface HubReport {
  faults: Record<string, number>;
  summaries: {
    /** Base windows of the completeness rule (device-health, closed while the gateway was up). */
    expected: number;
    /** Distinct message ids the watcher saw on the hub broker. */
    received: number;
    /** Distinct window keys (kind, resolution, window start) in the district InfluxDB. */
    stored: number;
    /** Extra distinct ids for one window key (wire ∪ InfluxDB). */
    duplicated: number;
    /** Expected windows not stored, plus ids seen on the wire that the hub did not store. */
    missing: number;
    by_kind: Record<string, number>;
    missing_examples: string[];
    duplicated_examples: string[];
  };
  alarms: {
    /** Acknowledged smoke-detector readings that raise or clear the alarm. */
    acknowledged: number;
    stored: number;
    lost: number;
    duplicated: number;
    /** Alarms stored that no device sent (wrong ts or state). */
    spurious: number;
    /** Stored for a reading whose PUBACK was lost to a crash: allowed. */
    stored_unacknowledged: number;
    lost_examples: string[];
    duplicated_examples: string[];
  };
  /**
   * Ids in the hub's dedup database (stored), and those neither the wire nor InfluxDB ties to a key:
   * a stored message whose point another id overwrote (a duplicate the watcher missed). Must be 0.
   */
  hub_ids_stored: number;
  hub_ids_unattributed: number;
  /** Rows left in the gateway's outbox after it stopped (must be 0). */
  outbox_left: number;
}

type Rows = { name: string; tags?: Record<string, string>; values: [number, ...unknown[]][] }[];

async function query(influx: InfluxServer, db: string, q: string): Promise<Rows> {
  const res = await fetch(`${influx.url}/query?db=${db}&epoch=ms&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results: { series?: Rows; error?: string }[] };
  if (body.results[0]?.error) throw new Error(`InfluxDB: ${body.results[0].error} (${q})`);
  return body.results[0]?.series ?? [];
}

export function readIds(path: string, sql: string): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], { id: string }>(sql).all().map((r) => r.id);
  } finally {
    db.close();
  }
}

/**
 * The completeness rule: within each gateway life [up, down), every base window that ended at
 * least 5 s after `up` (the fleet has reconnected and been seen, so device-health has a device
 * status as of the window's end) and closed (end + grace + a 1 s tick + 1 s) before `down` must
 * have its device-health summary at the hub. Windows that ended while the gateway was down, or
 * right after it started, may hold nothing and send nothing: not expected, but allowed.
 */
export function expectedWindows(lives: readonly [number, number][], windowMs: number, graceMs: number): string[] {
  const out: string[] = [];
  for (const [up, down] of lives) {
    for (let s = Math.ceil((up + 5_000 - windowMs) / windowMs) * windowMs; s + windowMs + graceMs + 2_000 <= down; s += windowMs) {
      out.push(summaryKey('device-health', 'window', new Date(s).toISOString()));
    }
  }
  return out;
}

function addId(m: Map<string, Set<string>>, key: string, id: string): void {
  let s = m.get(key);
  if (s === undefined) m.set(key, (s = new Set()));
  s.add(id);
}

export async function reconcileHub(args: {
  influx: InfluxServer; db: string; site: string; wire: Wire; hubIds: readonly string[]; outboxLeft: number;
  expected: readonly string[]; alarmDevices: readonly AlarmDevice[]; faults: Record<string, number>;
}): Promise<HubReport> {
  const { influx, db, site, wire } = args;
  const known = new Set<string>();
  // Summaries: window key → distinct ids, from the wire and from InfluxDB's msg_id.
  const sumIds = new Map<string, Set<string>>();
  for (const [id, key] of wire.summaries) { addId(sumIds, key, id); known.add(id); }
  const storedKeys = new Set<string>();
  const byKind: Record<string, number> = {};
  for (const s of await query(influx, db, `SELECT "msg_id" FROM /^summary_/ WHERE "site"='${site}' AND "scope"='site' GROUP BY "resolution"`)) {
    const kind = s.name.replace(/^summary_/, '').replaceAll('_', '-');
    for (const [t, id] of s.values) {
      const key = summaryKey(kind, s.tags?.resolution ?? '', new Date(t).toISOString());
      storedKeys.add(key);
      byKind[`${kind}:${s.tags?.resolution}`] = (byKind[`${kind}:${s.tags?.resolution}`] ?? 0) + 1;
      addId(sumIds, key, String(id));
      known.add(String(id));
    }
  }
  // Alarms: every acknowledged reading after a device's first toggles the alarm.
  const alarmIds = new Map<string, Set<string>>();
  for (const [id, key] of wire.alarms) { addId(alarmIds, key, id); known.add(id); }
  const storedAlarms = new Set<string>();
  for (const s of await query(influx, db, `SELECT "raised", "msg_id" FROM "alarm" WHERE "site"='${site}' AND "template"='smoke-detector' AND "alarm"='alarm' GROUP BY "device", "alarm"`)) {
    for (const [t, raised, id] of s.values) {
      const key = alarmKey(s.tags?.device ?? '', s.tags?.alarm ?? '', t, raised === true ? 'raised' : 'cleared');
      storedAlarms.add(key);
      addId(alarmIds, key, String(id));
      known.add(String(id));
    }
  }
  const hubIds = new Set(args.hubIds);
  const unattributed = [...hubIds].filter((id) => !known.has(id)).length;
  const dupExamples = (m: Map<string, Set<string>>) => [...m].filter(([, ids]) => ids.size > 1).slice(0, 10).map(([k, ids]) => `${k} ×${ids.size}`);
  const dupCount = (m: Map<string, Set<string>>) => [...m.values()].reduce((n, ids) => n + ids.size - 1, 0);

  const missingSummaries = args.expected.filter((k) => !storedKeys.has(k));
  const wireNotStored = [...wire.summaries.keys(), ...wire.alarms.keys()].filter((id) => !hubIds.has(id));
  let acknowledged = 0, lost = 0, spurious = 0, unacked = 0;
  const lostExamples: string[] = [];
  const sent = new Map<string, boolean>();
  for (const d of args.alarmDevices) {
    const seq = [...d.published.keys()].sort((a, b) => a - b);
    for (const ts of seq.slice(1)) {
      const key = alarmKey(d.id, 'alarm', ts, d.published.get(ts) ? 'raised' : 'cleared');
      sent.set(key, d.acked.has(ts));
      if (!d.acked.has(ts)) continue;
      acknowledged++;
      if (!storedAlarms.has(key)) { lost++; if (lostExamples.length < 10) lostExamples.push(key); }
    }
  }
  for (const key of storedAlarms) {
    const acked = sent.get(key);
    if (acked === undefined) spurious++;
    else if (!acked) unacked++;
  }
  return {
    faults: args.faults,
    summaries: {
      expected: args.expected.length, received: wire.summaries.size, stored: storedKeys.size,
      duplicated: dupCount(sumIds), missing: missingSummaries.length + wireNotStored.length, by_kind: byKind,
      missing_examples: [...missingSummaries.slice(0, 10), ...wireNotStored.slice(0, 5).map((id) => `wire id ${id} not stored`)],
      duplicated_examples: dupExamples(sumIds),
    },
    alarms: {
      acknowledged, stored: storedAlarms.size, lost, duplicated: dupCount(alarmIds), spurious, stored_unacknowledged: unacked,
      lost_examples: lostExamples, duplicated_examples: dupExamples(alarmIds),
    },
    hub_ids_stored: hubIds.size, hub_ids_unattributed: unattributed, outbox_left: args.outboxLeft,
  };
}
