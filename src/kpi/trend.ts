/**
 * Month-end AR of one company over a run of months, in one pass over the
 * ledger, for the dashboard's DSO trend.
 *
 * The KPI report computes each month-end's open amounts item by item,
 * which at 1,000,000 items takes a full aggregation of the allocations per
 * month-end. A sum of open amounts is linear, though: over any set of
 * items it equals their amounts minus the allocations that clear them plus
 * the allocations that use them as the credit, each dated on or before
 * the month-end. So one statement can sum items and allocations once, with
 * a filtered sum per month-end, and give the same closing, current,
 * overdue and credit AR as the report.
 */
import { scopeCondition } from '../auth/scope.js';
import type { Scope } from '../auth/types.js';
import type { Queryable, SqlParam } from '../db/types.js';
import type { Company } from '../ledger/types.js';
import { addMonths, daysInMonth, monthEnd, type IsoDate } from '../shared/dates.js';
import { computeKpis } from './compute.js';
import { loadMonthlySales } from './sql.js';
import type { KpiAmounts, KpiName, KpiValue } from './types.js';

export interface TrendMonth extends KpiAmounts {
  month: string;
  monthEnd: IsoDate;
  /** The month had not ended before today, as in the KPI report. */
  inProgress: boolean;
  /** Every KPI but countback DSO, which needs a sales history the trend does not load. */
  kpis: Omit<Record<KpiName, KpiValue>, 'dsoCountback'>;
}

interface MonthEndAr {
  closing: bigint;
  current: bigint;
  overdue: bigint;
  credits: bigint;
}

/**
 * Sums AR at each month-end: every open amount (closing), open debit
 * items due on or after the month-end (current), those due before it
 * (overdue) and open credit items (credits), for the customers inside
 * the scope.
 */
async function monthEndAr(
  db: Queryable,
  companyId: number,
  monthEnds: readonly IsoDate[],
  scope: Scope,
): Promise<MonthEndAr[]> {
  if (scope.companyIds !== null && !scope.companyIds.includes(companyId)) {
    return monthEnds.map(() => ({ closing: 0n, current: 0n, overdue: 0n, credits: 0n }));
  }
  const params: SqlParam[] = [companyId];
  // Only a region scope needs the customer table: the company is one.
  const customerJoin =
    scope.regions === null
      ? ''
      : `join customer c on c.company_id = $1 and c.customer_id = x.customer_id
     where ${scopeCondition({ companyIds: null, regions: scope.regions }, 'c', params)}`;
  const sums = monthEnds.map((date, index) => {
    params.push(date);
    const end = `$${params.length}::date`;
    const counted = `x.event_date <= ${end} and x.posting_date <= ${end}`;
    return [
      `coalesce(sum(x.delta) filter (where ${counted}), 0)::text as closing_${index}`,
      `coalesce(sum(x.delta) filter (where ${counted} and x.amount > 0 and x.due_date >= ${end}), 0)::text as current_${index}`,
      `coalesce(sum(x.delta) filter (where ${counted} and x.amount > 0 and x.due_date < ${end}), 0)::text as overdue_${index}`,
      `coalesce(sum(x.delta) filter (where ${counted} and x.amount < 0), 0)::text as credits_${index}`,
    ].join(',\n            ');
  });
  const result = await db.query<Record<string, string>>(
    `select ${sums.join(',\n            ')}
     from (
       select i.customer_id, i.posting_date as event_date, i.posting_date, i.amount, i.due_date,
              i.amount_local as delta
       from open_item i
       where i.company_id = $1
       union all
       select i.customer_id, a.allocation_date, i.posting_date, i.amount, i.due_date, -a.amount_local
       from allocation a
       join open_item i on i.company_id = a.company_id and i.item_id = a.debit_item_id
       where a.company_id = $1
       union all
       select i.customer_id, a.allocation_date, i.posting_date, i.amount, i.due_date, a.credit_amount_local
       from allocation a
       join open_item i on i.company_id = a.company_id and i.item_id = a.credit_item_id
       where a.company_id = $1
     ) x
     ${customerJoin}`,
    params,
  );
  const row = result.rows[0]!;
  return monthEnds.map((_, index) => ({
    closing: BigInt(row[`closing_${index}`]!),
    current: BigInt(row[`current_${index}`]!),
    overdue: BigInt(row[`overdue_${index}`]!),
    credits: BigInt(row[`credits_${index}`]!),
  }));
}

function withoutCountback(kpis: Record<KpiName, KpiValue>): TrendMonth['kpis'] {
  return {
    dsoStandard: kpis.dsoStandard,
    bestPossibleDso: kpis.bestPossibleDso,
    averageDaysDelinquent: kpis.averageDaysDelinquent,
    collectionEffectivenessIndex: kpis.collectionEffectivenessIndex,
    arTurnover: kpis.arTurnover,
    arTurnoverAnnualised: kpis.arTurnoverAnnualised,
  };
}

/**
 * Computes AR, credit sales and the KPIs of each month from `from` to
 * `to` (`YYYY-MM`, inclusive) for one company inside a scope. The figures
 * equal the KPI report's totals for the same months and scope, without
 * countback DSO.
 */
export async function monthlyTrend(
  db: Queryable,
  request: { company: Company; from: string; to: string; scope: Scope },
): Promise<TrendMonth[]> {
  const { company, scope } = request;
  // The first month needs the month before it, and dates start at 0001-01-01.
  const from = request.from < '0001-02' ? '0001-02' : request.from;
  // Counted, not compared as text: the month after 9999-12 is 10000-01,
  // which sorts before it.
  const monthIndex = (month: string): number => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7));
  const count = Math.max(monthIndex(request.to) - monthIndex(from) + 1, 0);
  const months = Array.from({ length: count }, (_, offset) => addMonths(from, offset));
  if (months.length === 0) return [];
  const monthEnds = [addMonths(from, -1), ...months].map((month) => monthEnd(month));
  const [balances, sales] = await Promise.all([
    monthEndAr(db, company.companyId, monthEnds, scope),
    loadMonthlySales(db, [company.companyId], `${from}-01`, monthEnd(request.to), null, scope),
  ]);
  const salesByMonth = new Map(sales.map((row) => [row.month, row]));
  const today = new Date().toISOString().slice(0, 10);
  return months.map((month, index) => {
    const closing = balances[index + 1]!;
    const creditSales = salesByMonth.get(month)?.credit_sales ?? 0n;
    const creditNotes = salesByMonth.get(month)?.credit_notes ?? 0n;
    const amounts: KpiAmounts = {
      creditSales,
      creditNotes,
      netCreditSales: creditSales + creditNotes,
      openingAr: balances[index]!.closing,
      closingAr: closing.closing,
      currentAr: closing.current,
      overdueAr: closing.overdue,
      openCredits: closing.credits,
    };
    const days = daysInMonth(Number(month.slice(0, 4)), Number(month.slice(5, 7)));
    return {
      month,
      monthEnd: monthEnd(month),
      inProgress: monthEnd(month) >= today,
      ...amounts,
      kpis: withoutCountback(computeKpis(amounts, days, [])),
    };
  });
}
