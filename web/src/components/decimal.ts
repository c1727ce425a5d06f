/**
 * Exact arithmetic on decimal text for the forms that split a payment:
 * amounts are scaled to bigint minor units, so sums never pass through a
 * floating-point number.
 */

const pattern = /^-?\d+(\.\d+)?$/;

/** Tells whether text is a plain decimal such as "120.50" or "-3". */
export function isDecimal(text: string): boolean {
  return pattern.test(text.trim());
}

/** Counts the decimals of decimal text ("12.500" has 3). */
export function decimalsOf(text: string): number {
  const fraction = text.trim().split('.')[1];
  return fraction === undefined ? 0 : fraction.length;
}

/** Scales decimal text to an integer with `decimals` places. Returns null when it is not a decimal or has more places. */
export function toMinor(text: string, decimals: number): bigint | null {
  const value = text.trim();
  if (!pattern.test(value) || decimalsOf(value) > decimals) return null;
  const negative = value.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? value.slice(1) : value).split('.');
  const minor = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
  return negative ? -minor : minor;
}

/** Writes an integer of minor units back as decimal text with `decimals` places. */
export function fromMinor(minor: bigint, decimals: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(decimals + 1, '0');
  const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return negative ? `-${text}` : text;
}
