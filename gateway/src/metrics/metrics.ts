/**
 * Prometheus metrics (prom-client), one Registry per gateway instance (never the
 * global default registry, so two gateways in one process do not mix). Most
 * values are read from the components' own stats at scrape time through
 * optional providers, so a component that does not exist in this build simply
 * has no series; store write latency is observed by wrapping the store.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReadingStore } from '../store/types.js';

/** One polled device of the Modbus or serial adapters (their `stats()` shape). */
export interface AdapterPollStats {
  device: string;
  transport: string;
  polls: number;
  errors: number;
  timeouts?: number;
  latency_p50_ms: number | null;
  latency_p99_ms: number | null;
}

/** Everything is optional: providers of components that are not wired are left out. */
export interface MetricsSources {
  broker?: () => { clients: number; connections: number; published: number; ingestErrors: number };
  ingest?: () => { readings: Record<string, number>; rejected: Record<string, number> };
  devices?: () => Record<string, number>;
  store?: () => { written: number; dropped: Record<string, number> };
  spoolDepth?: () => number;
  outboxDepth?: () => number;
  /** Modbus and serial adapters: `[...adapters.modbus.stats(), ...adapters.serial.stats()]`. */
  adapters?: () => AdapterPollStats[];
}

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Records one store write's latency (seconds). */
  observeStoreWrite(seconds: number, store?: string): void;
  /** Wraps a store so every write's latency is observed. */
  instrumentStore<S extends ReadingStore>(store: S, name?: string): S;
  text(): Promise<string>;
  readonly contentType: string;
}

/** Sets a counter to an absolute value taken from a component's own running total. */
function setTotal(c: Counter<string>, value: number, labels?: Record<string, string>): void {
  if (labels) c.inc(labels, value);
  else c.inc(value);
}

export function createGatewayMetrics(sources: MetricsSources, opts: { prefix?: string; site?: string } = {}): GatewayMetrics {
  const p = opts.prefix ?? 'campus_gateway_';
  const registry = new Registry();
  if (opts.site) registry.setDefaultLabels({ site: opts.site });
  collectDefaultMetrics({ register: registry, prefix: p });
  const reg = [registry];

  if (sources.broker) {
    const get = sources.broker;
    new Gauge({ name: `${p}broker_clients`, help: 'MQTT clients connected now', registers: reg, collect() { this.set(get().clients); } });
    new Counter({ name: `${p}broker_connections_total`, help: 'MQTT connections accepted since start', registers: reg, collect() { this.reset(); setTotal(this, get().connections); } });
    new Counter({ name: `${p}broker_messages_total`, help: 'Device telemetry/event publishes received', registers: reg, collect() { this.reset(); setTotal(this, get().published); } });
    new Counter({ name: `${p}broker_ingest_errors_total`, help: 'QoS 0 publishes that could not be stored', registers: reg, collect() { this.reset(); setTotal(this, get().ingestErrors); } });
  }
  if (sources.ingest) {
    const get = sources.ingest;
    new Counter({
      name: `${p}readings_total`, help: 'Readings accepted, by template', labelNames: ['template'], registers: reg,
      collect() { this.reset(); for (const [template, n] of Object.entries(get().readings)) setTotal(this, n, { template }); },
    });
    new Counter({
      name: `${p}readings_rejected_total`, help: 'Readings rejected, by reason', labelNames: ['reason'], registers: reg,
      collect() { this.reset(); for (const [reason, n] of Object.entries(get().rejected)) setTotal(this, n, { reason }); },
    });
  }
  if (sources.devices) {
    const get = sources.devices;
    new Gauge({
      name: `${p}devices`, help: 'Known devices by status', labelNames: ['status'], registers: reg,
      collect() { this.reset(); for (const [status, n] of Object.entries(get())) this.set({ status }, n); },
    });
  }
  if (sources.store) {
    const get = sources.store;
    new Counter({ name: `${p}store_written_total`, help: 'Readings written to the store', registers: reg, collect() { this.reset(); setTotal(this, get().written); } });
    new Counter({
      name: `${p}store_dropped_total`, help: 'Readings the store dropped, by reason', labelNames: ['reason'], registers: reg,
      collect() { this.reset(); for (const [reason, n] of Object.entries(get().dropped)) setTotal(this, n, { reason }); },
    });
  }
  if (sources.spoolDepth) {
    const get = sources.spoolDepth;
    new Gauge({ name: `${p}spool_depth`, help: 'Readings waiting in the store spool', registers: reg, collect() { this.set(get()); } });
  }
  if (sources.outboxDepth) {
    const get = sources.outboxDepth;
    new Gauge({ name: `${p}uplink_outbox_depth`, help: 'Messages waiting in the uplink outbox', registers: reg, collect() { this.set(get()); } });
  }
  if (sources.adapters) {
    const get = sources.adapters;
    const labelNames = ['device', 'transport'];
    const each = (fn: (s: AdapterPollStats, labels: Record<string, string>) => void) => {
      for (const s of get()) fn(s, { device: s.device, transport: s.transport });
    };
    new Counter({ name: `${p}adapter_polls_total`, help: 'Modbus/serial polls, by device', labelNames, registers: reg, collect() { this.reset(); each((s, l) => setTotal(this, s.polls, l)); } });
    new Counter({ name: `${p}adapter_poll_errors_total`, help: 'Modbus/serial polls that failed, by device', labelNames, registers: reg, collect() { this.reset(); each((s, l) => setTotal(this, s.errors, l)); } });
    new Counter({ name: `${p}adapter_poll_timeouts_total`, help: 'Modbus/serial polls that timed out, by device', labelNames, registers: reg, collect() { this.reset(); each((s, l) => setTotal(this, s.timeouts ?? 0, l)); } });
    new Gauge({
      name: `${p}adapter_poll_latency_seconds`, help: 'Poll round-trip latency quantiles over the adapter\'s recent polls', labelNames: [...labelNames, 'quantile'], registers: reg,
      collect() {
        this.reset();
        each((s, l) => {
          if (s.latency_p50_ms !== null) this.set({ ...l, quantile: '0.5' }, s.latency_p50_ms / 1000);
          if (s.latency_p99_ms !== null) this.set({ ...l, quantile: '0.99' }, s.latency_p99_ms / 1000);
        });
      },
    });
  }
  const storeLatency = new Histogram({
    name: `${p}store_write_latency_seconds`, help: 'Latency of store writes (until durably accepted)', labelNames: ['store'], registers: reg,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  });

  const metrics: GatewayMetrics = {
    registry,
    contentType: registry.contentType,
    observeStoreWrite: (seconds, store = 'default') => storeLatency.observe({ store }, seconds),
    instrumentStore(store, name = 'default') {
      // Bound to its label once: observing with a labels object hashes it on every write.
      const latency = storeLatency.labels({ store: name });
      // Not async: a suspended frame would keep the readings alive until the batch is written.
      const write: ReadingStore['write'] = (readings) => {
        const t0 = performance.now();
        let written: Promise<void>;
        try {
          written = store.write(readings);
        } catch (err) {
          written = Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
        return written.finally(() => latency.observe((performance.now() - t0) / 1000));
      };
      return new Proxy(store, { get: (target, key, receiver) => (key === 'write' ? write : Reflect.get(target, key, receiver)) });
    },
    text: () => registry.metrics(),
  };
  return metrics;
}
