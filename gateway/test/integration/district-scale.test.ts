// Issue #20 item 5, quick form of `npm run bench -- --only district`: three simulated schools
// (the real summary and alarm mix of a school, a tenth of a message resent as outbox replays
// do) through a real mosquitto to one, then two hub processes on a shared subscription
// (`$share/district/…`, MQTT 3.1.1, QoS 1) and a real influxd. Counted in InfluxDB itself:
// every message stored, no duplicate point, each resend either dropped by a hub's dedup set or
// written again onto the same point by the other hub process. One hub process with three
// connections in the group (`broker.connections`) writes nothing twice: a resend that reaches
// another of its connections is recognised by the same process (dedup set, or the write in flight).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { districtRun } from '../../bench/district.js';
import { captureSchoolMix, type SchoolMix } from '../../bench/lib/district-mix.js';
import { startInflux, type InfluxServer } from '../kit/index.js';

let influx: InfluxServer;
let mix: SchoolMix;

beforeAll(async () => {
  // 21 copies of the 19-device school (~400 devices): the same kinds and alarms, smaller rows, a faster capture.
  [influx, mix] = await Promise.all([startInflux(), captureSchoolMix(21)]);
});

afterAll(async () => {
  await influx?.stop();
});

describe('district scale workload (quick)', () => {
  it.each([[1, 1], [2, 1], [1, 3]] as const)('%i hub process(es) × %i connection(s): every message of 3 schools stored once, resends dropped or rewritten in place, nothing lost', async (hubs, connections) => {
    const row = await districtRun({ schools: 3, hubs, connections, windowMs: 1000, windows: 4, drainTimeoutMs: 60_000, resendEvery: 10, mix, influx, log: () => undefined });
    expect(row.drained).toBe(true);
    expect(row.messages).toBe(3 * [0, 1, 2, 3].reduce((n, w) => n + mix.windows[w]!.length, 0));
    expect(row.resent).toBeGreaterThan(0);
    expect(row.lost).toBe(0);
    expect(row.duplicate_points).toBe(0);
    expect(row.dedup_dropped + (row.rewrites ?? NaN)).toBe(row.resent);
    if (hubs === 1) expect(row.rewrites).toBe(0);
    expect(row.hub).toHaveLength(hubs);
    for (const h of row.hub) expect(h.rss_max_mib).toBeGreaterThan(0);
  }, 180_000);
});
