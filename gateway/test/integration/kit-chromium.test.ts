// Proves the kit's chromium: Debian's chromium driven by playwright-core loads a local page.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, testOutputDir } from '../kit/index.js';

const PAGE = `<!doctype html><html><head><title>kit probe</title></head>
<body style="font-family: sans-serif"><h1 id="title">campus-gateway kit</h1><p id="sum"></p>
<script>document.getElementById('sum').textContent = 'sum=' + (20 + 22);</script></body></html>`;

describe('kit: launchChromium', () => {
  let browser: Browser;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('opens a local page, runs its script and saves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
    await page.goto(url);
    expect(await page.title()).toBe('kit probe');
    expect(await page.textContent('#title')).toBe('campus-gateway kit');
    expect(await page.textContent('#sum')).toBe('sum=42');
    const file = join(testOutputDir('kit'), 'chromium.png');
    // Assert on the returned bytes: another run of this file may be rewriting the same path.
    const png = await page.screenshot({ path: file });
    expect(png.length).toBeGreaterThan(1000);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(existsSync(file)).toBe(true);
    await page.close();
  });
});
