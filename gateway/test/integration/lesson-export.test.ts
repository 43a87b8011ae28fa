// The lesson export a teacher takes home (issue #19 item 5): pens and bands publish through the real
// broker as the simulator does (one message per stroke, so every stroke index is 0); the per-student
// summary comes back as XLSX (read with exceljs), as CSV with a BOM, and the raw readings as a zip of
// one CSV per student; the Chinese class name survives in the file name.
import ExcelJS from 'exceljs';
import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/token-hash.js';
import { until } from '../kit/index.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

const LI = 'teacher-li-7c1d9e2f3a4b5c6d';
const STROKES = 12;
const POINTS = 20;

/** One message per stroke, as a receiver sends them: `strokes: [one]`, so its index is always 0. */
function strokeMessage(pen: string, t0: number, page = '8.12.33.4') {
  const pts = Array.from({ length: POINTS }, (_, i) => [100 + i * 5, 200 + i * 3, 400 + i, i === 0 ? 0 : 8]);
  return { pen, page, bat: 80, strokes: [{ t0, pts }] };
}

describe('lesson export: per-student summary (XLSX, CSV) and raw data per student (zip)', () => {
  let gw: RunningGateway;
  let id: string;
  const api = (path: string, init: RequestInit = {}) => gw.api(path, { ...init, token: LI });

  beforeAll(async () => {
    gw = await startTestGateway({
      site: { id: 'test-school', name: 'Test School', timezone: 'Asia/Shanghai' },
      http: { tokens: [{ role: 'teacher', tokenHash: hashToken(LI), name: 'ms-li' }] },
      devices: [
        { id: 'P-00123', template: 'smart-pen', person: 'S-A' }, { id: 'P-00124', template: 'smart-pen', person: 'S-B' },
        { id: 'W-2231', template: 'student-wristband', person: 'S-A' },
      ],
    });
    const res = await api('/api/sessions', {
      method: 'POST',
      body: JSON.stringify({ room: '101', class: '三年级2班', subject: '语文', roster: [
        { device: 'P-00123', student: '王小明' }, { device: 'W-2231', student: '王小明' }, { device: 'P-00124', student: '=HYPERLINK("x")' },
      ] }),
    });
    expect(res.status).toBe(201);
    id = ((await res.json()) as { id: string }).id;
    const t0 = Date.now();
    // 12 strokes 300 ms apart (160 ms of points, 140 ms pen up); the last 2 on a second page.
    for (let k = 0; k < STROKES; k++) await gw.publish('smart-pen', 'pen-rx-101', strokeMessage('P-00123', t0 + k * 300, k < 10 ? '8.12.33.4' : '8.12.33.5'));
    await gw.publish('smart-pen', 'pen-rx-101', strokeMessage('P-00124', t0));
    // Heart rate 110 (zone 2) for 30 s, then 150 (zone 4) for 60 s; one sample off the wrist (ignored).
    await gw.publish('student-wristband', 'band-base-101', [
      { band: 'W-2231', hr: 110, steps: 1, spo2: 98, temp: 36, bat: 60, ts: t0 },
      { band: 'W-2231', hr: 150, steps: 2, spo2: 98, temp: 36, bat: 60, ts: t0 + 30_000 },
      { band: 'W-2231', hr: 150, steps: 3, spo2: 98, temp: 36, bat: 60, ts: t0 + 60_000 },
      { band: 'W-2231', hr: 60, steps: 3, spo2: 98, temp: 36, bat: 60, ts: t0 + 90_000, wear: false },
    ]);
    await until('every point and sample captured', async () => (((await (await api(`/api/sessions/${id}`)).json()) as { captured: number }).captured === (STROKES + 1) * POINTS + 4 ? true : undefined));
  });
  afterAll(async () => gw?.stop());

  it('counts strokes from the pen-up gaps although every stroke index is 0 (was pen_strokes: 1)', async () => {
    const json = (await (await api(`/api/sessions/${id}/export?format=json`)).json()) as { students: Array<{ student: string; summary: { pen_strokes: number; pen_points: number } }> };
    expect(json.students.find((s) => s.student === '王小明')!.summary).toMatchObject({ pen_points: STROKES * POINTS, pen_strokes: STROKES });
  });

  it('gives the summary as XLSX: one row per student, headers in Chinese with units, the class name in the file name', async () => {
    const res = await api(`/api/sessions/${id}/export?format=xlsx&lang=zh-CN`);
    expect(res.status).toBe(200);
    const cd = res.headers.get('content-disposition')!;
    expect(cd).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
    const name = decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(cd)![1]!);
    expect(name).toMatch(/^三年级2班-语文-\d{4}-\d{2}-\d{2}-汇总\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    const sheet = book.getWorksheet('汇总')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(expect.arrayContaining(['学生', '笔画数', '页数', '书写时长（分钟）', '平均心率（次/分）', '中高强度活动（分钟）']));
    expect(sheet.rowCount).toBe(3);
    const col = (title: string) => header.indexOf(title) + 1;
    const wang = sheet.getRow(2);
    expect(wang.getCell(col('学生')).value).toBe('王小明');
    expect(wang.getCell(col('笔画数')).value).toBe(STROKES);
    expect(wang.getCell(col('页数')).value).toBe(2);
    expect(wang.getCell(col('最高心率（次/分）')).value).toBe(150);
    expect(wang.getCell(col('平均心率（次/分）')).value).toBeCloseTo(136.7, 1);
    // 30 s in zone 2, 60 s in zone 4 (each sample holds 30 s at most): MVPA 1 min
    expect(wang.getCell(col('心率区间2 100–119次/分（分钟）')).value).toBe(0.5);
    expect(wang.getCell(col('心率区间4 140–159次/分（分钟）')).value).toBe(1);
    expect(wang.getCell(col('中高强度活动（分钟）')).value).toBe(1);
    // a name that reads like a formula stays text
    expect(sheet.getRow(3).getCell(col('学生')).value).toBe('=HYPERLINK("x")');
    expect(book.getWorksheet('课堂')!.getRow(6).values).toEqual([undefined, '时区', 'Asia/Shanghai']);
  });

  it('gives the summary as CSV with a BOM, in English when the browser asks for it', async () => {
    const res = await api(`/api/sessions/${id}/export?format=summary-csv`, { headers: { 'accept-language': 'en-GB,en;q=0.8' } });
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^Student,Devices,First data \(local time\),.*,Strokes,Pages,Writing time \(min\),/);
    expect(lines[1]).toMatch(/^王小明,P-00123 W-2231,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},/);
    expect(lines[2]).toMatch(/^"'=HYPERLINK\(""x""\)",/);
    expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(res.headers.get('content-disposition')!)![1]!)).toMatch(/^三年级2班-语文-.*-summary\.csv$/);
  });

  it('gives the raw readings as a zip of one CSV per student, named after the student', async () => {
    const res = await api(`/api/sessions/${id}/export?format=zip&lang=zh-CN`);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(['=HYPERLINK(_x_).csv', '王小明.csv'].sort());
    const wang = strFromU8(files['王小明.csv']!).replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(wang).toHaveLength(1 + STROKES * POINTS + 4);
    expect(wang[0]!.split(',').slice(0, 4)).toEqual(['时间（本地）', '设备', '设备类型', '事件']);
    expect(wang[1]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00,/);
  });
});
