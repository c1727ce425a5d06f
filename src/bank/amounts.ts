/**
 * Decimal text of bank files: normalising it and adding it up exactly,
 * without a currency exponent (a statement's own decimals decide).
 */

const plainDecimal = /^([+-]?)(\d+)(?:\.(\d*))?$|^([+-]?)\.(\d+)$/;

/**
 * Normalises plain decimal text (`+0012.5`, `-.5`, `7.`) to `12.5`,
 * `-0.5`, `7`: no plus sign, no leading zeros, no trailing decimal point.
 * Returns null for anything else. Trailing fraction zeros are kept, because
 * they state the currency's decimals.
 */
export function normaliseDecimal(text: string): string | null {
  const match = plainDecimal.exec(text.trim());
  if (!match) return null;
  const sign = match[1] ?? match[4] ?? '';
  const whole = (match[2] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = match[3] ?? match[5] ?? '';
  const digits = fraction === '' ? whole : `${whole}.${fraction}`;
  const zero = /^[0.]*$/.test(digits);
  return sign === '-' && !zero ? `-${digits}` : digits;
}

/** Number of decimal places in normalised text. */
export function decimalPlaces(text: string): number {
  const point = text.indexOf('.');
  return point < 0 ? 0 : text.length - point - 1;
}

/** Scales normalised decimal text to an integer of `places` decimals. */
export function scaleDecimal(text: string, places: number): bigint {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const [whole = '0', fraction = ''] = body.split('.');
  if (fraction.length > places) throw new RangeError(`${text} has more than ${places} decimals`);
  const value = BigInt(whole + fraction.padEnd(places, '0'));
  return negative ? -value : value;
}

/** Formats a scaled integer back as decimal text with `places` decimals. */
export function unscaleDecimal(value: bigint, places: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(places + 1, '0');
  const text = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  return negative ? `-${text}` : text;
}

/** Exact sum of normalised decimal texts, as decimal text with the most decimals any term has. */
export function sumDecimals(texts: readonly string[]): string {
  const places = Math.max(0, ...texts.map(decimalPlaces));
  const total = texts.reduce((sum, text) => sum + scaleDecimal(text, places), 0n);
  return unscaleDecimal(total, places);
}

/** Compares two normalised decimal texts by value: negative, zero or positive. */
export function compareDecimals(a: string, b: string): number {
  const places = Math.max(decimalPlaces(a), decimalPlaces(b));
  const difference = scaleDecimal(a, places) - scaleDecimal(b, places);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/**
 * Checks a statement's arithmetic: opening balance plus the entries equals
 * the closing balance. Returns the difference (closing minus computed), or
 * null where the statement lacks a balance.
 */
export function balanceDifference(statement: {
  openingBalance: string | null;
  closingBalance: string | null;
  entries: readonly { amount: string }[];
}): string | null {
  if (statement.openingBalance === null || statement.closingBalance === null) return null;
  const computed = sumDecimals([statement.openingBalance, ...statement.entries.map((entry) => entry.amount)]);
  return sumDecimals([statement.closingBalance, computed.startsWith('-') ? computed.slice(1) : `-${computed}`]);
}
