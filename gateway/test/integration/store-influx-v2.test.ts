// The influx store's v2 path and its HTTP behaviour, against a recording HTTP endpoint (no v2
// server is available here): request shape, Retry-After, 413 splitting, bisecting a 400 that
// names no line, and the bound on requests in flight.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { storeSchema } from '../../src/config/schema.js';
import { createInfluxStore, type InfluxStore, type InfluxStoreOptions } from '../../src/store/influx-store.js';

interface Recorded { at: number; method: string; url: URL; headers: IncomingMessage['headers']; lines: string[] }
type Reply = (req: Recorded, res: ServerResponse) => void | Promise<void>;

const log = pino({ level: 'silent' });
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

async function recordingServer(reply: Reply): Promise<{ url: string; requests: Recorded[]; concurrent: { now: number; max: number } }> {
  const requests: Recorded[] = [];
  const concurrent = { now: 0, max: 0 };
  const server: Server = createServer((req, res) => {
    concurrent.now++;
    concurrent.max = Math.max(concurrent.max, concurrent.now);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      // The store's start-up check (an empty write, lib/influx/setup.ts) finds the bucket there; not recorded.
      if (raw.length === 0 && req.method === 'POST') {
        concurrent.now--;
        res.writeHead(204).end();
        return;
      }
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const rec = { at: Date.now(), method: req.method ?? '', url: new URL(req.url ?? '/', 'http://x'), headers: req.headers, lines: body.toString().split('\n').filter((l) => l !== '') };
      requests.push(rec);
      res.on('finish', () => { concurrent.now--; });
      void reply(rec, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, concurrent };
}

async function v2Store(url: string, over: Record<string, unknown> = {}, opts: Partial<InfluxStoreOptions> = {}): Promise<InfluxStore> {
  const config = storeSchema.parse({ kind: 'influx', url, apiVersion: 2, org: 'school org', bucket: 'campus', token: 's3cr3t', batchSize: 100, flushMs: 20, ...over });
  if (config.kind !== 'influx') throw new Error('not influx');
  const spoolDir = await mkdtemp(join(tmpdir(), 'influx-v2-spool-'));
  const store = createInfluxStore({ config, site: 'north-high', spoolDir, retryBaseMs: 50, retryMaxMs: 500, ...opts }, { log });
  await store.start();
  cleanup.push(async () => { await store.stop(); await rm(spoolDir, { recursive: true, force: true }); });
  return store;
}

const ok = (_req: Recorded, res: ServerResponse): void => { res.writeHead(204).end(); };
const lines = (n: number, tag = 'a'): string[] => Array.from({ length: n }, (_, i) => `m,t=${tag} v=${i} ${1_700_000_000_000 + i}`);
const until = async (cond: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('influx store, v2 API and HTTP behaviour', () => {
  it('posts gzip line protocol to /api/v2/write with org, bucket, ms precision and the token', async () => {
    const srv = await recordingServer(ok);
    const store = await v2Store(srv.url);
    await store.write([{ template: 'classroom-light', device: 'l-1', ts: 1_700_000_000_000, fields: { on: true, lux: 320 }, tags: { room: 'B 12' } }]);
    expect(srv.requests).toHaveLength(1);
    const r = srv.requests[0];
    expect(r?.method).toBe('POST');
    expect(r?.url.pathname).toBe('/api/v2/write');
    expect(Object.fromEntries(r?.url.searchParams ?? [])).toEqual({ org: 'school org', bucket: 'campus', precision: 'ms' });
    expect(r?.headers.authorization).toBe('Token s3cr3t');
    expect(r?.headers['content-encoding']).toBe('gzip');
    expect(r?.lines).toEqual(['classroom_light,device=l-1,room=B\\ 12,site=north-high,template=classroom-light on=true,lux=320 1700000000000']);
    expect(store.health()).toMatchObject({ ok: true, written: 1, dropped: {}, detail: { spool_batches: 0, oldest_unsent_age_ms: 0, write_latency_ms: { samples: 1 } } });
  });

  it('v1 requests: /write with db, rp and ms precision; user/password as Basic auth, or a token', async () => {
    const srv = await recordingServer(ok);
    const basic = await v2Store(srv.url, { apiVersion: 1, database: 'campus', retentionPolicy: 'one_year', username: 'gw', password: 'p:w', token: undefined });
    await basic.writeLines(lines(3));
    const token = await v2Store(srv.url, { apiVersion: 1, database: 'campus', token: 'tok' });
    await token.writeLines(lines(2));
    const [a, b] = srv.requests;
    expect(a?.url.pathname).toBe('/write');
    expect(Object.fromEntries(a?.url.searchParams ?? [])).toEqual({ db: 'campus', rp: 'one_year', precision: 'ms' });
    expect(a?.headers.authorization).toBe(`Basic ${Buffer.from('gw:p:w').toString('base64')}`);
    expect(a?.lines).toEqual(lines(3));
    expect(Object.fromEntries(b?.url.searchParams ?? [])).toEqual({ db: 'campus', precision: 'ms' });
    expect(b?.headers.authorization).toBe('Token tok');
  });

  it('gzip: false posts plain bodies live, while spooled batches are replayed gzip', async () => {
    let fail = false;
    const srv = await recordingServer((req, res) => {
      if (fail) res.writeHead(500).end('{"error":"x"}');
      else ok(req, res);
    });
    const store = await v2Store(srv.url, {}, { gzip: false });
    await store.writeLines(lines(3));
    fail = true;
    await store.writeLines(lines(2, 'b'));
    fail = false;
    await until(() => store.health().detail?.spool_batches === 0 && srv.requests.length >= 3);
    const [plain, failed, replayed] = srv.requests;
    expect(plain?.headers['content-encoding']).toBeUndefined();
    expect(plain?.lines).toEqual(lines(3));
    expect(failed?.headers['content-encoding']).toBeUndefined();
    expect(replayed?.headers['content-encoding']).toBe('gzip');
    expect(replayed?.lines).toEqual(lines(2, 'b'));
  });

  it('group commit: an idle store sends at once (not after flushMs); writes of one turn share a batch', async () => {
    const srv = await recordingServer(async (req, res) => {
      await new Promise((r) => setTimeout(r, 100));
      ok(req, res);
    });
    const store = await v2Store(srv.url, { flushMs: 600_000, batchSize: 5_000 });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((_r, reject) => { timer = setTimeout(() => reject(new Error('waited for flushMs')), 30_000); });
    await Promise.race([store.writeLines(lines(1, 'first')), late]);
    const burst = Array.from({ length: 50 }, (_, i) => store.writeLines(lines(10, `w${i}`)));
    await Promise.race([Promise.all(burst), late]);
    clearTimeout(timer);
    expect(srv.requests.flatMap((r) => r.lines)).toHaveLength(501);
    expect(srv.requests.length).toBeLessThanOrEqual(3);
  });

  it('group commit under load: while a request is in flight, writes of many turns wait in one batch', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    const srv = await recordingServer(async (req, res) => {
      if (srv.requests.length === 1) await held; // the first request stays in flight
      ok(req, res);
    });
    const store = await v2Store(srv.url, { flushMs: 600_000, batchSize: 5_000 });
    const first = store.writeLines(lines(1, 'first'));
    await until(() => srv.requests.length === 1);
    // Twenty turns of the event loop while that request is in flight: a free slot is not a
    // reason to send a 10-line batch (influxd spends its CPU per request).
    const later: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      later.push(store.writeLines(lines(10, `w${i}`)));
      await new Promise((r) => setImmediate(r));
    }
    expect(srv.requests).toHaveLength(1);
    release();
    await Promise.all([first, ...later]);
    expect(srv.requests.map((r) => r.lines.length)).toEqual([1, 200]);
  });

  it('honours Retry-After: the batch is spooled and sent again no sooner than asked', async () => {
    let first = true;
    const srv = await recordingServer((_req, res) => {
      if (first) {
        first = false;
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"code":"unavailable","message":"busy"}');
      } else ok(_req, res);
    });
    const store = await v2Store(srv.url);
    await store.writeLines(lines(10)); // resolves once spooled
    expect(store.health().detail).toMatchObject({ spool_batches: 1, influx_reachable: false, last_error: 'http_503: busy' });
    await until(() => store.health().detail?.spool_batches === 0);
    expect(srv.requests).toHaveLength(2);
    expect((srv.requests[1]?.at ?? 0) - (srv.requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(srv.requests[1]?.lines).toEqual(lines(10));
  });

  it('bisects a 400 that names no line until only the bad line is dropped', async () => {
    const srv = await recordingServer((req, res) => {
      if (req.lines.includes('poison v=1 1')) res.writeHead(400).end('{"code":"invalid","message":"something is wrong"}');
      else ok(req, res);
    });
    const store = await v2Store(srv.url);
    const batch = [...lines(7), 'poison v=1 1', ...lines(8, 'b')];
    await store.writeLines(batch);
    const accepted = srv.requests.filter((r) => !r.lines.includes('poison v=1 1')).flatMap((r) => r.lines);
    expect(accepted.sort()).toEqual(batch.filter((l) => l !== 'poison v=1 1').sort());
    expect(store.health().dropped).toEqual({ 'influx_rejected: something is wrong': 1 });
  });

  it('halves a batch the server finds too large (413)', async () => {
    const srv = await recordingServer((req, res) => {
      if (req.lines.length > 30) res.writeHead(413).end();
      else ok(req, res);
    });
    const store = await v2Store(srv.url);
    await store.writeLines(lines(100));
    const accepted = srv.requests.filter((r) => r.lines.length <= 30).flatMap((r) => r.lines);
    expect(accepted.sort()).toEqual(lines(100).sort());
    expect(store.health().written).toBe(100);
  });

  it('keeps at most two requests in flight; what cannot wait goes to the spool, nothing is lost', async () => {
    const srv = await recordingServer(async (req, res) => {
      await new Promise((r) => setTimeout(r, 150));
      ok(req, res);
    });
    const store = await v2Store(srv.url, { batchSize: 10 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => store.writeLines(lines(10, `s${i}`))));
    await until(() => store.health().detail?.spool_batches === 0 && store.health().detail?.in_flight === 0);
    expect(srv.concurrent.max).toBe(2);
    const got = srv.requests.flatMap((r) => r.lines);
    expect(new Set(got).size).toBe(120);
    expect(store.health().written).toBe(120);
  });

  it('when the spool is full, drop-newest refuses the write and drop-oldest makes room, both counted', async () => {
    const srv = await recordingServer((_req, res) => { res.writeHead(503).end('{"error":"down"}'); });
    const newest = await v2Store(srv.url, { spool: { maxBytes: 1024 * 1024, whenFull: 'drop-newest' } });
    const big = (tag: string): string[] => Array.from({ length: 100 }, (_, i) => `m,t=${tag} s="${randomBytes(3000).toString('base64')}" ${i}`);
    let refused = 0;
    for (let i = 0; i < 6; i++) await newest.writeLines(big(`n${i}`)).catch((err: Error) => { expect(err.message).toMatch(/GW_ERR_STORE_SPOOL_FULL/); refused++; });
    expect(refused).toBeGreaterThan(0);
    expect(newest.health().dropped).toEqual({ spool_full_dropped_newest: refused * 100 });
    expect(newest.health().detail?.spool_bytes).toBeLessThanOrEqual(1024 * 1024);

    const oldest = await v2Store(srv.url, { spool: { maxBytes: 1024 * 1024, whenFull: 'drop-oldest' } });
    for (let i = 0; i < 6; i++) await oldest.writeLines(big(`o${i}`));
    // A batch pushed out while its replay is in flight is counted when that send fails.
    const accounted = (): boolean => (oldest.health().dropped.spool_full_dropped_oldest ?? 0) + Number(oldest.health().detail?.spool_lines) === 600;
    await until(accounted);
    const h = oldest.health();
    const kept = Number(h.detail?.spool_lines);
    expect(h.dropped).toEqual({ spool_full_dropped_oldest: 600 - kept });
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(600);
  });
});
