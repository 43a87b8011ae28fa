// The dashboard's "API" link in Debian's chromium: /api/docs sends the browser to the Swagger UI
// served by the gateway itself, which renders every route group with no request leaving the
// gateway (anything else is aborted: a closed school network) and nothing refused by the CSP.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../kit/index.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

describe('API reference in chromium', () => {
  let gw: RunningGateway;
  let browser: Browser;

  beforeAll(async () => {
    gw = await startTestGateway();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('opens from the dashboard link and renders the OpenAPI document offline under the CSP', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const outside: string[] = [];
    const refused: string[] = [];
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith(gw.base)) return route.continue();
      outside.push(route.request().url());
      return route.abort();
    });
    // Every page of the context (the docs open in a new tab), from its first script on.
    page.context().on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(`${m.location().url}: ${m.text().slice(0, 60)}`); });
    await page.goto(`${gw.base}/#/facilities`);
    const [docs] = await Promise.all([page.context().waitForEvent('page'), page.click('#nav a[href="/api/docs"]')]);
    await docs.waitForURL(/\/api\/docs\/ui\/$/);
    await docs.locator('.swagger-ui .info .title').waitFor({ timeout: 20_000 });
    expect(await docs.locator('.swagger-ui .info .title').textContent()).toContain('campus-gateway API');
    await expect.poll(() => docs.locator('.swagger-ui .opblock').count()).toBeGreaterThan(10);
    expect(await docs.locator('.swagger-ui .opblock-summary-path').allTextContents()).toEqual(expect.arrayContaining(['/api/readings', '/api/sessions']));
    // Open one operation: its parameters (from the zod schemas) are listed.
    await docs.locator('.opblock-summary-path', { hasText: /^\/api\/readings$/ }).first().click();
    await expect.poll(() => docs.locator('.parameters tr[data-param-name="agg"]').count()).toBe(1);
    expect(outside).toEqual([]);
    expect(refused).toEqual([]);
  });
});
