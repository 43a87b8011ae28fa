/**
 * `store.kind: influx`: readings → line protocol → batches (size or age) → gzip → POST, with
 * at most `maxInFlight` requests. A batch that cannot be written now (network error, 5xx,
 * 429, timeout, InfluxDB too slow to take it) goes to the durable spool, and `write()`
 * resolves once every batch holding its readings is written or spooled. The spool replays
 * oldest first, one batch at a time, with capped exponential backoff and jitter (or the
 * server's Retry-After) while InfluxDB is down; once it answers again, live batches go
 * straight out and the spool drains beside them.
 */
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import type { Logger } from 'pino';
import type { Reading } from '../core/reading.js';
import type { ReadingStore, StoreHealth } from './types.js';
import { createLineEncoder } from './line-protocol.js';
import type { StoreConfig } from '../config/schema.js';
import { createHttpPoster, fetchPoster, influxTarget, postWrite, type FetchLike } from '../lib/influx/http.js';
import { deliver, type DeliverDeps, type DeliverResult } from './influx-deliver.js';
import { queryLatest, querySeries, querySeriesTemplates } from './influx-query.js';
import { createLatencyWindow } from '../lib/latency-window.js';
import { prepareInflux, type InfluxReadiness } from '../lib/influx/setup.js';
import { createSpool, type SpoolOptions } from './spool.js';
import { createInfluxOutage, createWakeableSleep } from './influx-outage.js';
import { batchBody, releaseBatch, splitLines, type Batch, type Linger } from './influx-batch.js';
import { createBatcher } from './influx-batcher.js';
import { gwError } from '../errors.js';

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);
/** The start-up probe: short, so a black-holed InfluxDB delays start by seconds, not minutes. */
const SETUP_TIMEOUT_MS = 5_000;

export type InfluxStoreConfig = Extract<StoreConfig, { kind: 'influx' }>;

export interface InfluxStoreOptions {
  config: InfluxStoreConfig;
  site: string;
  /** Where the spool lives (the gateway passes `store.spoolPath` or `<data dir>/influx-spool`). */
  spoolDir: string;
  /** Overrides `config.spool` (tests, benchmarks). */
  spool?: Omit<SpoolOptions, 'dir'>;
  maxInFlight?: number;
  /** Sealed batches that may wait in memory for a request slot before going to the spool. */
  maxQueuedBatches?: number;
  requestTimeoutMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  gzipLevel?: number;
  /**
   * Compress request bodies (default true: a LAN or remote InfluxDB). On loopback on a small
   * machine plain bodies are cheaper for both sides. Spooled batches are always gzip.
   */
  gzip?: boolean;
  /**
   * Send the open batch as soon as a request slot is idle instead of waiting for `flushMs`
   * (default true): low latency when load is light, full batches when InfluxDB is busy.
   */
  eagerFlush?: boolean;
  /** The pace of those eager sends (influx-batch.ts `createLinger`: 1 ms per 1,000 lines/s, at most 50 ms). */
  linger?: Linger;
  /** Fields of a template written as integers (`i`); the rest of the numbers are floats. */
  integerFieldsOf?: (template: string) => ReadonlySet<string> | undefined;
}

export interface InfluxStoreDeps {
  log: Logger;
  /** Used for queries, and for writes too when given (tests); writes use node:http otherwise. */
  fetch?: FetchLike;
  now?: () => number;
  random?: () => number;
}

export interface InfluxStore extends ReadingStore {
  /** Raw line protocol (already escaped), batched like readings. */
  writeLines(lines: readonly string[]): Promise<void>;
  /** Seals the open batch now instead of waiting for `flushMs`. */
  flush(): void;
}

export function createInfluxStore(options: InfluxStoreOptions, deps: InfluxStoreDeps): InfluxStore {
  const cfg = options.config;
  const log = deps.log.child({ component: 'influx-store' });
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const fetchImpl = deps.fetch ?? fetch;
  const send = deps.fetch ? fetchPoster(deps.fetch) : createHttpPoster();
  const target = influxTarget(cfg);
  const maxInFlight = options.maxInFlight ?? 2;
  const maxQueued = options.maxQueuedBatches ?? 2;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const retryBaseMs = options.retryBaseMs ?? 250;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  const gzipLevel = options.gzipLevel ?? 1;
  const useGzip = options.gzip ?? true;
  const extraTags = { site: options.site };
  const encoder = createLineEncoder();
  const spoolOptions = options.spool ?? {
    maxBytes: cfg.spool.maxBytes, maxAgeMs: cfg.spool.maxAgeHours * 3_600_000, whenFull: cfg.spool.whenFull,
  };
  const spool = createSpool({ dir: options.spoolDir, ...spoolOptions }, { log: deps.log, now });
  const latency = createLatencyWindow(1024);
  const drops: Record<string, number> = {};
  let inFlight = 0;
  let written = 0;
  let requests = 0;
  const outage = createInfluxOutage({ retryBaseMs, retryMaxMs }, { log, now, random });
  let stopping = false;
  let replayDone: Promise<void> = Promise.resolve();
  // InfluxDB did not answer at start: the database check (and creation) runs before the first write.
  let setupPending = false;
  // The replay loop's waits; a stop (or new work) ends the current one early.
  const { sleep, wake } = createWakeableSleep();
  const batcher = createBatcher(
    { batchSize: cfg.batchSize, flushMs: cfg.flushMs, maxInFlight, maxQueued, eagerFlush: options.eagerFlush ?? true, linger: options.linger },
    { now, down: () => outage.down, inFlight: () => inFlight, send: (b) => void sendLive(b), spool: (b) => void toSpool(b) },
  );
  const pump = batcher.pump;

  const deliverDeps: DeliverDeps = {
    post: async (body, gzipped) => {
      const t0 = performance.now();
      requests++;
      const out = await postWrite(target, body, gzipped, timeoutMs, send);
      if (out.kind !== 'retry') latency.add(performance.now() - t0);
      return out;
    },
    encode: async (text) => (useGzip ? { body: await gzip(text, { level: gzipLevel }), gzipped: true } : { body: Buffer.from(text), gzipped: false }),
    drop: (reason, count, line) => {
      drops[reason] = (drops[reason] ?? 0) + count;
      // The measurement only: the line's tags and values may be personal (device ids, health values).
      log.warn({ reason, count, measurement: line?.slice(0, Math.max(0, line.search(/(?<!\\)[, ]/))) }, 'InfluxDB refused lines');
    },
  };

  /**
   * Drops found while settling a 400 count only if the batch then ends written: when a later
   * request of the same delivery fails, the whole batch is spooled and its bad lines will be
   * found, and counted, again on replay.
   */
  async function deliverCounted(body: Buffer, gzipped: boolean, count: number, getLines: () => Promise<string[]>): Promise<DeliverResult> {
    const found: Parameters<DeliverDeps['drop']>[] = [];
    const r = await deliver(body, gzipped, count, getLines, { ...deliverDeps, drop: (...d) => { found.push(d); } });
    if (r.kind === 'ok') for (const d of found) deliverDeps.drop(...d);
    return r;
  }

  function markDown(r: Extract<DeliverResult, { kind: 'retry' }>): void {
    outage.markDown(r.reason, r.retryAfterMs);
  }

  async function toSpool(b: Batch, body?: Buffer): Promise<void> {
    try {
      const gz = body ?? await gzip(batchBody(b), { level: gzipLevel });
      // The spool writes its own (gzipped) copy: the batch's chunks go back to the pool now, not
      // after the fsync. Held through it, the batches spooled while InfluxDB lagged (120 in a
      // school-day bench) each kept a 1 MiB chunk and emptied the pool, so fresh chunks were made
      // and dropped: dead external memory until a major GC.
      releaseBatch(b);
      if (await spool.append({ createdMs: b.createdMs, lines: b.count, body: gz })) b.resolve();
      else b.reject(gwError('GW_ERR_STORE_SPOOL_FULL', 'InfluxDB unreachable and the spool is full (drop-newest)'));
    } catch (err) {
      log.error({ err }, 'could not spool a batch');
      b.reject(gwError('GW_ERR_STORE_SPOOL_WRITE', `${String(err)}`));
    }
    releaseBatch(b); // when gzip failed; a no-op otherwise
    wake();
  }

  async function sendLive(b: Batch): Promise<void> {
    inFlight++;
    let body: Buffer | undefined;
    try {
      const raw = batchBody(b);
      if (useGzip) body = await gzip(raw, { level: gzipLevel });
      const r = await deliverCounted(body ?? raw, useGzip, b.count, () => Promise.resolve(splitLines(raw)));
      if (r.kind === 'ok') {
        written += r.written;
        outage.markUp();
        releaseBatch(b); // the request is answered: nothing reads the body any more
        b.resolve();
      } else {
        markDown(r);
        await toSpool(b, body);
      }
    } catch (err) {
      log.error({ err }, 'unexpected error sending a batch');
      await toSpool(b, body);
    } finally {
      inFlight--;
      pump();
    }
  }

  function addLines(lines: readonly string[]): Promise<void> {
    if (stopping && lines.length > 0) return Promise.reject(gwError('GW_ERR_STORE_STOPPED', 'write after stop()'));
    return batcher.add(lines);
  }

  async function replayLoop(): Promise<void> {
    while (!stopping) {
      const wait = outage.retryInMs();
      if (setupPending) await (wait > 0 ? sleep(Math.min(wait, 1_000)) : setUp());
      else if (spool.depth().batches === 0) await sleep(1_000);
      else if (outage.down && wait > 0) await sleep(Math.min(wait, 1_000));
      else if (inFlight >= maxInFlight || batcher.queued() > 0) await sleep(20); // live data first
      else {
        try {
          await replayOne();
        } catch (err) {
          // e.g. a spool segment that cannot be read: say so, and try again later.
          log.error({ err }, 'spool replay failed');
          outage.noteError(`spool: ${String(err)}`);
          await sleep(1_000);
        }
      }
    }
  }

  /** Is InfluxDB there, may we write, does the database exist (created when missing and allowed)? See influx-setup.ts. */
  async function check(): Promise<InfluxReadiness> {
    const r = await prepareInflux(target, { createDatabase: true, timeoutMs: SETUP_TIMEOUT_MS, keys: 'store' }, fetchImpl);
    if (r.kind === 'ready' && r.created) log.info({ database: target.database }, 'created the InfluxDB database');
    return r;
  }

  /** The start-up check, again, once InfluxDB answers (it did not at start). */
  async function setUp(): Promise<void> {
    try {
      const r = await check();
      if (r.kind === 'unreachable') {
        markDown({ kind: 'retry', reason: r.reason });
        return;
      }
      setupPending = false;
      outage.markUp();
      pump();
    } catch (err) {
      // Reachable but unusable (credentials, missing bucket): a person must act; writes stay spooled.
      const message = (err as Error).message;
      if (outage.lastError !== message) log.error(message);
      markDown({ kind: 'retry', reason: message });
    }
  }

  async function replayOne(): Promise<void> {
    const e = await spool.peek();
    if (!e) return;
    inFlight++;
    try {
      const r = await deliverCounted(e.body, true, e.lines, async () => splitLines(await gunzip(e.body)));
      if (r.kind === 'ok') {
        written += r.written;
        outage.markUp();
        await spool.ack(e.id);
      } else {
        spool.release(e.id);
        markDown(r);
      }
    } catch (err) {
      spool.release(e.id);
      markDown({ kind: 'retry', reason: `replay: ${String(err)}` });
    } finally {
      inFlight--;
      pump();
    }
  }

  function oldestUnsentMs(): number | undefined {
    let oldest = spool.depth().oldest_created_ms;
    const current = batcher.current();
    for (const b of batcher.live) if (b !== current && (oldest === undefined || b.createdMs < oldest)) oldest = b.createdMs;
    return oldest;
  }

  return {
    async start() {
      // Before anything is opened: a StartError here leaves nothing to stop.
      const ready = await check();
      await spool.start();
      stopping = false;
      setupPending = ready.kind === 'unreachable';
      if (ready.kind === 'unreachable') {
        outage.startDown(ready.reason);
        log.warn({ target: target.describe, reason: ready.reason }, 'InfluxDB unreachable at start: running degraded, readings are spooled until it answers');
      }
      replayDone = replayLoop();
      log.info({ target: target.describe, spooled_batches: spool.depth().batches }, 'influx store started');
    },

    async stop() {
      batcher.seal();
      await Promise.allSettled([...batcher.live].map((b) => b.done));
      stopping = true;
      batcher.cancel();
      wake();
      await replayDone;
      await spool.stop();
    },

    write(readings: readonly Reading[]) {
      const lines: string[] = [];
      for (const r of readings) {
        const res = encoder.encode(r, { integerFields: options.integerFieldsOf?.(r.template), extraTags });
        if (res.ok) lines.push(res.line);
        else {
          // The pipeline refuses what cannot be stored before acknowledging it, so this is a bug:
          // counted, and said once per reason (template and rule only; device and value may be personal).
          const reason = `invalid_${res.reason}`;
          drops[reason] = (drops[reason] ?? 0) + 1;
          if (drops[reason] === 1) log.error({ template: r.template, reason }, 'an acknowledged reading cannot be stored in InfluxDB (dropped)');
        }
      }
      return addLines(lines);
    },

    writeLines: addLines,
    flush: batcher.seal,
    query: (q) => querySeries(target, q, timeoutMs, fetchImpl),
    seriesTemplates: (device) => querySeriesTemplates(target, device, timeoutMs, fetchImpl),
    latest: () => queryLatest(target, timeoutMs, fetchImpl),

    health(): StoreHealth {
      const depth = spool.depth();
      const oldest = oldestUnsentMs();
      return {
        kind: 'influx',
        ok: !outage.down,
        written,
        dropped: { ...drops, ...Object.fromEntries(Object.entries(spool.dropped()).filter(([, n]) => n > 0)) },
        detail: {
          target: target.describe,
          influx_reachable: !outage.down,
          last_error: outage.lastError,
          spool_batches: depth.batches,
          spool_bytes: depth.bytes,
          spool_lines: depth.lines,
          oldest_unsent_age_ms: oldest === undefined ? 0 : Math.max(0, now() - oldest),
          write_latency_ms: latency.summary(),
          in_flight: inFlight,
          write_requests: requests,
          queued_batches: batcher.queued(),
          batch_buffers: { free: batcher.chunks.free(), made: batcher.chunks.made() },
        },
      };
    },
  };
}
