/**
 * Collections against target: the money a company collected per day or
 * month, by region and collector, compared with the month's target.
 *
 * Money collected is every payment item posted in the period, whatever
 * brought it in (bank matches, cleared checks, regional cash, imports),
 * less the reversals of returned receipts (the `:reversal` offsets that
 * reverseReceipt posts), counted on the day each is posted, in the
 * company currency.
 */
import { recordAudit } from '../audit/audit.js';
import { recordCliDenial } from '../audit/denials.js';
import { checkCompanyWrite, ForbiddenError } from '../auth/errors.js';
import { can } from '../auth/permissions.js';
import { scopeCondition } from '../auth/scope.js';
import type { Actor, Scope } from '../auth/types.js';
import type { Db, Queryable, SqlParam } from '../db/types.js';
import type { Company } from '../ledger/types.js';
import { isIsoDate, monthStart, type IsoDate } from '../shared/dates.js';
import { InputError } from '../shared/errors.js';
import { formatRatio } from '../shared/money.js';

export const collectionDimensions = ['region', 'collector'] as const;
export type CollectionDimension = (typeof collectionDimensions)[number];

export const collectionPeriods = ['day', 'month'] as const;
export type CollectionPeriod = (typeof collectionPeriods)[number];

/** Targets and report rows use this for "every region" or "every collector". */
export const allKey = '*';

const monthPattern = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface CollectionsRequest {
  company: Company;
  from: IsoDate;
  to: IsoDate;
  /** One dimension or both, in the order of the rows' keys. */
  by: readonly CollectionDimension[];
  period: CollectionPeriod;
  scope: Scope;
}

export interface CollectionsRow {
  /** `YYYY-MM-DD` for days, `YYYY-MM` for months. */
  period: string;
  month: string;
  /** The customer's region; null when the report is not by region or the customer has none. */
  region: string | null;
  /** The receipt's collector, else the customer's; null when the report is not by collector or there is none. */
  collector: string | null;
  /** Minor units of the company currency. */
  collected: bigint;
  /** For days: collected from the first of the month to this day. Null for months. */
  monthToDate: bigint | null;
  /** The month's target for this region and collector, or null when none is set. */
  target: bigint | null;
  /** Percent of the target achieved, two decimals: month to date for days, the month for months. */
  share: string | null;
}

export interface CollectionsReport {
  company: string;
  currency: string;
  currencyExponent: number;
  from: IsoDate;
  to: IsoDate;
  by: CollectionDimension[];
  period: CollectionPeriod;
  rows: CollectionsRow[];
  /** One row per period over every region and collector in scope, measured against the `*`/`*` target. */
  totals: CollectionsRow[];
}

/** Parses `region`, `collector` or both as `region,collector`. */
export function parseDimensions(text: string, field = 'by'): CollectionDimension[] {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const unknown = parts.find((part) => !(collectionDimensions as readonly string[]).includes(part));
  if (parts.length === 0 || unknown !== undefined || new Set(parts).size !== parts.length) {
    throw new InputError(
      `invalid ${field} "${text}": use region, collector or region,collector`,
      'invalid_grouping',
      field,
    );
  }
  return parts as CollectionDimension[];
}

export function checkPeriod(text: string, field = 'period'): CollectionPeriod {
  if (!(collectionPeriods as readonly string[]).includes(text)) {
    throw new InputError(`invalid ${field} "${text}": use day or month`, 'invalid_period', field);
  }
  return text as CollectionPeriod;
}

export function checkMonth(text: string, field = 'month'): string {
  if (!monthPattern.test(text)) throw new InputError(`invalid ${field} "${text}": use a month as YYYY-MM`, 'invalid_month', field);
  return text;
}

function checkRange(from: string, to: string): void {
  for (const [field, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!isIsoDate(value)) throw new InputError(`invalid ${field} date "${value}": use YYYY-MM-DD`, 'invalid_date', field);
  }
  if (from > to) throw new InputError(`from ${from} is after to ${to}`, 'invalid_period', 'from');
}

interface ReportRow {
  period: string;
  month: string;
  region_key: string | null;
  collector_key: string | null;
  is_total: boolean;
  collected: bigint;
  month_to_date: bigint;
  target: bigint | null;
}

/**
 * Computes the report in one query. For days the query starts on the
 * first of the first month, so the month-to-date figures count the days
 * before `from` too; those days are then left out of the rows.
 */
export async function collectionsReport(db: Queryable, request: CollectionsRequest): Promise<CollectionsReport> {
  checkRange(request.from, request.to);
  const byRegion = request.by.includes('region');
  const byCollector = request.by.includes('collector');
  if (!byRegion && !byCollector) throw new InputError('choose region, collector or both', 'invalid_grouping', 'by');
  const isDay = request.period === 'day';
  const lower = isDay ? monthStart(request.from) : request.from;
  const firstPeriod = isDay ? request.from : request.from.slice(0, 7);
  const periodFormat = isDay ? 'YYYY-MM-DD' : 'YYYY-MM';
  const params: SqlParam[] = [request.company.companyId, lower, request.to, firstPeriod];
  const scope = scopeCondition(request.scope, 'c', params as unknown[]);

  // A month with a target but nothing collected yet still gets its row.
  // NOTE: a month whose only target is the company-wide one (*, *) and
  // which has no collections at all gets no totals row.
  let targetRows = '';
  if (!isDay) {
    const targetConditions = [
      byRegion ? `t.region <> '${allKey}'` : `t.region = '${allKey}'`,
      byCollector ? `t.collector <> '${allKey}'` : `t.collector = '${allKey}'`,
    ];
    if (byRegion && request.scope.regions !== null) {
      params.push(request.scope.regions);
      targetConditions.push(`t.region = any($${params.length}::text[])`);
    }
    targetRows = `
      union all
      select greatest((t.month || '-01')::date, $2::date),
             ${byRegion ? 't.region' : 'null::text'}, ${byCollector ? 't.collector' : 'null::text'}, 0::bigint
      from collection_target t
      where t.company_id = $1 and t.month between to_char($2::date, 'YYYY-MM') and to_char($3::date, 'YYYY-MM')
        and ${targetConditions.join(' and ')}`;
  }

  const result = await db.query<ReportRow>(
    `with moves (day, region_key, collector_key, amount) as (
       select i.posting_date,
              ${byRegion ? 'c.region' : 'null::text'},
              ${byCollector ? 'coalesce(r.collector, c.collector)' : 'null::text'},
              -i.amount_local
       from open_item i
       join customer c on c.company_id = i.company_id and c.customer_id = i.customer_id
       left join cash_receipt r on r.company_id = i.company_id
         and r.erp_key = case when i.kind = 'adjustment' then left(i.erp_key, length(i.erp_key) - 9) else i.erp_key end
       where i.company_id = $1 and i.posting_date between $2::date and $3::date
         and (i.kind = 'payment' or (i.kind = 'adjustment' and i.erp_key like '%:reversal'))
         and ${scope}
       ${targetRows}),
     keyed as (
       select to_char(day, '${periodFormat}') as period, to_char(day, 'YYYY-MM') as month,
              region_key, collector_key, amount
       from moves),
     grouped as (
       select period, month, region_key, collector_key, grouping(region_key, collector_key) = 3 as is_total,
              sum(amount)::bigint as collected
       from keyed
       group by grouping sets ((period, month, region_key, collector_key), (period, month))),
     windowed as (
       select g.*, sum(collected) over (partition by is_total, month, region_key, collector_key order by period)::bigint
                   as month_to_date
       from grouped g)
     select w.period, w.month, w.region_key, w.collector_key, w.is_total, w.collected, w.month_to_date,
            t.amount as target
     from windowed w
     left join collection_target t on t.company_id = $1 and t.month = w.month
       and t.region = case when w.is_total then '${allKey}' else ${byRegion ? 'w.region_key' : `'${allKey}'`} end
       and t.collector = case when w.is_total then '${allKey}' else ${byCollector ? 'w.collector_key' : `'${allKey}'`} end
     where w.period >= $4
     order by w.is_total, w.period, w.region_key nulls last, w.collector_key nulls last`,
    params,
  );

  const toRow = (row: ReportRow): CollectionsRow => {
    const measured = isDay ? row.month_to_date : row.collected;
    return {
      period: row.period,
      month: row.month,
      region: row.region_key,
      collector: row.collector_key,
      collected: row.collected,
      monthToDate: isDay ? row.month_to_date : null,
      target: row.target,
      share: row.target === null || row.target === 0n ? null : formatRatio(measured * 100n, row.target, 2),
    };
  };
  return {
    company: request.company.code,
    currency: request.company.currency,
    currencyExponent: request.company.currencyExponent,
    from: request.from,
    to: request.to,
    by: [...request.by],
    period: request.period,
    rows: result.rows.filter((row) => !row.is_total).map(toRow),
    totals: result.rows.filter((row) => row.is_total).map(toRow),
  };
}

export interface CollectionTarget {
  month: string;
  region: string;
  collector: string;
  /** Minor units of the company currency. */
  amount: bigint;
  updatedBy: string;
  updatedAt: string;
}

export interface CollectionTargetInput {
  month: string;
  /** A region, or `*` for every region. */
  region: string;
  /** A collector, or `*` for every collector. */
  collector: string;
  amount: bigint;
}

interface TargetRow {
  month: string;
  region: string;
  collector: string;
  amount: bigint;
  updated_by: string;
  updated_at: string;
}

const selectTarget = `
  select t.month, t.region, t.collector, t.amount, t.updated_by,
         to_char(t.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as updated_at
  from collection_target t`;

function toTarget(row: TargetRow): CollectionTarget {
  return {
    month: row.month,
    region: row.region,
    collector: row.collector,
    amount: row.amount,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

/**
 * Sets the target of a month, region and collector, replacing any earlier
 * one, with an audit event in the same transaction. An actor limited to
 * some regions sets targets of those regions only.
 */
export async function setCollectionTarget(
  db: Db,
  company: Company,
  input: CollectionTargetInput,
  actor: Actor,
): Promise<CollectionTarget> {
  const month = checkMonth(input.month);
  const region = input.region.trim();
  const collector = input.collector.trim();
  const entityId = `${company.code}/${month}/${region}/${collector}`;
  const denied = (message: string) =>
    new ForbiddenError(message, { action: 'collections.target', entity: 'collection_target', entityId, companyId: company.companyId });
  try {
    if (!can(actor.role, 'collections.target')) throw denied(`the role ${actor.role} may not use collections.target`);
    checkCompanyWrite(actor, company, 'collections.target');
    if (region === '') throw new InputError('missing region: name one, or * for every region', 'missing_parameter', 'region');
    if (collector === '') throw new InputError('missing collector: name one, or * for every collector', 'missing_parameter', 'collector');
    if (input.amount < 0n) throw new InputError(`invalid amount ${input.amount}: it cannot be negative`, 'invalid_amount', 'amount');
    if (actor.scope.regions !== null && !actor.scope.regions.includes(region)) {
      throw denied(`region ${region} is outside your scope`);
    }
    return await db.transaction(async (tx) => {
      const before = await tx.query<TargetRow>(
        `${selectTarget} where t.company_id = $1 and t.month = $2 and t.region = $3 and t.collector = $4`,
        [company.companyId, month, region, collector],
      );
      await tx.query(
        `insert into collection_target (company_id, month, region, collector, amount, updated_by)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (company_id, month, region, collector)
         do update set amount = excluded.amount, updated_by = excluded.updated_by, updated_at = now()`,
        [company.companyId, month, region, collector, input.amount, actor.email],
      );
      const after = await tx.query<TargetRow>(
        `${selectTarget} where t.company_id = $1 and t.month = $2 and t.region = $3 and t.collector = $4`,
        [company.companyId, month, region, collector],
      );
      const target = toTarget(after.rows[0]!);
      await recordAudit(tx, {
        actor,
        action: 'collections.target',
        entity: 'collection_target',
        entityId,
        companyId: company.companyId,
        before: before.rows[0] ? { amount: before.rows[0].amount } : null,
        after: { month, region, collector, amount: target.amount },
      });
      return target;
    });
  } catch (error) {
    await recordCliDenial(db, actor, error);
    throw error;
  }
}

/**
 * Lists a company's targets between two months. An actor limited to some
 * regions sees the targets of those regions and the company-wide ones.
 */
export async function listCollectionTargets(
  db: Queryable,
  company: Company,
  scope: Scope,
  range: { from?: string; to?: string } = {},
): Promise<CollectionTarget[]> {
  if (range.from !== undefined) checkMonth(range.from, 'from');
  if (range.to !== undefined) checkMonth(range.to, 'to');
  const result = await db.query<TargetRow>(
    `${selectTarget}
     where t.company_id = $1 and ($2::text is null or t.month >= $2) and ($3::text is null or t.month <= $3)
       and ($4::text[] is null or t.region = '${allKey}' or t.region = any($4::text[]))
     order by t.month, t.region, t.collector`,
    [company.companyId, range.from ?? null, range.to ?? null, scope.regions],
  );
  return result.rows.map(toTarget);
}
