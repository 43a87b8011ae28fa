import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from './metrics.js';
import type { ReadingStore } from '../store/types.js';

describe('createGatewayMetrics', () => {
  it('reads component totals at scrape time, per label', async () => {
    let rejected: Record<string, number> = { range: 1 };
    const m = createGatewayMetrics({
      ingest: () => ({ readings: { 'classroom-light': 5 }, rejected }),
      spoolDepth: () => 42,
      outboxDepth: () => 7,
      adapters: () => [{ device: 'meter-a', transport: 'tcp', polls: 10, errors: 2, timeouts: 1, latency_p50_ms: 12, latency_p99_ms: 80 }],
    });
    let text = await m.text();
    expect(text).toContain('campus_gateway_readings_total{template="classroom-light"} 5');
    expect(text).toContain('campus_gateway_readings_rejected_total{reason="range"} 1');
    expect(text).toContain('campus_gateway_spool_depth 42');
    expect(text).toContain('campus_gateway_uplink_outbox_depth 7');
    expect(text).toContain('campus_gateway_adapter_poll_errors_total{device="meter-a",transport="tcp"} 2');
    expect(text).toContain('campus_gateway_adapter_poll_latency_seconds{device="meter-a",transport="tcp",quantile="0.99"} 0.08');
    rejected = { range: 3, bad_json: 1 };
    text = await m.text();
    expect(text).toContain('campus_gateway_readings_rejected_total{reason="range"} 3');
    expect(text).toContain('campus_gateway_readings_rejected_total{reason="bad_json"} 1');
  });

  it('times writes of an instrumented store and leaves its other methods alone', async () => {
    const m = createGatewayMetrics({});
    let writes = 0;
    const store: ReadingStore = {
      start: async () => undefined, stop: async () => undefined,
      write: async () => { writes += 1; },
      health: () => ({ kind: 'x', ok: true, written: writes, dropped: {} }),
    };
    const s = m.instrumentStore(store, 'embedded');
    await s.write([]);
    await s.write([]);
    expect(writes).toBe(2);
    expect(s.health().written).toBe(2);
    expect(await m.text()).toContain('campus_gateway_store_write_latency_seconds_count{store="embedded"} 2');
  });

  it('keeps registries apart', async () => {
    const a = createGatewayMetrics({ spoolDepth: () => 1 });
    const b = createGatewayMetrics({});
    expect(await a.text()).toContain('campus_gateway_spool_depth 1');
    expect(await b.text()).not.toContain('campus_gateway_spool_depth');
  });
});
