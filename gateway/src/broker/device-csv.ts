/**
 * The device list as CSV, for `campus-gateway devices import|export` and
 * `POST /api/devices/import`, `GET /api/devices/export`. Pure.
 *
 * Columns (header line first, any order): `id`, `template` (required),
 * `building`, `room`, `person`, `secret` (optional). A column the file lacks
 * leaves that value of an existing device as it is; an empty cell clears it
 * (an empty `secret` keeps the device's secret, or makes one for a new device).
 * RFC 4180 quoting (csv-parse), a UTF-8 byte order mark is ignored, blank lines
 * are skipped, cells are trimmed. Problems name the 1-based line of the file.
 *
 * Spreadsheets run a cell that starts with = + - @ (or their full-width forms)
 * as a formula, so export writes such text with a leading `'` and import takes
 * that `'` off again: an exported file imports back unchanged.
 */
import { parse } from 'csv-parse/sync';

export const IMPORT_COLUMNS = ['id', 'template', 'building', 'room', 'person', 'secret'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];
export const EXPORT_COLUMNS = ['id', 'template', 'building', 'room', 'person'] as const;

/** One device of an import. An optional value is undefined when the file has no such column, '' when the cell is empty. */
export interface ImportRow {
  /** Where the row is, for messages: `line 7` (CSV) or `row 7` (JSON). */
  where: string;
  id: string;
  template: string;
  building?: string | undefined;
  room?: string | undefined;
  person?: string | undefined;
  secret?: string | undefined;
}

export type ParsedRows = { ok: true; rows: ImportRow[] } | { ok: false; problems: string[] };

/** At most this many devices in one import (a school has ~2,000). */
export const MAX_IMPORT_ROWS = 20_000;
const MAX_CELL_CHARS = 1_024;

// OWASP's formula starters (= + - @ tab CR) and the full-width forms a Chinese input method types.
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const NEUTRALIZED = /^'+[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

// csv-parse's messages quote the cell they stopped at; ours name only the line.
const SYNTAX: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell is never closed',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted cell (quote the whole cell and double the quote: "a ""b"" c")',
  CSV_INVALID_CLOSING_QUOTE: 'text after the closing quote of a cell',
  CSV_MAX_RECORD_SIZE: `a line longer than ${MAX_CELL_CHARS * IMPORT_COLUMNS.length} characters`,
};

function lineBreaks(cells: readonly string[]): number {
  let n = 0;
  for (const c of cells) n += c.match(/\r\n|\r|\n/g)?.length ?? 0;
  return n;
}

/** A cell as imported: the `'` that export put before formula text taken off again. */
function unneutralize(cell: string): string {
  return NEUTRALIZED.test(cell) ? cell.slice(1) : cell;
}

export function parseDevicesCsv(text: string): ParsedRows {
  if (text.includes('\uFFFD')) {
    return { ok: false, problems: ['the file is not UTF-8 text (save it from the spreadsheet as "CSV UTF-8")'] };
  }
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true, max_record_size: MAX_CELL_CHARS * IMPORT_COLUMNS.length }) as unknown as typeof records; // `info: true` gives { record, info }
  } catch (e) {
    const err = e as { code?: string; lines?: number };
    return { ok: false, problems: [`line ${err.lines ?? '?'}: ${SYNTAX[err.code ?? ''] ?? 'not CSV'}`] };
  }
  const [head, ...body] = records;
  if (!head) return { ok: false, problems: ['the file is empty: its first line names the columns (id,template,building,room,person,secret)'] };
  const problems: string[] = [];
  const columns = head.record.map((c) => c.toLowerCase());
  const index = new Map<ImportColumn, number>();
  columns.forEach((c, i) => {
    if (!(IMPORT_COLUMNS as readonly string[]).includes(c)) problems.push(`line 1: unknown column "${c.slice(0, 40)}" (columns: ${IMPORT_COLUMNS.join(', ')})`);
    else if (index.has(c as ImportColumn)) problems.push(`line 1: column "${c}" twice`);
    else index.set(c as ImportColumn, i);
  });
  for (const required of ['id', 'template'] as const) {
    if (!index.has(required)) problems.push(`line 1: no "${required}" column (the first line names the columns: id,template,building,room,person,secret)`);
  }
  if (problems.length > 0) return { ok: false, problems };
  if (body.length === 0) return { ok: false, problems: ['the file lists no device (only the header line)'] };
  if (body.length > MAX_IMPORT_ROWS) return { ok: false, problems: [`the file lists ${body.length} devices; at most ${MAX_IMPORT_ROWS} in one import`] };

  const rows: ImportRow[] = [];
  for (const { record, info } of body) {
    // info.lines is the line the record ends on; a quoted cell may span lines
    const where = `line ${info.lines - lineBreaks(record)}`;
    if (record.length !== columns.length) {
      problems.push(`${where}: ${record.length} cells, the header has ${columns.length}`);
      continue;
    }
    const cell = (c: ImportColumn): string | undefined => {
      const i = index.get(c);
      return i === undefined ? undefined : record[i] ?? '';
    };
    const text = (c: 'building' | 'room' | 'person') => {
      const v = cell(c);
      return v === undefined ? undefined : unneutralize(v);
    };
    rows.push({ where, id: cell('id') ?? '', template: cell('template') ?? '', building: text('building'), room: text('room'), person: text('person'), secret: cell('secret') });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rows };
}

/** One CSV cell (RFC 4180 quoting when it holds a comma, quote or line break). */
export function quoteCell(value: string | undefined): string {
  if (value === undefined) return '';
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A text cell a spreadsheet may open: formula text (and text that looks neutralized) gets a leading `'`. */
export function csvCell(value: string | undefined): string {
  if (value === undefined) return '';
  return quoteCell(FORMULA_START.test(value) || NEUTRALIZED.test(value) ? `'${value}` : value);
}

function toCsv(header: readonly string[], rows: Iterable<readonly string[]>): string {
  return `${[header.join(','), ...[...rows].map((r) => r.join(','))].join('\r\n')}\r\n`;
}

/** The device list without secrets: what `devices export` writes and `devices import` reads back. Without persons, no `person` column. */
export function devicesCsv(
  devices: Iterable<{ id: string; template: string; building?: string | undefined; room?: string | undefined; person?: string | undefined }>,
  opts: { persons?: boolean } = {},
): string {
  const columns = opts.persons === false ? EXPORT_COLUMNS.filter((c) => c !== 'person') : EXPORT_COLUMNS;
  return toCsv(columns, [...devices].map((d) => columns.map((c) => csvCell(d[c]))));
}

/**
 * `id,secret` of the secrets made by an import, to flash into the devices. Written
 * as they are (a `'` would change the secret): ids and generated secrets never
 * start with a formula character.
 */
export function secretsCsv(secrets: Iterable<{ id: string; secret: string }>): string {
  return toCsv(['id', 'secret'], [...secrets].map((s) => [quoteCell(s.id), quoteCell(s.secret)]));
}
