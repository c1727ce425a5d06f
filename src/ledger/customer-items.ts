import { scopeCondition } from '../auth/scope.js';
import type { Scope } from '../auth/types.js';
import type { Queryable, SqlParam } from '../db/types.js';
import type { IsoDate } from '../shared/dates.js';
import { NotFoundError } from '../shared/errors.js';
import type { CustomerRow } from './customers.js';
import type { ItemKind } from './types.js';

/**
 * SQL for the open amount as of `$asOfParam` of every item of the
 * customers in `$customerIdsParam` (a bigint array). The definition is the
 * one of `openItemsAsOfSql`: the amount minus allocations dated on or
 * before that day, for items posted on or before it. Here the allocations
 * are summed per item through their indexes, so the cost follows the
 * customers' items rather than the whole ledger of the company.
 */
export function customerOpenItemsSql(companyParam: string, asOfParam: string, customerIdsParam: string): string {
  return `
    select i.company_id, i.item_id, i.customer_id, i.kind, i.document_number,
           i.instalment, i.reference, i.document_date, i.posting_date, i.due_date,
           i.currency, i.amount, i.amount_local, i.disputed,
           i.amount - coalesce(d.allocated, 0) + coalesce(c.allocated, 0) as open_amount,
           i.amount_local - coalesce(d.allocated_local, 0) + coalesce(c.allocated_local, 0) as open_amount_local
    from open_item i
    left join lateral (
      select sum(a.amount)::bigint as allocated, sum(a.amount_local)::bigint as allocated_local
      from allocation a
      where a.company_id = i.company_id and a.debit_item_id = i.item_id
        and a.allocation_date <= ${asOfParam}
    ) d on true
    left join lateral (
      select sum(a.credit_amount)::bigint as allocated, sum(a.credit_amount_local)::bigint as allocated_local
      from allocation a
      where a.company_id = i.company_id and a.credit_item_id = i.item_id
        and a.allocation_date <= ${asOfParam}
    ) c on true
    where i.company_id = ${companyParam} and i.customer_id = any(${customerIdsParam})
      and i.posting_date <= ${asOfParam}`;
}

/** A customer with the company it belongs to. */
export interface CompanyCustomer extends CustomerRow {
  companyId: number;
}

export const customerColumnsSql = `c.customer_id, c.customer_number, c.name, c.group_number, c.country,
       c.region, c.collector, c.sales_rep, c.payment_terms, c.credit_segment`;

/** Reads the customer columns of `customerColumnsSql` from a result row. */
export function customerFromRow(row: Record<string, unknown>): CustomerRow {
  return {
    customerId: row.customer_id as bigint,
    customerNumber: row.customer_number as string,
    name: row.name as string,
    groupNumber: row.group_number as string | null,
    country: row.country as string | null,
    region: row.region as string | null,
    collector: row.collector as string | null,
    salesRep: row.sales_rep as string | null,
    paymentTerms: row.payment_terms as string | null,
    creditSegment: row.credit_segment as string | null,
  };
}

/** Returns a customer by id, whatever its company. Throws NotFoundError when there is none. */
export async function getCustomer(db: Queryable, customerId: bigint): Promise<CompanyCustomer> {
  const result = await db.query<Record<string, unknown>>(
    `select c.company_id, ${customerColumnsSql} from customer c where c.customer_id = $1`,
    [customerId],
  );
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`customer ${customerId} not found`, 'customerId');
  return { companyId: row.company_id as number, ...customerFromRow(row) };
}

/** A customer's balance and overdue amount in local currency. */
export interface CustomerBalance {
  /** Every open item, credits netted: the aging total. */
  balance: bigint;
  /** Open debit items due before the as-of date: the aging's overdue buckets. */
  overdue: bigint;
}

/**
 * Returns the balance and overdue amount as of a date of each customer
 * given, in the company's local currency. Customers without open items
 * get zeros.
 */
export async function customerBalances(
  db: Queryable,
  companyId: number,
  customerIds: readonly bigint[],
  asOf: IsoDate,
): Promise<Map<bigint, CustomerBalance>> {
  const balances = new Map<bigint, CustomerBalance>(
    customerIds.map((customerId) => [customerId, { balance: 0n, overdue: 0n }]),
  );
  if (customerIds.length === 0) return balances;
  const result = await db.query<{ customer_id: bigint; balance: string; overdue: string }>(
    `select o.customer_id,
            sum(o.open_amount_local)::text as balance,
            coalesce(sum(o.open_amount_local) filter (where o.amount > 0 and o.due_date < $2::date), 0)::text as overdue
     from (${customerOpenItemsSql('$1', '$2::date', '$3::bigint[]')}) o
     group by o.customer_id`,
    [companyId, asOf, customerIds.map(String)],
  );
  for (const row of result.rows) {
    balances.set(row.customer_id, { balance: BigInt(row.balance), overdue: BigInt(row.overdue) });
  }
  return balances;
}

export interface CustomerItem {
  itemId: bigint;
  kind: ItemKind;
  documentNumber: string;
  instalment: number;
  reference: string | null;
  documentDate: IsoDate;
  postingDate: IsoDate;
  dueDate: IsoDate;
  /** As-of date minus the due date; negative when not yet due. */
  daysPastDue: number;
  currency: string;
  amount: bigint;
  /** Open amount as of the date in the item's currency, signed like the amount. */
  openAmount: bigint;
  amountLocal: bigint;
  openAmountLocal: bigint;
  disputed: boolean;
}

export interface CustomerItemsRequest {
  companyId: number;
  customerId: bigint;
  asOf: IsoDate;
  /** Open: items with an open amount on the date. All: every item posted by then. */
  status: 'open' | 'all';
  limit: number;
  offset: number;
}

/**
 * Lists a customer's items as of a date, newest first (posting date,
 * then item id, both descending), one page at a time, with the count over
 * all pages.
 */
export async function customerItems(
  db: Queryable,
  request: CustomerItemsRequest,
): Promise<{ total: number; items: CustomerItem[] }> {
  const result = await db.query<Record<string, unknown>>(
    `with o as (
       select * from (${customerOpenItemsSql('$1', '$2::date', '$3::bigint[]')}) x
       where $4::boolean or x.open_amount <> 0 or x.open_amount_local <> 0
     )
     select t.total, p.*
     from (select count(*)::integer as total from o) t
     left join lateral (
       select o.*, $2::date - o.due_date as days_past_due from o
       order by o.posting_date desc, o.item_id desc
       limit $5 offset $6
     ) p on true`,
    [
      request.companyId,
      request.asOf,
      [String(request.customerId)],
      request.status === 'all',
      request.limit,
      request.offset,
    ],
  );
  const total = (result.rows[0]?.total as number | undefined) ?? 0;
  const items = result.rows
    .filter((row) => row.item_id !== null)
    .map((row) => ({
      itemId: row.item_id as bigint,
      kind: row.kind as ItemKind,
      documentNumber: row.document_number as string,
      instalment: row.instalment as number,
      reference: row.reference as string | null,
      documentDate: row.document_date as IsoDate,
      postingDate: row.posting_date as IsoDate,
      dueDate: row.due_date as IsoDate,
      daysPastDue: row.days_past_due as number,
      currency: row.currency as string,
      amount: row.amount as bigint,
      openAmount: row.open_amount as bigint,
      amountLocal: row.amount_local as bigint,
      openAmountLocal: row.open_amount_local as bigint,
      disputed: row.disputed as boolean,
    }));
  return { total, items };
}

/** One entry of a customer's history. */
export interface TimelineEvent {
  date: IsoDate;
  /** An item posted, an allocation that cleared items, or the reversal of one. */
  kind: 'item' | 'allocation' | 'reversal';
  /** The item posted; null for allocations and reversals. */
  itemId: bigint | null;
  itemKind: ItemKind | null;
  documentNumber: string | null;
  /** The allocation or reversal; null for items. */
  allocationId: bigint | null;
  debitItemId: bigint | null;
  debitDocumentNumber: string | null;
  creditItemId: bigint | null;
  creditDocumentNumber: string | null;
  /** For a reversal, the allocation it undoes. */
  reversesAllocationId: bigint | null;
  reason: string | null;
  /** Currency of `amount`: the item's, or the debit item's for allocations. */
  currency: string;
  /** Signed amount: the item amount, or the allocated amount (negative for a reversal). */
  amount: bigint;
  amountLocal: bigint;
}

/**
 * Lists what happened on a customer's account, newest first: items
 * posted, allocations and their reversals, one page at a time. An
 * allocation belongs to the customer when either of its items does.
 * Entries of one day come reversals first, then allocations, then items,
 * each by id descending. When the other item of an allocation belongs to a
 * customer outside `scope`, its id and document number are null, while the
 * allocation's date and amount stay.
 */
export async function customerTimeline(
  db: Queryable,
  request: { companyId: number; customerId: bigint; scope: Scope; limit: number; offset: number },
): Promise<{ total: number; events: TimelineEvent[] }> {
  const params: SqlParam[] = [request.companyId, request.customerId, request.limit, request.offset];
  const debitVisible = scopeCondition(request.scope, 'dc', params);
  const creditVisible = scopeCondition(request.scope, 'cc', params);
  const result = await db.query<Record<string, unknown>>(
    `with customer_items as (
       select item_id from open_item where company_id = $1 and customer_id = $2
     ),
     customer_allocations as (
       select a.allocation_id from allocation a join customer_items ci on ci.item_id = a.debit_item_id
       where a.company_id = $1
       union
       select a.allocation_id from allocation a join customer_items ci on ci.item_id = a.credit_item_id
       where a.company_id = $1
     ),
     events as (
       select i.posting_date as date, 0 as rank, i.item_id as id,
              'item' as kind, i.item_id, i.kind as item_kind, i.document_number,
              null::bigint as allocation_id, null::bigint as debit_item_id,
              null::text as debit_document_number, null::bigint as credit_item_id,
              null::text as credit_document_number, null::bigint as reverses_allocation_id,
              null::text as reason, i.currency::text as currency, i.amount, i.amount_local
       from open_item i
       where i.company_id = $1 and i.customer_id = $2
       union all
       select a.allocation_date,
              case when a.reverses_allocation_id is null then 1 else 2 end,
              a.allocation_id,
              case when a.reverses_allocation_id is null then 'allocation' else 'reversal' end,
              null, null, null,
              a.allocation_id,
              case when ${debitVisible} then a.debit_item_id end,
              case when ${debitVisible} then d.document_number end,
              case when ${creditVisible} then a.credit_item_id end,
              case when ${creditVisible} then c.document_number end,
              a.reverses_allocation_id, a.reason, d.currency::text,
              a.amount, a.amount_local
       from customer_allocations ca
       join allocation a on a.company_id = $1 and a.allocation_id = ca.allocation_id
       join open_item d on d.company_id = $1 and d.item_id = a.debit_item_id
       join customer dc on dc.company_id = $1 and dc.customer_id = d.customer_id
       join open_item c on c.company_id = $1 and c.item_id = a.credit_item_id
       join customer cc on cc.company_id = $1 and cc.customer_id = c.customer_id
     )
     select t.total, p.*
     from (select count(*)::integer as total from events) t
     left join lateral (
       select * from events
       order by date desc, rank desc, id desc
       limit $3 offset $4
     ) p on true`,
    params,
  );
  const total = (result.rows[0]?.total as number | undefined) ?? 0;
  const events = result.rows
    .filter((row) => row.kind !== null)
    .map((row) => ({
      date: row.date as IsoDate,
      kind: row.kind as TimelineEvent['kind'],
      itemId: row.item_id as bigint | null,
      itemKind: row.item_kind as ItemKind | null,
      documentNumber: row.document_number as string | null,
      allocationId: row.allocation_id as bigint | null,
      debitItemId: row.debit_item_id as bigint | null,
      debitDocumentNumber: row.debit_document_number as string | null,
      creditItemId: row.credit_item_id as bigint | null,
      creditDocumentNumber: row.credit_document_number as string | null,
      reversesAllocationId: row.reverses_allocation_id as bigint | null,
      reason: row.reason as string | null,
      currency: row.currency as string,
      amount: row.amount as bigint,
      amountLocal: row.amount_local as bigint,
    }));
  return { total, events };
}
