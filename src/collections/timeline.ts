/**
 * The collection side of a customer's timeline: activities, promises to
 * pay and disputes, in the order the ledger's timeline uses (date, then
 * rank, then id, each descending), so the two merge into one history.
 */
import type { Queryable } from '../db/types.js';
import type { IsoDate } from '../shared/dates.js';
import { activityTimelineSql } from './activities.js';

export interface CollectionEvent {
  date: IsoDate;
  /** 3 activities, 4 promises, 5 disputes: above the ledger's items (0), allocations (1) and reversals (2) of a day. */
  rank: number;
  id: bigint;
  kind: 'activity' | 'promise' | 'dispute';
  /** Activity note, or the dispute's reason and note. */
  reason: string | null;
  currency: string | null;
  currencyExponent: number | null;
  amount: bigint | null;
  activityKind: string | null;
  outcome: string | null;
  contact: string | null;
  followUpDate: IsoDate | null;
  /** Promise or dispute status. */
  status: string | null;
  promisedDate: IsoDate | null;
}

/**
 * Returns the customer's newest `limit` collection events and how many
 * there are in all.
 */
export async function collectionTimeline(
  db: Queryable,
  companyId: number,
  customerId: bigint,
  limit: number,
): Promise<{ total: number; events: CollectionEvent[] }> {
  const result = await db.query<Record<string, unknown>>(
    `with events as (
       select date, rank, id, kind, reason, currency, amount, activity_kind, outcome, contact, follow_up_date,
              null::text as status, null::date as promised_date
       from (${activityTimelineSql('$1', '$2')}) a
       union all
       select p.promise_date, 4, p.promise_id, 'promise', p.note, p.currency::text, p.amount, null, null, null, null,
              p.status, p.promised_date
       from promise_to_pay p where p.company_id = $1 and p.customer_id = $2
       union all
       select d.opened_date, 5, d.dispute_id, 'dispute', concat_ws(': ', d.reason, d.note), d.currency::text,
              (select sum(l.amount)::bigint from dispute_item l where l.company_id = d.company_id and l.dispute_id = d.dispute_id),
              null, null, null, null, d.status, null
       from dispute d where d.company_id = $1 and d.customer_id = $2
     )
     select t.total, e.*, cur.exponent
     from (select count(*)::integer as total from events) t
     left join lateral (select * from events order by date desc, rank desc, id desc limit $3) e on true
     left join currency cur on cur.code = e.currency`,
    [companyId, customerId, limit],
  );
  const total = (result.rows[0]?.total as number | undefined) ?? 0;
  const events = result.rows
    .filter((row) => row.kind !== null)
    .map((row) => ({
      date: row.date as IsoDate,
      rank: row.rank as number,
      id: row.id as bigint,
      kind: row.kind as CollectionEvent['kind'],
      reason: row.reason as string | null,
      currency: row.currency === null ? null : (row.currency as string).trim(),
      currencyExponent: row.exponent as number | null,
      amount: row.amount as bigint | null,
      activityKind: row.activity_kind as string | null,
      outcome: row.outcome as string | null,
      contact: row.contact as string | null,
      followUpDate: row.follow_up_date as IsoDate | null,
      status: row.status as string | null,
      promisedDate: row.promised_date as IsoDate | null,
    }));
  return { total, events };
}
