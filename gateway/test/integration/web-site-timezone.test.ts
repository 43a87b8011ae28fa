// Issue #19 item 2 in the dashboard: a browser in another zone (America/New_York, a laptop
// of a district officer abroad) sees a Shanghai school's session at Shanghai's local time,
// from the zone the gateway reports, not at the browser's.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../kit/index.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

/** Asia/Shanghai (no DST since 1991) as `YYYY-MM-DD HH:MM:SS`, computed apart from the dashboard. */
const shanghai = (ts: number): string => new Date(ts + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

describe('dashboard times are the site\'s local times', () => {
  let gw: RunningGateway;
  let browser: Browser;

  beforeAll(async () => {
    gw = await startTestGateway({ site: { timezone: 'Asia/Shanghai' }, devices: [{ id: 'W-4001', template: 'student-wristband', person: 'S-A' }] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('the teacher view lists a session at its Shanghai start time in a New York browser', async () => {
    const res = await gw.api('/api/sessions', {
      method: 'POST',
      body: JSON.stringify({ room: '301', class: '8A', subject: 'PE', end: new Date(Date.now() + 3_600_000).toISOString(), roster: [{ device: 'W-4001', student: 'Alice Wang' }] }),
    });
    expect(res.status).toBe(201);
    const { id, start } = await res.json() as { id: string; start: string };
    const context = await browser.newContext({ timezoneId: 'America/New_York' });
    try {
      const page = await context.newPage();
      await page.goto(`${gw.base}/#/teacher`);
      // The zone arrives with /api/health; the list is drawn again on its next poll.
      await expect.poll(() => page.locator(`#sessions li[data-session="${id}"] .muted`).textContent(), { timeout: 15_000 })
        .toContain(`Room 301 · ${shanghai(Date.parse(start))} ·`);
      expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe('America/New_York');
      expect(await page.locator('#site').getAttribute('title')).toBe('times in Asia/Shanghai');
    } finally {
      await context.close();
    }
  });
});
