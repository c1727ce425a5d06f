/**
 * Report output shared by the report commands: a document of tables
 * (columns and rows) written as an aligned text table, CSV, JSON or XLSX,
 * to standard output or to a file.
 */
import { writeFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { InputError } from '../shared/errors.js';
import { formatMinor, formatMinorGrouped } from '../shared/money.js';

export const outputFormats = ['table', 'csv', 'json', 'xlsx'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/** An exact amount in minor units with its currency's exponent. */
export interface MoneyCell {
  amount: bigint;
  exponent: number;
}

export type OutputCell = string | number | bigint | MoneyCell | null;

export interface OutputColumn {
  /** Property name in the default JSON. */
  key: string;
  header: string;
  /**
   * text: left-aligned. integer: a count (number or bigint). money: a
   * MoneyCell. decimal: decimal text such as "45.25" (a ratio or days).
   * All but text are right-aligned and numeric in XLSX.
   */
  type: 'text' | 'integer' | 'money' | 'decimal';
}

export interface OutputTable {
  /** Heading in the text table and the XLSX sheet name. */
  title: string;
  columns: OutputColumn[];
  rows: OutputCell[][];
  /** Rows set apart after the data, such as totals. */
  footer?: OutputCell[][];
}

export interface OutputDocument {
  tables: OutputTable[];
  /**
   * Value written by --format json. When undefined, each table becomes
   * `{ title, rows, footer }` with rows as objects keyed by column key: one
   * such object for one table, an array of them for several.
   */
  json?: unknown;
}

export interface OutputOptions {
  format: OutputFormat;
  /** File to write; standard output when undefined (not allowed for xlsx). */
  output?: string;
}

/** Checks --format and --output; raises InputError with the fix. */
export function checkOutputOptions(format: string, output: string | undefined): OutputOptions {
  if (!(outputFormats as readonly string[]).includes(format)) {
    throw new InputError(
      `invalid output format "${format}": use one of ${outputFormats.join(', ')}`,
      'invalid_format',
      'format',
    );
  }
  if (format === 'xlsx' && !output) {
    throw new InputError('the xlsx format writes a file: add --output FILE.xlsx', 'missing_output', 'output');
  }
  return { format: format as OutputFormat, output };
}

function isMoney(cell: OutputCell): cell is MoneyCell {
  return typeof cell === 'object' && cell !== null;
}

function groupDigits(text: string): string {
  const [whole = '', fraction] = text.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = (sign ? whole.slice(1) : whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? `${sign}${digits}` : `${sign}${digits}.${fraction}`;
}

/** Formats a cell for the text table, with thousands separators in numbers. */
function displayText(cell: OutputCell, column: OutputColumn): string {
  if (cell === null) return '';
  if (isMoney(cell)) return formatMinorGrouped(cell.amount, cell.exponent);
  if (column.type === 'text') return String(cell);
  return groupDigits(String(cell));
}

/** Formats a cell for CSV as plain decimal text without grouping. */
function plainText(cell: OutputCell): string {
  if (cell === null) return '';
  if (isMoney(cell)) return formatMinor(cell.amount, cell.exponent);
  return String(cell);
}

/** Formats the document as aligned text tables, one after another. */
export function formatTable(document: OutputDocument): string {
  const blocks = document.tables.map((table) => {
    const right = table.columns.map((column) => column.type !== 'text');
    const body = table.rows.map((row) => table.columns.map((column, index) => displayText(row[index] ?? null, column)));
    const footer = (table.footer ?? []).map((row) =>
      table.columns.map((column, index) => displayText(row[index] ?? null, column)),
    );
    const header = table.columns.map((column) => column.header);
    const widths = header.map((text, index) =>
      Math.max(text.length, ...[...body, ...footer].map((cells) => cells[index]!.length)),
    );
    const line = (cells: string[]) =>
      cells
        .map((text, index) => (right[index] ? text.padStart(widths[index]!) : text.padEnd(widths[index]!)))
        .join('  ')
        .trimEnd();
    const rule = widths.map((width) => '-'.repeat(width)).join('  ');
    const lines = [table.title, '', line(header), rule, ...body.map(line)];
    if (footer.length > 0) lines.push(rule, ...footer.map(line));
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Formats the document as CSV (RFC 4180, CRLF line ends): a header line,
 * the rows, then the footer rows. Several tables are separated by an
 * empty line.
 */
export function formatCsv(document: OutputDocument): string {
  const blocks = document.tables.map((table) => {
    const lines = [table.columns.map((column) => csvField(column.header)).join(',')];
    for (const row of [...table.rows, ...(table.footer ?? [])]) {
      lines.push(table.columns.map((_, index) => csvField(plainText(row[index] ?? null))).join(','));
    }
    return lines.join('\r\n');
  });
  return `${blocks.join('\r\n\r\n')}\r\n`;
}

function jsonValue(cell: OutputCell, column: OutputColumn): unknown {
  if (cell === null) return null;
  if (isMoney(cell)) return formatMinor(cell.amount, cell.exponent);
  if (column.type === 'integer') {
    const value = typeof cell === 'bigint' ? cell : BigInt(cell);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  return typeof cell === 'bigint' ? cell.toString() : cell;
}

function tableJson(table: OutputTable): unknown {
  const toObject = (row: OutputCell[]) =>
    Object.fromEntries(table.columns.map((column, index) => [column.key, jsonValue(row[index] ?? null, column)]));
  return {
    title: table.title,
    rows: table.rows.map(toObject),
    ...(table.footer ? { footer: table.footer.map(toObject) } : {}),
  };
}

/** Formats the document's JSON, with any bigint written as decimal text. */
export function formatJson(document: OutputDocument): string {
  const value =
    document.json !== undefined
      ? document.json
      : document.tables.length === 1
        ? tableJson(document.tables[0]!)
        : document.tables.map(tableJson);
  const text = JSON.stringify(value, (_, entry: unknown) => (typeof entry === 'bigint' ? entry.toString() : entry), 2);
  return `${text}\n`;
}

function moneyFormat(exponent: number): string {
  return exponent === 0 ? '#,##0' : `#,##0.${'0'.repeat(exponent)}`;
}

function decimalFormat(text: string): string {
  return moneyFormat(text.split('.')[1]?.length ?? 0);
}

/** Makes a sheet name of at most 31 characters, none of []:*?/\, unique in the workbook. */
function sheetName(title: string, used: Set<string>): string {
  const base = (title.replace(/[[\]:*?/\\]/g, ' ').trim() || 'Report').slice(0, 31);
  let name = base;
  for (let suffix = 2; used.has(name.toLowerCase()); suffix++) {
    name = `${base.slice(0, 31 - String(suffix).length - 1)} ${suffix}`;
  }
  used.add(name.toLowerCase());
  return name;
}

/** The largest integer a double represents exactly: 2^53 - 1. */
const maxExactDouble = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Sets one XLSX cell. Amounts are formatted as exact decimal text first
 * and only then converted to a number, the type a spreadsheet needs.
 */
function setXlsxCell(cell: ExcelJS.Cell, value: OutputCell, column: OutputColumn): void {
  if (value === null) return;
  if (isMoney(value)) {
    const text = formatMinor(value.amount, value.exponent);
    if (value.amount > maxExactDouble || value.amount < -maxExactDouble) {
      // A spreadsheet number is a double and would drop the last digits,
      // so an amount this large goes in as right-aligned text.
      cell.value = text;
      cell.alignment = { horizontal: 'right' };
      return;
    }
    cell.value = Number(text);
    cell.numFmt = moneyFormat(value.exponent);
    return;
  }
  if (column.type === 'integer') {
    cell.value = Number(value);
    cell.numFmt = '#,##0';
    return;
  }
  if (column.type === 'decimal' && /^-?\d+(\.\d+)?$/.test(String(value))) {
    cell.value = Number(String(value));
    cell.numFmt = decimalFormat(String(value));
    return;
  }
  cell.value = String(value);
}

/** Writes the document as an XLSX workbook with one sheet per table. */
export async function writeXlsx(document: OutputDocument, file: string): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'ardesk';
  const used = new Set<string>();
  for (const table of document.tables) {
    const sheet = workbook.addWorksheet(sheetName(table.title, used), {
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    const header = sheet.addRow(table.columns.map((column) => column.header));
    header.font = { bold: true };
    const addRow = (cells: OutputCell[], bold: boolean) => {
      const row = sheet.addRow([]);
      table.columns.forEach((column, index) => setXlsxCell(row.getCell(index + 1), cells[index] ?? null, column));
      if (bold) row.font = { bold: true };
    };
    for (const cells of table.rows) addRow(cells, false);
    for (const cells of table.footer ?? []) addRow(cells, true);
    table.columns.forEach((column, index) => {
      const texts = [...table.rows, ...(table.footer ?? [])].map((cells) => displayText(cells[index] ?? null, column));
      sheet.getColumn(index + 1).width = Math.min(60, Math.max(column.header.length, ...texts.map((text) => text.length)) + 2);
      sheet.getColumn(index + 1).alignment = { horizontal: column.type === 'text' ? 'left' : 'right' };
    });
  }
  try {
    await workbook.xlsx.writeFile(file);
  } catch (error) {
    throw new InputError(`failed to write ${file}: ${(error as Error).message}`, 'output_not_writable', 'output');
  }
}

/** Formats the document as text in a format other than xlsx. */
export function formatDocument(document: OutputDocument, format: Exclude<OutputFormat, 'xlsx'>): string {
  if (format === 'csv') return formatCsv(document);
  if (format === 'json') return formatJson(document);
  return formatTable(document);
}

/** Writes the document in the requested format to the output file or to standard output. */
export async function writeOutput(
  document: OutputDocument,
  options: OutputOptions,
  stdout: { write(text: string): unknown } = process.stdout,
): Promise<void> {
  const { format, output } = checkOutputOptions(options.format, options.output);
  if (format === 'xlsx') {
    await writeXlsx(document, output!);
    return;
  }
  const text = formatDocument(document, format);
  if (!output) {
    stdout.write(text);
    return;
  }
  try {
    await writeFile(output, text, 'utf8');
  } catch (error) {
    throw new InputError(`failed to write ${output}: ${(error as Error).message}`, 'output_not_writable', 'output');
  }
}
