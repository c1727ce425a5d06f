import type { Queryable } from '../db/types.js';
import type { IsoDate } from '../shared/dates.js';

/**
 * SQL for the open amount of every item as of `$asOfParam`: the amount
 * minus allocations dated on or before that day, for items posted on or
 * before it. Aging, balances and snapshots all start from this set, so
 * they cannot disagree. The sums are cast back to bigint so the open
 * amounts stay bigint: PostgreSQL's sum(bigint) returns numeric, and
 * numeric arithmetic on every item row is slower than bigint arithmetic.
 */
export function openItemsAsOfSql(companyParam: string, asOfParam: string): string {
  return `
    select i.company_id, i.item_id, i.customer_id, i.kind, i.document_number,
           i.document_date, i.posting_date, i.due_date, i.currency,
           i.amount, i.amount_local, i.disputed,
           i.amount - coalesce(d.allocated, 0) + coalesce(c.allocated, 0) as open_amount,
           i.amount_local - coalesce(d.allocated_local, 0) + coalesce(c.allocated_local, 0) as open_amount_local
    from open_item i
    left join (
      select debit_item_id, sum(amount)::bigint as allocated, sum(amount_local)::bigint as allocated_local
      from allocation
      where company_id = ${companyParam} and allocation_date <= ${asOfParam}
      group by debit_item_id
    ) d on d.debit_item_id = i.item_id
    left join (
      select credit_item_id, sum(credit_amount)::bigint as allocated,
             sum(credit_amount_local)::bigint as allocated_local
      from allocation
      where company_id = ${companyParam} and allocation_date <= ${asOfParam}
      group by credit_item_id
    ) c on c.credit_item_id = i.item_id
    where i.company_id = ${companyParam} and i.posting_date <= ${asOfParam}`;
}

export interface BalanceFilter {
  customerId?: bigint;
  itemId?: bigint;
}

/** Returns the open balance in local currency as of a date. */
export async function balanceAsOf(
  db: Queryable,
  companyId: number,
  asOf: IsoDate,
  filter: BalanceFilter = {},
): Promise<bigint> {
  const result = await db.query<{ balance: bigint }>(
    `select coalesce(sum(open_amount_local), 0)::bigint as balance
     from (${openItemsAsOfSql('$1', '$2')}) o
     where ($3::bigint is null or o.customer_id = $3)
       and ($4::bigint is null or o.item_id = $4)`,
    [companyId, asOf, filter.customerId ?? null, filter.itemId ?? null],
  );
  return result.rows[0]?.balance ?? 0n;
}

/** Returns an item's open amount in its own currency as of a date. */
export async function itemOpenAmount(
  db: Queryable,
  companyId: number,
  itemId: bigint,
  asOf: IsoDate,
): Promise<bigint> {
  const result = await db.query<{ open_amount: bigint }>(
    `select open_amount::bigint from (${openItemsAsOfSql('$1', '$2')}) o
     where o.item_id = $3`,
    [companyId, asOf, itemId],
  );
  return result.rows[0]?.open_amount ?? 0n;
}
