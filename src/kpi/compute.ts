/**
 * KPI arithmetic on month figures. Every ratio is kept as an exact
 * fraction of bigints and rounded once, to two places half away from zero.
 */
import { formatRatio } from '../shared/money.js';
import type { KpiAmounts, KpiMethod, KpiName, KpiValue } from './types.js';

/** Maximum months of credit sales, the month itself included, that countback uses. */
export const countbackMaxMonths = 36;

const decimalPlaces = 2;

export const kpiMethods: readonly KpiMethod[] = [
  {
    code: 'DSO-STD',
    kpi: 'dsoStandard',
    label: 'DSO',
    unit: 'days',
    description:
      'Standard DSO: closing AR ÷ credit sales of the month × days in the month.',
  },
  {
    code: `DSO-CB${countbackMaxMonths}`,
    kpi: 'dsoCountback',
    label: 'DSO countback',
    unit: 'days',
    description:
      'Countback DSO: closing AR is set against the credit sales of the month, then of each earlier month. ' +
      'A month whose sales are used up adds all its days, and the last month adds the used fraction of its days. ' +
      `At most ${countbackMaxMonths} months, the month itself included; beyond that the value is null.`,
  },
  {
    code: 'BPDSO',
    kpi: 'bestPossibleDso',
    label: 'Best possible DSO',
    unit: 'days',
    description:
      'Best possible DSO: current (not yet due) AR ÷ credit sales of the month × days in the month.',
  },
  {
    code: 'ADD',
    kpi: 'averageDaysDelinquent',
    label: 'Avg days delinquent',
    unit: 'days',
    description:
      'Average days delinquent: standard DSO − best possible DSO, computed as ' +
      '(closing AR − current AR) ÷ credit sales × days and rounded once.',
  },
  {
    code: 'CEI',
    kpi: 'collectionEffectivenessIndex',
    label: 'CEI %',
    unit: 'percent',
    description:
      'Collection effectiveness index: (opening AR + credit sales − closing AR) ÷ ' +
      '(opening AR + credit sales − current AR) × 100, with the gross credit sales of the month.',
  },
  {
    code: 'TURN-M',
    kpi: 'arTurnover',
    label: 'AR turnover (month)',
    unit: 'times',
    description:
      'AR turnover for the month, not annualised: net credit sales of the month ÷ average AR, ' +
      'where average AR = (opening AR + closing AR) ÷ 2.',
  },
  {
    code: 'TURN-A12',
    kpi: 'arTurnoverAnnualised',
    label: 'AR turnover (annualised)',
    unit: 'times',
    description: 'AR turnover annualised: the month\'s AR turnover × 12.',
  },
];

const methodCodes = Object.fromEntries(
  kpiMethods.map((method) => [method.kpi, method.code]),
) as Record<KpiName, string>;

/** Credit sales and length of one month, for countback. */
export interface MonthSales {
  creditSales: bigint;
  days: number;
}

/** An exact non-negative fraction, or the reason there is none. */
export type Fraction =
  | { numerator: bigint; denominator: bigint; reason?: undefined }
  | { reason: string };

function toValue(kpi: KpiName, fraction: Fraction): KpiValue {
  const method = methodCodes[kpi];
  if (fraction.reason !== undefined) {
    return { value: null, method, reason: fraction.reason };
  }
  return {
    value: formatRatio(fraction.numerator, fraction.denominator, decimalPlaces),
    method,
    reason: null,
  };
}

/** `amount × days ÷ credit sales`, the shape of every DSO figure. */
function daysOfSales(amount: bigint, creditSales: bigint, days: number): Fraction {
  if (creditSales <= 0n) return { reason: 'no credit sales in the month' };
  return { numerator: amount * BigInt(days), denominator: creditSales };
}

/**
 * Computes countback DSO as an exact fraction of days. `history` lists
 * months newest first, starting with the month of `closingAr`, and only
 * its first `countbackMaxMonths` entries are used.
 */
export function countbackDays(closingAr: bigint, history: readonly MonthSales[]): Fraction {
  if (closingAr < 0n) return { reason: 'closing AR is a credit balance' };
  if (closingAr === 0n) return { numerator: 0n, denominator: 1n };

  let remaining = closingAr;
  let wholeDays = 0n;
  for (const month of history.slice(0, countbackMaxMonths)) {
    const days = BigInt(month.days);
    if (month.creditSales > 0n && remaining <= month.creditSales) {
      // Whole months before this one, plus this month's days in the
      // proportion of its sales still needed to cover the AR.
      return {
        numerator: wholeDays * month.creditSales + days * remaining,
        denominator: month.creditSales,
      };
    }
    if (month.creditSales > 0n) remaining -= month.creditSales;
    wholeDays += days;
  }
  return {
    reason: `closing AR exceeds the credit sales of the last ${Math.min(history.length, countbackMaxMonths)} months`,
  };
}

function collectionEffectiveness(amounts: KpiAmounts): Fraction {
  const collectible = amounts.openingAr + amounts.creditSales;
  const denominator = collectible - amounts.currentAr;
  if (denominator <= 0n) {
    return { reason: 'opening AR + credit sales − current AR is not positive' };
  }
  return { numerator: (collectible - amounts.closingAr) * 100n, denominator };
}

/** Net credit sales × `periods` ÷ ((opening AR + closing AR) ÷ 2). */
function turnover(amounts: KpiAmounts, periods: bigint): Fraction {
  const twiceAverage = amounts.openingAr + amounts.closingAr;
  if (twiceAverage <= 0n) return { reason: 'average AR is not positive' };
  return { numerator: amounts.netCreditSales * 2n * periods, denominator: twiceAverage };
}

/**
 * Computes every KPI of one month from its amounts and its sales history
 * (newest first, this month first).
 */
export function computeKpis(
  amounts: KpiAmounts,
  daysInMonth: number,
  history: readonly MonthSales[],
): Record<KpiName, KpiValue> {
  const sales = amounts.creditSales;
  return {
    dsoStandard: toValue('dsoStandard', daysOfSales(amounts.closingAr, sales, daysInMonth)),
    dsoCountback: toValue('dsoCountback', countbackDays(amounts.closingAr, history)),
    bestPossibleDso: toValue(
      'bestPossibleDso',
      daysOfSales(amounts.currentAr, sales, daysInMonth),
    ),
    averageDaysDelinquent: toValue(
      'averageDaysDelinquent',
      daysOfSales(amounts.closingAr - amounts.currentAr, sales, daysInMonth),
    ),
    collectionEffectivenessIndex: toValue(
      'collectionEffectivenessIndex',
      collectionEffectiveness(amounts),
    ),
    arTurnover: toValue('arTurnover', turnover(amounts, 1n)),
    arTurnoverAnnualised: toValue('arTurnoverAnnualised', turnover(amounts, 12n)),
  };
}
