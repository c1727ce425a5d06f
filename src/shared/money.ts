/**
 * Exact money: amounts are bigint counts of a currency's minor unit, and
 * text is parsed and formatted here only, at the edges.
 */

export class AmountFormatError extends Error {}

/** The largest amount the ledger stores: amounts are PostgreSQL `bigint` (int8) columns. */
export const maxMinorUnits = 2n ** 63n - 1n;

/** Tells whether an amount fits the ledger's int8 amount columns. */
export function fitsMinorUnits(amount: bigint): boolean {
  return amount <= maxMinorUnits && amount >= -maxMinorUnits;
}

const decimalPattern = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Parses plain decimal text such as `-1234.5` into minor units. The text
 * must already be normalised (dot as decimal mark, no grouping). Digits
 * beyond the exponent must be zero unless `roundExcess` is set, in which
 * case the value is rounded half away from zero (for float noise such as
 * `2309.7899999999995` in spreadsheet exports).
 */
export function parseDecimal(
  text: string,
  exponent: number,
  roundExcess = false,
): bigint {
  const match = decimalPattern.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new AmountFormatError(`"${text}" is not a decimal number`);
  }
  const negative = match[1] === '-';
  const whole = match[2] || '0';
  const fraction = match[3] ?? '';
  const kept = fraction.slice(0, exponent).padEnd(exponent, '0');
  const excess = fraction.slice(exponent);
  let minor = BigInt(whole + kept);
  if (/[1-9]/.test(excess)) {
    if (!roundExcess) {
      throw new AmountFormatError(
        `"${text}" has more than ${exponent} decimal places`,
      );
    }
    if (Number(excess[0]) >= 5) minor += 1n;
  }
  if (minor > maxMinorUnits) {
    throw new AmountFormatError(
      `"${text}" is too large: at most ${maxMinorUnits} minor units (${formatMinor(maxMinorUnits, exponent)})`,
    );
  }
  return negative ? -minor : minor;
}

const zeroTexts: string[] = [];

/** Formats minor units as decimal text with `exponent` places: `-12.50`. */
export function formatMinor(amount: bigint, exponent: number): string {
  // Most cells of a large report are zero: their text is made once.
  if (amount === 0n) return (zeroTexts[exponent] ??= exponent === 0 ? '0' : `0.${'0'.repeat(exponent)}`);
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount)
    .toString()
    .padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  const sign = negative ? '-' : '';
  return exponent === 0 ? `${sign}${whole}` : `${sign}${whole}.${fraction}`;
}

/** Formats with thousands separators for tables: `-1,234.50`. */
export function formatMinorGrouped(amount: bigint, exponent: number): string {
  const plain = formatMinor(amount, exponent);
  const [whole = '', fraction] = plain.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined
    ? `${sign}${grouped}`
    : `${sign}${grouped}.${fraction}`;
}

/** Divides and rounds half away from zero. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = (n * 2n + d) / (d * 2n);
  return negative ? -quotient : quotient;
}

/** Converts a decimal rate to an exact fraction: `1.0825` is 10825 / 10000. */
export function rateToFraction(rate: string): {
  numerator: bigint;
  denominator: bigint;
} {
  const match = decimalPattern.exec(rate.trim());
  if (!match || match[1] === '-') {
    throw new AmountFormatError(`"${rate}" is not a positive rate`);
  }
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  return {
    numerator: BigInt((match[2] || '0') + fraction),
    denominator: 10n ** BigInt(fraction.length),
  };
}

/**
 * Converts an amount to another currency: minor units times the rate,
 * rescaled from `fromExponent` to `toExponent`, rounded half away from zero.
 */
export function convertAmount(
  amount: bigint,
  rate: string,
  fromExponent: number,
  toExponent: number,
): bigint {
  const { numerator, denominator } = rateToFraction(rate);
  const scale = toExponent - fromExponent;
  const top = amount * numerator * (scale > 0 ? 10n ** BigInt(scale) : 1n);
  const bottom = denominator * (scale < 0 ? 10n ** BigInt(-scale) : 1n);
  return divideRounded(top, bottom);
}

/** Formats a ratio of two bigints with `places` decimals, half away from zero. */
export function formatRatio(
  numerator: bigint,
  denominator: bigint,
  places: number,
): string {
  return formatMinor(
    divideRounded(numerator * 10n ** BigInt(places), denominator),
    places,
  );
}
