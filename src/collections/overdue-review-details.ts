/**
 * Details of an overdue review beside its amounts: the promises to pay
 * and disputes open on the review date, and the actions agreed in it.
 */
import type { Queryable } from '../db/types.js';
import type { IsoDate } from '../shared/dates.js';

export interface ReviewPromise {
  promiseId: bigint;
  currency: string;
  currencyExponent: number;
  amount: bigint;
  promisedDate: IsoDate;
}

export interface ReviewDispute {
  disputeId: bigint;
  currency: string;
  currencyExponent: number;
  /** Sum of the disputed item amounts, in the dispute's currency. */
  amount: bigint;
  reason: string;
  openedDate: IsoDate;
}

export interface ReviewAction {
  actionId: bigint;
  reviewId: bigint;
  customerId: bigint;
  customerNumber: string;
  customerName: string;
  text: string;
  owner: string;
  due: IsoDate;
  /** The collection activity that carries the follow-up. */
  activityId: bigint;
  status: 'open' | 'done';
  doneDate: IsoDate | null;
  doneBy: string | null;
  createdBy: string;
}

export interface ReviewDetails {
  promises: Map<bigint, ReviewPromise[]>;
  disputes: Map<bigint, ReviewDispute[]>;
  actions: ReviewAction[];
}

function groupBy<T extends { customer_id: bigint }, U>(rows: readonly T[], map: (row: T) => U): Map<bigint, U[]> {
  const grouped = new Map<bigint, U[]>();
  for (const row of rows) {
    const list = grouped.get(row.customer_id) ?? [];
    list.push(map(row));
    grouped.set(row.customer_id, list);
  }
  return grouped;
}

/**
 * Reads the promises and disputes open on `date` for the customers, and
 * every action of the review. A promise is open on the date when it was
 * made by then and not kept, broken or cancelled by then. A dispute is
 * open when it was opened by then and not resolved by then.
 */
export async function loadReviewDetails(
  db: Queryable,
  companyId: number,
  reviewId: bigint,
  date: IsoDate,
  customerIds: readonly bigint[],
): Promise<ReviewDetails> {
  const ids = customerIds.map(String);
  const promises = await db.query<{ customer_id: bigint; promise_id: bigint; currency: string; exponent: number; amount: bigint; promised_date: IsoDate }>(
    `select p.customer_id, p.promise_id, p.currency, cur.exponent, p.amount, p.promised_date
     from promise_to_pay p join currency cur on cur.code = p.currency
     where p.company_id = $1 and p.customer_id = any($2::bigint[]) and p.promise_date <= $3::date
       and (p.status = 'open' or p.decided_date > $3::date)
     order by p.promised_date, p.promise_id`,
    [companyId, ids, date],
  );
  const disputes = await db.query<{ customer_id: bigint; dispute_id: bigint; currency: string; exponent: number; amount: bigint; reason: string; opened_date: IsoDate }>(
    `select d.customer_id, d.dispute_id, d.currency, cur.exponent, d.reason, d.opened_date,
            (select coalesce(sum(l.amount), 0)::bigint from dispute_item l
              where l.company_id = d.company_id and l.dispute_id = d.dispute_id) as amount
     from dispute d join currency cur on cur.code = d.currency
     where d.company_id = $1 and d.customer_id = any($2::bigint[]) and d.opened_date <= $3::date
       and (d.resolved_date is null or d.resolved_date > $3::date)
     order by d.opened_date, d.dispute_id`,
    [companyId, ids, date],
  );
  const actions = await db.query<Record<string, unknown>>(
    `select a.action_id, a.review_id, a.customer_id, c.customer_number, c.name, a.action_text, a.owner_email, a.due_date,
            a.activity_id, a.status, a.done_date, a.done_by, a.created_by
     from overdue_review_action a join customer c on c.company_id = a.company_id and c.customer_id = a.customer_id
     where a.company_id = $1 and a.review_id = $2
     order by c.customer_number collate "C", a.action_id`,
    [companyId, reviewId],
  );
  return {
    promises: groupBy(promises.rows, (row) => ({
      promiseId: row.promise_id,
      currency: row.currency.trim(),
      currencyExponent: row.exponent,
      amount: row.amount,
      promisedDate: row.promised_date,
    })),
    disputes: groupBy(disputes.rows, (row) => ({
      disputeId: row.dispute_id,
      currency: row.currency.trim(),
      currencyExponent: row.exponent,
      amount: row.amount,
      reason: row.reason,
      openedDate: row.opened_date,
    })),
    actions: actions.rows.map((row) => ({
      actionId: row.action_id as bigint,
      reviewId: row.review_id as bigint,
      customerId: row.customer_id as bigint,
      customerNumber: row.customer_number as string,
      customerName: row.name as string,
      text: row.action_text as string,
      owner: row.owner_email as string,
      due: row.due_date as IsoDate,
      activityId: row.activity_id as bigint,
      status: row.status as 'open' | 'done',
      doneDate: row.done_date as IsoDate | null,
      doneBy: row.done_by as string | null,
      createdBy: row.created_by as string,
    })),
  };
}
