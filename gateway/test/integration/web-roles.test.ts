// The dashboard with role-scoped tokens in chromium: sign in, each role sees
// only its pages, facilities staff never see personal data.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, sha256Token } from '../../src/api/token-hash.js';
import { launchChromium, testOutputDir } from '../kit/index.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

const TOKENS = { facilities: 'fac-2c1e7b9d0a4f6e8d1c3b5a79', teacher: 'tea-8d6f4b2a0c9e7d5b3a1f2e4c', district: 'dis-0b1c2d3e4f5a6b7c8d9e0f1a' };

describe('web dashboard with role tokens', () => {
  let gw: RunningGateway;
  let browser: Browser;
  let page: Page;

  const signIn = async (token: string) => {
    await page.locator('#token-form').waitFor();
    await page.fill('#token-input', token);
    await page.click('#token-form button[type=submit]');
  };
  const signOut = async () => {
    await page.click('#sign-out');
  };

  beforeAll(async () => {
    gw = await startTestGateway({
      http: {
        tokens: [
          { role: 'facilities', tokenHash: hashToken(TOKENS.facilities), name: 'caretakers' },
          { role: 'teacher', tokenHash: hashToken(TOKENS.teacher), name: 'ms-li' },
          { role: 'district', tokenHash: sha256Token(TOKENS.district), name: 'district-office' },
        ],
      },
      devices: [{ id: 'band-base-gym', template: 'student-wristband', room: 'gym', building: 'C' }],
    });
    await gw.publish('student-wristband', 'band-base-gym', [{ band: 'W-7001', hr: 141, steps: 900, spo2: 97, temp: 36.6, bat: 55 }]);
    await gw.publish('classroom-light', 'light-gym-1', { on: true, bri: 70, cct: 5000, lux: 420, pw: 31.5 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('asks for a token, then shows facilities staff devices without personal data', async () => {
    await page.goto(`${gw.base}/`);
    await page.screenshot({ path: join(testOutputDir('web'), 'sign-in.png') });
    await signIn('wrong-token');
    await page.locator('#token-form').waitFor();
    expect(await page.locator('#token-form').textContent()).toContain('not accepted');
    await signIn(TOKENS.facilities);
    await page.locator('.tile[data-device="band-base-gym"]').waitFor();
    const tile = await page.locator('.tile[data-device="band-base-gym"]').textContent();
    expect(tile).toContain('55%');
    expect(tile).not.toMatch(/heart|141/);
    await expect.poll(() => page.locator('#whoami').textContent()).toBe('caretakers · facilities');
    expect(await page.locator('#nav a[data-page="teacher"]').isHidden()).toBe(true);
    await page.goto(`${gw.base}/#/teacher`);
    await page.locator('#forbidden').waitFor();
    await signOut();
  });

  it('lets a teacher open the teacher view and a district officer only the district view', async () => {
    await page.goto(`${gw.base}/#/teacher`);
    await signIn(TOKENS.teacher);
    await page.locator('#session-form').waitFor();
    await expect.poll(() => page.locator('#whoami').textContent()).toBe('ms-li · teacher');
    await signOut();

    await page.goto(`${gw.base}/#/district`);
    await signIn(TOKENS.district);
    await page.locator('#district-empty').waitFor();
    await expect.poll(() => page.locator('#nav a:not([hidden])[data-page]').evaluateAll((els) => els.map((e) => e.getAttribute('data-page')))).toEqual(['district']);
    await page.goto(`${gw.base}/#/facilities`);
    await page.locator('#forbidden').waitFor();
    expect(await page.locator('#forbidden').textContent()).toContain('district-office (district)');
  });
});
