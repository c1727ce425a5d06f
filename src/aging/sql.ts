/**
 * SQL text shared by the aging report, the drill-down and the snapshots.
 * Every statement binds the as-of date as $1. Company ids, codes and
 * currencies and the bucket limits are checked values written into the
 * SQL as literals:
 * - Each company's open items come from a union branch of their own with
 *   `company_id = <id>`. With `company_id = any(array)`, PostgreSQL 15
 *   chose hash aggregates over the allocations that spilled to disk in
 *   place of index-ordered group aggregates. In a one-off measurement
 *   (1,000,000 items, 2 cores) a report over two companies then ran 1.6
 *   to 1.8 times as long as over the larger company alone.
 * - A company's code and currency come from a CASE on company_id, not a
 *   join with the company table, whose stale row estimates led the
 *   planner to run the whole aggregation once per company row.
 * - Each bucket test is a plain integer comparison.
 * - Rows are ordered, and the lowest name chosen, by code point
 *   (`collate "C"`), the order the columnar engine uses, whatever the
 *   database's collation.
 */
import { openItemsAsOfSql } from '../ledger/balances.js';
import type { AgingBasis, AgingGrouping } from './types.js';

/** The company columns the SQL needs. */
export interface SqlCompany {
  companyId: number;
  code: string;
  currency: string;
}

export interface AgingSqlOptions {
  companies: readonly SqlCompany[];
  basis: AgingBasis;
  groupBy: AgingGrouping;
  currency: 'local' | 'transaction';
  ageCredits: boolean;
  /** Checked, ascending whole days. */
  bucketLimits: readonly number[];
  /**
   * Builds a condition on the customer table under `alias` that rows must
   * meet, such as a scope's regions. It may add parameters, so the SQL must
   * be built right before it runs.
   */
  customerCondition?: (alias: string) => string;
}

/** Returns the index of the unapplied credits column, after the aged buckets. */
export function unappliedBucketIndex(limitCount: number): number {
  return limitCount + 1;
}

/** Returns the column name of bucket `index` in the pivoted report query. */
export function bucketColumn(index: number): string {
  return `b${index}`;
}

/** Returns the numbers unchanged after checking that each is a whole number, safe to write into SQL. */
function integers(values: readonly number[]): number[] {
  return values.map((value) => {
    if (!Number.isInteger(value)) throw new RangeError(`${value} is not a whole number`);
    return value;
  });
}

/** Quotes text as a SQL string literal (standard_conforming_strings is on by default since PostgreSQL 9.1). */
function textLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Builds one condition per bucket on an item's `days` (days past due, or
 * age on the document basis) and `is_credit`. Bucket i contains ages
 * above limit i-1 and at most limit i, and the last aged bucket has no
 * upper limit. Open credit items go to the unapplied column unless
 * credits are aged.
 */
export function bucketConditions(limits: readonly number[], ageCredits: boolean): string[] {
  const days = integers(limits);
  const aged = ageCredits ? '' : 'not is_credit and ';
  const conditions = [`${aged}days <= ${days[0]}`];
  for (let index = 1; index < days.length; index++) {
    conditions.push(`${aged}days > ${days[index - 1]} and days <= ${days[index]}`);
  }
  conditions.push(`${aged}days > ${days[days.length - 1]}`);
  if (!ageCredits) conditions.push('is_credit');
  return conditions;
}

/**
 * Builds an item's bucket index as one CASE expression, with the same
 * buckets as bucketConditions. Open credit items get `unappliedIndex`
 * when credits are not aged.
 */
export function bucketIndexSql(limits: readonly number[], ageCredits: boolean, unappliedIndex: number): string {
  const days = integers(limits);
  const branches = days.map((limit, index) => `when days <= ${limit} then ${index}`);
  const credit = ageCredits ? '' : `when is_credit then ${unappliedIndex} `;
  return `case ${credit}${branches.join(' ')} else ${days.length} end`;
}

/** Returns the column a report sums: the local or the transaction amount. */
export function amountColumn(currency: 'local' | 'transaction'): string {
  return currency === 'local' ? 'open_amount_local' : 'open_amount';
}

/**
 * Selects every item posted by $1 in the companies with its open amounts
 * as of $1 (the ledger's one definition), `days` by the basis and
 * `is_credit`, one union branch per company. Closed items are included
 * with open amounts of 0.
 */
export function openItemsSql(basis: AgingBasis, companyIds: readonly number[]): string {
  const dateColumn = basis === 'due' ? 'o.due_date' : 'o.document_date';
  // No company: one branch that matches nothing keeps the columns.
  const ids = companyIds.length > 0 ? integers(companyIds).map(String) : ['null::integer'];
  return ids
    .map(
      (id) => `
    select o.*, o.amount < 0 as is_credit, $1::date - ${dateColumn} as days,
           ${disputedAmountSql('o', 'x', 'open_amount')} as disputed_open_amount,
           ${disputedAmountSql('o', 'x', 'open_amount_local')} as disputed_open_amount_local
    from (${openItemsAsOfSql(id, '$1::date')}) o
    left join (${disputesAsOfSql(id, '$1::date')}) x on x.item_id = o.item_id`,
    )
    .join('\n    union all');
}

/**
 * Selects per item the amount of the disputes open on a date, in the
 * item's currency: opened on or before it and not resolved by then.
 */
export function disputesAsOfSql(companyId: string, asOf: string): string {
  return `
    select l.item_id, sum(l.amount) as amount
    from dispute_item l
    join dispute d on d.company_id = l.company_id and d.dispute_id = l.dispute_id
    where l.company_id = ${companyId} and d.opened_date <= ${asOf}
      and (d.resolved_date is null or d.resolved_date > ${asOf})
    group by l.item_id`;
}

/**
 * Returns the disputed part of an open debit item in the column
 * \`openColumn\` (the transaction or the local open amount). An item
 * flagged disputed, or disputed for at least its open amount, counts in
 * full. A partial dispute counts in proportion to the open amount, local
 * amounts rounded half away from zero in exact integer arithmetic.
 * Credits and closed items count nothing.
 */
function disputedAmountSql(item: string, disputes: string, openColumn: string): string {
  return `(case
      when ${item}.amount <= 0 or ${item}.open_amount <= 0 then 0::bigint
      when ${item}.disputed or ${disputes}.amount >= ${item}.open_amount then ${item}.${openColumn}
      when ${disputes}.amount is null then 0::bigint
      else (sign(${item}.${openColumn}::numeric)
            * div(2 * ${disputes}.amount::numeric * abs(${item}.${openColumn}) + ${item}.open_amount,
                  2 * ${item}.open_amount::numeric))::bigint
    end)`;
}

/** Builds `case <column> when <id> then '<value>' ... end` over the companies. */
function perCompanySql(
  column: string,
  companies: readonly SqlCompany[],
  value: (company: SqlCompany) => string,
): string {
  if (companies.length === 0) return 'null::text';
  const branches = companies.map(
    (company) => `when ${integers([company.companyId])[0]} then ${textLiteral(value(company))}`,
  );
  return `(case ${column} ${branches.join(' ')} end)`;
}

function keySql(options: AgingSqlOptions): string {
  switch (options.groupBy) {
    case 'customer':
      // Customer numbers are per company: with several companies the key
      // carries the company code, so AG01/C1 and AG02/C1 stay two rows.
      return options.companies.length > 1
        ? `(${perCompanySql('p.company_id', options.companies, (company) => company.code)} || '/' || c.customer_number)`
        : 'c.customer_number';
    case 'group':
      return 'coalesce(c.group_number, c.customer_number)';
    case 'country':
      return "coalesce(c.country, '')";
    case 'region':
      return "coalesce(c.region, '')";
    case 'collector':
      return "coalesce(c.collector, '')";
    case 'currency':
      return 'p.item_currency';
    case 'company':
      return perCompanySql('p.company_id', options.companies, (company) => company.code);
  }
}

/** Tells whether rows split by item currency before they are grouped by key. */
function splitsByItemCurrency(options: AgingSqlOptions): boolean {
  return options.currency === 'transaction' || options.groupBy === 'currency';
}

/**
 * Returns the currency expression of a report row. In local mode with one
 * company every row is in that company's currency, which the caller fills
 * in.
 */
function rowCurrencySql(options: AgingSqlOptions): string {
  if (options.currency === 'transaction') return 'p.item_currency';
  if (options.companies.length === 1) return 'null::text';
  return perCompanySql('p.company_id', options.companies, (company) => company.currency);
}

/**
 * Sums per company, customer and (where rows need it) item currency, one
 * column per bucket. Sums stay numeric, because a sum of int8 amounts can
 * exceed the int8 range, and the caller reads them as text. Summing before the customer join means the join and
 * the text grouping see one row per customer instead of one per item.
 */
function perCustomerSql(options: AgingSqlOptions): string {
  const amount = amountColumn(options.currency);
  const sums = bucketConditions(options.bucketLimits, options.ageCredits).map(
    (condition, index) =>
      `coalesce(sum(${amount}) filter (where ${condition}), 0) as ${bucketColumn(index)}`,
  );
  const keys = ['company_id', 'customer_id', ...(splitsByItemCurrency(options) ? ['currency'] : [])];
  const selected = keys.map((key) => (key === 'currency' ? 'currency::text as item_currency' : key));
  return `
    select ${selected.join(', ')},
           ${sums.join(',\n           ')},
           sum(${amount}) as total,
           sum(disputed_${amount}) as disputed,
           count(*)::integer as item_count
    from (${openItemsSql(options.basis, options.companies.map((company) => company.companyId))}) o
    where ${amount} <> 0
    group by ${keys.join(', ')}`;
}

/**
 * Returns the lookup of a report row's name from its key `g.key`: a
 * group's head customer (the customer whose number is the group number),
 * or the company or currency name.
 */
function nameLookupSql(options: AgingSqlOptions): string | null {
  const ids = integers(options.companies.map((company) => company.companyId));
  switch (options.groupBy) {
    case 'group':
      return `(select min(x.name collate "C") from customer x
               where x.company_id in (${ids.length > 0 ? ids.join(', ') : 'null'})
                 and x.customer_number = g.key and ${options.customerCondition?.('x') ?? 'true'})`;
    case 'company':
      return '(select x.name from company x where x.code = g.key)';
    case 'currency':
      return '(select x.name from currency x where x.code = g.key)';
    default:
      return null;
  }
}

/**
 * Builds the aging report as one statement. With one company and rows by
 * customer, the per-customer sums are the rows. Otherwise they are summed
 * again per key and row currency.
 */
export function agingReportSql(options: AgingSqlOptions): string {
  const columnCount = bucketConditions(options.bucketLimits, options.ageCredits).length;
  const columns = Array.from({ length: columnCount }, (_, index) => bucketColumn(index));
  const perCustomer = `with per_customer as (${perCustomerSql(options)})`;
  // One company: a literal company id lets the planner scan customer by its key.
  const customerCompany =
    options.companies.length === 1 ? String(integers([options.companies[0]!.companyId])[0]) : 'p.company_id';
  const joins = `
    from per_customer p
    join customer c on c.company_id = ${customerCompany} and c.customer_id = p.customer_id
    where ${options.customerCondition?.('c') ?? 'true'}`;

  if (options.companies.length === 1 && options.groupBy === 'customer') {
    return `
      ${perCustomer}
      select c.customer_number as key, c.name, ${rowCurrencySql(options)} as currency,
             ${columns.map((column) => `p.${column}`).join(', ')}, p.total, p.disputed, p.item_count
      ${joins}
      order by c.customer_number collate "C", ${rowCurrencySql(options)} collate "C"`;
  }

  const grouped = `
      select ${keySql(options)} as key, ${rowCurrencySql(options)} as currency,
             ${options.groupBy === 'customer' ? 'min(c.name collate "C")' : 'null::text'} as name,
             ${columns.map((column) => `sum(p.${column}) as ${column}`).join(', ')},
             sum(p.total) as total, sum(p.disputed) as disputed, sum(p.item_count)::integer as item_count
      ${joins}
      group by 1, 2`;
  const lookup = nameLookupSql(options);
  if (!lookup) {
    return `
      ${perCustomer}
      select * from (${grouped}) r
      order by r.key collate "C", r.currency collate "C"`;
  }
  return `
    ${perCustomer},
    grouped as (${grouped})
    select g.key, ${lookup} as name, g.currency,
           ${columns.map((column) => `g.${column}`).join(', ')}, g.total, g.disputed, g.item_count
    from grouped g
    order by g.key collate "C", g.currency collate "C"`;
}

/**
 * Selects every open item with its report key and bucket index for the
 * drill-down. $2 filters on the key and $3 on the bucket when not null.
 */
export function agingItemsSql(options: AgingSqlOptions): string {
  const amount = amountColumn(options.currency);
  const bucket = bucketIndexSql(
    options.bucketLimits,
    options.ageCredits,
    unappliedBucketIndex(options.bucketLimits.length),
  );
  const key = keySql(options)
    .replace('p.item_currency', 'o.currency::text')
    .replace('p.company_id', 'o.company_id');
  const companyIds = options.companies.map((company) => company.companyId);
  return `
    select *
    from (
      select ${perCompanySql('o.company_id', options.companies, (company) => company.code)} as company_code,
             o.item_id, c.customer_number, c.name as customer_name,
             ${key} as key, o.kind, o.document_number, o.document_date, o.posting_date,
             o.due_date, o.days, o.currency::text as item_currency, o.open_amount,
             ${perCompanySql('o.company_id', options.companies, (company) => company.currency)} as local_currency,
             o.open_amount_local, o.disputed, ${bucket} as bucket
      from (${openItemsSql(options.basis, companyIds)}) o
      join customer c on c.company_id = o.company_id and c.customer_id = o.customer_id
      where o.${amount} <> 0 and ${options.customerCondition?.('c') ?? 'true'}
    ) a
    where ($2::text is null or a.key = $2) and ($3::integer is null or a.bucket = $3)`;
}

/** Selects the local sums per customer and stored bucket number of one company, for a snapshot. */
export function snapshotLinesSql(
  companyId: number,
  basis: AgingBasis,
  limits: readonly number[],
  unappliedBucket: number,
): string {
  const bucket = bucketIndexSql(limits, false, unappliedBucket);
  return `
    select company_id, customer_id, ${bucket} as bucket,
           sum(open_amount_local)::bigint as amount_local, count(*)::integer as item_count
    from (${openItemsSql(basis, [companyId])}) o
    where open_amount_local <> 0
    group by company_id, customer_id, 3`;
}

/**
 * Selects the disputed local amount per customer of one company as of $1,
 * reading only the items flagged disputed or named in a dispute, each with
 * its open amounts from its own allocations.
 */
export function disputedByCustomerSql(companyId: number): string {
  const id = integers([companyId])[0]!;
  const allocated = (side: 'debit' | 'credit', column: string) => `
    coalesce((select sum(a.${column}) from allocation a
              where a.company_id = ${id} and a.${side}_item_id = i.item_id and a.allocation_date <= $1::date), 0)`;
  return `
    select o.customer_id, sum(${disputedAmountSql('o', 'x', 'open_amount_local')})::bigint as disputed
    from (
      select i.item_id, i.customer_id, i.amount, i.disputed,
             i.amount - ${allocated('debit', 'amount')} + ${allocated('credit', 'credit_amount')} as open_amount,
             i.amount_local - ${allocated('debit', 'amount_local')}
               + ${allocated('credit', 'credit_amount_local')} as open_amount_local
      from open_item i
      where i.company_id = ${id} and i.posting_date <= $1::date and i.amount > 0
        and (i.disputed or exists (select 1 from dispute_item l where l.company_id = ${id} and l.item_id = i.item_id))
    ) o
    left join (${disputesAsOfSql(String(id), '$1::date')}) x on x.item_id = o.item_id
    group by o.customer_id`;
}
