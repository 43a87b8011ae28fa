// The device charts (uPlot, bundled) in Debian's chromium, read from the page's uPlot instances
// (data and scales, not pixels): a constant float32 value is drawn flat in a sensible y range,
// a cumulative kWh counter is charted as increments per 5-minute bucket, the min/max band of a
// zoomed-out range, hover values in the legend and zoom by dragging.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../kit/index.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

interface PlotState { data: Array<Array<number | null>>; y: { min: number; max: number }; x: { min: number; max: number } }
const plot = (page: Page, field: string) => page.locator(`#device-charts figure[data-field="${field}"]`).evaluate((el) => {
  const u = (el as unknown as { uplot: { data: Array<Array<number | null>>; scales: Record<string, { min: number; max: number }> } }).uplot;
  return { data: u.data, y: { min: u.scales.y!.min, max: u.scales.y!.max }, x: { min: u.scales.x!.min, max: u.scales.x!.max } } as PlotState;
});

const BUCKET = 300_000;
const F32 = Math.fround(229.8); // 229.8000030517578: what a float32 register makes of 229.8

describe('device charts in chromium', () => {
  let gw: RunningGateway;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];
  const T0 = Math.floor((Date.now() - 3_600_000) / BUCKET) * BUCKET + BUCKET;

  beforeAll(async () => {
    gw = await startTestGateway({ devices: [{ id: 'socket-201', template: 'smart-socket', room: '201', building: 'A' }] });
    // 45 minutes, one reading a minute: the voltage alternates between 229.8 and its float32 form
    // (the old chart drew that noise full height), power swings 100/300 W, energy climbs 0.05 kWh a minute.
    for (let k = 0; k < 45; k++) {
      await gw.publish('smart-socket', 'socket-201', { relay: 1, v: k % 2 ? F32 : 229.8, p: k % 2 ? 300 : 100, e: 100 + k * 0.05, ts: T0 + k * 60_000 });
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text()); });
    await page.goto(`${gw.base}/#/device/socket-201`);
    await page.locator('#device-charts figure[data-field="energy_kwh"] .uplot').waitFor({ timeout: 20_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('draws a constant float32 value flat, centred in ±10 % of its value', async () => {
    const v = await plot(page, 'voltage_v');
    expect(v.data[1]!.length).toBeGreaterThan(40);
    expect(v.y.min).toBeCloseTo(229.8 * 0.9, 1);
    expect(v.y.max).toBeCloseTo(229.8 * 1.1, 1);
    // Every point sits in the middle of the axis: a flat line, not a sawtooth of float noise.
    for (const y of v.data[1]!) expect(Math.abs((y! - v.y.min) / (v.y.max - v.y.min) - 0.5)).toBeLessThan(1e-3);
    // uPlot styles its elements through CSSOM and its stylesheet comes from the gateway: the CSP refuses nothing.
    expect(cspViolations).toEqual([]);
  });

  it('charts the kWh counter as increments per 5-minute bucket', async () => {
    expect(await page.locator('#device-charts figure[data-field="energy_kwh"]').getAttribute('data-kind')).toBe('bars');
    const e = await plot(page, 'energy_kwh');
    expect(e.data[0]).toEqual(Array.from({ length: 9 }, (_, i) => (T0 + i * BUCKET) / 1000));
    // The first bucket gained 4 steps of 0.05 (its own points), each later one 5 steps.
    const inc = e.data[1]!.map((x) => Math.round(x! * 1000) / 1000);
    expect(inc).toEqual([0.2, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25]);
    expect(e.y.min).toBe(0);
    expect(e.y.max).toBeCloseTo(0.275, 3);
  });

  it('shows hover values with their unit and zooms by dragging', async () => {
    const over = page.locator('#device-charts figure[data-field="energy_kwh"] .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    await expect.poll(() => page.locator('#device-charts figure[data-field="energy_kwh"] .u-legend .u-series:nth-child(2) .u-value').textContent()).toMatch(/^0\.2\d* kWh$/);
    const before = await plot(page, 'energy_kwh');
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const after = await plot(page, 'energy_kwh');
    expect(after.x.max - after.x.min).toBeLessThan((before.x.max - before.x.min) / 2);
  });

  it('bands each bucket between its min and max when zoomed out', async () => {
    await page.click('#range button:has-text("6 h")');
    // 6 h asks for 3-minute buckets with agg=minmax: four series (time, mean, min, max).
    await expect.poll(async () => { const d = (await plot(page, 'power_w')).data; return d.length === 4 ? d[0]![1]! - d[0]![0]! : 0; }, { timeout: 20_000 }).toBe(180);
    const p = await plot(page, 'power_w');
    // 100/300 W alternating each minute: a full bucket's mean lies between, its band spans 100 to 300.
    const full = p.data[0]!.map((_, i) => ({ mean: p.data[1]![i]!, min: p.data[2]![i]!, max: p.data[3]![i]! })).filter((b) => b.min === 100 && b.max === 300);
    expect(full.length).toBeGreaterThanOrEqual(12);
    expect(full.every((b) => b.mean > 100 && b.mean < 300)).toBe(true);
    expect(p.y.min).toBeLessThanOrEqual(100);
    expect(p.y.max).toBeGreaterThanOrEqual(300);
  });
});
