// Issue #20 item 3: the gateway's District tab reads its own summaries from disk. A real gateway
// (1-second summary windows) turns a smart socket's readings into energy summaries; after a
// restart on the same data dir, /api/summaries still answers them and the district view in
// chromium still charts them (it said "No summaries yet" when they were held in memory), with a
// link to the hub's page from `uplink.hubUrl`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, parseConfig, silentLogger, type Gateway } from '../../src/index.js';
import { launchChromium } from '../kit/index.js';

const HUB_URL = 'https://hub.district.example/schools';

interface SummaryList { available: boolean; hub_url: string | null; items: Array<{ id: string; kind: string; values?: Record<string, number> }> }

async function waitFor<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('district tab across a gateway restart (issue #20)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-district-'));
  let gateway: Gateway | undefined;
  let browser: Browser;

  function configFor(hubUrl: string | undefined) {
    return parseConfig({
      insecure: true, // loopback, open on purpose
      site: { id: 'test-school', name: 'Test School' },
      broker: { port: 0, host: '127.0.0.1' },
      http: { port: 0, host: '127.0.0.1' },
      store: { kind: 'embedded', path: join(dir, 'data') },
      privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
      // Nobody listens on port 1: the summaries stay in the outbox, the district tab still shows them.
      uplink: {
        url: 'mqtt://127.0.0.1:1', windowSeconds: 1, graceSeconds: 0,
        outboxPath: join(dir, 'outbox.db'), summariesStatePath: join(dir, 'summaries-state.bin'),
        ...(hubUrl !== undefined && { hubUrl }),
      },
      log: { level: 'silent' },
    });
  }

  async function start(hubUrl: string | undefined): Promise<{ base: string; api: (q: string) => Promise<SummaryList> }> {
    gateway = createGateway(configFor(hubUrl), { log: silentLogger() });
    await gateway.start();
    const base = `http://127.0.0.1:${gateway.ports().http}`;
    return { base, api: async (q) => (await fetch(`${base}/api/summaries?${q}`)).json() as Promise<SummaryList> };
  }

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps its summaries on disk across a restart: API and the district view', async () => {
    const first = await start(undefined);
    const mqttUrl = `mqtt://127.0.0.1:${gateway!.ports().mqtt}`;
    const socket = await mqtt.connectAsync(mqttUrl, { clientId: 'socket-1', reconnectPeriod: 0 });
    // A cumulative counter: two readings a window apart give an energy figure.
    let kwh = 100;
    const seen = await waitFor('an energy summary with energy used', async () => {
      kwh += 0.5;
      await socket.publishAsync('campus/smart-socket/socket-1/telemetry', JSON.stringify({ relay: 1, p: 500, e: kwh, v: 230 }), { qos: 1 });
      const r = await first.api(`kind=energy&from=${Date.now() - 3_600_000}`);
      return r.items.some((i) => (i.values?.energy_kwh ?? 0) > 0) ? r : undefined;
    });
    await socket.endAsync();
    expect(seen.hub_url).toBeNull(); // no uplink.hubUrl: no link
    const page0 = await browser.newPage();
    await page0.goto(`${first.base}/#/district`);
    await page0.locator('#district-charts [data-metric="energy_kwh"]').waitFor();
    expect(await page0.locator('#district-hub-link').count()).toBe(0);
    await page0.close();
    await gateway!.stop();
    gateway = undefined;

    const second = await start(HUB_URL);
    const from = Date.now() - 3_600_000;
    const after = await second.api(`kind=energy&from=${from}`);
    const kept = seen.items.map((i) => i.id);
    expect(after.items.map((i) => i.id)).toEqual(expect.arrayContaining(kept));
    expect(after.hub_url).toBe(HUB_URL);
    const usedKwh = after.items.reduce((n, i) => n + (i.values?.energy_kwh ?? 0), 0);
    expect(usedKwh).toBeGreaterThan(0);

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${second.base}/#/district`);
    await page.locator('#district-charts [data-metric="energy_kwh"]').waitFor();
    expect(await page.locator('#district-empty').count()).toBe(0);
    expect(Number(await page.locator('#district-kwh .stat-value').textContent())).toBeCloseTo(usedKwh, 1);
    expect(await page.locator('#district-hub-link').getAttribute('href')).toBe(HUB_URL);
    await page.close();
  }, 120_000);

  it('refuses a hubUrl that is not http(s) at config time', () => {
    expect(() => configFor('javascript:alert(1)')).toThrow(/hubUrl/);
  });
});
