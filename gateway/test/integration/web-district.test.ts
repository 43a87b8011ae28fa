// The district view in chromium with summaries present: energy and usage per day,
// charted from /api/summaries (day roll-ups in the shape the summaries engine emits).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpApp } from '../../src/api/server.js';
import type { SummaryRecord } from '../../src/api/routes/summaries.js';
import { silentLogger } from '../../src/index.js';
import { launchChromium, testOutputDir } from '../kit/index.js';
import { httpParts } from './http-parts.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

const DAY = 86_400_000;

function daySummaries(now: number): SummaryRecord[] {
  const out: SummaryRecord[] = [];
  for (let i = 13; i >= 0; i--) {
    const d = new Date(now - i * DAY);
    const start = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    const weekend = [0, 6].includes(new Date(start).getDay());
    const base = { site: 'test-school', resolution: 'day', windowStart: new Date(start).toISOString(), windowEnd: new Date(start + DAY).toISOString(), rows: [] };
    out.push({ ...base, id: `e-${i}`, kind: 'energy', values: { energy_kwh: weekend ? 40 + i : 180 + 7 * (i % 5), pv_yield_kwh: 30 + (i % 4) * 6, water_m3: weekend ? 1 : 6 + (i % 3), meters: 4 } });
    out.push({ ...base, id: `u-${i}`, kind: 'usage', values: { board_on_min: weekend ? 0 : 1800 + 60 * (i % 4), projector_on_min: weekend ? 0 : 600 + 30 * (i % 3), recording_min: weekend ? 0 : 240, rooms: 24 } });
  }
  return out;
}

describe('web dashboard: district view with summaries', () => {
  let gw: RunningGateway;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  const all = daySummaries(Date.now());
  const queries: Array<{ kind?: string; from: number; to: number }> = [];

  beforeAll(async () => {
    gw = await startTestGateway();
    app = await buildHttpApp({
      log: silentLogger(), health: { report: () => gw.gateway.health() }, store: gw.gateway.store, registry: gw.gateway.registry, site: 'test-school', siteName: 'Test School',
      ...httpParts({ log: silentLogger(), registry: gw.gateway.registry, store: gw.gateway.store }),
      summaries: {
        async query(q) {
          queries.push(q);
          return all.filter((s) => (!q.kind || s.kind === q.kind) && Date.parse(s.windowStart) >= q.from - DAY && Date.parse(s.windowStart) < q.to);
        },
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await gw?.stop();
  });

  it('charts energy and usage per day', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${base}/#/district`);
    await page.locator('#district-charts [data-metric="energy_kwh"] rect.bar').first().waitFor();
    expect(await page.locator('#district-charts [data-metric="energy_kwh"] rect.bar').count()).toBe(14);
    expect(await page.locator('#district-charts [data-metric]').evaluateAll((els) => els.map((e) => e.getAttribute('data-metric'))))
      .toEqual(['energy_kwh', 'pv_yield_kwh', 'water_m3', 'board_on_min', 'projector_on_min', 'recording_min']);
    const expectedKwh = all.filter((s) => s.kind === 'energy').reduce((n, s) => n + ((s.values as Record<string, number>).energy_kwh ?? 0), 0);
    // The total is grouped by Intl for the page's language (2,116.0).
    expect(Number((await page.locator('#district-kwh .stat-value').textContent())?.replaceAll(',', ''))).toBeCloseTo(expectedKwh, 1);
    expect(queries.some((q) => q.kind === 'energy') && queries.some((q) => q.kind === 'usage')).toBe(true);
    await expect.poll(() => page.locator('#site').textContent()).toBe('Test School');
    const file = join(testOutputDir('web'), 'district.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(10_000);
    await page.close();
  });
});
