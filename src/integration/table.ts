/**
 * Reads a delimited text file or an XLSX sheet into a table of text cells,
 * each row carrying the line (or sheet row) it came from, so that every
 * later error can name it.
 */
import { CsvError, parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { FileRowError } from '../shared/errors.js';
import type { IsoDate } from '../shared/dates.js';

export const textEncodings = [
  'utf-8',
  'latin1',
  'iso-8859-1',
  'windows-1252',
  'cp852',
  'utf-16le',
] as const;
export type TextEncoding = (typeof textEncodings)[number];

/**
 * Storage type of a cell. Every CSV cell and every XLSX text cell is `text`.
 * Typed XLSX cells are `number` or `date`, and their text is already a
 * plain decimal (`-1234.5`) or an ISO date.
 */
export type CellType = 'text' | 'number' | 'date';

export interface TableRow {
  /** Line of the file (1-based) where the row starts, or the sheet row. */
  line: number;
  cells: string[];
  /** Per-cell type; absent means every cell is text. */
  types?: CellType[];
}

export interface Table {
  file: string;
  /** Header names, or null for a file without a header row. */
  header: string[] | null;
  headerLine: number | null;
  rows: TableRow[];
}

export interface DelimitedOptions {
  delimiter: string;
  quote: string;
  /** Lines before the header (or before the data when there is none). */
  skipLines: number;
  header: boolean;
}

/**
 * Decodes file bytes. UTF-8 is decoded strictly, so a Latin-1 or CP852
 * file read as UTF-8 fails here with the line of the first invalid byte
 * instead of importing garbled names. A leading byte order mark is dropped.
 */
export function decodeText(bytes: Uint8Array, encoding: TextEncoding, file: string): string {
  if (isZipArchive(bytes)) {
    throw new FileRowError(
      file,
      1,
      '(file)',
      '',
      'the file is a ZIP archive, such as an XLSX workbook, not delimited text; import a workbook with "ardesk import csv" and a mapping, naming the file .xlsx or setting "format": "xlsx"',
    );
  }
  if (encoding !== 'utf-8') {
    return stripByteOrderMark(iconv.decode(Buffer.from(bytes), encoding));
  }
  try {
    return stripByteOrderMark(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    const lenient = new TextDecoder('utf-8').decode(bytes);
    const offset = lenient.indexOf('\uFFFD');
    const line = countLineBreaks(lenient.slice(0, Math.max(offset, 0))) + 1;
    const lineText = lenient.split(/\r\n|\n|\r/)[line - 1] ?? '';
    throw new FileRowError(
      file,
      line,
      '(encoding)',
      printable(lineText.slice(0, 80)),
      'the file is not valid UTF-8; set "encoding" in the mapping (latin1, windows-1252, cp852 ...)',
    );
  }
}

/** True when the bytes start with a ZIP local file header (`PK\x03\x04`), as XLSX files do. */
function isZipArchive(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Shows control characters as `\xNN`, so an error about binary data stays one readable line. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Rejects a cell holding a NUL character: PostgreSQL text cannot store it,
 * and in a CSV file it means binary data or a UTF-16 file read as UTF-8.
 * `names` labels the columns (the header row's cells), else they are
 * numbered from 1.
 */
function rejectNulCharacters(file: string, rows: TableRow[], names: string[] | undefined): void {
  for (const row of rows) {
    const index = row.cells.findIndex((cell) => cell.includes('\0'));
    if (index < 0) continue;
    throw new FileRowError(
      file,
      row.line,
      printable(names?.[index]?.trim() || `column ${index + 1}`),
      printable(row.cells[index]!),
      'the value contains a NUL byte (0x00); the file is binary or in another encoding, such as UTF-16',
    );
  }
}

function stripByteOrderMark(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

function countLineBreaks(text: string): number {
  return text.match(/\r\n|\n|\r/g)?.length ?? 0;
}

/**
 * Splits delimited text into rows, dropping rows whose cells are all blank.
 * Line endings are normalised to `\n` first (CRLF and lone CR included),
 * because csv-parse 7 miscounts lines across CRLF inside quoted fields.
 * It reports the line on which a record ends, so the start line is that
 * minus the line breaks inside the record's quoted fields.
 */
export function readDelimited(text: string, file: string, options: DelimitedOptions): Table {
  const normalised = text.replace(/\r\n?/g, '\n');
  let body = normalised;
  for (let skipped = 0; skipped < options.skipLines; skipped += 1) {
    const end = body.indexOf('\n');
    body = end < 0 ? '' : body.slice(end + 1);
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(body, {
      delimiter: options.delimiter,
      quote: options.quote === '' ? false : options.quote,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = options.skipLines + ((error as CsvError & { lines?: number }).lines ?? 0);
      throw new FileRowError(file, line, '(record)', '', `the CSV text is malformed: ${error.message}`);
    }
    throw error;
  }
  const rows: TableRow[] = [];
  for (const { record, info } of records) {
    const breaksInside = record.reduce((sum, cell) => sum + countLineBreaks(cell), 0);
    const line = options.skipLines + info.lines - breaksInside;
    if (record.every((cell) => cell.trim() === '')) continue;
    rows.push({ line, cells: record });
  }
  rejectNulCharacters(file, rows, options.header ? rows[0]?.cells : undefined);
  if (!options.header) return { file, header: null, headerLine: null, rows };
  const headerRow = rows.shift();
  if (!headerRow) {
    throw new FileRowError(file, options.skipLines + 1, '(header)', '', 'the file has no header row');
  }
  return {
    file,
    header: headerRow.cells.map((name) => name.trim()),
    headerLine: headerRow.line,
    rows,
  };
}

/** Converts one XLSX cell value to text and its type. */
function cellText(value: ExcelJS.CellValue): { text: string; type: CellType } {
  if (value === null || value === undefined) return { text: '', type: 'text' };
  if (typeof value === 'string') return { text: value, type: 'text' };
  if (typeof value === 'number') return { text: numberText(value), type: 'number' };
  if (typeof value === 'boolean') return { text: value ? 'true' : 'false', type: 'text' };
  if (value instanceof Date) return { text: excelDate(value), type: 'date' };
  if ('richText' in value) {
    return { text: value.richText.map((run) => run.text).join(''), type: 'text' };
  }
  if ('hyperlink' in value) return { text: value.text, type: 'text' };
  if ('error' in value) return { text: value.error, type: 'text' };
  if ('result' in value) return cellText(value.result);
  return { text: '', type: 'text' };
}

/**
 * Writes a spreadsheet number as decimal text. JavaScript prints the
 * shortest text that reads back to the same double, so `2309.79` stays
 * `2309.79`. Magnitudes below 1e-6 or from 1e21 up print in exponent form
 * (`1e-7`), which the amount parser rejects.
 */
function numberText(value: number): string {
  return String(value);
}

/**
 * exceljs turns a date cell into a JavaScript Date at UTC midnight of the
 * spreadsheet day (plus the time of day, if any), so the UTC calendar day
 * is the day the sheet shows.
 */
function excelDate(value: Date): IsoDate {
  return value.toISOString().slice(0, 10);
}

/**
 * Reads one sheet of an XLSX workbook (the first when `sheet` is not
 * given). Row numbers are the sheet's own, so errors point at the row a
 * user sees in a spreadsheet program, and `skipLines` skips sheet rows
 * 1 to `skipLines`.
 */
export async function readXlsx(
  bytes: Uint8Array,
  file: string,
  options: { sheet?: string; skipLines: number; header: boolean },
): Promise<Table> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  } catch (error) {
    throw new FileRowError(file, 1, '(workbook)', '', `the file is not a readable XLSX workbook: ${String(error)}`);
  }
  const worksheet = options.sheet
    ? workbook.getWorksheet(options.sheet)
    : workbook.worksheets[0];
  if (!worksheet) {
    const names = workbook.worksheets.map((sheet) => sheet.name).join(', ');
    throw new FileRowError(
      file,
      1,
      '(sheet)',
      options.sheet ?? '',
      `sheet not found; the workbook has: ${names || 'no sheets'}`,
    );
  }
  const rows: TableRow[] = [];
  worksheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    if (rowNumber <= options.skipLines) return;
    const cells: string[] = [];
    const types: CellType[] = [];
    for (let column = 1; column <= row.cellCount; column += 1) {
      const { text, type } = cellText(row.getCell(column).value);
      cells.push(text);
      types.push(type);
    }
    if (cells.every((cell) => cell.trim() === '')) return;
    rows.push({ line: rowNumber, cells, types });
  });
  if (!options.header) return { file, header: null, headerLine: null, rows };
  const headerRow = rows.shift();
  if (!headerRow) {
    throw new FileRowError(file, options.skipLines + 1, '(header)', '', 'the sheet has no header row');
  }
  return {
    file,
    header: headerRow.cells.map((name) => name.trim()),
    headerLine: headerRow.line,
    rows,
  };
}
