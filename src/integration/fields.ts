/**
 * Parsers for single cell values: amounts in the usual export notations,
 * dates, ids written as floats and yes/no flags. Each throws CellValueError
 * with the problem; the row parser adds the file, line and column.
 */
import { AmountFormatError, parseDecimal } from '../shared/money.js';
import { parseDate, type DateFormat, type IsoDate } from '../shared/dates.js';
import type { CellType } from './table.js';

export class CellValueError extends Error {}

/**
 * Where the minus of a single amount column is written: `-1234.56`,
 * `1234.56-` (SAP list output), `(1234.56)` (accounting format), or not at
 * all (`unsigned`, when the sign comes from elsewhere).
 */
export type SignNotation = 'leadingMinus' | 'trailingMinus' | 'brackets' | 'unsigned';

export interface NumberFormat {
  decimalSeparator: '.' | ',';
  /** '' when amounts carry no grouping. A space also accepts U+00A0 and U+202F. */
  thousandsSeparator: '' | ',' | '.' | ' ' | "'";
  /** Rounds digits beyond the minor unit half away from zero instead of rejecting them. */
  roundToMinorUnit: boolean;
}

const spaces = /[ \u00A0\u202F]/g;

function stripSign(text: string, notation: SignNotation): { digits: string; negative: boolean } {
  if (notation === 'trailingMinus') {
    if (/^[+-]/.test(text)) {
      throw new CellValueError('expected the minus after the number (trailing minus, as in 1.234,56-)');
    }
    return text.endsWith('-')
      ? { digits: text.slice(0, -1).trimEnd(), negative: true }
      : { digits: text, negative: false };
  }
  if (notation === 'brackets') {
    if (/^[+-]|-$/.test(text)) {
      throw new CellValueError('expected a negative amount in brackets, as in (1,234.56)');
    }
    const bracketed = /^\((.*)\)$/.exec(text);
    return bracketed
      ? { digits: bracketed[1]!.trim(), negative: true }
      : { digits: text, negative: false };
  }
  if (notation === 'unsigned') {
    if (/^[+-]|-$|^\(/.test(text)) {
      throw new CellValueError('expected an unsigned amount, since the sign comes from another column or the item kind');
    }
    return { digits: text, negative: false };
  }
  if (/-$/.test(text)) {
    throw new CellValueError('expected a leading minus; set "sign": "trailingMinus" for amounts such as 1.234,56-');
  }
  if (text.startsWith('-')) return { digits: text.slice(1).trimStart(), negative: true };
  if (text.startsWith('+')) return { digits: text.slice(1).trimStart(), negative: false };
  return { digits: text, negative: false };
}

function removeGrouping(digits: string, format: NumberFormat): string {
  const separator = format.thousandsSeparator;
  const decimalIndex = digits.indexOf(format.decimalSeparator);
  const whole = decimalIndex < 0 ? digits : digits.slice(0, decimalIndex);
  const fraction = decimalIndex < 0 ? '' : digits.slice(decimalIndex + 1);
  let plainWhole = whole;
  if (separator !== '') {
    const unified = separator === ' ' ? whole.replace(spaces, ' ') : whole;
    const escaped = separator.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const grouped = new RegExp(`^\\d{1,3}(${escaped}\\d{3})+$`);
    if (grouped.test(unified)) {
      plainWhole = unified.split(separator).join('');
    } else if (unified.includes(separator)) {
      throw new CellValueError(`thousands separator "${separator}" is not in groups of three digits`);
    }
  }
  if (fraction.includes(format.decimalSeparator)) {
    throw new CellValueError(`more than one decimal separator "${format.decimalSeparator}"`);
  }
  return decimalIndex < 0 ? plainWhole : `${plainWhole}.${fraction}`;
}

/**
 * Parses an amount cell into minor units of a currency with `exponent`
 * decimals. Typed XLSX number cells are already plain decimals with a
 * leading minus, so only the unsigned check applies to them.
 */
export function parseAmountCell(
  text: string,
  type: CellType,
  exponent: number,
  format: NumberFormat,
  notation: SignNotation,
): bigint {
  const trimmed = text.trim();
  if (trimmed === '') throw new CellValueError('the amount is missing');
  let plain: string;
  if (type === 'number') {
    if (notation === 'unsigned' && trimmed.startsWith('-')) {
      throw new CellValueError('expected an unsigned amount, since the sign comes from another column or the item kind');
    }
    plain = trimmed;
  } else {
    const { digits, negative } = stripSign(trimmed, notation);
    const normalised = removeGrouping(digits, format);
    if (!/^\d*\.?\d*$/.test(normalised) || !/\d/.test(normalised)) {
      throw new CellValueError(
        `not an amount with decimal separator "${format.decimalSeparator}"` +
          (format.thousandsSeparator ? ` and thousands separator "${format.thousandsSeparator}"` : ' and no thousands separator'),
      );
    }
    plain = negative ? `-${normalised}` : normalised;
  }
  try {
    return parseDecimal(plain, exponent, format.roundToMinorUnit);
  } catch (error) {
    if (error instanceof AmountFormatError) {
      const tooManyDecimals = error.message.includes('decimal places');
      const hint =
        format.roundToMinorUnit || !tooManyDecimals
          ? ''
          : '; set "roundToMinorUnit": true for float noise such as 2309.7899999999995';
      throw new CellValueError(`${error.message}${hint}`);
    }
    throw error;
  }
}

/** Parses a date cell: typed XLSX dates are ISO already, text uses `format`. */
export function parseDateCell(text: string, type: CellType, format: DateFormat): IsoDate {
  const trimmed = text.trim();
  if (trimmed === '') throw new CellValueError('the date is missing');
  if (type === 'date') return trimmed;
  const date = parseDate(trimmed, format);
  if (date === null) throw new CellValueError(`not a valid date in the format ${format}`);
  return date;
}

/**
 * Reads an id (document, customer or company number) as text. With
 * `floatIds`, a float rendering such as `1930571429.0` becomes
 * `1930571429`: only the `.0` suffix is cut, so leading zeros of text ids
 * stay. An exponent form (`1.93057E+09`) has already lost digits and is
 * rejected.
 */
export function normaliseId(text: string, floatIds: boolean): string {
  const trimmed = text.trim();
  if (!floatIds) return trimmed;
  if (/^[+-]?\d+(\.\d+)?e[+-]?\d+$/i.test(trimmed)) {
    throw new CellValueError('the id is written in exponent notation and has lost digits; export it as text');
  }
  const float = /^(\d+)\.0+$/.exec(trimmed);
  return float ? float[1]! : trimmed;
}

export const defaultTrueValues = ['yes', 'y', 'true', '1', 'x'];
export const defaultFalseValues = ['no', 'n', 'false', '0', ''];

/** Reads a yes/no cell; values compare case-insensitively after trimming. */
export function parseFlag(text: string, trueValues: readonly string[], falseValues: readonly string[]): boolean {
  const value = text.trim().toLowerCase();
  if (trueValues.some((candidate) => candidate.toLowerCase() === value)) return true;
  if (falseValues.some((candidate) => candidate.toLowerCase() === value)) return false;
  throw new CellValueError(
    `expected one of ${[...trueValues, ...falseValues].map((v) => `"${v}"`).join(', ')}`,
  );
}
