// The web dashboard in Debian's chromium (playwright-core via the kit) against a
// running gateway with a simulated school: each view loads and shows live data,
// a teacher session is started, stopped and exported; a screenshot of each view
// is saved under test-output/web.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulatedSchool, type SimulatedSchool } from '@campus-gateway/firmware-sim';
import { launchChromium, testOutputDir } from '../kit/index.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

const out = testOutputDir('web');
const shot = async (page: Page, name: string) => {
  const file = join(out, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  expect(statSync(file).size).toBeGreaterThan(10_000);
};

describe('web dashboard in chromium', () => {
  let gw: RunningGateway;
  let school: SimulatedSchool;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    gw = await startTestGateway({
      devices: [
        { id: 'occ-lab-2', template: 'occupancy-sensor', room: 'lab-2', building: 'B' },
        { id: 'socket-lab-2', template: 'smart-socket', room: 'lab-2', building: 'B' },
        { id: 'smoke-b-1', template: 'smoke-detector', room: 'corridor-1', building: 'B' },
        { id: 'aqm-201', template: 'air-quality-monitor', room: '201', building: 'B' },
        { id: 'band-base-101', template: 'student-wristband', room: '101', building: 'A' },
      ],
    });
    school = createSimulatedSchool({ url: gw.mqttUrl, rooms: 4, speed: 120, intervalMs: 1000 });
    for (const d of school.devices()) gw.gateway.registry.upsert({ ...d, building: 'A', provisioned: true });
    // An hour of history for one monitor, so its charts have a shape.
    const now = Date.now();
    for (let i = 60; i >= 1; i--) {
      const k = 60 - i;
      await gw.publish('air-quality-monitor', 'aqm-101', {
        pm25: 20 + (k % 7), pm10: 30 + (k % 9), co2: Math.round(450 + 600 * Math.sin((k / 60) * Math.PI)), tvoc: 0.2, hcho: 0.03,
        t: Math.round((21 + k / 30) * 10) / 10, rh: 45, ts: now - i * 60_000,
      });
    }
    await gw.publish('occupancy-sensor', 'occ-lab-2', { occ: false, count: 0 });
    await gw.publish('smart-socket', 'socket-lab-2', { relay: 1, p: 1250.5, e: 312.44, v: 229.8 });
    await gw.publish('smoke-detector', 'smoke-b-1', { alarm: true, smoke: 2.4, bat: 91, tamper: false });
    await gw.publish('student-wristband', 'band-base-101', [{ band: 'W-9001', hr: 90, steps: 10, spo2: 98, temp: 36.2, bat: 15 }]);
    await school.start();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  });

  afterAll(async () => {
    await browser?.close();
    await school?.stop();
    await gw?.stop();
  });

  it('facilities: devices by building and room, alarms, what is on in an empty room, live updates', async () => {
    await page.goto(`${gw.base}/#/facilities`);
    await page.locator('.tile[data-device="light-101-1"][data-status="online"]').waitFor({ timeout: 20_000 });
    await page.locator('.tile[data-device="board-104"][data-status="online"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('section.building').evaluateAll((els) => els.map((e) => e.getAttribute('data-building')))).toEqual(['A', 'B']);
    // The simulated school's devices in room 101, plus the wristband base the test provisioned there.
    expect(await page.locator('.room[data-room="101"] .tile').count()).toBe(school.devices().filter((d) => d.room === '101').length + 1);
    await expect.poll(() => page.locator('#alarms li[data-device="smoke-b-1"]').textContent()).toContain('alarm');
    await expect.poll(() => page.locator('#empty-rooms li[data-room="lab-2"]').textContent()).toContain('socket-lab-2');
    expect(await page.locator('.tile[data-device="aqm-201"]').getAttribute('data-status')).toBe('never');
    expect(await page.locator('.tile[data-device="band-base-101"] .battery').textContent()).toBe('15%');
    // In open (demo) mode personal fields stay hidden: no band id, no heart rate.
    const band = await page.locator('.tile[data-device="band-base-101"]').textContent();
    expect(band).not.toContain('W-9001');
    expect(band).not.toMatch(/heart|90 bpm/);

    // Live: a new reading shows up without a reload.
    await gw.publish('smart-socket', 'socket-lab-2', { relay: 1, p: 1987, e: 313.1, v: 230.1 });
    // Numbers are formatted by Intl for the page's language (grouping: 1,987 W in English).
    await expect.poll(() => page.locator('.tile[data-device="socket-lab-2"]').textContent(), { timeout: 10_000 }).toContain('1,987 W');
    await shot(page, 'facilities');

    // Filters.
    await page.selectOption('#filter-status', 'never');
    expect(await page.locator('.tile').evaluateAll((els) => els.map((e) => e.getAttribute('data-device')))).toEqual(['aqm-201']);
    await page.selectOption('#filter-status', '');
    await page.fill('#filter-text', 'lab-2');
    await expect.poll(() => page.locator('.tile').count()).toBe(2);
    await page.fill('#filter-text', '');
  });

  it('device page: latest values and charts of its fields over time', async () => {
    await page.click('.tile[data-device="aqm-101"]');
    await page.waitForURL(/#\/device\/aqm-101$/);
    await page.locator('#device-latest [data-field="co2_ppm"]').waitFor();
    await expect.poll(() => page.locator('#device-charts figure .uplot').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
    // The hour of CO₂ history is charted: its buckets are in the uPlot instance's data.
    const points = await page.locator('#device-charts figure[data-field="co2_ppm"]').evaluate((el) => (el as unknown as { uplot: { data: number[][] } }).uplot.data[1]!.length);
    expect(points).toBeGreaterThan(30);
    expect(await page.locator('#device-status').textContent()).toBe('online');
    await shot(page, 'device');
  });

  it('teacher: start a class session, see the roster connect live, export, stop', async () => {
    // The students' pens and bands the roster names: registered by the school, each bound to a student.
    for (const [i, id] of ['P-00123', 'W-2231', 'P-00124', 'W-2232', 'P-00125'].entries()) {
      gw.gateway.registry.upsert({ id, template: id.startsWith('P-') ? 'smart-pen' : 'student-wristband', person: `S-${i >> 1}`, provisioned: true });
    }
    await page.goto(`${gw.base}/#/teacher`);
    await page.fill('input[name=room]', '101');
    await page.fill('input[name=class]', '7B');
    await page.fill('input[name=subject]', 'Physics');
    await page.fill('textarea[name=roster]', 'P-00123, Alice Wang\nW-2231, Alice Wang\nP-00124, Bob Chen\nW-2232, Bob Chen\nP-00125, Carol Liu');
    await page.click('#session-form button[type=submit]');
    await expect.poll(() => page.locator('#session-status').textContent()).toBe('live');
    const t0 = Date.now();
    await gw.publish('smart-pen', 'pen-rx-101', { pen: 'P-00123', page: '1.2.3.4', bat: 70, strokes: [{ t0, pts: [[100, 100, 300, 0], [120, 130, 320, 10], [140, 150, 330, 10]] }] });
    await gw.publish('student-wristband', 'band-base-101', [
      { band: 'W-2231', hr: 132, steps: 400, spo2: 98, temp: 36.5, bat: 70, ts: t0 },
      { band: 'W-2232', hr: 118, steps: 380, spo2: 97, temp: 36.3, bat: 64, ts: t0 },
    ]);
    await page.locator('tr[data-roster-device="P-00123"][data-connected="true"]').waitFor({ timeout: 10_000 });
    await page.locator('tr[data-roster-device="W-2232"][data-connected="true"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('tr[data-roster-device="P-00125"]').getAttribute('data-connected')).toBe('false');
    expect(await page.locator('#session-connected .stat-value').textContent()).toBe('3/5');
    await shot(page, 'teacher');

    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    expect(csv.suggestedFilename()).toMatch(/^session-7B-Physics-.*\.csv$/);
    const lines = readFileSync((await csv.path())!, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^student,device,template,ts,event,/);
    expect(lines.filter((l) => l.startsWith('Alice Wang,P-00123,smart-pen,'))).toHaveLength(3);
    expect(lines.filter((l) => l.startsWith('Bob Chen,W-2232,student-wristband,'))).toHaveLength(1);
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    const body = JSON.parse(readFileSync((await json.path())!, 'utf8')) as { students: Array<{ student: string; summary: { pen_points: number } }> };
    expect(body.students.find((s) => s.student === 'Alice Wang')?.summary.pen_points).toBe(3);

    await page.click('#stop-session');
    await expect.poll(() => page.locator('#session-status').textContent()).toBe('stopped');
    expect(await page.locator('#sessions li[data-session]').count()).toBe(1);
    await shot(page, 'teacher-stopped');
  });

  it('district: an empty state until summaries exist', async () => {
    await page.goto(`${gw.base}/#/district`);
    await page.locator('#district-empty').waitFor();
    expect(await page.locator('#district-empty').textContent()).toContain('No summaries yet');
    await shot(page, 'district-empty');
  });
});
