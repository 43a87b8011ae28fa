/**
 * A roster uploaded as a file (issue #19): a CSV or an XLSX as the teacher keeps it, read with
 * csv-parse and exceljs into the roster text the paste parser reads (roster-text.ts), one text
 * line per row of the file, so a preview's line N is the file's row N.
 *
 * - CSV: UTF-8 (with or without a byte-order mark), else GB18030 (Chinese Excel saves "CSV" in
 *   GBK, a subset), or UTF-16 with its byte-order mark (Excel's "Unicode text"); comma, tab or
 *   semicolon separated, as the first non-blank line shows.
 * - XLSX: the first sheet; numbers, dates, formulas' results and rich text as text.
 * - Both: the first two columns holding anything are device and student; a header row
 *   ("设备,学生", "device,student" …) is skipped by the paste parser, and title rows above it
 *   (one cell, e.g. "三年级2班名单") are left out.
 *
 * Errors name the problem and at most a row number, never a cell: the cells name children.
 */
import { parse } from 'csv-parse/sync';
// exceljs (~28 MiB resident) and fflate are loaded when a roster file arrives, not at start.
import type ExcelJS from 'exceljs';
import type * as Fflate from 'fflate';
import { GatewayError } from '../errors.js';
import { isRosterHeader, MAX_ROSTER_LINES, MAX_ROSTER_TEXT } from './roster-text.js';

/** Largest upload read: a class list is a few KiB; 1 MiB holds thousands of rows. */
export const MAX_ROSTER_FILE_BYTES = 1024 * 1024;
/** Rows a file may have (blank ones included): the roster's lines plus room for a title and a header. */
export const MAX_ROSTER_FILE_ROWS = MAX_ROSTER_LINES + 20;
/** What the XML inside an XLSX may inflate to; a class list is far below, a zip bomb far above. */
export const MAX_XLSX_INFLATED_BYTES = 32 * 1024 * 1024;

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Content types a roster upload may name. Windows names a .csv `application/vnd.ms-excel`; the bytes decide. */
export const ROSTER_FILE_TYPES = ['text/csv', 'text/plain', 'text/tab-separated-values', 'application/vnd.ms-excel', XLSX_TYPE, 'application/octet-stream'] as const;

export type RosterFileCode = 'GW_ERR_ROSTER_FILE_TYPE' | 'GW_ERR_ROSTER_FILE_TOO_LARGE' | 'GW_ERR_ROSTER_FILE_EMPTY' | 'GW_ERR_ROSTER_FILE_UNREADABLE';

/** A file that cannot be read as a roster; `line` is the 1-based row where reading stopped, when known. */
export class RosterFileError extends GatewayError {
  declare readonly code: RosterFileCode;
  constructor(code: RosterFileCode, message: string, readonly line?: number) {
    super(code, `${code}: ${message}`);
    this.name = 'RosterFileError';
  }
}

export interface RosterFile { format: 'csv' | 'xlsx'; text: string; rows: number }

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE = [0xd0, 0xcf, 0x11, 0xe0]; // the binary .xls of Excel 97-2003
const startsWith = (b: Uint8Array, magic: readonly number[]) => magic.every((m, i) => b[i] === m);

/** The file's bytes as rows of cells; `contentType` only refuses what is plainly not a table (an image, a PDF). */
export async function readRosterFile(bytes: Uint8Array, contentType: string | undefined): Promise<RosterFile> {
  const type = (contentType ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
  if (!(ROSTER_FILE_TYPES as readonly string[]).includes(type)) throw new RosterFileError('GW_ERR_ROSTER_FILE_TYPE', 'not a CSV or XLSX file');
  if (bytes.length === 0) throw new RosterFileError('GW_ERR_ROSTER_FILE_EMPTY', 'the file is empty');
  if (bytes.length > MAX_ROSTER_FILE_BYTES) throw new RosterFileError('GW_ERR_ROSTER_FILE_TOO_LARGE', `the file is larger than ${MAX_ROSTER_FILE_BYTES} bytes`);
  if (startsWith(bytes, OLE)) throw new RosterFileError('GW_ERR_ROSTER_FILE_TYPE', 'an Excel 97-2003 .xls file: save it as .xlsx or .csv');
  if (startsWith(bytes, ZIP)) return rosterText('xlsx', await xlsxRows(bytes));
  if (type === XLSX_TYPE) throw new RosterFileError('GW_ERR_ROSTER_FILE_UNREADABLE', 'not a readable XLSX file');
  return rosterText('csv', csvRows(decodeText(bytes)));
}

/** UTF-16 by its byte-order mark, UTF-8 when the bytes are valid UTF-8, else GB18030 (GBK's superset). */
export function decodeText(bytes: Uint8Array): string {
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder('utf-16le').decode(bytes);
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder('utf-16be').decode(bytes);
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      text = new TextDecoder('gb18030').decode(bytes);
    }
  }
  if (text.includes('\u0000')) throw new RosterFileError('GW_ERR_ROSTER_FILE_TYPE', 'not a CSV or XLSX file (binary content)');
  return text.replace(/^\uFEFF/, '');
}

const CSV_SYNTAX: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell is never closed',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted cell',
  CSV_INVALID_CLOSING_QUOTE: 'text after the closing quote of a cell',
};

/** Rows by their 1-based line in the file (a quoted cell spanning lines puts the row at its first line). */
function csvRows(text: string): Map<number, string[]> {
  const first = text.split(/\r\n|\r|\n/).find((l) => l.trim()) ?? '';
  const delimiter = first.includes('\t') ? '\t' : !first.includes(',') && first.includes(';') ? ';' : ',';
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: false, info: true, to_line: MAX_ROSTER_FILE_ROWS + 1 }) as unknown as typeof records;
  } catch (err) {
    // csv-parse's message quotes the cell it stopped at; ours names the line only.
    const e = err as { code?: string; lines?: number };
    throw new RosterFileError('GW_ERR_ROSTER_FILE_UNREADABLE', `line ${e.lines ?? '?'}: ${CSV_SYNTAX[e.code ?? ''] ?? 'not readable as CSV'}`, e.lines);
  }
  const rows = new Map<number, string[]>();
  for (const { record, info } of records) {
    const breaks = record.reduce((n, c) => n + (c.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
    rows.set(info.lines - breaks, record);
  }
  return rows;
}

/** The inflated size of every entry, stopping past the budget: exceljs would inflate a zip bomb whole. */
function checkInflatedSize(bytes: Uint8Array, { Unzip, UnzipInflate, unzipSync }: typeof Fflate): void {
  const tooBig = () => new RosterFileError('GW_ERR_ROSTER_FILE_TOO_LARGE', `the XLSX inflates to more than ${MAX_XLSX_INFLATED_BYTES} bytes`);
  const unreadable = () => new RosterFileError('GW_ERR_ROSTER_FILE_UNREADABLE', 'not a readable XLSX file');
  // The central directory's sizes (what exceljs reads by), without inflating anything …
  let declared = 0;
  let entries = 0;
  try {
    unzipSync(bytes, { filter: (f) => { declared += f.originalSize; entries += 1; return false; } });
  } catch {
    throw unreadable();
  }
  if (declared > MAX_XLSX_INFLATED_BYTES) throw tooBig();
  // … and what the entries really inflate to (sizes can lie), counted as 16 KiB of input at a time.
  let inflated = 0;
  let files = 0;
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  unzip.onfile = (file) => {
    files += 1;
    file.ondata = (err, chunk) => {
      if (err) throw err;
      inflated += chunk.length;
    };
    file.start();
  };
  try {
    for (let at = 0; at < bytes.length && inflated <= MAX_XLSX_INFLATED_BYTES; at += 16 * 1024) {
      unzip.push(bytes.subarray(at, at + 16 * 1024), at + 16 * 1024 >= bytes.length);
    }
  } catch {
    throw unreadable();
  }
  if (inflated > MAX_XLSX_INFLATED_BYTES) throw tooBig();
  // More directory entries than stored files: entries sharing one file's data, each inflated again.
  if (files !== entries) throw new RosterFileError('GW_ERR_ROSTER_FILE_UNREADABLE', 'not a readable XLSX file (its directory names more entries than it stores)');
}

type CellValue = ExcelJS.CellValue;
/** A cell as the teacher sees it: numbers as typed (no grouping), dates as YYYY-MM-DD, a formula's result. */
export function cellText(v: CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if ('richText' in v) return v.richText.map((r) => r.text).join('');
  if ('formula' in v || 'sharedFormula' in v) return cellText((v as { result?: CellValue }).result ?? null);
  if ('hyperlink' in v) return cellText((v as { text?: CellValue }).text ?? null);
  return ''; // an error value (#N/A …)
}

async function xlsxRows(bytes: Uint8Array): Promise<Map<number, string[]>> {
  checkInflatedSize(bytes, await import('fflate'));
  const { default: Excel } = await import('exceljs');
  const book = new Excel.Workbook();
  try {
    await book.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ExcelJS.Buffer);
  } catch {
    throw new RosterFileError('GW_ERR_ROSTER_FILE_UNREADABLE', 'not a readable XLSX file');
  }
  const sheet = book.worksheets[0];
  const rows = new Map<number, string[]>();
  if (!sheet) return rows;
  if (sheet.rowCount > MAX_ROSTER_FILE_ROWS) throw tooManyRows();
  sheet.eachRow({ includeEmpty: false }, (row, n) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => { cells[col - 1] = cellText(cell.value); });
    rows.set(n, Array.from(cells, (c) => c ?? ''));
  });
  return rows;
}

const tooManyRows = () => new RosterFileError('GW_ERR_ROSTER_FILE_TOO_LARGE', `the file has more than ${MAX_ROSTER_FILE_ROWS} rows (a roster holds ${MAX_ROSTER_LINES})`);

/**
 * A cell on one text line: spaces for line breaks and tabs; an empty one as `""`, so the paste parser
 * names it; one starting with `#` or `"` quoted, so it is read as it is, not as a comment or a quote.
 */
const textCell = (c: string) => {
  const t = c.replace(/[\t\r\n]+/g, ' ').trim();
  return /^["#]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t || '""';
};

const filled = (cells: readonly string[]) => cells.filter((c) => c.trim());

/** Rows as roster text: the first two columns holding anything, `device<TAB>student`, at the row's own line. */
function rosterText(format: RosterFile['format'], rows: Map<number, string[]>): RosterFile {
  const last = Math.max(0, ...rows.keys());
  if (last > MAX_ROSTER_FILE_ROWS) throw tooManyRows();
  const ordered = [...rows.keys()].sort((x, y) => x - y).filter((n) => filled(rows.get(n)!).length > 0);
  // Title rows ("三年级2班名单", one cell each) above a header among the first rows are no roster lines.
  const headerAt = ordered.slice(0, 5).findIndex((n) => { const [d, s] = filled(rows.get(n)!); return isRosterHeader(d?.trim() ?? '', s?.trim() ?? ''); });
  const titled = headerAt > 0 && ordered.slice(0, headerAt).every((n) => filled(rows.get(n)!).length === 1);
  const kept = titled ? ordered.slice(headerAt) : ordered;
  const used = new Set<number>();
  for (const n of kept) rows.get(n)!.forEach((c, i) => { if (c.trim()) used.add(i); });
  const [a, b] = [...used].sort((x, y) => x - y);
  if (a === undefined) throw new RosterFileError('GW_ERR_ROSTER_FILE_EMPTY', 'the file has no rows');
  const lines: string[] = Array.from({ length: last }, () => '');
  for (const n of kept) {
    const cells = rows.get(n)!;
    // One column only ("P-1，张伟" typed in one cell, a CSV with full-width commas): the cell as pasted.
    lines[n - 1] = b === undefined ? (cells[a] ?? '').replace(/[\t\r\n]+/g, ' ').trim() : `${textCell(cells[a] ?? '')}\t${textCell(cells[b] ?? '')}`;
  }
  const text = lines.join('\n');
  // The text goes back into the textarea and is saved as pasted text is: held to the same limit.
  if (text.length > MAX_ROSTER_TEXT) throw new RosterFileError('GW_ERR_ROSTER_FILE_TOO_LARGE', `the rows read are longer than the ${MAX_ROSTER_TEXT} characters a roster may hold`);
  return { format, text, rows: kept.length };
}
