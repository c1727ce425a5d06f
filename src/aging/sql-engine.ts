import { scopeCondition } from '../auth/scope.js';
import { unrestricted } from '../auth/types.js';
import type { Queryable, SqlParam } from '../db/types.js';
import { loadCurrencyExponents, type Company } from '../ledger/index.js';
import { buildBuckets } from './buckets.js';
import { checkRequest, resolveCompanies, scopeCompanies } from './request.js';
import { agingReportSql, bucketColumn } from './sql.js';
import type {
  AgingEngine,
  AgingReport,
  AgingRequest,
  AgingRow,
  AgingTotal,
} from './types.js';

type ReportRow = Record<string, unknown> & {
  key: string;
  currency: string;
  name: string | null;
  /** Numeric sums arrive as text on both engines. */
  total: string;
  disputed: string;
  item_count: number;
};

/**
 * Sums rows into one total per currency. In local mode every company
 * currency gets a total, zero when it has no open items, so an empty
 * report still states its currency.
 */
export function totalsByCurrency(
  rows: readonly AgingRow[],
  bucketCount: number,
  seed: readonly { currency: string; exponent: number }[],
): AgingTotal[] {
  const totals = new Map<string, AgingTotal>();
  const start = (currency: string, exponent: number): AgingTotal => {
    let total = totals.get(currency);
    if (!total) {
      total = { currency, exponent, amounts: new Array<bigint>(bucketCount).fill(0n), total: 0n, disputed: 0n };
      totals.set(currency, total);
    }
    return total;
  };
  for (const entry of seed) start(entry.currency, entry.exponent);
  for (const row of rows) {
    const total = start(row.currency, row.exponent);
    row.amounts.forEach((amount, index) => {
      total.amounts[index] = total.amounts[index]! + amount;
    });
    total.total += row.total;
    total.disputed += row.disputed;
  }
  const sorted = [...totals.values()];
  sorted.sort((a, b) => a.currency.localeCompare(b.currency, 'en'));
  return sorted;
}

/** Returns the report's currency label: one code, "local" when codes differ, or "transaction". */
export function reportCurrencyLabel(mode: 'local' | 'transaction', companies: readonly Company[]): string {
  if (mode === 'transaction') return 'transaction';
  const currencies = new Set(companies.map((company) => company.currency));
  return currencies.size === 1 ? [...currencies][0]! : 'local';
}

/** Computes an aging report with one SQL statement over the ledger tables. */
export async function sqlAgingReport(db: Queryable, request: AgingRequest): Promise<AgingReport> {
  const checked = checkRequest(request);
  const companies = scopeCompanies(await resolveCompanies(db, checked.companies), checked.scope);
  const buckets = buildBuckets(checked.bucketLimits, checked.basis, checked.ageCredits);
  const params: SqlParam[] = [checked.asOf];
  const customerCondition = (alias: string) => scopeCondition(checked.scope ?? unrestricted, alias, params);
  const result = await db.query<ReportRow>(agingReportSql({ ...checked, companies, customerCondition }), params);
  // One company in local mode: every row is in its currency.
  const onlyCurrency = companies.length === 1 && checked.currency === 'local' ? companies[0]!.currency : null;
  const exponents =
    checked.currency === 'local'
      ? new Map(companies.map((company) => [company.currency, company.currencyExponent]))
      : await loadCurrencyExponents(db);
  const exponentOf = (currency: string): number => {
    const exponent = exponents.get(currency);
    if (exponent === undefined) throw new Error(`currency ${currency} has no exponent in the currency table`);
    return exponent;
  };
  const rows: AgingRow[] = result.rows.map((row) => ({
    key: row.key,
    name: row.name,
    currency: onlyCurrency ?? row.currency,
    exponent: exponentOf(onlyCurrency ?? row.currency),
    amounts: buckets.map((_, index) => BigInt(row[bucketColumn(index)] as string)),
    total: BigInt(row.total),
    disputed: BigInt(row.disputed),
    itemCount: row.item_count,
  }));
  const seed =
    checked.currency === 'local'
      ? companies.map((company) => ({ currency: company.currency, exponent: company.currencyExponent }))
      : [];
  return {
    asOf: checked.asOf,
    basis: checked.basis,
    groupBy: checked.groupBy,
    currency: reportCurrencyLabel(checked.currency, companies),
    buckets,
    rows,
    totals: totalsByCurrency(rows, buckets.length, seed),
  };
}

/** The set-based SQL implementation of the aging engine. */
export function createSqlAgingEngine(db: Queryable): AgingEngine {
  return {
    report: (request) => sqlAgingReport(db, request),
  };
}
