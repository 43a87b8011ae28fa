/**
 * The hub's Prometheus metrics (prom-client), one Registry per hub (never the global one), as
 * the gateway's metrics/metrics.ts does: totals are read from the hub's and the site tracker's
 * own counters at scrape time; InfluxDB write latency is observed as each write ends.
 * Per-site series are bounded by the tracker's `maxSites`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HubStats } from './hub.js';
import type { SiteTracker } from './sites.js';

export interface HubMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** One InfluxDB write attempt: a success's latency is observed, a failure counted. */
  observeWrite(seconds: number, failed: boolean): void;
  text(): Promise<string>;
}

/** A counter set to a running total kept elsewhere. */
function total(c: Counter<string>, value: number, labels?: Record<string, string>): void {
  if (labels) c.inc(labels, value);
  else c.inc(value);
}

export function createHubMetrics(sources: { hub: () => HubStats; sites: SiteTracker }, opts: { prefix?: string } = {}): HubMetrics {
  const p = opts.prefix ?? 'campus_hub_';
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: p });
  const reg = [registry];
  const { hub, sites } = sources;

  new Counter({
    name: `${p}messages_total`, help: 'Messages stored in the district InfluxDB, by school and kind (since start)', labelNames: ['site', 'kind'], registers: reg,
    collect() {
      this.reset();
      for (const s of sites.counters()) for (const [kind, n] of s.byKind) total(this, n, { site: s.site, kind });
    },
  });
  new Counter({
    name: `${p}duplicates_dropped_total`, help: 'Resent messages dropped by their id, by school', labelNames: ['site'], registers: reg,
    collect() {
      this.reset();
      for (const s of sites.counters()) if (s.duplicates > 0) total(this, s.duplicates, { site: s.site });
    },
  });
  new Counter({ name: `${p}received_total`, help: 'Messages received from the hub broker', registers: reg, collect() { this.reset(); total(this, hub().received); } });
  new Counter({ name: `${p}invalid_total`, help: 'Messages dropped as invalid (bad topic, JSON or shape; refused by InfluxDB)', registers: reg, collect() { this.reset(); total(this, hub().invalid); } });
  new Counter({ name: `${p}write_retries_total`, help: 'InfluxDB writes retried', registers: reg, collect() { this.reset(); total(this, hub().writeRetries); } });
  const writeErrors = new Counter({ name: `${p}write_errors_total`, help: 'InfluxDB write attempts that failed', registers: reg });
  const writeLatency = new Histogram({
    name: `${p}write_latency_seconds`, help: 'Latency of successful InfluxDB writes (one message each)', registers: reg,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 10],
  });
  new Gauge({ name: `${p}schools`, help: 'Schools seen (or named in http.sites)', registers: reg, collect() { this.set(sites.summary().sites); } });
  new Gauge({ name: `${p}schools_silent`, help: 'Schools with no message for longer than http.silentAfterSeconds', registers: reg, collect() { this.set(sites.summary().silent); } });
  new Gauge({
    name: `${p}delivery_lag_seconds`, help: 'Receipt time minus window end of the last message stored, by school', labelNames: ['site'], registers: reg,
    collect() {
      this.reset();
      for (const s of sites.counters()) if (s.lagS !== null) this.set({ site: s.site }, s.lagS);
    },
  });
  new Gauge({ name: `${p}broker_connected`, help: '1 while connected to the hub broker', registers: reg, collect() { this.set(hub().connected ? 1 : 0); } });
  new Gauge({ name: `${p}dedup_ids`, help: 'Message ids in the dedup set', registers: reg, collect() { this.set(hub().dedupIds); } });

  return {
    registry,
    contentType: registry.contentType,
    observeWrite(seconds, failed) {
      if (failed) writeErrors.inc();
      else writeLatency.observe(seconds);
    },
    text: () => registry.metrics(),
  };
}
