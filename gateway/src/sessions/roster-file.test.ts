import ExcelJS from 'exceljs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MAX_ROSTER_FILE_BYTES, MAX_XLSX_INFLATED_BYTES, readRosterFile, RosterFileError, XLSX_TYPE } from './roster-file.js';
import { parseRosterText } from './roster-text.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
/** The text as the paste parser reads it: [line, device, student] per roster line. */
const read = (text: string) => parseRosterText(text).lines.map((l) => [l.line, l.device, l.student]);
const fails = async (p: Promise<unknown>, code: string) => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RosterFileError);
  expect((err as RosterFileError).code).toBe(code);
  return err as RosterFileError;
};

async function xlsx(rows: unknown[][], fill?: (s: ExcelJS.Worksheet) => void): Promise<Uint8Array> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('名单');
  rows.forEach((r, i) => { sheet.getRow(i + 1).values = r as ExcelJS.CellValue[]; });
  fill?.(sheet);
  book.addWorksheet('other').addRow(['P-9', '不读这一页']);
  return new Uint8Array(await book.xlsx.writeBuffer());
}

describe('readRosterFile', () => {
  it('reads a UTF-8 CSV with a byte-order mark, its header skipped, each row at its own line', async () => {
    const f = await readRosterFile(utf8('\uFEFF设备,学生\r\nP-1,张伟\r\n\r\n"P-2","李, 娜"\r\n'), 'text/csv');
    expect(f.format).toBe('csv');
    expect(read(f.text)).toEqual([[2, 'P-1', '张伟'], [4, 'P-2', '李, 娜']]);
  });

  it('reads a GBK CSV as Chinese Excel saves it (bytes that are not UTF-8 are GB18030)', async () => {
    // 设备,学生 / P-1,张伟 / P-2,李娜 in GBK: 设备 C9E8 B1B8, 学生 D1A7 C9FA, 张伟 D5C5 CEB0, 李娜 C0EE C4C8
    const gbk = Buffer.concat([Buffer.from('c9e8b1b82cd1a7c9fa0d0a', 'hex'), Buffer.from('P-1,'), Buffer.from('d5c5ceb00d0a', 'hex'), Buffer.from('P-2,'), Buffer.from('c0eec4c80d0a', 'hex')]);
    const f = await readRosterFile(gbk, 'application/vnd.ms-excel');
    expect(read(f.text)).toEqual([[2, 'P-1', '张伟'], [3, 'P-2', '李娜']]);
  });

  it('reads a tab-separated file and UTF-16 "Unicode text", names with commas kept whole', async () => {
    expect(read((await readRosterFile(utf8('device\tstudent\nP-1\tZhang, Wei\n'), 'text/plain')).text)).toEqual([[2, 'P-1', 'Zhang, Wei']]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('设备\t姓名\r\nP-1\t张伟\r\n', 'utf16le')]);
    expect(read((await readRosterFile(utf16, 'application/octet-stream')).text)).toEqual([[2, 'P-1', '张伟']]);
  });

  it('reads the first sheet of an XLSX: first two used columns, numbers as text, a title row above the header left out', async () => {
    const bytes = await xlsx([['三年级2班名单'], [null, '设备编号', '学生姓名'], [null, 10234, '张伟'], [], [null, 'P-2', { richText: [{ text: '李' }, { text: '娜' }] }], [null, 'P-3', { formula: 'B3', result: '王芳' }]]);
    const f = await readRosterFile(bytes, XLSX_TYPE);
    expect(f.format).toBe('xlsx');
    expect(f.text.split('\n')[0]).toBe('');
    expect(read(f.text)).toEqual([[3, '10234', '张伟'], [5, 'P-2', '李娜'], [6, 'P-3', '王芳']]);
  });

  it('tells the bytes apart from the type the browser names (Windows calls a .xlsx octet-stream)', async () => {
    const bytes = await xlsx([['P-1', '张伟']]);
    expect((await readRosterFile(bytes, 'application/octet-stream')).format).toBe('xlsx');
  });

  it('reads a one-column file (a CSV typed with full-width commas, cells like "P-1、张伟") as pasted lines', async () => {
    expect(read((await readRosterFile(utf8('设备，学生\nP-1，张伟\nP-2、李娜\n'), 'text/csv')).text)).toEqual([[2, 'P-1', '张伟'], [3, 'P-2', '李娜']]);
    expect(read((await readRosterFile(await xlsx([['P-1，张伟'], ['P-2；李娜']]), XLSX_TYPE)).text)).toEqual([[1, 'P-1', '张伟'], [2, 'P-2', '李娜']]);
  });

  it('keeps empty cells as empty, so the paste parser names the missing student by row', async () => {
    const f = await readRosterFile(utf8('P-1,张伟\nP-2,\n,李娜\n'), 'text/csv');
    expect(parseRosterText(f.text).problems).toEqual([{ line: 2, reason: 'no_student' }, { line: 3, reason: 'no_device' }]);
    // A device starting with # is a device, not a comment line; quotes in a name are kept.
    expect(read((await readRosterFile(utf8('#12,"""小明"""\n'), 'text/csv')).text)).toEqual([[1, '#12', '"小明"']]);
  });

  it('refuses what is not a roster file with a code, never quoting a cell', async () => {
    await fails(readRosterFile(utf8('a'), 'image/png'), 'GW_ERR_ROSTER_FILE_TYPE');
    await fails(readRosterFile(Buffer.from('d0cf11e0a1b11ae1', 'hex'), 'application/vnd.ms-excel'), 'GW_ERR_ROSTER_FILE_TYPE');
    await fails(readRosterFile(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]), 'application/octet-stream'), 'GW_ERR_ROSTER_FILE_TYPE');
    await fails(readRosterFile(new Uint8Array(), 'text/csv'), 'GW_ERR_ROSTER_FILE_EMPTY');
    await fails(readRosterFile(utf8('\n\n ,\n'), 'text/csv'), 'GW_ERR_ROSTER_FILE_EMPTY');
    await fails(readRosterFile(utf8('not a zip'), XLSX_TYPE), 'GW_ERR_ROSTER_FILE_UNREADABLE');
    await fails(readRosterFile(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), XLSX_TYPE), 'GW_ERR_ROSTER_FILE_UNREADABLE');
    const quote = await fails(readRosterFile(utf8('P-1,张伟\nP-2,"李娜\n'), 'text/csv'), 'GW_ERR_ROSTER_FILE_UNREADABLE');
    expect(quote.message).not.toContain('李娜');
  });

  it('refuses a file too large, too many rows, or an XLSX that inflates past the limit (a zip bomb)', async () => {
    await fails(readRosterFile(new Uint8Array(MAX_ROSTER_FILE_BYTES + 1).fill(0x41), 'text/csv'), 'GW_ERR_ROSTER_FILE_TOO_LARGE');
    await fails(readRosterFile(utf8(Array.from({ length: 600 }, (_, i) => `P-${i},学生${i}`).join('\n')), 'text/csv'), 'GW_ERR_ROSTER_FILE_TOO_LARGE');
    await fails(readRosterFile(utf8(Array.from({ length: 500 }, (_, i) => `P-${i},${'长'.repeat(200)}`).join('\n')), 'text/csv'), 'GW_ERR_ROSTER_FILE_TOO_LARGE');
    const bomb = zipSync({ 'xl/worksheets/sheet1.xml': new Uint8Array(MAX_XLSX_INFLATED_BYTES + 1024) }, { level: 9 });
    expect(bomb.length).toBeLessThan(MAX_ROSTER_FILE_BYTES);
    await fails(readRosterFile(bomb, XLSX_TYPE), 'GW_ERR_ROSTER_FILE_TOO_LARGE');
    // The same bomb lying about its size (local header and central directory say 100 bytes): counted as it inflates.
    const liar = Buffer.from(bomb);
    for (const [sig, at] of [[0x04034b50, 22], [0x02014b50, 24]] as const) {
      for (let i = liar.indexOf(Buffer.from(new Uint32Array([sig]).buffer)); i >= 0; i = liar.indexOf(Buffer.from(new Uint32Array([sig]).buffer), i + 4)) liar.writeUInt32LE(100, i + at);
    }
    await fails(readRosterFile(liar, XLSX_TYPE), 'GW_ERR_ROSTER_FILE_TOO_LARGE');
    // Directory entries sharing one stored file (each would be inflated again): refused.
    const one = Buffer.from(zipSync({ 'xl/sharedStrings.xml': new Uint8Array(1000) }));
    const eocd = one.length - 22;
    const cdAt = one.readUInt32LE(eocd + 16);
    const cd = one.subarray(cdAt, eocd);
    const end = Buffer.from(one.subarray(eocd));
    end.writeUInt16LE(2, 8); end.writeUInt16LE(2, 10); end.writeUInt32LE(cd.length * 2, 12);
    expect((await fails(readRosterFile(Buffer.concat([one.subarray(0, cdAt), cd, cd, end]), XLSX_TYPE), 'GW_ERR_ROSTER_FILE_UNREADABLE')).message).toContain('more entries than it stores');
  });
});
