/**
 * The chaos run's reconciliation of the QoS 1 fleet (chaos-run.ts): every reading a device had
 * acknowledged (PUBACK) is looked up in InfluxDB by device and timestamp and must be there
 * exactly once with the value that was sent. Beside each lost reading it reports what could
 * explain it: a rejection the gateway published, when it was sent and acknowledged, the faults
 * around it.
 */
import type { MqttClient } from 'mqtt';
import type { InfluxServer } from '../test/kit/index.js';

export interface Device {
  id: string;
  client: MqttClient;
  /** ts → the value sent. */
  published: Map<number, number>;
  acked: Set<number>;
  /** ts → [first send, ack, attempts] in ms since the run started (kept for the lost-reading report). */
  timing: Map<number, [number, number, number]>;
}

export interface LostDetail {
  reading: string;
  /** ms since the run started. */
  first_sent_ms: number;
  acked_ms: number;
  attempts: number;
  rejected?: string;
  /** Faults within 30 s before the first send or up to the ack, with their start (ms since the run started). */
  faults_near: string[];
}

export interface ReadingsReport {
  acknowledged: number;
  stored: number;
  lost: number;
  duplicated: number;
  wrong_value: number;
  /** Stored readings that were never acknowledged (stored, then the PUBACK was lost to a crash): allowed. */
  stored_unacknowledged: number;
  lost_examples: string[];
  lost_detail: LostDetail[];
}

/** device → ts → every value stored at that time (more than one is a duplicate). */
export async function storedPoints(influx: InfluxServer, db: string, measurement: string, field: string, site: string): Promise<Map<string, Map<number, number[]>>> {
  const q = `SELECT "${field}" FROM "${measurement}" WHERE "site"='${site}' GROUP BY "device"`;
  const res = await fetch(`${influx.url}/query?db=${db}&epoch=ms&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results: { series?: { tags: { device: string }; values: [number, number][] }[] }[] };
  const out = new Map<string, Map<number, number[]>>();
  for (const s of body.results[0]?.series ?? []) {
    const m = new Map<number, number[]>();
    for (const [ts, v] of s.values) m.set(ts, [...(m.get(ts) ?? []), v]);
    out.set(s.tags.device, m);
  }
  return out;
}

/**
 * `rejectedKeys`: `device@ts` → why the gateway rejected it (acknowledged on purpose);
 * `faultTimes`: [ms since the run started, kind] of every fault.
 */
export function reconcileReadings(
  devices: readonly Device[],
  stored: Map<string, Map<number, number[]>>,
  rejectedKeys: ReadonlyMap<string, string>,
  faultTimes: ReadonlyArray<readonly [number, string]>,
): ReadingsReport {
  const r: ReadingsReport = { acknowledged: 0, stored: 0, lost: 0, duplicated: 0, wrong_value: 0, stored_unacknowledged: 0, lost_examples: [], lost_detail: [] };
  for (const d of devices) {
    const s = stored.get(d.id) ?? new Map<number, number[]>();
    r.acknowledged += d.acked.size;
    for (const [ts, vs] of s) {
      r.stored += vs.length;
      if (vs.length > 1) r.duplicated += vs.length - 1;
      const sent = d.published.get(ts);
      if (sent === undefined || vs.some((v) => v !== sent)) r.wrong_value++;
      if (!d.acked.has(ts)) r.stored_unacknowledged++;
    }
    for (const ts of d.acked) {
      if (s.has(ts)) continue;
      r.lost++;
      const key = `${d.id}@${ts}`;
      if (r.lost_examples.length < 10) r.lost_examples.push(key);
      if (r.lost_detail.length >= 20) continue;
      const [first, ackedAt, attempts] = d.timing.get(ts) ?? [0, 0, 0];
      const why = rejectedKeys.get(key);
      r.lost_detail.push({
        reading: key, first_sent_ms: first, acked_ms: ackedAt, attempts, ...(why ? { rejected: why } : {}),
        faults_near: faultTimes.filter(([t]) => t >= first - 30_000 && t <= ackedAt).map(([t, k]) => `${k}@${t}`),
      });
    }
  }
  return r;
}
