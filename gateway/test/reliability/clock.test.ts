/**
 * Clock trouble (issue #10).
 * Payload timestamps: the policy today (templates: `ts` must be a non-negative integer of epoch
 * ms, else `wrong_type`; after 2262-04-11, which no store can hold, `out_of_range`; the InfluxDB
 * store's encoder refuses such a time too, counted as `invalid_bad_timestamp`) is checked end to
 * end against a real influxd. The policy (reject a ts > 24 h ahead) is in README.md.
 * The gateway's own clock jumping (injected where a component accepts a clock): the publish-rate
 * bucket and the InfluxDB store's retry schedule must survive a step back or forward.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenBucket } from '../../src/broker/limits.js';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { createInfluxStore } from '../../src/store/influx-store.js';
import { startInflux, type InfluxServer } from '../kit/index.js';
import { influxConfig } from './influx-config.js';
import { waitFor } from './mqtt-bytes.js';

const T = 180_000;
const DAY = 86_400_000;
let influx: InfluxServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rel-clock-'));
  influx = await startInflux();
  await influx.createDatabase('campus');
}, T);
afterAll(async () => {
  await influx?.stop();
  rmSync(dir, { recursive: true, force: true });
}, T);

describe('payload timestamps far in the future or past', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = createGateway(parseConfig({
      insecure: true, // on loopback, open on purpose (no broker auth and/or no API tokens)
      site: { id: 'clock' },
      broker: { port: 0, host: '127.0.0.1' },
      http: { port: 0, host: '127.0.0.1' },
      store: { kind: 'influx', url: influx.url, database: 'campus', flushMs: 50, spoolPath: join(dir, 'spool') },
      privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
    }), { log: silentLogger() });
    await gw.start();
  }, T);
  afterAll(async () => { await gw?.stop(); }, T);

  it('every publish is acknowledged; storable times are stored, the rest (incl. > 24 h ahead) rejected or counted — none crashes or poisons a batch', async () => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, { clientId: 'clock-dev', reconnectPeriod: 0 });
    const now = Date.now();
    const cases: [string, unknown][] = [
      ['ten-years-ahead', now + 3650 * DAY], ['year-1971', 31_536_000_000], ['epoch-zero', 0], ['now', now],
      ['after-2262', 1e16], ['exponent', 1e21], ['negative', -5], ['fraction', 1.5], ['string', '2026-01-05'],
    ];
    for (const [name, ts] of cases) {
      await c.publishAsync(`campus/classroom-light/${name}/telemetry`, JSON.stringify({ on: true, bri: 10, cct: 5000, lux: 1, pw: 1, ts }), { qos: 1 });
    }
    await c.endAsync();
    await waitFor(() => gw.store.health().written >= 3, 60_000, 'storable readings not written');
    const res = await influx.query('SELECT brightness_pct FROM classroom_light GROUP BY device', 'campus');
    const stored = (res.results[0]?.series ?? []).map((s) => s.tags?.device).sort();
    expect(stored).toEqual(['epoch-zero', 'now', 'year-1971']);
    // ten years ahead: > 24 h ahead of the gateway's clock (the policy); after 2262: no store can hold it
    expect(gw.pipeline.stats().rejected.out_of_range).toBe(3);
    expect(gw.pipeline.stats().rejected.wrong_type).toBe(3);
    expect(gw.store.health().dropped).toEqual({});
  }, T);

  it('a smart-pen stroke whose time runs past 2262 is rejected and acknowledged, not a poison message', async () => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, { clientId: 'pen-poison', reconnectPeriod: 0 });
    const before = gw.pipeline.stats().rejected.out_of_range ?? 0;
    for (const strokes of [[{ t0: 1e16, pts: [[100, 100, 300, 0]] }], [{ t0: 1_767_600_000_000, pts: [[100, 100, 300, 0], [101, 101, 300, 1e300]] }]]) {
      await c.publishAsync('campus/smart-pen/pen-poison/telemetry', JSON.stringify({ pen: 'P-1', page: '1.1.1.1', bat: 50, strokes }), { qos: 1 });
    }
    await c.endAsync();
    expect((gw.pipeline.stats().rejected.out_of_range ?? 0) - before).toBe(2);
  }, T);
});

describe("the gateway's own clock jumping", () => {
  it('publish-rate bucket: a step back of an hour does not starve the client once time moves on', () => {
    let t = 1_700_000_000_000;
    const bucket = createTokenBucket(10, 10, () => t);
    for (let i = 0; i < 10; i++) expect(bucket.take()).toBe(true);
    t -= 3_600_000; // NTP steps the clock back an hour
    expect(bucket.take()).toBe(false); // still empty: no time has passed
    t += 2_000; // two seconds of real time later it has refilled, as without the jump
    expect(bucket.take()).toBe(true);
    t += 7 * DAY; // and a jump far ahead refills to the burst, not beyond
    let n = 0;
    while (bucket.take()) n++;
    expect(n).toBe(10);
  });

  it('InfluxDB store: a clock step back of a day while InfluxDB is down does not postpone the retries by a day', async () => {
    let offset = 0;
    const store = createInfluxStore({
      config: influxConfig(parseConfig({ store: { kind: 'influx', url: influx.url, database: 'campus', flushMs: 20 } }).store),
      site: 'clock', spoolDir: join(dir, 'spool-jump'), retryBaseMs: 100, retryMaxMs: 1_000, requestTimeoutMs: 2_000,
    }, { log: silentLogger(), now: () => Date.now() + offset });
    await store.start();
    await influx.stop();
    await store.write([{ template: 'energy-meter-1p', device: 'jump-1', ts: 1_767_600_000_000, fields: { voltage_v: 231 }, tags: {} }]);
    await waitFor(() => store.health().ok === false, 30_000, 'store never noticed InfluxDB was down');
    offset = -DAY; // NTP steps the clock back a day
    await influx.start();
    try {
      await waitFor(() => Number(store.health().detail?.spool_lines ?? 1) === 0, 60_000, 'the spool did not drain within a minute after the clock stepped back a day');
    } finally {
      await store.stop();
    }
    const res = await influx.query(`SELECT voltage_v FROM energy_meter_1p WHERE device='jump-1'`, 'campus');
    expect(res.results[0]?.series?.[0]?.values.length).toBe(1);
  }, T);
});
