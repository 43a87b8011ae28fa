/**
 * `GET /api/readings?every=&agg=minmax` through the real HTTP app over the embedded store: the
 * mean of each bucket and its min and max (the dashboard draws them as a band when zoomed out),
 * and a clear 400 for `agg` without a bucket width. The same `spread` query against a real influxd
 * is in store-influx.test.ts.
 */
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpApp } from '../../src/api/server.js';
import { httpParts } from './http-parts.js';
import { createDeviceRegistry } from '../../src/registry/device-registry.js';
import { createEmbeddedStore } from '../../src/store/embedded-store.js';
import type { ReadingStore } from '../../src/store/types.js';
import { createTemplateCatalog, type TemplateCatalog } from '../../src/templates/index.js';

const log = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 11, 7, 8, 0, 0);
let app: FastifyInstance;
let store: ReadingStore;
let templates: TemplateCatalog;

beforeAll(async () => {
  templates = createTemplateCatalog({}, { log });
  await templates.start();
  store = createEmbeddedStore({ path: ':memory:', retentionDays: 3650 }, { log });
  await store.start();
  const registry = createDeviceRegistry();
  registry.upsert({ id: 'em-1', template: 'energy-meter-1p', room: 'PLANT', building: 'A', provisioned: true });
  // Power swings 100..190 W within each 10-minute bucket; energy climbs 0.1 kWh a minute.
  await store.write(Array.from({ length: 20 }, (_, i) => ({
    template: 'energy-meter-1p', device: 'em-1', ts: T0 + i * 60_000, tags: {},
    fields: { active_power_w: 100 + (i % 10) * 10, energy_import_kwh: 1000 + i * 0.1 },
  })));
  app = await buildHttpApp({ log, store, registry, templates, ...httpParts({ log, registry, store, templates }), health: { report: () => ({ status: 'ok', broker: {}, store: {}, uplink: null }) } });
});
afterAll(async () => {
  await app?.close();
  await store?.stop();
  await templates?.stop();
});

const get = (query: string) => app.inject({ method: 'GET', url: `/api/readings?device=em-1&${query}&from=${new Date(T0).toISOString()}&to=${new Date(T0 + 20 * 60_000).toISOString()}` });

describe('readings aggregated per bucket', () => {
  it('answers min, mean and max per bucket with agg=minmax', async () => {
    const res = await get('field=active_power_w&every=10m&agg=minmax');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ agg: string; points: Array<{ ts: string; value: number; min: number; max: number }> }>();
    expect(body.agg).toBe('minmax');
    expect(body.points).toEqual([
      { ts: new Date(T0).toISOString(), value: 145, min: 100, max: 190 },
      { ts: new Date(T0 + 600_000).toISOString(), value: 145, min: 100, max: 190 },
    ]);
  });

  it('keeps the mean alone without agg, and refuses agg without every', async () => {
    const mean = (await get('field=active_power_w&every=10m')).json<{ agg: string; points: object[] }>();
    expect(mean.agg).toBe('mean');
    expect(mean.points[0]).toEqual({ ts: new Date(T0).toISOString(), value: 145 });
    const bad = await get('field=active_power_w&agg=minmax');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'GW_ERR_VALIDATION', message: expect.stringContaining('agg needs every') as string });
  });
});
