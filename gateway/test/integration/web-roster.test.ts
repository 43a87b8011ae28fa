// The teacher's roster form in Debian's chromium (playwright-core via the kit) against a real
// gateway (issue #19): a roster pasted with full-width commas is previewed, the unknown pen is
// flagged on the line the teacher typed and the start is held back; with the line fixed the
// session starts; the roster is saved for the class and loaded again after a reload.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, testOutputDir } from '../kit/index.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

const PASTED = '设备，学生\nP-A103-1-04，张伟\nW-A103-04，张伟\nP-A103-1-99，王芳\nP-A103-1-05、李娜';

describe('web: a pasted roster in the teacher view', () => {
  let gw: RunningGateway;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    gw = await startTestGateway({
      devices: [
        { id: 'P-A103-1-04', template: 'smart-pen', person: 'S-0104' }, { id: 'P-A103-1-05', template: 'smart-pen', person: 'S-0105' },
        { id: 'W-A103-04', template: 'student-wristband', person: 'S-0104' }, { id: 'P-A103-1-06', template: 'smart-pen', person: 'S-0106' },
      ],
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('flags the unknown pen of a full-width-comma roster, holds the start, then starts once fixed', async () => {
    await page.goto(`${gw.base}/#/teacher`);
    await page.fill('input[name=room]', 'A103');
    await page.fill('input[name=class]', '七年级二班');
    await page.fill('input[name=subject]', '物理');
    await page.fill('textarea[name=roster]', PASTED);
    await page.click('#roster-check');
    await page.locator('#roster-preview tr[data-line="4"][data-status="unknown_device"]').waitFor();
    expect(await page.locator('#roster-preview tr[data-line="4"] td').nth(1).textContent()).toBe('P-A103-1-99，王芳');
    expect(await page.locator('#roster-preview tbody tr[data-status="ok"]').count()).toBe(3);

    // Starting with a flagged line is held back: nothing is dropped silently.
    await page.click('#session-form button[type=submit]');
    await expect.poll(() => page.locator('#session-message').textContent()).toBe('Fix the flagged roster lines before starting the session.');
    expect((await (await gw.api('/api/sessions')).json() as unknown[]).length).toBe(0);

    await page.click('#roster-save');
    await expect.poll(() => page.locator('#session-message').textContent()).toBe('Roster saved for class 七年级二班.');
    await page.screenshot({ path: join(testOutputDir('web'), 'teacher-roster-preview.png'), fullPage: true });

    await page.fill('textarea[name=roster]', PASTED.replace('P-A103-1-99，王芳', 'P-A103-1-06，王芳'));
    await page.click('#session-form button[type=submit]');
    await expect.poll(() => page.locator('#session-status').textContent()).toBe('live');
    expect(await page.locator('#roster tr[data-roster-device]').count()).toBe(4);
    expect(await page.locator('tr[data-roster-device="P-A103-1-04"] td').first().textContent()).toBe('张伟');
  });

  it('loads the roster saved for the class after a reload', async () => {
    await page.reload();
    await page.fill('input[name=class]', '七年级二班');
    await page.click('#roster-load');
    await expect.poll(() => page.locator('textarea[name=roster]').inputValue()).toBe('P-A103-1-04\t张伟\nW-A103-04\t张伟\nP-A103-1-99\t王芳\nP-A103-1-05\t李娜');
    // The preview runs again: the pens on the running session are now in use, the unknown one still flagged.
    await expect.poll(() => page.locator('#roster-preview tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status'))))
      .toEqual(['in_use', 'in_use', 'unknown_device', 'in_use']);
  });
});
