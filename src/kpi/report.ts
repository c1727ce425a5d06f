import type { Queryable } from '../db/types.js';
import { getCompany, listCompanies } from '../ledger/companies.js';
import type { Company } from '../ledger/types.js';
import { addMonths, daysInMonth, monthEnd, monthStart, type IsoDate } from '../shared/dates.js';
import { InputError } from '../shared/errors.js';
import {
  computeKpis,
  countbackMaxMonths,
  kpiMethods,
  type MonthSales,
} from './compute.js';
import {
  loadMonthEndBalances,
  loadMonthlySales,
  type BalanceRow,
  type SalesRow,
} from './sql.js';
import {
  kpiGroupings,
  type KpiAmounts,
  type KpiGrouping,
  type KpiReport,
  type KpiRequest,
  type KpiRow,
} from './types.js';

const monthPattern = /^\d{4}-(0[1-9]|1[0-2])$/;

function checkRequest(request: KpiRequest): void {
  for (const field of ['from', 'to'] as const) {
    const value = request[field];
    if (typeof value !== 'string' || !monthPattern.test(value)) {
      throw new InputError(
        `invalid month "${String(value)}" for ${field}: use YYYY-MM`,
        'invalid_month',
        field,
      );
    }
  }
  // The opening balance is the one at the end of the month before `from`,
  // and PostgreSQL dates start at 0001-01-01.
  if (request.from < '0001-02') {
    throw new InputError(
      `invalid month "${request.from}" for from: the first month must be 0001-02 or later`,
      'invalid_month',
      'from',
    );
  }
  if (request.from > request.to) {
    throw new InputError(
      `the first month ${request.from} is after the last month ${request.to}`,
      'invalid_period',
      'from',
    );
  }
  const groupBy = request.groupBy;
  if (groupBy !== undefined && !(kpiGroupings as readonly string[]).includes(groupBy)) {
    throw new InputError(
      `invalid grouping "${String(groupBy)}": use one of ${kpiGroupings.join(', ')}`,
      'invalid_grouping',
      'groupBy',
    );
  }
}

async function resolveCompanies(db: Queryable, codes: readonly string[] | undefined): Promise<Company[]> {
  if (!codes || codes.length === 0) return listCompanies(db);
  const companies: Company[] = [];
  for (const code of new Set(codes)) companies.push(await getCompany(db, code));
  return companies;
}

/**
 * Months from `from` to `to` inclusive, as `YYYY-MM`. The loop counts
 * months instead of comparing text, because the month after 9999-12 is
 * `10000-01`, which sorts before it.
 */
function monthRange(from: string, to: string): string[] {
  const monthIndex = (month: string): number => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7));
  const count = monthIndex(to) - monthIndex(from) + 1;
  return Array.from({ length: Math.max(count, 0) }, (_, offset) => addMonths(from, offset));
}

/** First day of the sales history that countback DSO reads, no earlier than 0001-01-01. */
function countbackStart(from: string): IsoDate {
  const month = addMonths(from, 1 - countbackMaxMonths);
  return month < '0001-01' ? '0001-01-01' : monthStart(month);
}

function monthLength(month: string): number {
  return daysInMonth(Number(month.slice(0, 4)), Number(month.slice(5, 7)));
}

/** Balances and sales of one group (or of one currency's total), by month. */
interface GroupSeries {
  isTotal: boolean;
  currency: string;
  company: string | null;
  key: string | null;
  name: string | null;
  balances: Map<string, BalanceRow>;
  sales: Map<string, SalesRow>;
}

function seriesId(row: BalanceRow | SalesRow): string {
  return JSON.stringify([row.is_total, row.currency, row.company_code, row.group_key]);
}

/**
 * Gathers query rows into one series per group. A group is kept when it
 * has a balance at one of the month-ends or sales within the report's
 * months. Each local currency always gets a total series.
 */
function collectSeries(
  currencies: readonly string[],
  balances: readonly BalanceRow[],
  sales: readonly SalesRow[],
  reportMonths: ReadonlySet<string>,
): GroupSeries[] {
  const series = new Map<string, GroupSeries>();
  const add = (isTotal: boolean, currency: string, row: BalanceRow | SalesRow | null) => {
    const id = row ? seriesId(row) : JSON.stringify([true, currency, null, null]);
    const existing = series.get(id);
    if (existing) {
      existing.name ??= row?.group_name ?? null;
      return;
    }
    series.set(id, {
      isTotal,
      currency,
      company: row?.company_code ?? null,
      key: row?.group_key ?? null,
      name: row?.group_name ?? null,
      balances: new Map(),
      sales: new Map(),
    });
  };
  for (const currency of currencies) add(true, currency, null);
  for (const row of balances) add(row.is_total, row.currency, row);
  for (const row of sales) {
    if (reportMonths.has(row.month)) add(row.is_total, row.currency, row);
  }

  for (const row of balances) series.get(seriesId(row))?.balances.set(row.month_end, row);
  // Sales of earlier months serve only the countback of groups kept above.
  for (const row of sales) series.get(seriesId(row))?.sales.set(row.month, row);
  return [...series.values()];
}

/** For each month, that month and the earlier ones countback may use, newest first. */
function countbackMonths(months: readonly string[]): Map<string, { month: string; days: number }[]> {
  return new Map(
    months.map((month) => [
      month,
      Array.from({ length: countbackMaxMonths }, (_, back) => {
        const earlier = addMonths(month, -back);
        return { month: earlier, days: monthLength(earlier) };
      }),
    ]),
  );
}

function salesHistory(
  entry: GroupSeries,
  window: readonly { month: string; days: number }[],
): MonthSales[] {
  return window.map(({ month, days }) => ({
    creditSales: entry.sales.get(month)?.credit_sales ?? 0n,
    days,
  }));
}

function monthAmounts(entry: GroupSeries, month: string): KpiAmounts {
  const sales = entry.sales.get(month);
  const closing = entry.balances.get(monthEnd(month));
  const opening = entry.balances.get(monthEnd(addMonths(month, -1)));
  const creditSales = sales?.credit_sales ?? 0n;
  const creditNotes = sales?.credit_notes ?? 0n;
  return {
    creditSales,
    creditNotes,
    netCreditSales: creditSales + creditNotes,
    openingAr: opening?.closing_ar ?? 0n,
    closingAr: closing?.closing_ar ?? 0n,
    currentAr: closing?.current_ar ?? 0n,
    overdueAr: closing?.overdue_ar ?? 0n,
    openCredits: closing?.open_credits ?? 0n,
  };
}

function compareNullableText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

function compareSeries(a: GroupSeries, b: GroupSeries): number {
  return (
    compareNullableText(a.currency, b.currency) ||
    compareNullableText(a.company, b.company) ||
    compareNullableText(a.key, b.key)
  );
}

/**
 * Computes DSO (standard and countback), best possible DSO, average days
 * delinquent, CEI and AR turnover for each month from `from` to `to`,
 * per local currency and, when `groupBy` is set, per group. Month-end
 * balances come from the ledger's as-of open amounts, so they agree with
 * aging on the same date.
 */
export async function kpiReport(db: Queryable, request: KpiRequest): Promise<KpiReport> {
  checkRequest(request);
  const groupBy: KpiGrouping | null = request.groupBy ?? null;
  const allowedCompanies = request.scope?.companyIds ?? null;
  const companies = (await resolveCompanies(db, request.companies)).filter(
    (company) => allowedCompanies === null || allowedCompanies.includes(company.companyId),
  );
  const months = monthRange(request.from, request.to);
  const report: KpiReport = {
    from: request.from,
    to: request.to,
    groupBy,
    companies: companies.map((company) => ({ code: company.code, currency: company.currency })),
    countbackMaxMonths,
    methods: [...kpiMethods],
    rows: [],
    totals: [],
  };
  if (companies.length === 0) return report;

  const companyIds = companies.map((company) => company.companyId);
  const monthEnds = [addMonths(request.from, -1), ...months].map((month) => monthEnd(month));
  const balances = await loadMonthEndBalances(db, companyIds, monthEnds, groupBy, request.scope);
  const sales = await loadMonthlySales(
    db,
    companyIds,
    countbackStart(request.from),
    monthEnd(request.to),
    groupBy,
    request.scope,
  );

  const exponents = new Map(
    companies.map((company) => [company.currency, company.currencyExponent]),
  );
  const series = collectSeries([...exponents.keys()], balances, sales, new Set(months));
  series.sort(compareSeries);
  const windows = countbackMonths(months);
  const today = new Date().toISOString().slice(0, 10);
  for (const entry of series) {
    for (const month of months) {
      const amounts = monthAmounts(entry, month);
      const days = monthLength(month);
      const row: KpiRow = {
        month,
        monthEnd: monthEnd(month),
        daysInMonth: days,
        inProgress: monthEnd(month) >= today,
        company: entry.company,
        key: entry.key,
        name: entry.name,
        currency: entry.currency,
        exponent: exponents.get(entry.currency)!,
        ...amounts,
        kpis: computeKpis(amounts, days, salesHistory(entry, windows.get(month)!)),
      };
      (entry.isTotal ? report.totals : report.rows).push(row);
    }
  }
  return report;
}
