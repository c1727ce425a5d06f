/**
 * The two set-based queries behind the KPI report: balances at every
 * month-end and credit sales of every month, each grouped by local
 * currency (and by the requested grouping, with per-currency totals
 * from the same query through grouping sets).
 */
import { scopeCondition } from '../auth/scope.js';
import { unrestricted, type Scope } from '../auth/types.js';
import type { Queryable, SqlParam } from '../db/types.js';
import { openItemsAsOfSql } from '../ledger/balances.js';
import type { IsoDate } from '../shared/dates.js';
import type { KpiGrouping } from './types.js';

/** Columns that identify a group, where `o` is the item, `cu` its customer and `co` its company. */
interface GroupColumns {
  company: string | null;
  key: string;
  name: string | null;
}

const groupColumns: Record<KpiGrouping, GroupColumns> = {
  customer: { company: 'co.code', key: 'cu.customer_number', name: 'cu.name' },
  group: { company: null, key: 'cu.group_number', name: null },
  country: { company: null, key: 'cu.country', name: null },
  region: { company: null, key: 'cu.region', name: null },
  collector: { company: null, key: 'cu.collector', name: null },
  // The item's own (transaction) currency; amounts stay in local currency.
  currency: { company: null, key: 'o.currency::text', name: null },
  company: { company: 'co.code', key: 'co.code', name: 'co.name' },
};

/** Select list and group-by clause for the grouping, around `period`. */
function groupingSql(
  groupBy: KpiGrouping | null,
  period: string,
): { select: string; groupBy: string } {
  if (groupBy === null) {
    return {
      select: `true as is_total, null::text as company_code,
               null::text as group_key, null::text as group_name`,
      groupBy: `co.currency, ${period}`,
    };
  }
  const columns = groupColumns[groupBy];
  const groupExpressions = [
    ...new Set([columns.company, columns.key, columns.name].filter((e) => e !== null)),
  ];
  return {
    select: `grouping(${columns.key}) = 1 as is_total,
             ${columns.company ?? 'null'}::text as company_code,
             ${columns.key}::text as group_key,
             ${columns.name ?? 'null'}::text as group_name`,
    groupBy: `grouping sets (
               (co.currency, ${period}, ${groupExpressions.join(', ')}),
               (co.currency, ${period}))`,
  };
}

interface GroupRow {
  currency: string;
  is_total: boolean;
  company_code: string | null;
  group_key: string | null;
  group_name: string | null;
}

// Sums are selected as text and parsed here, because a sum of int8
// amounts can exceed the int8 range.
export interface BalanceRow extends GroupRow {
  month_end: IsoDate;
  closing_ar: bigint;
  current_ar: bigint;
  overdue_ar: bigint;
  open_credits: bigint;
}

export interface SalesRow extends GroupRow {
  month: string;
  credit_sales: bigint;
  credit_notes: bigint;
}

/**
 * Loads the AR of the companies at each month-end, from the ledger's
 * definition of the open amount as of a date. An open item is current
 * when it is a debit due on or after the month-end (days past due ≤ 0,
 * the aging's "not due" bucket).
 */
export async function loadMonthEndBalances(
  db: Queryable,
  companyIds: readonly number[],
  monthEnds: readonly IsoDate[],
  groupBy: KpiGrouping | null,
  scope: Scope = unrestricted,
): Promise<BalanceRow[]> {
  const grouping = groupingSql(groupBy, 'me.month_end');
  const params: SqlParam[] = [companyIds, monthEnds];
  const customerCondition = scopeCondition(scope, 'cu', params);
  const result = await db.query<BalanceRow>(
    `select co.currency::text as currency,
            to_char(me.month_end, 'YYYY-MM-DD') as month_end,
            ${grouping.select},
            coalesce(sum(o.open_amount_local), 0)::text as closing_ar,
            coalesce(sum(o.open_amount_local)
              filter (where o.amount > 0 and o.due_date >= me.month_end), 0)::text as current_ar,
            coalesce(sum(o.open_amount_local)
              filter (where o.amount > 0 and o.due_date < me.month_end), 0)::text as overdue_ar,
            coalesce(sum(o.open_amount_local)
              filter (where o.amount < 0), 0)::text as open_credits
     from company co
     cross join unnest($2::date[]) as me(month_end)
     -- OFFSET 0 keeps the planner from merging the customer join into
     -- the lateral subquery, which would recompute the allocation sums
     -- once per customer instead of once per month-end.
     cross join lateral (
       select * from (${openItemsAsOfSql('co.company_id', 'me.month_end')}) open_items offset 0
     ) o
     join customer cu
       on cu.company_id = o.company_id and cu.customer_id = o.customer_id
     where co.company_id = any($1::int[])
       and (o.open_amount <> 0 or o.open_amount_local <> 0)
       and ${customerCondition}
     group by ${grouping.groupBy}`,
    params,
  );
  return result.rows.map((row) => ({
    ...row,
    closing_ar: BigInt(row.closing_ar),
    current_ar: BigInt(row.current_ar),
    overdue_ar: BigInt(row.overdue_ar),
    open_credits: BigInt(row.open_credits),
  }));
}

/**
 * Loads credit sales (invoices and debit notes) and credit notes by
 * posting month, in local currency, for items posted from `fromDate` to
 * `toDate` inclusive.
 */
export async function loadMonthlySales(
  db: Queryable,
  companyIds: readonly number[],
  fromDate: IsoDate,
  toDate: IsoDate,
  groupBy: KpiGrouping | null,
  scope: Scope = unrestricted,
): Promise<SalesRow[]> {
  const period = `to_char(o.posting_date, 'YYYY-MM')`;
  const grouping = groupingSql(groupBy, period);
  const params: SqlParam[] = [companyIds, fromDate, toDate];
  const customerCondition = scopeCondition(scope, 'cu', params);
  const result = await db.query<SalesRow>(
    `select co.currency::text as currency, ${period} as month,
            ${grouping.select},
            coalesce(sum(o.amount_local)
              filter (where o.kind in ('invoice', 'debit_note')), 0)::text as credit_sales,
            coalesce(sum(o.amount_local)
              filter (where o.kind = 'credit_note'), 0)::text as credit_notes
     from company co
     join open_item o on o.company_id = co.company_id
     join customer cu
       on cu.company_id = o.company_id and cu.customer_id = o.customer_id
     where co.company_id = any($1::int[])
       and o.kind in ('invoice', 'debit_note', 'credit_note')
       and o.posting_date between $2::date and $3::date
       and ${customerCondition}
     group by ${grouping.groupBy}`,
    params,
  );
  return result.rows.map((row) => ({
    ...row,
    credit_sales: BigInt(row.credit_sales),
    credit_notes: BigInt(row.credit_notes),
  }));
}
