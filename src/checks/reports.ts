/**
 * Lists and reports of the check register, computed by the database over
 * the whole register and kept inside the reader's scope.
 */
import { scopeCondition } from '../auth/scope.js';
import type { Scope } from '../auth/types.js';
import type { Queryable } from '../db/types.js';
import { openItemsAsOfSql } from '../ledger/balances.js';
import type { Company } from '../ledger/types.js';
import type { IsoDate } from '../shared/dates.js';
import { InputError } from '../shared/errors.js';
import { businessDaySql, selectChecks, toChecks, type CheckRow } from './register.js';
import { checkStatuses, returnReasons, uncleared, type Check, type CheckStatus, type ReturnReason } from './types.js';

export interface CheckFilter {
  status?: CheckStatus;
  customerId?: bigint;
  /** Received on or after. */
  from?: IsoDate;
  /** Received on or before. */
  to?: IsoDate;
  /** Business-day maturity on or after. */
  maturityFrom?: IsoDate;
  /** Business-day maturity on or before. */
  maturityTo?: IsoDate;
}

/** Checks of a company in the scope, by received date and id. */
export async function listChecks(db: Queryable, companyId: number, scope: Scope, filter: CheckFilter = {}): Promise<Check[]> {
  if (filter.status !== undefined && !(checkStatuses as readonly string[]).includes(filter.status)) {
    throw new InputError(`invalid status "${filter.status}": use one of ${checkStatuses.join(', ')}`, 'invalid_status', 'status');
  }
  const params: (string | number | null | readonly string[] | readonly number[])[] = [
    companyId,
    filter.status ?? null,
    filter.customerId?.toString() ?? null,
    filter.from ?? null,
    filter.to ?? null,
    filter.maturityFrom ?? null,
    filter.maturityTo ?? null,
  ];
  const inScope = scopeCondition(scope, 'c', params);
  const result = await db.query<CheckRow>(
    `select * from (${selectChecks}
       where k.company_id = $1 and ($2::text is null or k.status = $2)
         and ($3::bigint is null or k.customer_id = $3) and ($4::date is null or k.received_date >= $4)
         and ($5::date is null or k.received_date <= $5) and ${inScope}) t
     where ($6::date is null or t.business_maturity_date >= $6)
       and ($7::date is null or t.business_maturity_date <= $7)
     order by t.received_date, t.check_id`,
    params,
  );
  return toChecks(db, result.rows);
}

/** Checks received or in the safe whose business-day maturity is on or before `day`: the day's deposit list. */
export async function checksToDeposit(db: Queryable, companyId: number, scope: Scope, day: IsoDate): Promise<Check[]> {
  const params: (string | number | readonly string[] | readonly number[])[] = [companyId, day];
  const inScope = scopeCondition(scope, 'c', params);
  const result = await db.query<CheckRow>(
    `select * from (${selectChecks}
       where k.company_id = $1 and k.status in ('received', 'in_safe') and ${inScope}) t
     where t.business_maturity_date <= $2::date
     order by t.business_maturity_date, t.check_id`,
    params,
  );
  return toChecks(db, result.rows);
}

export const scheduleGroupings = ['day', 'week', 'month'] as const;
export type ScheduleGrouping = (typeof scheduleGroupings)[number];

export interface ScheduleRow {
  /** The day, the Monday of the ISO week, or YYYY-MM. */
  period: string;
  currency: string;
  exponent: number;
  count: number;
  amount: bigint;
}

export interface MaturitySchedule {
  grouping: ScheduleGrouping;
  rows: ScheduleRow[];
  totals: { currency: string; exponent: number; count: number; amount: bigint }[];
}

/** Uncleared checks by business-day maturity, grouped by day, week or month, per currency. */
export async function maturitySchedule(
  db: Queryable,
  companyId: number,
  scope: Scope,
  options: { grouping: ScheduleGrouping; from?: IsoDate; to?: IsoDate },
): Promise<MaturitySchedule> {
  if (!(scheduleGroupings as readonly string[]).includes(options.grouping)) {
    throw new InputError(`invalid grouping "${options.grouping}": use day, week or month`, 'invalid_grouping', 'by');
  }
  const period = {
    day: `to_char(t.maturity, 'YYYY-MM-DD')`,
    week: `to_char(date_trunc('week', t.maturity::timestamp), 'YYYY-MM-DD')`,
    month: `to_char(t.maturity, 'YYYY-MM')`,
  }[options.grouping];
  const params: (string | number | null | readonly string[] | readonly number[])[] = [
    companyId,
    [...uncleared],
    options.from ?? null,
    options.to ?? null,
  ];
  const inScope = scopeCondition(scope, 'c', params);
  const result = await db.query<{ period: string; currency: string; exponent: number; count: bigint; amount: bigint }>(
    `select ${period} as period, t.currency, t.exponent, count(*)::bigint as count, sum(t.amount)::bigint as amount
     from (select k.currency, cur.exponent, k.amount, ${businessDaySql('k.maturity_date', 'co')} as maturity
           from customer_check k
           join customer c on c.company_id = k.company_id and c.customer_id = k.customer_id
           join company co on co.company_id = k.company_id
           join currency cur on cur.code = k.currency
           where k.company_id = $1 and k.status = any($2::text[]) and ${inScope}) t
     where ($3::date is null or t.maturity >= $3) and ($4::date is null or t.maturity <= $4)
     group by 1, 2, 3 order by 1, 2`,
    params,
  );
  const rows = result.rows.map((row) => ({
    period: row.period,
    currency: row.currency.trim(),
    exponent: row.exponent,
    count: Number(row.count),
    amount: row.amount,
  }));
  return { grouping: options.grouping, rows, totals: totalsByCurrency(rows) };
}

function totalsByCurrency(rows: readonly { currency: string; exponent: number; count: number; amount: bigint }[]) {
  const totals = new Map<string, { currency: string; exponent: number; count: number; amount: bigint }>();
  for (const row of rows) {
    const total = totals.get(row.currency) ?? { currency: row.currency, exponent: row.exponent, count: 0, amount: 0n };
    total.count += row.count;
    total.amount += row.amount;
    totals.set(row.currency, total);
  }
  return [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

export interface ReturnedRow {
  customerId: bigint;
  customerNumber: string;
  customerName: string;
  reason: ReturnReason;
  currency: string;
  exponent: number;
  count: number;
  amount: bigint;
}

/** Checks returned in a period, by customer, reason and currency, with totals per currency. */
export async function returnedChecks(
  db: Queryable,
  companyId: number,
  scope: Scope,
  filter: { from?: IsoDate; to?: IsoDate; customerId?: bigint; reason?: ReturnReason },
): Promise<{ rows: ReturnedRow[]; totals: { currency: string; exponent: number; count: number; amount: bigint }[] }> {
  if (filter.reason !== undefined && !(returnReasons as readonly string[]).includes(filter.reason)) {
    throw new InputError(`invalid reason "${filter.reason}": use one of ${returnReasons.join(', ')}`, 'invalid_reason', 'reason');
  }
  const params: (string | number | null | readonly string[] | readonly number[])[] = [
    companyId,
    filter.from ?? null,
    filter.to ?? null,
    filter.customerId?.toString() ?? null,
    filter.reason ?? null,
  ];
  const inScope = scopeCondition(scope, 'c', params);
  const result = await db.query<{
    customer_id: bigint;
    customer_number: string;
    name: string;
    return_reason: ReturnReason;
    currency: string;
    exponent: number;
    count: bigint;
    amount: bigint;
  }>(
    `select k.customer_id, c.customer_number, c.name, k.return_reason, k.currency, cur.exponent,
            count(*)::bigint as count, sum(k.amount)::bigint as amount
     from customer_check k
     join customer c on c.company_id = k.company_id and c.customer_id = k.customer_id
     join currency cur on cur.code = k.currency
     where k.company_id = $1 and k.returned_date is not null
       and ($2::date is null or k.returned_date >= $2) and ($3::date is null or k.returned_date <= $3)
       and ($4::bigint is null or k.customer_id = $4) and ($5::text is null or k.return_reason = $5)
       and ${inScope}
     group by k.customer_id, c.customer_number, c.name, k.return_reason, k.currency, cur.exponent
     order by c.customer_number, k.return_reason, k.currency`,
    params,
  );
  const rows = result.rows.map((row) => ({
    customerId: row.customer_id,
    customerNumber: row.customer_number,
    customerName: row.name,
    reason: row.return_reason,
    currency: row.currency.trim(),
    exponent: row.exponent,
    count: Number(row.count),
    amount: row.amount,
  }));
  return { rows, totals: totalsByCurrency(rows) };
}

export interface ExposureRow {
  customerId: bigint;
  customerNumber: string;
  customerName: string;
  /** Open balance of the customer's items in the company currency. */
  openBalance: bigint;
  /** Uncleared checks (received, in the safe, deposited) in the company currency. */
  checkCover: bigint;
  /** Open balance less the cover. */
  netExposure: bigint;
}

/**
 * Per customer: the open balance as of a day, the cover of checks received
 * by then and not yet cleared, and what remains. Checks in another
 * currency are converted at the latest rate on or before the day.
 */
export async function checkExposure(
  db: Queryable,
  company: Company,
  scope: Scope,
  asOf: IsoDate,
  customerId?: bigint,
): Promise<ExposureRow[]> {
  const params: (string | number | null | readonly string[] | readonly number[])[] = [
    company.companyId,
    asOf,
    [...uncleared],
    customerId?.toString() ?? null,
  ];
  const inScope = scopeCondition(scope, 'c', params);
  const result = await db.query<{
    customer_id: bigint;
    customer_number: string;
    name: string;
    open_balance: bigint;
    check_cover: bigint | null;
    missing_rate: string | null;
  }>(
    `with balance as (
       select o.customer_id, sum(o.open_amount_local)::bigint as open_balance
       from (${openItemsAsOfSql('$1', '$2')}) o group by o.customer_id
     ), cover as (
       select k.customer_id,
              sum(case when k.currency = co.currency then k.amount
                       else round(k.amount * r.rate * power(10::numeric, cc.exponent - cur.exponent)) end)::bigint as check_cover,
              min(case when k.currency <> co.currency and r.rate is null then k.currency end) as missing_rate
       from customer_check k
       join company co on co.company_id = k.company_id
       join currency cc on cc.code = co.currency
       join currency cur on cur.code = k.currency
       left join lateral (
         select f.rate from fx_rate f
         where f.from_currency = k.currency and f.to_currency = co.currency and f.rate_date <= $2::date
         order by f.rate_date desc limit 1
       ) r on true
       -- The check's state on the as-of day, from its dated history, so a
       -- later clearing or return leaves an earlier day's exposure alone.
       where k.company_id = $1 and k.received_date <= $2::date
         and coalesce((select e.to_status from check_event e
                       where e.company_id = k.company_id and e.check_id = k.check_id and e.event_date <= $2::date
                       order by e.event_date desc, e.event_id desc limit 1), 'received') = any($3::text[])
       group by k.customer_id
     )
     select c.customer_id, c.customer_number, c.name, coalesce(b.open_balance, 0)::bigint as open_balance,
            coalesce(v.check_cover, 0)::bigint as check_cover, v.missing_rate
     from customer c
     left join balance b on b.customer_id = c.customer_id
     left join cover v on v.customer_id = c.customer_id
     where c.company_id = $1 and ($4::bigint is null or c.customer_id = $4)
       and (coalesce(b.open_balance, 0) <> 0 or v.customer_id is not null) and ${inScope}
     order by c.customer_number`,
    params,
  );
  const missing = result.rows.find((row) => row.missing_rate !== null);
  if (missing) {
    throw new InputError(
      `no ${missing.missing_rate!.trim()}/${company.currency} rate on or before ${asOf} to convert the checks of customer ${missing.customer_number}`,
      'missing_fx_rate',
      'asOf',
    );
  }
  return result.rows.map((row) => ({
    customerId: row.customer_id,
    customerNumber: row.customer_number,
    customerName: row.name,
    openBalance: row.open_balance,
    checkCover: row.check_cover ?? 0n,
    netExposure: row.open_balance - (row.check_cover ?? 0n),
  }));
}
