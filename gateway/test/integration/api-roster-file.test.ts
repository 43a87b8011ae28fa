// A roster uploaded as a file (issue #19): a GBK CSV as Chinese Excel saves it and an XLSX made
// with exceljs, previewed like a pasted roster (unknown devices, duplicates by the file's row),
// then the text it read saved for the class and a session started from it; through a real
// gateway over HTTP.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/token-hash.js';
import { startTestGateway, type RunningGateway } from './api-harness.js';

const LI = 'teacher-li-0e1f2a3b4c5d6e7f';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

interface FilePreview {
  ok: boolean; format: string; text: string;
  lines: Array<{ line: number; status: string; device?: string; student: string }>;
  errors: Array<{ line: number; reason: string }>;
  roster: Array<{ device: string; student: string }>;
}
interface ApiErrorBody { error: { code: string; message: string; params?: { lines?: Array<{ line: number; reason: string }> } } }

async function classList(): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('7B');
  sheet.addRow(['七年级B班']);
  sheet.addRow(['设备编号', '学生姓名']);
  sheet.addRow(['P-A103-1-04', '张伟']);
  sheet.addRow(['W-A103-04', '张伟']);
  sheet.addRow(['P-A103-1-99', '王芳']);
  sheet.addRow(['P-A103-1-04', '李娜']);
  sheet.addRow([12345, '赵磊']);
  return Buffer.from(await book.xlsx.writeBuffer());
}

describe('api: a roster uploaded as CSV or XLSX', () => {
  let gw: RunningGateway;
  const upload = (body: Uint8Array | string, type: string, token = LI) =>
    gw.api('/api/sessions/roster-file', { method: 'POST', body, headers: { 'content-type': type }, token });

  beforeAll(async () => {
    gw = await startTestGateway({
      http: { tokens: [{ role: 'teacher', tokenHash: hashToken(LI), name: 'ms-li' }] },
      devices: [
        { id: 'P-A103-1-04', template: 'smart-pen', person: 'S-0104' }, { id: 'P-A103-1-05', template: 'smart-pen', person: 'S-0105' },
        { id: 'W-A103-04', template: 'student-wristband', person: 'S-0104' }, { id: '12345', template: 'smart-pen', person: 'S-0106' },
      ],
    });
  });
  afterAll(async () => gw?.stop());

  it('previews an XLSX row by row: title and header left out, unknown and duplicate devices flagged at their rows', async () => {
    const res = await upload(await classList(), XLSX);
    expect(res.status).toBe(200);
    const p = await res.json() as FilePreview;
    expect(p.format).toBe('xlsx');
    expect(p.errors).toEqual([]);
    expect(p.lines.map((l) => [l.line, l.status, l.device ?? null, l.student])).toEqual([
      [3, 'ok', 'P-A103-1-04', '张伟'], [4, 'ok', 'W-A103-04', '张伟'], [5, 'unknown_device', null, '王芳'],
      [6, 'duplicate_device', 'P-A103-1-04', '李娜'], [7, 'ok', '12345', '赵磊'],
    ]);
    expect(p.ok).toBe(false);
    expect(JSON.stringify(p.lines)).not.toContain('P-A103-1-99');
    // The text it read is what the form shows: line 5 of the text is row 5 of the sheet.
    expect(p.text.split('\n')[4]).toBe('P-A103-1-99\t王芳');
  });

  it('reads a GBK CSV (Windows names it application/vnd.ms-excel), saves the text for the class and starts a session from it', async () => {
    // 设备,学生 / P-A103-1-05,李娜 in GBK bytes, as Chinese Excel writes "CSV (逗号分隔)".
    const gbk = Buffer.concat([Buffer.from('c9e8b1b82cd1a7c9fa0d0a', 'hex'), Buffer.from('P-A103-1-05,'), Buffer.from('c0eec4c80d0a', 'hex')]);
    const res = await upload(gbk, 'application/vnd.ms-excel');
    expect(res.status).toBe(200);
    const p = await res.json() as FilePreview;
    expect([p.format, p.ok, p.roster]).toEqual(['csv', true, [{ device: 'P-A103-1-05', student: '李娜' }]]);
    const put = await gw.api('/api/rosters/7B', { method: 'PUT', body: JSON.stringify({ text: p.text }), token: LI });
    expect(put.status).toBe(200);
    expect((await put.json() as { roster: unknown }).roster).toEqual([{ device: 'P-A103-1-05', student: '李娜' }]);
    const started = await gw.api('/api/sessions', { method: 'POST', body: JSON.stringify({ room: 'A103', class: '7B', subject: '语文', roster: p.roster }), token: LI });
    expect(started.status).toBe(201);
  });

  it('answers a file it cannot read with a code for the UI to word, naming rows only', async () => {
    const refused = async (body: Uint8Array | string, type: string) => {
      const res = await upload(body, type);
      return [res.status, (await res.json() as ApiErrorBody).error] as const;
    };
    expect((await refused('%PDF-1.7', 'application/pdf'))[1].code).toBe('GW_ERR_ROSTER_FILE_TYPE');
    expect((await refused(Buffer.from('d0cf11e0a1b11ae1', 'hex'), 'application/vnd.ms-excel'))[1].code).toBe('GW_ERR_ROSTER_FILE_TYPE');
    expect((await refused('{"text":"P-1,张伟"}', 'application/json'))[0]).toBe(400);
    expect(await refused('', 'text/csv')).toEqual([400, expect.objectContaining({ code: 'GW_ERR_ROSTER_FILE_EMPTY' })]);
    expect((await refused('not a zip', XLSX))[1].code).toBe('GW_ERR_ROSTER_FILE_UNREADABLE');
    const [status, quote] = await refused('P-A103-1-04,张伟\nP-A103-1-05,"李娜\n', 'text/csv');
    expect([status, quote.code, quote.params?.lines]).toEqual([400, 'GW_ERR_ROSTER_FILE_UNREADABLE', [{ line: 2, reason: 'unreadable' }]]);
    expect(quote.message).not.toContain('李娜');
    const [big, tooLarge] = await refused(Buffer.alloc(1024 * 1024 + 1, 0x41), 'text/csv');
    expect([big, tooLarge.code]).toEqual([413, 'GW_ERR_ROSTER_FILE_TOO_LARGE']);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await (await gw.api('/api/docs')).json() as { paths: Record<string, { post?: { responses?: Record<string, unknown> } }> };
    expect(doc.paths['/api/sessions/roster-file']?.post?.responses?.['200']).toBeDefined();
  });
});
