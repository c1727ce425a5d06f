/**
 * The figures of a company's dashboard as of a date, inside a user's
 * scope. AR and its aging come from the aging service, and the customers
 * with the largest overdue amounts from the customer list. The DSO trend
 * comes from the month-end AR and sales of the KPI module, which equal the
 * KPI report's figures but take one pass over the ledger.
 */
import { agingReport } from '../aging/index.js';
import { defaultBucketLimits, type AgingBucket, type AgingReport } from '../aging/types.js';
import type { Scope } from '../auth/types.js';
import type { Queryable } from '../db/types.js';
import { listCustomers } from '../aging/positions.js';
import { memoByLedgerVersion } from '../ledger/version.js';
import type { Company } from '../ledger/types.js';
import { addMonths, type IsoDate } from '../shared/dates.js';
import { formatRatio } from '../shared/money.js';
import { monthlyTrend } from './trend.js';

/** Months in the DSO trend, the as-of date's month last. */
export const dashboardTrendMonths = 12;
/** Customers in the list of the largest overdue amounts. */
export const dashboardTopOverdue = 10;

export interface DashboardRequest {
  company: Company;
  asOf: IsoDate;
  scope: Scope;
}

export interface DashboardTrendPoint {
  month: string;
  /** Standard DSO of the month, two decimals, or null without credit sales. */
  dso: string | null;
  bestPossibleDso: string | null;
  /** The month had not ended by the as-of date or by today: its sales are partial. */
  inProgress: boolean;
}

export interface DashboardBucket extends AgingBucket {
  amount: bigint;
}

export interface Dashboard {
  company: Company;
  asOf: IsoDate;
  /** Every open item, credits netted, in local minor units: the aging total. */
  totalAr: bigint;
  /** Open debit items past their due date: the aging buckets after "not due". */
  overdue: bigint;
  /** Overdue ÷ total AR × 100 with two decimals, or null when total AR is not positive. */
  overduePercent: string | null;
  /** DSO and best possible DSO of the last month that ended by the as-of date. */
  dso: string | null;
  bestPossibleDso: string | null;
  dsoMonth: string | null;
  trend: DashboardTrendPoint[];
  buckets: DashboardBucket[];
  topOverdue: { customerId: bigint; customerNumber: string; name: string; overdue: bigint; balance: bigint }[];
  /** One entry per region with open items, by region. Region null contains the customers without one. */
  byRegion: { region: string | null; total: bigint; overdue: bigint; amounts: bigint[] }[];
}

/** Sum of the overdue buckets: all aged buckets but the first ("not due"), without the unapplied column. */
function overdueOf(report: AgingReport, amounts: readonly bigint[]): bigint {
  const unapplied = report.buckets.length - 1;
  return amounts.slice(1, unapplied).reduce((sum, amount) => sum + amount, 0n);
}

/**
 * Computes the dashboard of one company as of a date. Every figure stays
 * inside the scope: the aging, the KPIs and the customer list each filter
 * by it in SQL.
 */
export async function dashboard(db: Queryable, request: DashboardRequest): Promise<Dashboard> {
  // The same dashboard is asked for by many users between two writes.
  const key = JSON.stringify({
    company: request.company.companyId,
    asOf: request.asOf,
    scope: request.scope,
    today: new Date().toISOString().slice(0, 10),
  });
  return memoByLedgerVersion(db, `dashboard:${key}`, () => computeDashboard(db, request));
}

async function computeDashboard(db: Queryable, request: DashboardRequest): Promise<Dashboard> {
  const { company, asOf, scope } = request;
  const agingRequest = {
    companies: [company.code],
    asOf,
    basis: 'due' as const,
    bucketLimits: defaultBucketLimits,
    currency: 'local' as const,
    scope,
  };
  const lastMonth = asOf.slice(0, 7);
  const [byRegion, kpis, top] = await Promise.all([
    agingReport(db, { ...agingRequest, groupBy: 'region' }),
    monthlyTrend(db, { company, from: addMonths(lastMonth, 1 - dashboardTrendMonths), to: lastMonth, scope }),
    listCustomers(db, scope, {
      companyId: company.companyId,
      asOf,
      sort: 'overdue',
      dir: 'desc',
      overdueOnly: true,
      limit: dashboardTopOverdue,
      offset: 0,
    }),
  ]);

  const total = byRegion.totals.find((entry) => entry.currency === company.currency) ?? {
    amounts: byRegion.buckets.map(() => 0n),
    total: 0n,
  };
  const overdue = overdueOf(byRegion, total.amounts);
  const trend = kpis.map((row) => ({
    month: row.month,
    monthEnd: row.monthEnd,
    dso: row.kpis.dsoStandard.value,
    bestPossibleDso: row.kpis.bestPossibleDso.value,
    inProgress: row.inProgress || row.monthEnd > asOf,
  }));
  const ended = trend.filter((point) => point.monthEnd <= asOf).at(-1);
  return {
    company,
    asOf,
    totalAr: total.total,
    overdue,
    overduePercent: total.total > 0n ? formatRatio(overdue * 100n, total.total, 2) : null,
    dso: ended?.dso ?? null,
    bestPossibleDso: ended?.bestPossibleDso ?? null,
    dsoMonth: ended?.month ?? null,
    trend: trend.map(({ month, dso, bestPossibleDso, inProgress }) => ({ month, dso, bestPossibleDso, inProgress })),
    buckets: byRegion.buckets.map((bucket, index) => ({ ...bucket, amount: total.amounts[index]! })),
    topOverdue: top.customers.map((customer) => ({
      customerId: customer.customerId,
      customerNumber: customer.customerNumber,
      name: customer.name,
      overdue: customer.overdue,
      balance: customer.balance,
    })),
    byRegion: byRegion.rows.map((row) => ({
      region: row.key === '' ? null : row.key,
      total: row.total,
      overdue: overdueOf(byRegion, row.amounts),
      amounts: row.amounts,
    })),
  };
}
