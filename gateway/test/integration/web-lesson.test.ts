// The lesson, live, in Debian's chromium (playwright-core via the kit) against a real gateway, in
// zh-CN (issue #19 items 4, 5, 8): pens publishing through the real broker appear on the handwriting
// wall stroke by stroke (the tile counts what it drew; the canvas has ink), a tile enlarges and
// replays its page; the PE view colours a band's tile by its zone and marks a band off the wrist and
// one not connected; the summary export downloads under its Chinese name and reads back with exceljs.
// Measures the latency from publish to wall tile over a few hundred strokes.
import { mkdirSync } from 'node:fs';
import ExcelJS from 'exceljs';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../kit/index.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

const STUDENTS = [['P-01', 'W-01', '王小明'], ['P-02', 'W-02', '李娜'], ['P-03', 'W-03', '张伟']] as const;
const SHOTS = '/tmp/shots';

/** One stroke of 3 points 8 ms apart, one message (index 0) as a receiver sends it. */
const stroke = (pen: string, t0: number, x: number, y: number, page = '8.1.1.1') =>
  ({ pen, page, bat: 80, strokes: [{ t0, pts: [[x * 10, y * 10, 500, 0], [x * 10 + 40, y * 10 + 30, 600, 8], [x * 10 + 80, y * 10 + 20, 550, 8]] }] });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

describe('web: the lesson, live (handwriting wall, PE view, export) in zh-CN', () => {
  let gw: RunningGateway;
  let browser: Browser;
  let page: Page;
  let client: mqtt.MqttClient;
  let t0: number;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    gw = await startTestGateway({
      site: { id: 'test-school', name: 'Test School', timezone: 'Asia/Shanghai' },
      devices: STUDENTS.flatMap(([pen, band], i) => [{ id: pen, template: 'smart-pen', person: `S-${i}` }, { id: band, template: 'student-wristband', person: `S-${i}` }]),
    });
    const res = await gw.api('/api/sessions', {
      method: 'POST', body: JSON.stringify({ room: 'A103', class: '三年级2班', subject: '语文', roster: STUDENTS.flatMap(([pen, band, name]) => [{ device: pen, student: name }, { device: band, student: name }]) }),
    });
    expect(res.status).toBe(201);
    client = await mqtt.connectAsync(gw.mqttUrl, { clientId: 'pen-rx-a103', reconnectPeriod: 0 });
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
    page = await context.newPage();
    await page.goto(`${gw.base}/#/teacher`);
    await page.locator('#lesson-live[data-stream="open"]').waitFor();
    await page.locator('#wall .wall-tile').nth(2).waitFor();
    t0 = Date.now();
  });
  afterAll(async () => {
    await client?.endAsync();
    await browser?.close();
    await gw?.stop();
  });

  it('draws each stroke a pen sends on its student\'s tile (counted per tile, ink on the canvas), and measures publish → tile', async () => {
    // browser-side code as strings: the gateway's tsconfig has no DOM lib
    await page.evaluate(`window.drawn = []; document.addEventListener('wall-drawn', (e) => window.drawn.push(e.detail))`);
    // 100 strokes per pen for the first two pens (200), 100 ms apart on the page clock, published one by one
    const published = new Map<string, number>();
    for (let k = 0; k < 100; k++) {
      for (const [i, pen] of ['P-01', 'P-02'].entries()) {
        const ts = t0 + k * 100;
        published.set(`${pen}/${ts}`, Date.now());
        await client.publishAsync(`campus/smart-pen/${pen}/telemetry`, JSON.stringify(stroke(pen, ts, 20 + (k % 10) * 15, 20 + Math.floor(k / 10) * 25 + i)), { qos: 1 });
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    await expect.poll(() => page.locator('.wall-tile[data-device="P-01"]').getAttribute('data-strokes-drawn'), { timeout: 20_000 }).toBe('100');
    await expect.poll(() => page.locator('.wall-tile[data-device="P-02"]').getAttribute('data-strokes-drawn'), { timeout: 20_000 }).toBe('100');
    expect(await page.locator('.wall-tile[data-device="P-03"]').getAttribute('data-strokes-drawn')).toBe('0');
    // ink: dark pixels on the tiles that were written on, none on the third
    const ink = (device: string) => page.evaluate(`(() => {
      const c = document.querySelector('.wall-tile[data-device="${device}"] canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    })()`) as Promise<number>;
    expect(await ink('P-01')).toBeGreaterThan(500);
    expect(await ink('P-03')).toBe(0);

    const drawn = await page.evaluate('window.drawn') as Array<{ device: string; t0: number; at: number }>;
    const latencies = drawn.map((d) => d.at - published.get(`${d.device}/${d.t0}`)!).filter(Number.isFinite).sort((a, b) => a - b);
    expect(latencies.length).toBe(200);
    console.log(`wall latency publish → tile over ${latencies.length} strokes: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1)} ms`);
    // the tile's line follows the live view (polled every 2 s): connected, 100 strokes
    await expect.poll(() => page.locator('.wall-tile[data-device="P-01"] .tile-status').textContent(), { timeout: 10_000 }).toMatch(/已连接 · .* · 100 笔/);
    await page.locator('#wall').screenshot({ path: `${SHOTS}/wall-zh.png` });
  });

  it('enlarges a tile and replays its page stroke by stroke', async () => {
    await page.click('.wall-tile[data-device="P-01"]');
    await expect.poll(() => page.locator('#wall-replay').getAttribute('data-replayed'), { timeout: 10_000 }).toBe('100');
    await page.locator('.overlay button.primary').click();
    expect(await page.locator('.overlay').count()).toBe(0);
  });

  it('colours a band\'s tile by its heart-rate zone, marks one off the wrist and one not connected (zh-CN)', async () => {
    await client.publishAsync('campus/student-wristband/band-base-a103/telemetry', JSON.stringify([
      { band: 'W-01', hr: 150, steps: 10, spo2: 98, temp: 36.4, bat: 70, ts: Date.now() },
      { band: 'W-02', hr: 64, steps: 3, spo2: 98, temp: 30.1, bat: 70, ts: Date.now(), wear: false },
    ]), { qos: 1 });
    const w1 = page.locator('.pe-tile[data-device="W-01"]');
    await expect.poll(() => w1.getAttribute('data-zone'), { timeout: 10_000 }).toBe('4');
    expect(await page.evaluate(`getComputedStyle(document.querySelector('.pe-tile[data-device="W-01"]')).backgroundColor`)).toBe('rgb(254, 215, 170)');
    expect(await w1.locator('.pe-bpm').textContent()).toBe('150');
    expect(await w1.locator('.pe-badge').textContent()).toBe('区间 4');
    const w2 = page.locator('.pe-tile[data-device="W-02"]');
    await expect.poll(() => w2.getAttribute('data-off-wrist'), { timeout: 10_000 }).toBe('true');
    expect(await w2.locator('.pe-badge').textContent()).toBe('未佩戴');
    // the live view (polled every 2 s) says who is connected
    await expect.poll(() => page.locator('.pe-tile[data-device="W-03"]').getAttribute('data-connected'), { timeout: 10_000 }).toBe('false');
    expect(await page.locator('.pe-tile[data-device="W-03"] .tile-status').textContent()).toContain('尚无数据');
    await expect.poll(() => page.locator('.pe-tile[data-device="W-01"]').getAttribute('data-connected'), { timeout: 10_000 }).toBe('true');
    await page.locator('#lesson-live section.card').last().screenshot({ path: `${SHOTS}/pe-zh.png` });
  });

  it('downloads the summary as XLSX under the class\'s Chinese name; it reads back one row per student with Chinese headers', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-xlsx')]);
    expect(download.suggestedFilename()).toMatch(/^三年级2班-语文-\d{4}-\d{2}-\d{2}-汇总\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile((await download.path())!);
    const sheet = book.getWorksheet('汇总')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 2)).toEqual(['学生', '设备']);
    expect(sheet.rowCount).toBe(1 + STUDENTS.length);
    const strokes = header.indexOf('笔画数') + 1;
    const rows = [2, 3, 4].map((r) => [sheet.getRow(r).getCell(1).value, sheet.getRow(r).getCell(strokes).value]);
    expect(rows).toEqual([['王小明', 100], ['李娜', 100], ['张伟', null]]);
  });
});
