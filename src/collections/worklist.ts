/**
 * The collectors' worklist: for a company and a business date, the
 * customers that need an action (a strategy step, a follow-up, a promise
 * due or broken), ranked by a score whose parts are stored beside it.
 * Ranking is one SQL statement per company and date (worklist-sql.ts); the
 * result is stored in worklist_entry so that the page reads a ranked list.
 * Payments mark their customers stale, the next read also finds the
 * customers with collection work recorded since, and it re-ranks those.
 */
import { recordAudit } from '../audit/audit.js';
import { ForbiddenError } from '../auth/errors.js';
import { scopeCondition } from '../auth/scope.js';
import type { Actor, Scope } from '../auth/types.js';
import type { Db, Queryable, SqlParam } from '../db/types.js';
import type { Company } from '../ledger/types.js';
import type { IsoDate } from '../shared/dates.js';
import { InputError } from '../shared/errors.js';
import { checkDate, collectionWorkRoles } from './activities.js';
import type { RiskClass, StrategyAction } from './strategies.js';
import { rankWorklistSql, scoreWeights } from './worklist-sql.js';

export { scoreWeights } from './worklist-sql.js';

/** Days of stored worklists kept before the daily ranking deletes them. */
export const worklistHistoryDays = 92;

/** Returns the amount at which the amount part of the score is full, in minor units. */
export function amountCapLocal(company: Company): bigint {
  return scoreWeights.amountCapUnits * 10n ** BigInt(company.currencyExponent);
}

export interface RankResult {
  date: IsoDate;
  /** Customers on the worklist after ranking. */
  entries: number;
  durationMs: number;
}

async function rank(tx: Queryable, company: Company, date: IsoDate, customerIds: readonly bigint[] | null, engine: Db['engine']): Promise<void> {
  if (customerIds === null) {
    // PostgreSQL's JIT compiler took a second to compile the ranking
    // statement, longer than the statement then ran (measured on
    // PostgreSQL 15.20 with jit_above_cost 100000). The hash and sort nodes
    // of a whole company need more than the default 4 MB of work_mem.
    await tx.query('set local jit = off');
    await tx.query(`set local work_mem = '64MB'`);
    // Summing allocations per item through the index on (company,
    // debit item) and merging with the items in id order took 1.3 s where
    // hashing both took 1.8 s (1,000,000 items, PostgreSQL 15.20).
    // PGlite keeps its own plan: it was not measured there.
    if (engine === 'postgres') {
      await tx.query('set local enable_hashagg = off');
      await tx.query('set local enable_hashjoin = off');
    }
  }
  const params: SqlParam[] = [company.companyId, date, amountCapLocal(company)];
  if (customerIds === null) {
    await tx.query('delete from worklist_entry where company_id = $1 and work_date = $2', [company.companyId, date]);
  } else {
    params.push(customerIds.map(String));
    await tx.query('delete from worklist_entry where company_id = $1 and work_date = $2 and customer_id = any($3::bigint[])', [
      company.companyId,
      date,
      params[3]!,
    ]);
  }
  await tx.query(rankWorklistSql(customerIds !== null), params);
}

/**
 * Records a ranking of the date with its entry count. A partial re-rank
 * (`durationMs` null) updates the count only, so the run keeps the time and
 * duration of its last full ranking.
 */
async function recordRun(tx: Queryable, company: Company, date: IsoDate, durationMs: number | null): Promise<number> {
  const result = await tx.query<{ entries: number }>(
    `insert into worklist_run (company_id, work_date, entries, duration_ms)
     select $1, $2, count(*)::integer, coalesce($3, 0) from worklist_entry where company_id = $1 and work_date = $2
     on conflict (company_id, work_date) do update
       set entries = excluded.entries,
           duration_ms = coalesce($3, worklist_run.duration_ms),
           ranked_at = case when $3::integer is null then worklist_run.ranked_at else now() end
     returning entries`,
    [company.companyId, date, durationMs === null ? null : Math.round(durationMs)],
  );
  return result.rows[0]!.entries;
}

/**
 * Ranks the whole worklist of a company for a date, replacing what was
 * stored for that date, in one transaction. Stored dates older than
 * `worklistHistoryDays` before `date` are deleted.
 */
export async function rankWorklist(db: Db, company: Company, date: IsoDate, actor: Actor): Promise<RankResult> {
  checkDate(date, 'date');
  checkRankRole(actor, company);
  return db.transaction(async (tx) => {
    const started = performance.now();
    await tx.query('select 1 from company where company_id = $1 for update', [company.companyId]);
    await rank(tx, company, date, null, db.engine);
    await tx.query(`delete from worklist_entry where company_id = $1 and work_date < $2::date - ${worklistHistoryDays}`, [company.companyId, date]);
    await tx.query(`delete from worklist_run where company_id = $1 and work_date < $2::date - ${worklistHistoryDays}`, [company.companyId, date]);
    const durationMs = performance.now() - started;
    const entries = await recordRun(tx, company, date, durationMs);
    return { date, entries, durationMs };
  });
}

function checkRankRole(actor: Actor, company: Company): void {
  if (!collectionWorkRoles.includes(actor.role)) {
    throw new ForbiddenError(`the role ${actor.role} may not rank worklists`, {
      action: 'worklist.rank',
      entity: 'worklist',
      entityId: company.code,
      companyId: company.companyId,
    });
  }
}

/**
 * Marks the customers whose ledger changed from `fromDate` on: those
 * named, and the owners of the items named (a group payment can clear
 * another customer's items). Runs in the caller's transaction, so the
 * mark commits with the change. The next read of any stored worklist on
 * or after that date re-ranks them.
 */
export async function markWorklistStale(
  db: Queryable,
  companyId: number,
  change: { customerIds: readonly bigint[]; itemIds?: readonly bigint[]; fromDate: IsoDate },
): Promise<void> {
  const itemIds = change.itemIds ?? [];
  if (change.customerIds.length === 0 && itemIds.length === 0) return;
  await db.query(
    `insert into worklist_stale (company_id, customer_id, from_date)
     select $1, customer_id, $4::date from (
       select unnest($2::bigint[]) as customer_id
       union
       select customer_id from open_item where company_id = $1 and item_id = any($3::bigint[])
     ) changed
     on conflict (company_id, customer_id) do update
       set from_date = least(worklist_stale.from_date, excluded.from_date), marked_at = now()`,
    [companyId, [...new Set(change.customerIds.map(String))], itemIds.map(String), change.fromDate],
  );
}

/**
 * Re-ranks the customers marked stale for every stored date on or after
 * their mark, and removes the marks, in one transaction. Returns how many
 * customers were re-ranked.
 */
export async function refreshStaleEntries(db: Db, company: Company): Promise<number> {
  const waiting = await db.query('select 1 from worklist_stale where company_id = $1 limit 1', [company.companyId]);
  if (waiting.rows.length === 0) return 0;
  return db.transaction(async (tx) => {
    const marks = await tx.query<{ customer_id: bigint; from_date: IsoDate }>(
      'delete from worklist_stale where company_id = $1 returning customer_id, from_date',
      [company.companyId],
    );
    if (marks.rows.length === 0) return 0;
    const earliest = marks.rows.reduce((min, row) => (row.from_date < min ? row.from_date : min), marks.rows[0]!.from_date);
    const runs = await tx.query<{ work_date: IsoDate }>(
      'select work_date from worklist_run where company_id = $1 and work_date >= $2 order by work_date',
      [company.companyId, earliest],
    );
    for (const run of runs.rows) {
      const customers = marks.rows.filter((row) => row.from_date <= run.work_date).map((row) => row.customer_id);
      await rank(tx, company, run.work_date, customers, db.engine);
      await recordRun(tx, company, run.work_date, null);
    }
    return marks.rows.length;
  });
}

/**
 * Time by which a sweep reaches back before the previous one, for work
 * whose transaction started before that sweep and committed after it.
 * Marking a customer twice costs one more re-rank of that customer.
 * NOTE: work committed by a transaction that began more than this before
 * a sweep is missed until the next ranking of the date or payment.
 */
const sweepOverlap = '5 seconds';

/**
 * Marks stale the customers with activities, promises or dispute events
 * recorded since the last sweep (or since the company's first stored
 * ranking), from the day of that work on.
 */
export async function sweepCollectionWork(db: Db, company: Company): Promise<void> {
  await db.transaction(async (tx) => {
    const since = await tx.query<{ since: Date | string | null }>(
      `select coalesce((select swept_at from worklist_sweep where company_id = $1 for update),
                       (select min(ranked_at) from worklist_run where company_id = $1)) as since`,
      [company.companyId],
    );
    const from = since.rows[0]?.since ?? null;
    if (from === null) return;
    await tx.query(
      `insert into worklist_stale (company_id, customer_id, from_date)
       select $1, customer_id, min(day) from (
         select customer_id, activity_date as day from collection_activity
         where company_id = $1 and created_at > $2::timestamptz - interval '${sweepOverlap}'
         union all
         select customer_id, promise_date from promise_to_pay
         where company_id = $1 and created_at > $2::timestamptz - interval '${sweepOverlap}'
         union all
         select d.customer_id, e.event_date from dispute_event e
         join dispute d on d.company_id = e.company_id and d.dispute_id = e.dispute_id
         where e.company_id = $1 and e.created_at > $2::timestamptz - interval '${sweepOverlap}'
       ) work
       group by customer_id
       on conflict (company_id, customer_id) do update
         set from_date = least(worklist_stale.from_date, excluded.from_date), marked_at = now()`,
      [company.companyId, new Date(from).toISOString()],
    );
    await tx.query(
      `insert into worklist_sweep (company_id, swept_at) values ($1, now())
       on conflict (company_id) do update set swept_at = excluded.swept_at`,
      [company.companyId],
    );
  });
}

/**
 * Deletes the stored worklists of dates after `today`, in the caller's
 * transaction, after a strategy or rule change: those dates are ranked
 * again, with the change, when they are read or by their daily job. The
 * worklist of `today` and earlier stays as the collectors work it.
 */
export async function dropLaterWorklists(db: Queryable, companyId: number, today: IsoDate): Promise<void> {
  await db.query('delete from worklist_entry where company_id = $1 and work_date > $2', [companyId, today]);
  await db.query('delete from worklist_run where company_id = $1 and work_date > $2', [companyId, today]);
}

export interface ScoreParts {
  /** Decimal text with two decimals, as stored. */
  amount: string;
  days: string;
  risk: string;
  brokenPromises: string;
  step: string;
  tasks: string;
}

export interface WorklistEntry {
  customerId: bigint;
  customerNumber: string;
  customerName: string;
  collector: string | null;
  region: string | null;
  riskClass: RiskClass | null;
  strategyCode: string | null;
  strategyVersion: number | null;
  stepPosition: number | null;
  action: StrategyAction | null;
  stepDueDate: IsoDate | null;
  daysPastDue: number | null;
  /** Minor units of the company currency, disputed amounts excluded. */
  overdueLocal: bigint;
  disputedLocal: bigint;
  brokenPromises: number;
  followUpDate: IsoDate | null;
  promiseDueDate: IsoDate | null;
  promiseBrokenDate: IsoDate | null;
  parts: ScoreParts;
  score: string;
}

export interface WorklistRequest {
  date: IsoDate;
  /** Only customers of these collectors, compared ignoring case; all when null. */
  collectors: readonly string[] | null;
  limit: number;
  offset: number;
}

export interface WorklistPage {
  date: IsoDate;
  rankedAt: string;
  total: number;
  entries: WorklistEntry[];
  /** Entries still to do per collector, for the whole date in the scope. */
  collectors: { collector: string | null; entries: number }[];
}

function toEntry(row: Record<string, unknown>): WorklistEntry {
  return {
    customerId: row.customer_id as bigint,
    customerNumber: row.customer_number as string,
    customerName: row.name as string,
    collector: row.collector as string | null,
    region: row.region as string | null,
    riskClass: row.risk_class as RiskClass | null,
    strategyCode: row.strategy_code as string | null,
    strategyVersion: row.strategy_version as number | null,
    stepPosition: row.step_position === null ? null : Number(row.step_position),
    action: row.action as StrategyAction | null,
    stepDueDate: row.step_due_date as IsoDate | null,
    daysPastDue: row.days_past_due as number | null,
    overdueLocal: row.overdue_local as bigint,
    disputedLocal: row.disputed_local as bigint,
    brokenPromises: row.broken_promises as number,
    followUpDate: row.follow_up_date as IsoDate | null,
    promiseDueDate: row.promise_due_date as IsoDate | null,
    promiseBrokenDate: row.promise_broken_date as IsoDate | null,
    parts: {
      amount: row.amount_points as string,
      days: row.days_points as string,
      risk: row.risk_points as string,
      brokenPromises: row.promise_points as string,
      step: row.step_points as string,
      tasks: row.task_points as string,
    },
    score: row.score as string,
  };
}

/**
 * Ranks a date never ranked, or else re-ranks the customers with work
 * recorded or payments posted since; returns when the date was ranked.
 */
async function prepareDate(db: Db, company: Company, date: IsoDate, actor: Actor): Promise<string> {
  const rankedAt = () =>
    db.query<{ ranked_at: Date | string }>('select ranked_at from worklist_run where company_id = $1 and work_date = $2', [company.companyId, date]);
  if ((await rankedAt()).rows.length === 0) {
    await rankWorklist(db, company, date, actor);
  } else {
    await sweepCollectionWork(db, company);
    await refreshStaleEntries(db, company);
  }
  return new Date((await rankedAt()).rows[0]!.ranked_at).toISOString();
}

/**
 * Reads one page of a company's ranked worklist for a date, highest
 * score first, within the scope. The date is ranked first when it has
 * never been. Otherwise the customers with collection work recorded since
 * the last read, or marked stale by payments, are re-ranked first, so a
 * customer whose step a collector has just done leaves the list.
 */
export async function readWorklist(db: Db, company: Company, scope: Scope, request: WorklistRequest, actor: Actor): Promise<WorklistPage> {
  const date = checkDate(request.date, 'date');
  if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > 1000) {
    throw new InputError(`invalid limit ${request.limit}: use 1 to 1000`, 'invalid_limit', 'limit');
  }
  const rankedAt = await prepareDate(db, company, date, actor);

  const params: SqlParam[] = [company.companyId, date];
  const base = ['e.company_id = $1', 'e.work_date = $2', scopeCondition(scope, 'c', params)].join(' and ');
  const baseParams = [...params];
  let where = base;
  if (request.collectors !== null) {
    params.push(request.collectors.map((name) => name.toLowerCase()));
    where = `${base} and lower(e.collector) = any($${params.length}::text[])`;
  }
  const page = await db.query<Record<string, unknown>>(
    `select e.customer_id, e.customer_number, c.name, e.collector, c.region, e.risk_class, s.code as strategy_code,
            e.strategy_version, e.step_position, e.action, e.step_due_date, e.days_past_due, e.overdue_local,
            e.disputed_local, e.broken_promises, e.follow_up_date, e.promise_due_date, e.promise_broken_date,
            e.amount_points::text as amount_points, e.days_points::text as days_points, e.risk_points::text as risk_points,
            e.promise_points::text as promise_points, e.step_points::text as step_points, e.task_points::text as task_points,
            e.score::text as score
     from worklist_entry e
     join customer c on c.company_id = e.company_id and c.customer_id = e.customer_id
     left join collection_strategy s on s.company_id = e.company_id and s.strategy_id = e.strategy_id
     where ${where}
     order by e.score desc, e.overdue_local desc, e.customer_number collate "C"
     limit $${params.length + 1} offset $${params.length + 2}`,
    [...params, request.limit, request.offset],
  );
  const counts = await db.query<{ collector: string | null; entries: number }>(
    `select e.collector, count(*)::integer as entries
     from worklist_entry e join customer c on c.company_id = e.company_id and c.customer_id = e.customer_id
     where ${base}
     group by e.collector order by e.collector nulls last`,
    baseParams,
  );

  const collectors = counts.rows.map((row) => ({ collector: row.collector, entries: row.entries }));
  const total = collectors
    .filter((row) => request.collectors === null || (row.collector !== null && request.collectors.some((name) => name.toLowerCase() === row.collector!.toLowerCase())))
    .reduce((sum, row) => sum + row.entries, 0);
  return {
    date,
    rankedAt,
    total,
    entries: page.rows.map(toEntry),
    collectors,
  };
}

/**
 * Returns the collector names a user works under: their name and email,
 * which are compared ignoring case with the customer's collector.
 */
export async function collectorNamesOf(db: Queryable, actor: Actor): Promise<string[]> {
  const names = [actor.email];
  if (actor.userId !== null) {
    const user = await db.query<{ name: string }>('select name from app_user where user_id = $1', [actor.userId]);
    const name = user.rows[0]?.name.trim();
    if (name) names.push(name);
  }
  return names;
}

/** Records a ranking run by hand (API or command line) in the audit trail. */
export async function auditRanking(db: Queryable, company: Company, result: RankResult, actor: Actor): Promise<void> {
  await recordAudit(db, {
    actor,
    action: 'worklist.rank',
    entity: 'worklist',
    entityId: `${company.code}:${result.date}`,
    companyId: company.companyId,
    after: { entries: result.entries, durationMs: Math.round(result.durationMs) },
  });
}
