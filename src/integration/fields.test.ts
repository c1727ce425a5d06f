import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CellValueError,
  normaliseId,
  parseAmountCell,
  parseDateCell,
  parseFlag,
  type NumberFormat,
  type SignNotation,
} from './fields.js';

const plain: NumberFormat = { decimalSeparator: '.', thousandsSeparator: '', roundToMinorUnit: false };
const german: NumberFormat = { decimalSeparator: ',', thousandsSeparator: '.', roundToMinorUnit: false };
const english: NumberFormat = { decimalSeparator: '.', thousandsSeparator: ',', roundToMinorUnit: false };

/** Writes minor units the way an export would, independently of the parser. */
function render(
  minor: bigint,
  exponent: number,
  format: NumberFormat,
  notation: Exclude<SignNotation, 'unsigned'>,
): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  const grouped = format.thousandsSeparator
    ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, format.thousandsSeparator)
    : whole;
  const body = exponent > 0 ? `${grouped}${format.decimalSeparator}${fraction}` : grouped;
  if (!negative) return body;
  if (notation === 'trailingMinus') return `${body}-`;
  if (notation === 'brackets') return `(${body})`;
  return `-${body}`;
}

describe('parseAmountCell', () => {
  it.each([
    ['1234.56', plain, 'leadingMinus', 123456n],
    ['-1234.56', plain, 'leadingMinus', -123456n],
    ['+7', plain, 'leadingMinus', 700n],
    ['1.234,56-', german, 'trailingMinus', -123456n],
    ['1.234,56', german, 'trailingMinus', 123456n],
    ['(1,234.56)', english, 'brackets', -123456n],
    ['1,234.56', english, 'brackets', 123456n],
    ['12,5', { ...german, thousandsSeparator: '' }, 'leadingMinus', 1250n],
    ['1 234 567,8', { ...german, thousandsSeparator: ' ' }, 'leadingMinus', 123456780n],
    ['1\u00A0234,00', { ...german, thousandsSeparator: ' ' }, 'leadingMinus', 123400n],
    ["1'234.50", { ...plain, thousandsSeparator: "'" }, 'leadingMinus', 123450n],
    ['.5', plain, 'unsigned', 50n],
  ] as const)('reads %s', (text, format, notation, expected) => {
    expect(parseAmountCell(text, 'text', 2, format, notation)).toBe(expected);
  });

  it.each([
    ['', plain, 'leadingMinus', /missing/],
    ['12a', plain, 'leadingMinus', /not an amount/],
    ['1,234.56', plain, 'leadingMinus', /not an amount/],
    ['1234.56-', plain, 'leadingMinus', /trailingMinus/],
    ['-1.234,56', german, 'trailingMinus', /after the number/],
    ['-5.00', english, 'brackets', /brackets/],
    ['-5', plain, 'unsigned', /unsigned/],
    ['12,34.5', english, 'leadingMinus', /groups of three/],
    ['1.2.3', plain, 'leadingMinus', /more than one decimal separator/],
    ['1,2,3', { ...german, thousandsSeparator: '' }, 'leadingMinus', /more than one decimal separator/],
    ['2309.7899999999995', plain, 'leadingMinus', /roundToMinorUnit/],
  ] as const)('rejects %s', (text, format, notation, message) => {
    expect(() => parseAmountCell(text, 'text', 2, format, notation)).toThrow(message);
  });

  it('rejects amounts beyond int8', () => {
    // 2^63 - 1 minor units is the largest amount an int8 column stores.
    const largest = (2n ** 63n - 1n).toString();
    const largestText = `${largest.slice(0, -2)}.${largest.slice(-2)}`;
    expect(parseAmountCell(largestText, 'text', 2, plain, 'leadingMinus')).toBe(2n ** 63n - 1n);
    expect(parseAmountCell(`-${largestText}`, 'text', 2, plain, 'leadingMinus')).toBe(-(2n ** 63n - 1n));
    const oneMore = (2n ** 63n).toString();
    const oneMoreText = `${oneMore.slice(0, -2)}.${oneMore.slice(-2)}`;
    expect(() => parseAmountCell(oneMoreText, 'text', 2, plain, 'leadingMinus')).toThrow(/too large/);
    expect(() => parseAmountCell(`-${oneMoreText}`, 'text', 2, plain, 'leadingMinus')).toThrow(/too large/);
    expect(() => parseAmountCell(oneMoreText, 'text', 2, plain, 'leadingMinus')).not.toThrow(/roundToMinorUnit/);
  });

  it('rounds float noise when asked', () => {
    const rounding = { ...plain, roundToMinorUnit: true };
    expect(parseAmountCell('2309.7899999999995', 'text', 2, rounding, 'leadingMinus')).toBe(230979n);
    expect(parseAmountCell('8734.710000000001', 'text', 2, rounding, 'leadingMinus')).toBe(873471n);
    expect(parseAmountCell('-7.005', 'text', 2, rounding, 'leadingMinus')).toBe(-701n);
  });

  it('respects the currency exponent', () => {
    expect(parseAmountCell('1.234', 'text', 3, plain, 'leadingMinus')).toBe(1234n);
    expect(parseAmountCell('1500', 'text', 0, plain, 'leadingMinus')).toBe(1500n);
    expect(() => parseAmountCell('1500.5', 'text', 0, plain, 'leadingMinus')).toThrow(CellValueError);
  });

  it('takes typed numbers as plain decimals', () => {
    expect(parseAmountCell('-1234.5', 'number', 2, german, 'brackets')).toBe(-123450n);
    expect(() => parseAmountCell('-3', 'number', 2, plain, 'unsigned')).toThrow(/unsigned/);
  });

  it('reads back every rendered amount', () => {
    const formats: NumberFormat[] = [plain, german, english, { ...german, thousandsSeparator: ' ' }];
    const notations = ['leadingMinus', 'trailingMinus', 'brackets'] as const;
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.constantFrom(0, 2, 3),
        fc.constantFrom(...formats),
        fc.constantFrom(...notations),
        (minor, exponent, format, notation) => {
          const text = render(minor, exponent, format, notation);
          expect(parseAmountCell(text, 'text', exponent, format, notation)).toBe(minor);
        },
      ),
    );
  });
});

describe('normaliseId', () => {
  it('cuts the float suffix only with floatIds', () => {
    expect(normaliseId('1930571429.0', true)).toBe('1930571429');
    expect(normaliseId('1930571429.0', false)).toBe('1930571429.0');
    expect(normaliseId('2020.00', true)).toBe('2020');
  });

  it('keeps leading zeros and text ids', () => {
    expect(normaliseId('0200706844', true)).toBe('0200706844');
    expect(normaliseId('0200706844.0', true)).toBe('0200706844');
    expect(normaliseId(' CCU013 ', true)).toBe('CCU013');
    expect(normaliseId('12.5', true)).toBe('12.5');
  });

  it('rejects ids in exponent notation', () => {
    expect(() => normaliseId('1.93057E+09', true)).toThrow(/exponent/);
  });
});

describe('parseDateCell and parseFlag', () => {
  it('reads text dates by format and typed dates as ISO', () => {
    expect(parseDateCell('3/1/2013', 'text', 'M/D/YYYY')).toBe('2013-03-01');
    expect(parseDateCell('01.03.2013', 'text', 'D.M.YYYY')).toBe('2013-03-01');
    expect(parseDateCell('20200410.0', 'text', 'YYYYMMDD')).toBe('2020-04-10');
    expect(parseDateCell('2013-03-01', 'date', 'D.M.YYYY')).toBe('2013-03-01');
  });

  it('rejects impossible and missing dates', () => {
    expect(() => parseDateCell('2/30/2013', 'text', 'M/D/YYYY')).toThrow(/M\/D\/YYYY/);
    expect(() => parseDateCell(' ', 'text', 'M/D/YYYY')).toThrow(/missing/);
  });

  it('reads flags case-insensitively', () => {
    expect(parseFlag('Yes', ['yes'], ['no'])).toBe(true);
    expect(parseFlag(' NO ', ['yes'], ['no'])).toBe(false);
    expect(() => parseFlag('maybe', ['yes'], ['no'])).toThrow(/"yes", "no"/);
  });
});
