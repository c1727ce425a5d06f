import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMinor } from './money.js';

describe('formatMinor', () => {
  it('writes zero with every decimal of the exponent', () => {
    expect(formatMinor(0n, 0)).toBe('0');
    expect(formatMinor(0n, 2)).toBe('0.00');
    expect(formatMinor(0n, 3)).toBe('0.000');
    // A second call gives the same text, not a changed one.
    expect(formatMinor(0n, 3)).toBe('0.000');
  });

  it('agrees with toFixed for amounts a float holds exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.constantFrom(0, 2, 3), (minor, exponent) => {
        expect(formatMinor(BigInt(minor), exponent)).toBe((minor / 10 ** exponent).toFixed(exponent));
      }),
    );
  });

  it('keeps every digit beyond 2^53', () => {
    expect(formatMinor(9_007_199_254_740_993n, 3)).toBe('9007199254740.993');
    expect(formatMinor(-5n, 3)).toBe('-0.005');
  });
});
