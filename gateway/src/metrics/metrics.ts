/**
 * Prometheus metrics (prom-client), one Registry per gateway instance (never the
 * global default registry, so two gateways in one process do not mix). Most
 * values are read from the components' own stats at scrape time through
 * optional providers, so a component that does not exist in this build simply
 * has no series; store write latency is observed by wrapping the store.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReadingStore } from '../store/types.js';

export interface ModbusPollStats {
  device: string;
  polls: number;
  errors: number;
  /** Latency of the last poll round-trip, seconds. */
  lastLatencySeconds?: number;
}

/** Everything is optional: providers of components that are not wired are left out. */
export interface MetricsSources {
  broker?: () => { clients: number; connections: number; published: number; ingestErrors: number };
  ingest?: () => { readings: Record<string, number>; rejected: Record<string, number> };
  devices?: () => Record<string, number>;
  store?: () => { written: number; dropped: Record<string, number> };
  spoolDepth?: () => number;
  outboxDepth?: () => number;
  modbus?: () => ModbusPollStats[];
}

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Records one store write's latency (seconds). */
  observeStoreWrite(seconds: number, store?: string): void;
  /** Records one Modbus poll's latency (seconds) for the histogram. */
  observeModbusPoll(seconds: number, device: string): void;
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
  if (sources.modbus) {
    const get = sources.modbus;
    new Counter({
      name: `${p}modbus_polls_total`, help: 'Modbus polls, by device', labelNames: ['device'], registers: reg,
      collect() { this.reset(); for (const s of get()) setTotal(this, s.polls, { device: s.device }); },
    });
    new Counter({
      name: `${p}modbus_poll_errors_total`, help: 'Modbus polls that failed, by device', labelNames: ['device'], registers: reg,
      collect() { this.reset(); for (const s of get()) setTotal(this, s.errors, { device: s.device }); },
    });
  }
  const modbusLatency = new Histogram({
    name: `${p}modbus_poll_latency_seconds`, help: 'Modbus poll round-trip latency', labelNames: ['device'], registers: reg,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  const storeLatency = new Histogram({
    name: `${p}store_write_latency_seconds`, help: 'Latency of store writes (until durably accepted)', labelNames: ['store'], registers: reg,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  });

  const metrics: GatewayMetrics = {
    registry,
    contentType: registry.contentType,
    observeStoreWrite: (seconds, store = 'default') => storeLatency.observe({ store }, seconds),
    observeModbusPoll: (seconds, device) => modbusLatency.observe({ device }, seconds),
    instrumentStore(store, name = 'default') {
      const write: ReadingStore['write'] = async (readings) => {
        const t0 = process.hrtime.bigint();
        try {
          await store.write(readings);
        } finally {
          metrics.observeStoreWrite(Number(process.hrtime.bigint() - t0) / 1e9, name);
        }
      };
      return new Proxy(store, { get: (target, key, receiver) => (key === 'write' ? write : Reflect.get(target, key, receiver)) });
    },
    text: () => registry.metrics(),
  };
  return metrics;
}
