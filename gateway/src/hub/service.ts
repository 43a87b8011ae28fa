/**
 * The hub role as `campus-gateway hub` runs it: the hub (hub.ts) and, with an `http` section,
 * its HTTP API (http-app.ts), wired here and nowhere else: the site tracker and the metrics
 * learn from the hub through its observer; the API reads them and the district InfluxDB.
 *
 * Start order: the HTTP port first (a port in use fails before the hub takes any message), then
 * the hub (which creates the database), then /api/schools is filled from InfluxDB (best effort:
 * an unreachable InfluxDB is reported on /api/health, not fatal). If the hub fails to start, the
 * HTTP server is closed again.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApiAuthOptions } from '../api/app-base.js';
import type { HubConfig } from './config.js';
import { createOverviewReader, type OverviewReader } from './district-overview.js';
import { createDistrictReader, type DistrictReader } from './district-query.js';
import { createHub, type Hub } from './hub.js';
import { buildHubHttpApp } from './http-app.js';
import { createHubMetrics } from './metrics.js';
import { createSiteTracker } from './sites.js';

export interface HubService extends Hub {
  /** The HTTP port (null without an `http` section); useful with port 0. */
  httpPort(): number | null;
}

export interface HubServiceDeps {
  log: Logger;
  auth?: ApiAuthOptions;
  reader?: DistrictReader;
  overview?: OverviewReader;
  now?: () => number;
}

export function createHubService(config: HubConfig, deps: HubServiceDeps): HubService {
  const log = deps.log;
  const now = deps.now ?? Date.now;
  const http = config.http;
  const sites = createSiteTracker({ names: http?.sites ?? {}, silentAfterMs: (http?.silentAfterSeconds ?? 900) * 1000 }, { now });
  const writes = { lastOkAt: null as number | null, lastError: null as { at: number; message: string } | null, errors: 0 };
  let observeWrite: (seconds: number, failed: boolean) => void = () => undefined;
  const hub = createHub(config, {
    log,
    observer: {
      stored: (m) => sites.stored(m),
      duplicate: (site) => sites.duplicate(site),
      write(seconds, error) {
        if (error === undefined) writes.lastOkAt = now();
        else {
          writes.errors++;
          writes.lastError = { at: now(), message: error.message.slice(0, 300) };
        }
        observeWrite(seconds, error !== undefined);
      },
    },
  });
  const reader = deps.reader ?? createDistrictReader(config.influx);
  const overview = deps.overview ?? createOverviewReader(config.influx);
  let history: { loaded: boolean; error?: string } = { loaded: false };
  let app: FastifyInstance | undefined;
  let port: number | null = null;

  async function loadHistory(days: number): Promise<void> {
    try {
      sites.seed(await reader.history(days));
      history = { loaded: true };
    } catch (err) {
      history = { loaded: false, error: 'the district InfluxDB did not answer at start' };
      log.warn({ err: (err as Error).message }, 'could not read the schools from the district InfluxDB; /api/schools lists what arrives from now on');
    }
  }

  return {
    async start() {
      if (http !== undefined) {
        const metrics = createHubMetrics({ hub: () => hub.stats(), sites });
        observeWrite = (s, failed) => metrics.observeWrite(s, failed);
        app = await buildHubHttpApp({ http, insecure: config.insecure, dedup: config.dedup }, {
          log, hub, sites, reader, overview, metrics, writes: () => ({ ...writes }), history: () => history, now, ...(deps.auth ? { auth: deps.auth } : {}),
        });
        try {
          await app.listen({ port: http.port, host: http.host });
        } catch (err) {
          await app.close();
          app = undefined;
          throw err;
        }
        const address = app.server.address();
        port = typeof address === 'object' && address !== null ? address.port : http.port;
        if (config.insecure && http.tokens.length === 0) log.warn({ port }, 'hub API open without tokens (insecure: true)');
        log.info({ port, host: http.host }, 'hub API listening');
      }
      try {
        await hub.start();
      } catch (err) {
        await hub.stop().catch(() => undefined);
        await app?.close();
        app = undefined;
        throw err;
      }
      // After the hub made the database; what arrives meanwhile is kept over the history.
      if (http !== undefined) await loadHistory(http.historyDays);
    },
    async stop() {
      await app?.close();
      app = undefined;
      await hub.stop();
    },
    stats: () => hub.stats(),
    httpPort: () => port,
  };
}
