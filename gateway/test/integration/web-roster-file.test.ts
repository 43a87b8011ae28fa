// A class list uploaded as an XLSX in the Chinese teacher view (issue #19), in Debian's chromium
// (playwright-core via the kit) against a real gateway: the file is picked with the roster
// form's file input, the gateway reads it (exceljs) and the form shows the same preview as for
// pasted text, the unknown pen and the duplicate flagged at their rows, the rows in the textarea;
// a file that is not a class list is answered in Chinese.
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, testOutputDir } from '../kit/index.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

async function classList(): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('七年级二班');
  sheet.addRow(['设备', '学生']);
  sheet.addRow(['P-A103-1-04', '张伟']);
  sheet.addRow(['W-A103-04', '张伟']);
  sheet.addRow(['P-A103-1-99', '王芳']);
  sheet.addRow(['P-A103-1-04', '李娜']);
  return Buffer.from(await book.xlsx.writeBuffer());
}

describe('web: a roster uploaded as XLSX in the zh-CN teacher view', () => {
  let gw: RunningGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    gw = await startTestGateway({
      devices: [
        { id: 'P-A103-1-04', template: 'smart-pen', person: 'S-0104' }, { id: 'W-A103-04', template: 'student-wristband', person: 'S-0104' },
      ],
    });
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('previews the picked XLSX row by row and puts its rows in the roster text', async () => {
    await page.goto(`${gw.base}/#/teacher`);
    await page.fill('input[name=class]', '七年级二班');
    await page.setInputFiles('#roster-file', { name: '七年级二班名单.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: await classList() });
    await page.locator('#roster-preview tr[data-line="4"][data-status="unknown_device"]').waitFor();
    const rows = await page.locator('#roster-preview tbody tr').evaluateAll((trs) => trs.map((r) => [r.getAttribute('data-line'), r.getAttribute('data-status'), r.querySelectorAll('td')[3]?.textContent]));
    expect(rows).toEqual([
      ['2', 'ok', '正常'], ['3', 'ok', '正常'], ['4', 'unknown_device', '不是学校为学生登记的设备'], ['5', 'duplicate_device', '这台设备已在名单中'],
    ]);
    expect(await page.locator('#roster-preview tr[data-line="4"] td').nth(1).textContent()).toBe('P-A103-1-99\t王芳');
    expect(await page.locator('textarea[name=roster]').inputValue()).toBe('设备\t学生\nP-A103-1-04\t张伟\nW-A103-04\t张伟\nP-A103-1-99\t王芳\nP-A103-1-04\t李娜');
    expect(await page.locator('#roster-summary').textContent()).toBe('4 行中有 2 行需要修改后才能开始记录');
    expect(await page.locator('#session-message').textContent()).toBe('已读取 七年级二班名单.xlsx：各行见下方，请像粘贴的名单一样核对并保存。');
    await page.screenshot({ path: join(testOutputDir('web'), 'teacher-roster-file-zh.png'), fullPage: true });
  });

  it('says in Chinese when the file is not a class list', async () => {
    await page.setInputFiles('#roster-file', { name: '照片.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47]) });
    await expect.poll(() => page.locator('#session-message').textContent()).toBe('这不是 CSV 或 XLSX 文件。请在 Excel 中“另存为”Excel 工作簿（.xlsx）或 CSV。');
  });
});
