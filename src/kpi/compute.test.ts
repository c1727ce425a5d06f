import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeKpis, countbackDays, countbackMaxMonths, type MonthSales } from './compute.js';
import type { KpiAmounts } from './types.js';

const monthArbitrary = fc.record({
  creditSales: fc.bigInt({ min: 0n, max: 10n ** 12n }),
  days: fc.integer({ min: 28, max: 31 }),
});

/**
 * Inverts countback: returns the credit sales covered by a countback of
 * `numerator / denominator` days, multiplied by `denominator` so that the
 * result stays an exact integer.
 */
function salesCoveredTimes(
  history: readonly MonthSales[],
  numerator: bigint,
  denominator: bigint,
): bigint {
  let covered = 0n;
  let daysBefore = 0n;
  for (const month of history.slice(0, countbackMaxMonths)) {
    const days = BigInt(month.days);
    const startTimes = daysBefore * denominator;
    const endTimes = (daysBefore + days) * denominator;
    if (numerator >= endTimes) {
      covered += month.creditSales * denominator;
    } else if (numerator > startTimes) {
      // creditSales x (D - daysBefore) / days, with D = numerator / denominator.
      const partial = month.creditSales * (numerator - startTimes);
      if (partial % days !== 0n) throw new Error('countback fraction is not exact');
      covered += partial / days;
    }
    daysBefore += days;
  }
  return covered;
}

describe('countbackDays', () => {
  it('covers exactly the closing AR', () => {
    fc.assert(
      fc.property(
        fc.array(monthArbitrary, { minLength: 1, maxLength: 40 }),
        fc.bigInt({ min: 1n, max: 10n ** 13n }),
        (history, closingAr) => {
          const result = countbackDays(closingAr, history);
          const available = history
            .slice(0, countbackMaxMonths)
            .reduce((sum, month) => sum + month.creditSales, 0n);
          if (result.reason !== undefined) {
            expect(closingAr).toBeGreaterThan(available);
            return;
          }
          expect(closingAr).toBeLessThanOrEqual(available);
          expect(salesCoveredTimes(history, result.numerator, result.denominator)).toBe(
            closingAr * result.denominator,
          );
        },
      ),
    );
  });

  it('equals standard DSO when the month covers the AR', () => {
    fc.assert(
      fc.property(monthArbitrary, fc.bigInt({ min: 0n, max: 10n ** 12n }), (month, closingAr) => {
        fc.pre(month.creditSales > 0n && closingAr <= month.creditSales);
        const countback = computeKpis(amounts(closingAr, month.creditSales), month.days, [month]);
        expect(countback.dsoCountback.value).toBe(countback.dsoStandard.value);
      }),
    );
  });

  it('rejects a credit balance', () => {
    expect(countbackDays(-1n, [{ creditSales: 100n, days: 30 }])).toEqual({
      reason: 'closing AR is a credit balance',
    });
  });
});

function amounts(closingAr: bigint, creditSales: bigint): KpiAmounts {
  return {
    creditSales,
    creditNotes: 0n,
    netCreditSales: creditSales,
    openingAr: 0n,
    closingAr,
    currentAr: 0n,
    overdueAr: closingAr,
    openCredits: 0n,
  };
}

describe('computeKpis', () => {
  it('rounds half away from zero', () => {
    // 1 / 400 x 30 = 0.075 exactly, a half at the second place.
    const kpis = computeKpis(amounts(1n, 400n), 30, [{ creditSales: 400n, days: 30 }]);
    expect(kpis.dsoStandard.value).toBe('0.08');
    // Average days delinquent of a credit balance: -1 / 400 x 30 = -0.075.
    const negative = computeKpis(
      { ...amounts(-1n, 400n), overdueAr: 0n, openCredits: -1n },
      30,
      [{ creditSales: 400n, days: 30 }],
    );
    expect(negative.averageDaysDelinquent.value).toBe('-0.08');
  });

  it('takes average days delinquent from the exact difference', () => {
    // DSO 200 / 600 x 31 = 10.333 and best possible 100 / 600 x 31 =
    // 5.1667 round to 10.33 and 5.17, whose difference is 5.16. The exact
    // difference 100 / 600 x 31 = 5.1667 rounds to 5.17.
    const kpis = computeKpis(
      { ...amounts(200n, 600n), currentAr: 100n, overdueAr: 100n },
      31,
      [{ creditSales: 600n, days: 31 }],
    );
    expect(kpis.dsoStandard.value).toBe('10.33');
    expect(kpis.bestPossibleDso.value).toBe('5.17');
    expect(kpis.averageDaysDelinquent.value).toBe('5.17');
  });
});
