/**
 * Stored agings: the aging of one company by customer and bucket in local
 * currency as of a date, kept so trends and roll rates do not depend on
 * recomputing the past.
 */
import { recordAudit } from '../audit/audit.js';
import type { Actor } from '../auth/types.js';
import type { Db, Queryable } from '../db/types.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { isIsoDate, isMonthEnd, type IsoDate } from '../shared/dates.js';
import { getCompany, type Company } from '../ledger/index.js';
import { buildBuckets, validateBucketLimits } from './buckets.js';
import { totalsByCurrency } from './sql-engine.js';
import { bucketColumn, disputedByCustomerSql, snapshotLinesSql, unappliedBucketIndex } from './sql.js';
import { defaultBucketLimits, type AgingBasis, type AgingReport, type AgingRow } from './types.js';

export interface SnapshotKey {
  company: string;
  asOf: IsoDate;
  /** Due date unless given. */
  basis?: AgingBasis;
  /** The default limits 0,30,60,90,120,180,365 unless given. */
  bucketLimits?: readonly number[];
}

export interface SnapshotInfo {
  snapshotId: bigint;
  company: string;
  asOf: IsoDate;
  basis: AgingBasis;
  bucketLimits: number[];
  isMonthEnd: boolean;
  createdAt: string;
  currency: string;
  exponent: number;
  /** Number of stored (customer, bucket) lines. */
  lineCount: number;
  /** Sum of every line, in minor units of `currency`. */
  totalLocal: bigint;
}

/** Bucket number stored for the unapplied credits column. */
export const unappliedSnapshotBucket = -1;

interface CheckedKey {
  company: Company;
  asOf: IsoDate;
  basis: AgingBasis;
  bucketLimits: number[];
}

async function checkKey(db: Queryable, key: SnapshotKey): Promise<CheckedKey> {
  if (typeof key.asOf !== 'string' || !isIsoDate(key.asOf)) {
    throw new InputError(`invalid as-of date "${String(key.asOf)}": use YYYY-MM-DD`, 'invalid_date', 'asOf');
  }
  const basis = key.basis ?? 'due';
  if (basis !== 'due' && basis !== 'document') {
    throw new InputError(`invalid aging basis "${String(basis)}": use due or document`, 'invalid_basis', 'basis');
  }
  const bucketLimits = [...validateBucketLimits(key.bucketLimits ?? defaultBucketLimits)];
  const company = await getCompany(db, key.company);
  return { company, asOf: key.asOf, basis, bucketLimits };
}

const selectSnapshots = `
  select s.snapshot_id, co.code as company, s.as_of, s.basis, s.bucket_limits,
         s.is_month_end, s.created_at::text as created_at, co.currency::text as currency,
         cur.exponent,
         (select count(*) from aging_snapshot_line l
          where l.company_id = s.company_id and l.snapshot_id = s.snapshot_id)::integer as line_count,
         (select coalesce(sum(l.amount_local), 0) from aging_snapshot_line l
          where l.company_id = s.company_id and l.snapshot_id = s.snapshot_id)::bigint as total_local
  from aging_snapshot s
  join company co on co.company_id = s.company_id
  join currency cur on cur.code = co.currency`;

interface SnapshotRow {
  snapshot_id: bigint;
  company: string;
  as_of: string;
  basis: AgingBasis;
  bucket_limits: (number | string)[];
  is_month_end: boolean;
  created_at: string;
  currency: string;
  exponent: number;
  line_count: number;
  total_local: bigint;
}

function toInfo(row: SnapshotRow): SnapshotInfo {
  return {
    snapshotId: row.snapshot_id,
    company: row.company,
    asOf: row.as_of,
    basis: row.basis,
    bucketLimits: row.bucket_limits.map(Number),
    isMonthEnd: row.is_month_end,
    createdAt: row.created_at,
    currency: row.currency,
    exponent: Number(row.exponent),
    lineCount: Number(row.line_count),
    totalLocal: row.total_local,
  };
}

async function findSnapshot(db: Queryable, key: CheckedKey): Promise<SnapshotInfo | null> {
  const result = await db.query<SnapshotRow>(
    `${selectSnapshots}
     where s.company_id = $1 and s.as_of = $2 and s.basis = $3 and s.bucket_limits = $4::integer[]`,
    [key.company.companyId, key.asOf, key.basis, key.bucketLimits],
  );
  const row = result.rows[0];
  return row ? toInfo(row) : null;
}

/**
 * Stores the aging of one company as of a date by customer and bucket,
 * in local currency, with open credit items in the unapplied column
 * (bucket -1). A snapshot with the same company, date, basis and limits
 * is stored once: taking it again returns the stored one with `created`
 * false and leaves its lines as they were. With an actor, a new snapshot
 * is recorded in the audit trail in the same transaction.
 */
export async function takeSnapshot(
  db: Db,
  key: SnapshotKey,
  actor?: Actor,
): Promise<SnapshotInfo & { created: boolean }> {
  const checked = await checkKey(db, key);
  const created = await db.transaction(async (tx) => {
    const header = await tx.query<{ snapshot_id: bigint }>(
      `insert into aging_snapshot (company_id, snapshot_id, as_of, basis, bucket_limits, is_month_end)
       values ($1, nextval('snapshot_id_seq'), $2, $3, $4::integer[], $5)
       on conflict (company_id, as_of, basis, bucket_limits) do nothing
       returning snapshot_id`,
      [checked.company.companyId, checked.asOf, checked.basis, checked.bucketLimits, isMonthEnd(checked.asOf)],
    );
    const snapshotId = header.rows[0]?.snapshot_id;
    if (snapshotId === undefined) return false;
    await tx.query(
      `insert into aging_snapshot_line (company_id, snapshot_id, customer_id, bucket, amount_local, item_count)
       select l.company_id, $2::bigint, l.customer_id, l.bucket, l.amount_local, l.item_count
       from (${snapshotLinesSql(checked.company.companyId, checked.basis, checked.bucketLimits, unappliedSnapshotBucket)}) l`,
      [checked.asOf, snapshotId],
    );
    if (actor) {
      await recordAudit(tx, {
        actor,
        action: 'snapshot.take',
        entity: 'aging_snapshot',
        entityId: snapshotId.toString(),
        companyId: checked.company.companyId,
        after: { company: checked.company.code, asOf: checked.asOf, basis: checked.basis, bucketLimits: checked.bucketLimits },
      });
    }
    return true;
  });
  const info = await findSnapshot(db, checked);
  if (!info) throw new Error(`aging snapshot of ${checked.company.code} as of ${checked.asOf} vanished after it was stored`);
  return { ...info, created };
}

/** Lists stored snapshots by company and date, optionally within a date range. */
export async function listSnapshots(
  db: Queryable,
  filter: { company?: string; from?: IsoDate; to?: IsoDate; monthEndOnly?: boolean } = {},
): Promise<SnapshotInfo[]> {
  const result = await db.query<SnapshotRow>(
    `${selectSnapshots}
     where ($1::text is null or co.code = $1)
       and ($2::date is null or s.as_of >= $2)
       and ($3::date is null or s.as_of <= $3)
       and (not $4 or s.is_month_end)
     order by co.code, s.as_of, s.basis, s.snapshot_id`,
    [filter.company ?? null, filter.from ?? null, filter.to ?? null, filter.monthEndOnly ?? false],
  );
  return result.rows.map(toInfo);
}

type SnapshotReportRow = Record<string, unknown> & {
  key: string;
  name: string;
  total: bigint;
  item_count: number;
};

/**
 * Reads a stored snapshot back as an aging report by customer in the
 * company's currency. Raises NotFoundError when no such snapshot exists.
 */
export async function snapshotAging(db: Queryable, key: SnapshotKey): Promise<AgingReport> {
  const checked = await checkKey(db, key);
  const info = await findSnapshot(db, checked);
  if (!info) {
    throw new NotFoundError(
      `no aging snapshot of ${checked.company.code} as of ${checked.asOf} (basis ${checked.basis}, buckets ${checked.bucketLimits.join(',')}); take one with "ardesk snapshot --as-of ${checked.asOf} --company ${checked.company.code}"`,
      'snapshot',
    );
  }
  const buckets = buildBuckets(checked.bucketLimits, checked.basis, false);
  const unapplied = unappliedBucketIndex(checked.bucketLimits.length);
  const sums = buckets.map((_, index) => {
    const stored = index === unapplied ? unappliedSnapshotBucket : index;
    return `coalesce(sum(l.amount_local) filter (where l.bucket = ${stored}), 0)::bigint as ${bucketColumn(index)}`;
  });
  const result = await db.query<SnapshotReportRow>(
    `select c.customer_number as key, c.name,
            ${sums.join(',\n            ')},
            sum(l.amount_local)::bigint as total, sum(l.item_count)::integer as item_count
     from aging_snapshot_line l
     join customer c on c.company_id = l.company_id and c.customer_id = l.customer_id
     where l.company_id = $1 and l.snapshot_id = $2
     group by c.customer_number, c.name
     order by c.customer_number`,
    [checked.company.companyId, info.snapshotId],
  );
  // NOTE: a snapshot stores no disputed amounts. They are computed from
  // the ledger and the dispute dates as of the snapshot date, so a dispute
  // recorded later with an earlier opening date shows in an old snapshot.
  const disputed = await db.query<{ customer_number: string; disputed: bigint }>(
    `select c.customer_number, d.disputed
     from (${disputedByCustomerSql(checked.company.companyId)}) d
     join customer c on c.company_id = $2 and c.customer_id = d.customer_id`,
    [checked.asOf, checked.company.companyId],
  );
  const disputedByKey = new Map(disputed.rows.map((row) => [row.customer_number, row.disputed]));
  const { currency, currencyExponent: exponent } = checked.company;
  const rows: AgingRow[] = result.rows.map((row) => ({
    key: row.key,
    name: row.name,
    currency,
    exponent,
    amounts: buckets.map((_, index) => row[bucketColumn(index)] as bigint),
    total: row.total,
    disputed: disputedByKey.get(row.key) ?? 0n,
    itemCount: Number(row.item_count),
  }));
  return {
    asOf: checked.asOf,
    basis: checked.basis,
    groupBy: 'customer',
    currency,
    buckets,
    rows,
    totals: totalsByCurrency(rows, buckets.length, [{ currency, exponent }]),
  };
}
