import type { DateFormat } from './types.js';

/**
 * Writes a `YYYY-MM-DD` date in the user's format. Other text (a month,
 * a timestamp) is returned unchanged apart from the date part of a timestamp.
 */
export function formatDate(value: string | null | undefined, format: DateFormat): string {
  if (value === null || value === undefined) return '';
  const match = /^(\d{4})-(\d{2})-(\d{2})(.*)$/.exec(value);
  if (!match) return value;
  const [, year, month, day, rest = ''] = match;
  const time = rest.startsWith('T') ? ` ${rest.slice(1, 6)}` : rest;
  switch (format) {
    case 'DD.MM.YYYY':
      return `${day}.${month}.${year}${time}`;
    case 'DD/MM/YYYY':
      return `${day}/${month}/${year}${time}`;
    case 'MM/DD/YYYY':
      return `${month}/${day}/${year}${time}`;
    default:
      return `${year}-${month}-${day}${time}`;
  }
}

/**
 * Adds thousands separators to exact decimal text ("-1234567.125" becomes
 * "-1,234,567.125") without passing it through a floating-point number.
 */
export function groupDigits(decimal: string): string {
  const [whole = '', fraction] = decimal.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = (sign ? whole.slice(1) : whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? `${sign}${digits}` : `${sign}${digits}.${fraction}`;
}

/** Tells whether decimal text is zero, such as "0.000" or "-0". */
export function isZero(decimal: string): boolean {
  return !/[1-9]/.test(decimal);
}

/**
 * Converts decimal text to a number for drawing only (bar lengths, chart
 * points), where rounding cannot show; figures on screen use the text.
 */
export function approximate(decimal: string | null | undefined): number {
  if (decimal === null || decimal === undefined) return 0;
  const value = Number(decimal);
  return Number.isFinite(value) ? value : 0;
}

/** Today's date in the browser's time zone as `YYYY-MM-DD`. */
export function today(): string {
  const now = new Date();
  const month = String(now.getMonth() + 1).padStart(2, '0');
  const day = String(now.getDate()).padStart(2, '0');
  return `${now.getFullYear()}-${month}-${day}`;
}

/** Plain decimal text such as "-10.00": a number, which a spreadsheet can add up. */
const decimalPattern = /^[-+]?\d+(\.\d+)?$/;

/**
 * Prefixes text that a spreadsheet would run as a formula (a leading =, +,
 * -, @, tab or carriage return) with a single quote, so it shows as text.
 * Decimal numbers such as "-10.00" are left as they are.
 */
export function escapeFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) && !decimalPattern.test(text) ? `'${text}` : text;
}

/** Writes one CSV field, quoted when it contains a quote, comma, line break or edge whitespace. */
export function csvField(value: string): string {
  const text = escapeFormula(value);
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Formats rows as CSV (RFC 4180, CRLF line ends), amounts as plain decimal
 * text. Text that would start a spreadsheet formula gets a leading quote.
 */
export function toCsv(header: string[], rows: (string | null)[][]): string {
  const lines = [header, ...rows].map((cells) => cells.map((cell) => csvField(cell ?? '')).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Starts a download of text or a blob under a file name. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
