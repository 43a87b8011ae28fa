// GET /metrics: Prometheus text from a per-gateway registry, with broker,
// readings by template, rejections by reason, device and process series.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type RunningGateway } from './api-harness.js';

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('api: /metrics', () => {
  let a: RunningGateway;
  let b: RunningGateway;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestGateway(), startTestGateway()]);
    for (let i = 0; i < 3; i++) await a.publish('classroom-light', 'light-101-1', { on: true, bri: 80, cct: 5000, lux: 500, pw: 36 + i });
    await a.publish('air-quality-monitor', 'aqm-101', { pm25: 35, pm10: 52, co2: 820, tvoc: 0.21, hcho: 0.03, t: 24.1, rh: 45 });
    await a.publish('classroom-light', 'light-101-2', { on: true, bri: 180, cct: 5000, lux: 500, pw: 36 });
    await a.publish('classroom-light', 'light-101-2', '{not json');
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('serves the Prometheus text format with the gateway series', async () => {
    const res = await a.api('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(value(text, 'campus_gateway_readings_total{template="classroom-light",site="test-school"}')).toBe(3);
    expect(value(text, 'campus_gateway_readings_total{template="air-quality-monitor",site="test-school"}')).toBe(1);
    const rejected = text.split('\n').filter((l) => l.startsWith('campus_gateway_readings_rejected_total{'));
    expect(rejected.reduce((n, l) => n + Number(l.split(' ').pop()), 0)).toBe(2);
    expect(value(text, 'campus_gateway_broker_messages_total{site="test-school"}')).toBe(6);
    expect(value(text, 'campus_gateway_broker_clients{site="test-school"}')).toBe(1);
    expect(value(text, 'campus_gateway_devices{status="online",site="test-school"}')).toBe(3);
    expect(value(text, 'campus_gateway_store_written_total{site="test-school"}')).toBe(4);
    expect(value(text, 'campus_gateway_process_resident_memory_bytes{site="test-school"}')).toBeGreaterThan(10_000_000);
    expect(text).toContain('# TYPE campus_gateway_store_write_latency_seconds histogram');
  });

  it('keeps one registry per gateway instance', async () => {
    const text = await (await b.api('/metrics')).text();
    expect(text).not.toContain('campus_gateway_readings_total{template="classroom-light"');
    expect(value(text, 'campus_gateway_broker_messages_total{site="test-school"}')).toBe(0);
  });
});
