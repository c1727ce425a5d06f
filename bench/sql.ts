/**
 * Hand-written single SQL queries for the benchmark's reports, written
 * apart from the aging service so that each checks the other. They age
 * by due date in local currency: debit items go to a bucket by days past
 * due, and credit items (payments, credit notes) with an open amount go to
 * the unapplied column, which comes last.
 */
import type { Queryable } from '../src/db/types.js';

export interface HandAgingRow {
  key: string;
  name: string | null;
  amounts: bigint[];
  total: bigint;
  itemCount: number;
}

export type HandGrouping = 'customer' | 'region';

/** Column expressions: one `sum ... filter` per bucket, then unapplied. */
function bucketColumns(limits: readonly number[]): string {
  const columns: string[] = [];
  const first = limits[0]!;
  columns.push(`sum(open_local) filter (where not is_credit and days <= ${first})`);
  for (let index = 1; index < limits.length; index++) {
    columns.push(
      `sum(open_local) filter (where not is_credit and days > ${limits[index - 1]} and days <= ${limits[index]})`,
    );
  }
  columns.push(`sum(open_local) filter (where not is_credit and days > ${limits[limits.length - 1]})`);
  columns.push('sum(open_local) filter (where is_credit)');
  return columns.map((column, index) => `coalesce(${column}, 0)::bigint as b${index}`).join(',\n         ');
}

/**
 * Builds the query for a grouping, with the company id as $1 and the
 * as-of date as $2. It sums allocations per item into bigint, ages the items, sums
 * them per customer id and only then joins the customer table, so that
 * the join and the text grouping see one row per customer, not per item.
 */
export function handAgingSql(grouping: HandGrouping, limits: readonly number[]): string {
  const columnCount = limits.length + 2;
  const perCustomer = `
    select customer_id,
         ${bucketColumns(limits)},
         sum(open_local)::bigint as total,
         count(*)::integer as item_count
    from (
      select i.customer_id, i.amount < 0 as is_credit,
             $2::date - i.due_date as days,
             i.amount_local - coalesce(d.allocated, 0) + coalesce(k.allocated, 0) as open_local
      from open_item i
      left join (
        select debit_item_id, sum(amount_local)::bigint as allocated
        from allocation where company_id = $1 and allocation_date <= $2
        group by debit_item_id
      ) d on d.debit_item_id = i.item_id
      left join (
        select credit_item_id, sum(credit_amount_local)::bigint as allocated
        from allocation where company_id = $1 and allocation_date <= $2
        group by credit_item_id
      ) k on k.credit_item_id = i.item_id
      where i.company_id = $1 and i.posting_date <= $2
    ) items
    where open_local <> 0
    group by customer_id`;
  if (grouping === 'customer') {
    return `
      with per_customer as (${perCustomer})
      select c.customer_number as key, c.name, p.*
      from per_customer p
      join customer c on c.company_id = $1 and c.customer_id = p.customer_id
      order by c.customer_number`;
  }
  const sums: string[] = [];
  for (let index = 0; index < columnCount; index++) sums.push(`sum(p.b${index})::bigint as b${index}`);
  return `
    with per_customer as (${perCustomer})
    select coalesce(c.region, '') as key, null::text as name,
           ${sums.join(', ')},
           sum(p.total)::bigint as total, sum(p.item_count)::integer as item_count
    from per_customer p
    join customer c on c.company_id = $1 and c.customer_id = p.customer_id
    group by coalesce(c.region, '')
    order by 1`;
}

/** Runs the hand-written aging query and returns one row per group. */
export async function runHandAging(
  db: Queryable,
  companyId: number,
  asOf: string,
  grouping: HandGrouping,
  limits: readonly number[],
): Promise<HandAgingRow[]> {
  const result = await db.query<Record<string, unknown>>(handAgingSql(grouping, limits), [companyId, asOf]);
  const columnCount = limits.length + 2;
  return result.rows.map((row) => {
    const amounts: bigint[] = [];
    for (let index = 0; index < columnCount; index++) amounts.push(row[`b${index}`] as bigint);
    return {
      key: row.key as string,
      name: row.name as string | null,
      amounts,
      total: row.total as bigint,
      itemCount: row.item_count as number,
    };
  });
}

/** Sums the rows' amounts per column and in total. */
export function totalsOf(rows: readonly { amounts: readonly bigint[]; total: bigint }[], columnCount: number): {
  amounts: bigint[];
  total: bigint;
} {
  const amounts = new Array<bigint>(columnCount).fill(0n);
  let total = 0n;
  for (const row of rows) {
    row.amounts.forEach((amount, index) => {
      amounts[index] = amounts[index]! + amount;
    });
    total += row.total;
  }
  return { amounts, total };
}
