// The influx store against a real influxd 1.x through the v1 API: an outage in the middle of
// a stream, a batch with bad lines, the spool across a restart of the store, and queries.
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { storeSchema } from '../../src/config/schema.js';
import type { Reading } from '../../src/core/reading.js';
import { createInfluxStore, type InfluxStore, type InfluxStoreOptions } from '../../src/store/influx-store.js';
import type { InfluxStoreConfig } from '../../src/store/influx-store.js';
import { startInflux, type InfluxServer } from '../kit/index.js';

const log = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
let influx: InfluxServer;
const dirs: string[] = [];
const stores: InfluxStore[] = [];

function config(database: string, over: Record<string, unknown> = {}): InfluxStoreConfig {
  const c = storeSchema.parse({ kind: 'influx', url: influx.url, database, batchSize: 500, flushMs: 50, ...over });
  if (c.kind !== 'influx') throw new Error('not an influx config');
  return c;
}

async function newStore(database: string, over: Partial<InfluxStoreOptions> = {}): Promise<InfluxStore> {
  const spoolDir = over.spoolDir ?? await mkdtemp(join(tmpdir(), 'influx-spool-'));
  dirs.push(spoolDir);
  const store = createInfluxStore(
    { config: config(database), site: 'north-high', spoolDir, retryBaseMs: 100, retryMaxMs: 1_000, requestTimeoutMs: 3_000, ...over },
    { log },
  );
  await store.start();
  stores.push(store);
  return store;
}

function reading(seq: number): Reading {
  return { template: 'energy-meter-1p', device: `em-${seq % 10}`, ts: T0 + seq, fields: { power_w: seq % 1000, seq }, tags: { room: 'B12' } };
}

async function count(db: string, measurement = 'energy_meter_1p'): Promise<{ n: number; sum: number }> {
  const r = await influx.query(`SELECT count("seq"), sum("seq") FROM "${measurement}"`, db);
  const row = r.results[0]?.series?.[0]?.values[0];
  return { n: Number(row?.[1] ?? 0), sum: Number(row?.[2] ?? 0) };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => { influx = await startInflux(); });
afterAll(async () => {
  await influx?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.stop();
});

describe('influx store on influxd 1.x', () => {
  it('keeps every reading of a stream through 30 s of influxd being stopped, none twice', async () => {
    await influx.createDatabase('outage');
    const store = await newStore('outage');
    const pending: Promise<void>[] = [];
    let seq = 0;
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        pending.push(store.write(Array.from({ length: 50 }, () => reading(seq++))));
        await sleep(20);
      }
    })();
    await until('a first write', async () => (await count('outage')).n > 0);
    await influx.stop();
    await until('the store to notice', () => store.health().detail?.influx_reachable === false);
    await sleep(30_000);
    const during = store.health();
    expect(during.ok).toBe(false);
    expect(during.detail?.spool_batches).toBeGreaterThan(0);
    expect(during.detail?.oldest_unsent_age_ms).toBeGreaterThan(20_000);
    await influx.start();
    await sleep(3_000);
    streaming = false;
    await stream;
    await Promise.all(pending); // every write resolved: written or spooled, none refused
    await until('the spool to drain', () => store.health().detail?.spool_batches === 0 && store.health().detail?.in_flight === 0);
    const { n, sum } = await count('outage');
    expect(n).toBe(seq);
    expect(sum).toBe((seq * (seq - 1)) / 2);
    const h = store.health();
    expect(h.ok).toBe(true);
    expect(h.dropped).toEqual({});
    expect(h.written).toBeGreaterThanOrEqual(seq); // a batch re-sent after a lost answer overwrites itself
  }, 120_000);

  it('a batch with bad lines: only those are dropped, each counted with its reason', async () => {
    await influx.createDatabase('bad');
    const store = await newStore('bad');
    await store.writeLines(['conflict v=1i 1000']);
    const good = Array.from({ length: 20 }, (_, i) => `good,k=v v=${i} ${T0 + i}`);
    const batch = [...good.slice(0, 10), 'broken,t=x v= 1000', 'boolean v=tru 1000', ...good.slice(10)];
    await store.writeLines(batch);
    // 1.x answers a batch holding both unparsable lines and a type conflict with the conflict
    // only (handler.go checks the engine's error first), so the conflict gets its own batch.
    await store.writeLines(['conflict v=2.5 2000', `good,k=v v=99 ${T0 + 99}`]);
    await store.write([
      reading(1),
      { ...reading(2), fields: { power_w: Number.NaN } },
      { ...reading(3), fields: { power_w: 1, note: 'two\nlines' } },
    ]);
    const r = await influx.query('SELECT count("v") FROM "good"', 'bad');
    expect(r.results[0]?.series?.[0]?.values[0]?.[1]).toBe(21);
    expect((await count('bad')).n).toBe(1);
    expect(store.health().dropped).toEqual({
      'influx_rejected: missing field value': 1,
      'influx_rejected: invalid boolean': 1,
      'influx_rejected: field type conflict': 1,
      invalid_nan_field: 1,
      invalid_newline_in_value: 1,
    });
  });

  it('counts several type conflicts in one batch, and a batch where no line parses', async () => {
    await influx.createDatabase('bisect');
    const store = await newStore('bisect');
    await store.writeLines(['typed v=1i 1000']);
    // 1.x reports the conflicts only as "field type conflict … dropped=2" and writes the rest;
    // a batch where nothing parses names every line and is not a partial write.
    await store.writeLines(['typed v=0.5 2000', 'typed v=0.7 3000', 'ok v=1 1000', 'ok v=2 2000']);
    await store.writeLines(['nofield', 'nofield2']);
    const ok = await influx.query('SELECT count("v") FROM "ok"', 'bisect');
    expect(ok.results[0]?.series?.[0]?.values[0]?.[1]).toBe(2);
    expect(store.health().dropped).toEqual({ 'influx_rejected: field type conflict': 2, 'influx_rejected: missing fields': 2 });
  });

  it('the spool survives a restart of the store (and a torn tail in it)', async () => {
    await influx.createDatabase('restart');
    const spoolDir = await mkdtemp(join(tmpdir(), 'influx-spool-'));
    dirs.push(spoolDir);
    await influx.stop();
    const first = await newStore('restart', { spoolDir });
    for (let i = 0; i < 5; i++) await first.write(Array.from({ length: 300 }, (_, k) => reading(i * 300 + k)));
    expect(first.health().detail?.spool_lines).toBe(1500);
    stores.splice(stores.indexOf(first), 1);
    await first.stop();
    const seg = (await readdir(spoolDir)).filter((n) => n.endsWith('.seg')).sort().at(-1) ?? '';
    await appendFile(join(spoolDir, seg), Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 9, 9])); // half a record
    await influx.start();
    const second = await newStore('restart', { spoolDir });
    await until('the spool to drain', () => second.health().detail?.spool_batches === 0);
    expect(await count('restart')).toEqual({ n: 1500, sum: (1500 * 1499) / 2 });
  });

  it('answers query() with means per bucket and latest() per device', async () => {
    await influx.createDatabase('query');
    const store = await newStore('query');
    const rs: Reading[] = [];
    for (let i = 0; i < 60; i++) rs.push({ template: 'classroom-climate', device: 'cc-1', ts: T0 + i * 1000, fields: { co2_ppm: 400 + i, window_open: i % 2 === 0 }, tags: {} });
    rs.push({ template: 'classroom-climate', device: 'cc-2', ts: T0, fields: { co2_ppm: 999, window_open: true }, tags: {} });
    await store.write(rs);
    const means = await store.query?.({ device: 'cc-1', field: 'co2_ppm', from: T0, to: T0 + 60_000, everyMs: 30_000 });
    expect(means).toEqual([{ ts: T0, value: 414.5 }, { ts: T0 + 30_000, value: 444.5 }]);
    const spread = await store.query?.({ device: 'cc-1', field: 'co2_ppm', from: T0, to: T0 + 60_000, everyMs: 30_000, spread: true });
    expect(spread).toEqual([{ ts: T0, value: 414.5, min: 400, max: 429 }, { ts: T0 + 30_000, value: 444.5, min: 430, max: 459 }]);
    // A boolean field has no min/max: the last value per bucket, as without spread.
    expect(await store.query?.({ device: 'cc-1', field: 'window_open', from: T0, to: T0 + 60_000, everyMs: 30_000, spread: true }))
      .toEqual([{ ts: T0, value: false }, { ts: T0 + 30_000, value: false }]);
    const raw = await store.query?.({ device: 'cc-1', field: 'co2_ppm', from: T0, to: T0 + 3_000 });
    expect(raw).toEqual([{ ts: T0, value: 400 }, { ts: T0 + 1000, value: 401 }, { ts: T0 + 2000, value: 402 }]);
    const bools = await store.query?.({ device: 'cc-1', field: 'window_open', from: T0, to: T0 + 60_000, everyMs: 30_000 });
    expect(bools).toEqual([{ ts: T0, value: false }, { ts: T0 + 30_000, value: false }]);
    const latest = await store.latest?.();
    expect(latest?.get('cc-1')).toEqual({ template: 'classroom-climate', ts: T0 + 59_000, fields: { co2_ppm: 459, window_open: false } });
    expect(latest?.get('cc-2')?.fields.co2_ppm).toBe(999);
  });

  it('writes full batches of long lines from one pooled chunk each, reused batch after batch', async () => {
    // Lines of ~225 bytes, like the school day's: with 1 MiB chunks each full batch took two and
    // its body was joined into a fresh buffer (the pool made 2 chunks here, and more under load).
    const store = await newStore('chunks', { config: config('chunks', { batchSize: 5_000, flushMs: 60_000 }), eagerFlush: false });
    const note = 'x'.repeat(150);
    for (let batch = 0; batch < 3; batch++) {
      const readings = Array.from({ length: 5_000 }, (_, i): Reading => {
        const seq = batch * 5_000 + i;
        return { template: 'energy-meter-1p', device: `em-${seq % 10}`, ts: T0 + seq, fields: { power_w: seq % 1000, seq, note }, tags: { room: 'B12' } };
      });
      await store.write(readings);
    }
    expect((await count('chunks')).n).toBe(15_000);
    expect(store.health().detail?.batch_buffers).toEqual({ free: 1, made: 1 });
  });
});
