// Issue #20 item 2: the hub's district page in Chromium, reading two simulated schools' data
// that went through a real mosquitto, the hub and a real influxd; the CSV export per school and
// month; the big-screen layout and the English page.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthRange } from '../../src/hub/http-district.js';
import type { SummaryMessage } from '../../src/summaries/types.js';
import { launchChromium, testOutputDir } from '../kit/index.js';
import { DISTRICT_TOKEN, startDistrict, type District } from './district-fixture.js';

let district: District;
let browser: Browser;

const energyOf = (site: string) => district.sent
  .filter((m): m is SummaryMessage => m.kind === 'energy' && m.site === site && m.resolution === 'window')
  .reduce((n, m) => n + m.values.energy_kwh!, 0);

async function signedIn(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`${district.base}${path}`);
  await page.fill('#token', DISTRICT_TOKEN);
  await page.click('form.token button');
  await page.waitForSelector('#district[data-ready="true"]', { timeout: 30_000 });
  return page;
}

beforeAll(async () => {
  [district, browser] = await Promise.all([startDistrict(2), launchChromium()]);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await district?.stop();
});

describe('the district page', () => {
  it('shows both schools in Chinese: week energy, ranking per student, devices, alarms', async () => {
    const page = await signedIn('/');
    expect(await page.textContent('h1')).toContain('区域智慧校园平台');
    for (const s of district.sites) {
      const row = page.locator(`#schools tr[data-site="${s.id}"]`);
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.locator('td').first().textContent()).toBe(s.name);
      const shown = Number((await row.locator('td.energy-week').textContent())!.replaceAll(',', ''));
      expect(shown).toBeCloseTo(energyOf(s.id), 0);
    }
    expect(await page.locator('#rank li').count()).toBe(2);
    expect(await page.locator('#alarms li').count()).toBeGreaterThan(0);
    expect(await page.locator('.kpi').nth(2).locator('.kpi-value').textContent()).not.toBe('0');
    const dir = testOutputDir('district');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'district-zh.png'), fullPage: true });
    await page.close();
  });

  it('?lang=en is English; ?screen=big is the wall layout without controls', async () => {
    const en = await signedIn('/?lang=en');
    expect(await en.textContent('h1')).toContain('District campus platform');
    expect(await en.locator('a.export').count()).toBe(2);
    await en.close();
    const big = await signedIn('/?screen=big');
    expect(await big.locator('body.big').count()).toBe(1);
    expect(await big.locator('a.export').count()).toBe(0);
    expect(await big.locator('a.lang').count()).toBe(0);
    await big.close();
  });

  it('exports a school\'s month as CSV: UTF-8 BOM, Chinese headers, one line per day, this month\'s energy', async () => {
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(Date.now());
    const s = district.sites[0]!;
    const res = await fetch(`${district.base}/api/district/export.csv?site=${s.id}&month=${month}`, { headers: { authorization: `Bearer ${DISTRICT_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe('日期,用电量 (kWh),课后亮灯 (分钟),智慧黑板使用 (小时),CO₂ 超过 1000 ppm (分钟)');
    expect(lines).toHaveLength(1 + monthRange(month, 'Asia/Shanghai').days.length);
    const total = lines.slice(1).reduce((n, l) => n + Number(l.split(',')[1] || 0), 0);
    // Windows of late yesterday fall in last month on the 1st: at most this month's share.
    expect(total).toBeLessThanOrEqual(energyOf(s.id) + 0.5);
    expect(total).toBeGreaterThan(0);
    // Without a token, nothing; an unknown school, a clear error.
    expect((await fetch(`${district.base}/api/district/export.csv?site=${s.id}&month=${month}`)).status).toBe(401);
    const unknown = await fetch(`${district.base}/api/district/export.csv?site=nowhere&month=${month}`, { headers: { authorization: `Bearer ${DISTRICT_TOKEN}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'GW_ERR_HUB_UNKNOWN_SITE' } });
  });
});
