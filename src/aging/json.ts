import { formatMinor } from '../shared/money.js';
import type { AgingBucket, AgingReport } from './types.js';

export interface AgingJsonTotal {
  amounts: string[];
  total: string;
  /** Disputed part of the total, included in the amounts. */
  disputed: string;
}

export interface AgingJson {
  asOf: string;
  basis: string;
  currency: string;
  buckets: AgingBucket[];
  rows: { key: string; name: string | null; currency: string; amounts: string[]; total: string; disputed: string }[];
  /** The grand total; null unless every amount is in one currency. */
  total: AgingJsonTotal | null;
  /** One total per currency, present when there is not exactly one. */
  totals?: (AgingJsonTotal & { currency: string })[];
}

/**
 * Converts a report to plain JSON with every amount as exact decimal text
 * in its currency's minor unit (such as "1234.567" for KWD). Amounts in
 * different currencies are never added: with more than one currency,
 * `total` is null and `totals` has one entry per currency.
 */
export function agingReportToJson(report: AgingReport): AgingJson {
  const json: AgingJson = {
    asOf: report.asOf,
    basis: report.basis,
    currency: report.currency,
    buckets: report.buckets.map((bucket) => ({ label: bucket.label, from: bucket.from, to: bucket.to })),
    rows: report.rows.map((row) => ({
      key: row.key,
      name: row.name,
      currency: row.currency,
      amounts: row.amounts.map((amount) => formatMinor(amount, row.exponent)),
      total: formatMinor(row.total, row.exponent),
      disputed: formatMinor(row.disputed, row.exponent),
    })),
    total: null,
  };
  const totals = report.totals.map((total) => ({
    currency: total.currency,
    amounts: total.amounts.map((amount) => formatMinor(amount, total.exponent)),
    total: formatMinor(total.total, total.exponent),
    disputed: formatMinor(total.disputed, total.exponent),
  }));
  if (totals.length === 1) {
    json.total = { amounts: totals[0]!.amounts, total: totals[0]!.total, disputed: totals[0]!.disputed };
  } else {
    json.totals = totals;
  }
  return json;
}
