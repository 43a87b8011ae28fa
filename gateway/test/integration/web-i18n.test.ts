// The dashboard in Chinese (issue #19 item 1) in Debian's chromium against a real gateway: a
// browser whose language is zh-CN gets <html lang="zh-CN">, a Chinese header and tabs, device
// pages and alarms with the templates' zh field names, drawn with a CJK font (not tofu), and no
// English word in the visible text beyond units and ids; roster errors point at the typed line in
// Chinese; English chosen in the header switch is remembered across a reload; the session export
// has Chinese column headers with ?lang=zh-CN.
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../kit/index.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

/** ASCII words a zh-CN page may show: units, the product's name, acronyms used as such in Chinese. */
const ALLOWED = new Set(['campus', 'gateway', 'API', 'NB', 'IoT', 'kWh', 'ppm', 'lx', 'dB', 'dBm', 'bpm', 'PM', 'CO', 'CPU', 'HTTP', 'CSV', 'JSON', 'mg', 'ug', 'µg', 'Hz', 'kW', 'mm', 'ms', 'GB']);

describe('web: the dashboard in Chinese', () => {
  let gw: RunningGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    gw = await startTestGateway({
      site: { name: '实验小学' },
      devices: [
        { id: 'L-101-1', template: 'classroom-light', building: 'A', room: '101' },
        { id: 'SMK-1', template: 'smoke-detector', building: 'A', room: '101' },
        { id: 'SOC-1', template: 'smart-socket', building: 'A', room: '101' },
        { id: 'P-0104', template: 'smart-pen', person: 'S-0104' },
      ],
    });
    await gw.publish('classroom-light', 'L-101-1', { on: true, bri: 80, cct: 5000, lux: 512, pw: 36.5 });
    await gw.publish('smart-socket', 'SOC-1', { relay: 1, p: 1250.5, e: 312.44, v: 229.8 });
    await gw.publish('smoke-detector', 'SMK-1', { alarm: true, smoke: 2.4, bat: 91, tamper: false });
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('serves the first page with the language the browser asks for', async () => {
    const zh = await gw.api('/', { headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
    expect(zh.headers.get('vary')).toContain('Accept-Language');
    expect(await zh.text()).toContain('<html lang="zh-CN">');
    expect(await (await gw.api('/', { headers: { 'accept-language': 'en-GB,zh;q=0.5' } })).text()).toContain('<html lang="en">');
  });

  it('shows the facilities page in Chinese, in a CJK font, with no English word left', async () => {
    await page.goto(`${gw.base}/#/facilities`);
    await page.locator('.tile[data-device="L-101-1"] .kv').first().waitFor();
    await expect.poll(() => page.locator('#health').textContent()).toBe('运行正常');
    expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
    expect(await page.locator('#nav a[data-page]').allTextContents()).toEqual(['设施', '教师', '区域']);
    expect(await page.locator('h1').textContent()).toBe('设备与房间');
    expect(await page.locator('.tile[data-device="L-101-1"] .tile-template').textContent()).toBe('教室护眼灯组');
    // Numbers through Intl for the language: grouping and decimals.
    await expect.poll(() => page.locator('.tile[data-device="SOC-1"] .kv .v').allTextContents()).toContain('1,251 W');
    await expect.poll(() => page.locator('#alarms li[data-device="SMK-1"] b').textContent()).toBe('火警');

    // Rendered with a font that has the glyphs: the face is available, 数字基座 is drawn at full
    // CJK width in the page's font, and each character's pixels differ from a notdef box (tofu).
    expect(await page.evaluate(`document.fonts.check('16px "Noto Sans CJK SC"', '设施')`)).toBe(true);
    const glyphs = await page.evaluate(`(() => {
      const fam = getComputedStyle(document.querySelector('#nav a')).fontFamily;
      const draw = (text) => {
        const c = document.createElement('canvas');
        c.width = 40; c.height = 40;
        const g = c.getContext('2d');
        g.font = '32px ' + fam;
        g.fillText(text, 2, 32);
        return Array.from(g.getImageData(0, 0, 40, 40).data.filter((_, i) => i % 4 === 3)).join(',');
      };
      const tofu = draw('\\u{10FFFD}');
      const g = document.createElement('canvas').getContext('2d');
      g.font = '16px ' + fam;
      return { width: Math.round(g.measureText('数字基座').width), tofu: [...'数字基座'].filter((ch) => draw(ch) === tofu).length, distinct: new Set([...'数字基座'].map(draw)).size };
    })()`);
    expect(glyphs).toEqual({ width: 64, tofu: 0, distinct: 4 });

    const text = await page.evaluate('document.body.innerText') as string;
    // Ids, the config key the insecure banner names, and the language switch's "English" (each language by its own name).
    const ids = ['L-101-1', 'SMK-1', 'SOC-1', 'P-0104', 'insecure: true', 'English'];
    let rest = text;
    for (const id of ids) rest = rest.replaceAll(id, ' ');
    const english = [...new Set(rest.match(/[A-Za-z]{2,}/g) ?? [])].filter((w) => !ALLOWED.has(w));
    expect(english).toEqual([]);
    mkdirSync('/tmp/shots', { recursive: true });
    await page.screenshot({ path: '/tmp/shots/facilities-zh.png', fullPage: true });
  });

  it('labels a device page and its chart legends with the template\'s Chinese field names', async () => {
    await page.goto(`${gw.base}/#/device/L-101-1`);
    await page.locator('#device-latest [data-field="brightness_pct"] dt').waitFor();
    expect(await page.locator('#device-latest [data-field="brightness_pct"] dt').textContent()).toBe('亮度');
    expect(await page.locator('#device-latest [data-field="cct_k"] dt').textContent()).toBe('色温');
    expect(await page.locator('#device-latest [data-field="on"] dd').textContent()).toBe('是');
    // An enum value a device reports is shown in the page's language; ids and free text as sent.
    await gw.publish('smart-board', 'SB-101', { power: 'standby', src: 'hdmi1', app: '', touches: 0, temp: 28 });
    await page.goto(`${gw.base}/#/device/SB-101`);
    await expect.poll(() => page.locator('#device-latest [data-field="power"] dd').textContent()).toBe('待机');
    expect(await page.locator('#device-latest [data-field="source"] dd').textContent()).toBe('hdmi1');
    await page.goto(`${gw.base}/#/device/L-101-1`);
    await page.locator('#device-latest [data-field="brightness_pct"] dt').waitFor();
    await page.locator('#device-charts figure[data-field="desk_illuminance_lux"] figcaption').waitFor();
    expect(await page.locator('#device-charts figure[data-field="desk_illuminance_lux"] figcaption').textContent()).toBe('桌面照度 · lx');
    expect(await page.locator('#device-status').textContent()).toBe('在线');
  });

  it('points at the line the teacher typed, in Chinese', async () => {
    await page.goto(`${gw.base}/#/teacher`);
    await page.fill('input[name=class]', '三年级2班');
    await page.fill('textarea[name=roster]', 'P-0104，张伟\nP-0105\nP-9999，李娜');
    await page.click('#roster-check');
    await page.locator('#roster-preview tr[data-line="2"]').waitFor();
    expect(await page.locator('#roster-preview tr[data-line="2"] td').last().textContent()).toBe('设备和学生之间没有分隔符（请用制表符、逗号、“，”、“、”或“;”）');
    expect(await page.locator('#roster-preview tr[data-line="3"] td').last().textContent()).toBe('不是学校为学生登记的设备');
    expect(await page.locator('#roster-summary').textContent()).toBe('3 行中有 2 行需要修改后才能开始记录');
    // Saving refuses the unreadable line: the API sends its number and reason, the page words it.
    await page.click('#roster-save');
    await expect.poll(() => page.locator('#session-message').textContent()).toBe('名单中有需要修改的行：第 2 行：设备和学生之间没有分隔符（请用制表符、逗号、“，”、“、”或“;”）');
    const res = await gw.api('/api/rosters/x', { method: 'PUT', body: JSON.stringify({ text: 'P-1，甲\n\nP-2，' }) });
    expect(await res.json()).toEqual({ error: { code: 'GW_ERR_ROSTER', message: 'line 3: has no student name after the separator', params: { lines: [{ line: 3, reason: 'no_student' }] } } });
  });

  it('exports a session with Chinese column headers', async () => {
    const created = await gw.api('/api/sessions', {
      method: 'POST',
      body: JSON.stringify({ room: '101', class: '三年级2班', subject: '语文', end: new Date(Date.now() + 3_600_000).toISOString(), roster: [{ device: 'P-0104', student: '张伟' }] }),
    });
    const { id } = await created.json() as { id: string };
    await gw.publish('smart-pen', 'P-0104', { pen: 'P-0104', page: '1.2.3.4', bat: 70, strokes: [{ t0: Date.now(), pts: [[100, 100, 300, 0], [120, 130, 320, 10]] }] });
    await expect.poll(async () => (await (await gw.api(`/api/sessions/${id}`)).json() as { captured: number }).captured).toBeGreaterThan(0);
    const zh = await (await gw.api(`/api/sessions/${id}/export?format=csv&lang=zh-CN`)).text();
    expect(zh.split('\r\n')[0]).toBe('学生,设备,设备类型,时间,事件,标签 page,标签 stroke,笔压,横坐标 (mm),纵坐标 (mm)');
    const en = await (await gw.api(`/api/sessions/${id}/export?format=csv`)).text();
    expect(en.split('\r\n')[0]).toBe('student,device,template,ts,event,tag_page,tag_stroke,pressure,x_mm,y_mm');
    // Another session's refusal names the roster line and its reason for the page to word.
    const clash = await gw.api('/api/sessions', {
      method: 'POST',
      body: JSON.stringify({ room: '102', class: '8A', subject: 'PE', end: new Date(Date.now() + 3_600_000).toISOString(), roster: [{ device: 'P-0104', student: '张伟' }] }),
    });
    expect((await clash.json() as { error: { params: unknown } }).error.params).toEqual({ lines: [{ line: 1, reason: 'in_use' }] });
  });

  it('remembers English chosen in the header switch across a reload', async () => {
    await page.goto(`${gw.base}/#/facilities`);
    await page.selectOption('#lang', 'en');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Devices and rooms');
    await page.reload();
    await page.locator('.tile[data-device="L-101-1"]').waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    expect(await page.locator('#nav a[data-page]').allTextContents()).toEqual(['Facilities', 'Teacher', 'District']);
    expect(await page.locator('.tile[data-device="L-101-1"] .tile-template').textContent()).toBe('Classroom eye-care LED panel group');
    expect(await page.evaluate('navigator.language')).toBe('zh-CN');
  });
});
