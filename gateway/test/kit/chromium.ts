// Debian's chromium, driven headless by playwright-core (`npx playwright install`
// cannot download a browser here).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { ensurePackages } from './packages.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Debian's CJK fonts: the dashboard in zh-CN must render Chinese glyphs, not notdef boxes. */
export const CJK_FONT_PACKAGE = 'fonts-noto-cjk';

/**
 * Launches headless chromium; installs the chromium and CJK font packages if missing (as root).
 * playwright gives each launch a fresh temp user-data-dir and removes it on close.
 * Close the browser in afterAll; playwright itself kills one left open when the test process exits.
 */
export async function launchChromium(): Promise<Browser> {
  await ensurePackages(['chromium', CJK_FONT_PACKAGE]);
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`launchChromium: the chromium package is installed but ${CHROMIUM_PATH} does not exist`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}
