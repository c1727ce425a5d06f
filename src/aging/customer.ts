import type { Queryable } from '../db/types.js';
import { customerOpenItemsSql } from '../ledger/customer-items.js';
import type { IsoDate } from '../shared/dates.js';
import { buildBuckets, validateBucketLimits } from './buckets.js';
import { amountColumn, bucketIndexSql, unappliedBucketIndex } from './sql.js';
import { defaultBucketLimits, type AgingBasis, type AgingBucket } from './types.js';

export interface CustomerAgingRequest {
  companyId: number;
  customerId: bigint;
  asOf: IsoDate;
  /** Due date when omitted. */
  basis?: AgingBasis;
  /** The default buckets when omitted. */
  bucketLimits?: readonly number[];
}

export interface CustomerAging {
  buckets: AgingBucket[];
  /** Local amount per bucket in minor units, the unapplied credits column last. */
  amounts: bigint[];
  total: bigint;
}

/**
 * Ages one customer's open items as of a date in local currency, with the
 * buckets of the aging report and the drill-down's bucket index per item.
 * It reads the customer's items only, so a customer page does not age the
 * whole company. Open credits go to the unapplied column.
 */
export async function customerAging(db: Queryable, request: CustomerAgingRequest): Promise<CustomerAging> {
  const basis = request.basis ?? 'due';
  const limits = validateBucketLimits(request.bucketLimits ?? defaultBucketLimits);
  const buckets = buildBuckets(limits, basis, false);
  const dateColumn = basis === 'due' ? 'o.due_date' : 'o.document_date';
  const amount = amountColumn('local');
  const result = await db.query<{ bucket: number; amount: string }>(
    `select ${bucketIndexSql(limits, false, unappliedBucketIndex(limits.length))} as bucket,
            sum(${amount})::text as amount
     from (
       select o.*, o.amount < 0 as is_credit, $2::date - ${dateColumn} as days
       from (${customerOpenItemsSql('$1', '$2::date', '$3::bigint[]')}) o
     ) aged
     where ${amount} <> 0
     group by 1`,
    [request.companyId, request.asOf, [String(request.customerId)]],
  );
  const amounts = buckets.map(() => 0n);
  for (const row of result.rows) amounts[row.bucket] = BigInt(row.amount);
  return { buckets, amounts, total: amounts.reduce((sum, value) => sum + value, 0n) };
}
