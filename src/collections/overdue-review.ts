/**
 * Regional overdue reviews: the credit manager's periodic meeting on the
 * overdue of one region. A review stores, per customer with an overdue
 * amount on its date, the overdue, balance, disputed part, check cover
 * and aging buckets in the company currency, so the next review of the
 * region shows what changed. Actions agreed in the meeting are stored
 * with the review and logged as follow-up activities.
 */
import { agingReport } from '../aging/index.js';
import { buildBuckets } from '../aging/buckets.js';
import { defaultBucketLimits, type AgingBucket, type AgingRow } from '../aging/types.js';
import { recordAudit } from '../audit/audit.js';
import { ForbiddenError } from '../auth/errors.js';
import { can } from '../auth/permissions.js';
import { checkRegionInScope, inScope } from '../auth/scope.js';
import type { Actor, Scope } from '../auth/types.js';
import { checkExposure } from '../checks/reports.js';
import type { Db, Queryable } from '../db/types.js';
import { getCompany, getCompanyById } from '../ledger/companies.js';
import type { Company } from '../ledger/types.js';
import { isEmailAddress } from '../mail/mailer.js';
import type { IsoDate } from '../shared/dates.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { checkDate, optionalText } from './activities.js';
import {
  loadReviewDetails,
  type ReviewAction,
  type ReviewDispute,
  type ReviewPromise,
} from './overdue-review-details.js';

export type { ReviewAction, ReviewDispute, ReviewPromise } from './overdue-review-details.js';

/** Listed: on this review and the previous one; new: on this one only; gone: on the previous one only. */
export type ReviewCustomerStatus = 'new' | 'listed' | 'gone';

export interface ReviewCustomer {
  customerId: bigint;
  customerNumber: string;
  name: string;
  status: ReviewCustomerStatus;
  /** Overdue on the review date; 0 for a customer gone from the list. */
  overdue: bigint;
  /** Overdue on the previous review; null for a new customer or without a previous review. */
  previousOverdue: bigint | null;
  /** Overdue less the previous overdue (a new customer's whole overdue); null without a previous review. */
  change: bigint | null;
  balance: bigint;
  disputed: bigint;
  /** Checks received and not yet cleared, as the check register reports them. */
  checkCover: bigint;
  /** Balance less the check cover. */
  netExposure: bigint;
  /** One amount per bucket of the review; empty for a customer gone from the list. */
  bucketAmounts: bigint[];
  promises: ReviewPromise[];
  disputes: ReviewDispute[];
}

export interface ReviewTotals {
  overdue: bigint;
  /** Total overdue of the previous review; null without one. */
  previousOverdue: bigint | null;
  /** Null without a previous review. */
  change: bigint | null;
  balance: bigint;
  disputed: bigint;
  checkCover: bigint;
  netExposure: bigint;
  bucketAmounts: bigint[];
}

export interface OverdueReview {
  reviewId: bigint;
  company: Pick<Company, 'companyId' | 'code' | 'name' | 'currency' | 'currencyExponent'>;
  region: string;
  date: IsoDate;
  previous: { reviewId: bigint; date: IsoDate } | null;
  buckets: AgingBucket[];
  /** Customers on the list by customer number, then those gone from it. */
  customers: ReviewCustomer[];
  totals: ReviewTotals;
  actions: ReviewAction[];
  createdBy: string;
  createdAt: string;
}

export interface ReviewSummary {
  reviewId: bigint;
  company: string;
  region: string;
  date: IsoDate;
  previousReviewId: bigint | null;
  customerCount: number;
  overdue: bigint;
  currency: string;
  currencyExponent: number;
  openActions: number;
  createdBy: string;
}

/** Raises ForbiddenError unless the actor's role has the `collections.review` permission. */
export function checkReviewRole(actor: Actor, action: string, companyId: number | null): void {
  if (!can(actor.role, 'collections.review')) {
    throw new ForbiddenError(`the role ${actor.role} may not hold overdue reviews`, {
      action,
      entity: 'route',
      entityId: action,
      companyId,
    });
  }
}

function sum(values: readonly bigint[]): bigint {
  return values.reduce((total, value) => total + value, 0n);
}

/** Overdue of an aging row: every aged bucket after "not due", without the unapplied credits. */
function overdueOf(row: AgingRow, limitCount: number): bigint {
  return sum(row.amounts.slice(1, limitCount + 1));
}

export interface NewReviewInput {
  company: string;
  region: string;
  date: IsoDate;
  /** Aging bucket limits; the default limits when omitted. */
  bucketLimits?: readonly number[];
}

interface LineInput {
  customerId: bigint;
  row: AgingRow;
  overdue: bigint;
  checkCover: bigint;
}

/** Ages the region on the date and keeps the customers with an overdue amount. */
async function reviewLines(db: Queryable, company: Company, region: string, date: IsoDate, limits: readonly number[]): Promise<LineInput[]> {
  const scope: Scope = { companyIds: [company.companyId], regions: [region] };
  const report = await agingReport(db, {
    companies: [company.code],
    asOf: date,
    basis: 'due',
    groupBy: 'customer',
    bucketLimits: limits,
    currency: 'local',
    scope,
  });
  const customers = await db.query<{ customer_id: bigint; customer_number: string }>(
    'select customer_id, customer_number from customer where company_id = $1 and region = $2',
    [company.companyId, region],
  );
  if (customers.rows.length === 0) {
    throw new InputError(`no customer of company ${company.code} is in region "${region}"`, 'unknown_region', 'region');
  }
  const idOf = new Map(customers.rows.map((row) => [row.customer_number, row.customer_id]));
  const exposure = await checkExposure(db, company, scope, date);
  const coverOf = new Map(exposure.map((row) => [row.customerId, row.checkCover]));
  const lines: LineInput[] = [];
  for (const row of report.rows) {
    const overdue = overdueOf(row, limits.length);
    if (overdue <= 0n) continue;
    const customerId = idOf.get(row.key)!;
    lines.push({ customerId, row, overdue, checkCover: coverOf.get(customerId) ?? 0n });
  }
  return lines;
}

/** Counts per customer the promises and disputes open on the date. */
async function openCounts(db: Queryable, companyId: number, date: IsoDate, customerIds: readonly bigint[]) {
  const ids = customerIds.map(String);
  const promises = await db.query<{ customer_id: bigint; count: number }>(
    `select customer_id, count(*)::integer as count from promise_to_pay
     where company_id = $1 and customer_id = any($2::bigint[]) and promise_date <= $3::date
       and (status = 'open' or decided_date > $3::date)
     group by customer_id`,
    [companyId, ids, date],
  );
  const disputes = await db.query<{ customer_id: bigint; count: number }>(
    `select customer_id, count(*)::integer as count from dispute
     where company_id = $1 and customer_id = any($2::bigint[]) and opened_date <= $3::date
       and (resolved_date is null or resolved_date > $3::date)
     group by customer_id`,
    [companyId, ids, date],
  );
  return {
    promises: new Map(promises.rows.map((row) => [row.customer_id, row.count])),
    disputes: new Map(disputes.rows.map((row) => [row.customer_id, row.count])),
  };
}

/**
 * Creates the overdue review of a region on a date: the customers with
 * an overdue amount, each with its balance, disputed part, check cover,
 * aging buckets and open promises and disputes, compared with the latest
 * earlier review of the region. One review per region and date.
 */
export async function createOverdueReview(db: Db, input: NewReviewInput, actor: Actor): Promise<OverdueReview> {
  const company = await getCompany(db, input.company);
  checkReviewRole(actor, 'review.create', company.companyId);
  const date = checkDate(input.date, 'date');
  const region = (input.region ?? '').trim();
  if (region === '') throw new InputError('missing region: name the region to review', 'missing_parameter', 'region');
  checkRegionInScope(actor.scope, company.companyId, region, 'review.create');
  const limits = input.bucketLimits ?? defaultBucketLimits;

  const reviewId = await db.transaction(async (tx) => {
    // Reviews of a region follow each other in date order, because each
    // stores its change against the one before it. A review on the same day
    // is named first.
    const blocking = await tx.query<{ review_id: bigint; review_date: IsoDate }>(
      `select review_id, review_date from overdue_review where company_id = $1 and region = $2 and review_date >= $3
       order by review_date = $3 desc, review_date desc limit 1`,
      [company.companyId, region, date],
    );
    const block = blocking.rows[0];
    if (block && block.review_date === date) {
      throw new InputError(`region ${region} of ${company.code} already has review ${block.review_id} on ${date}`, 'duplicate_review', 'date');
    }
    if (block) {
      throw new InputError(
        `region ${region} of ${company.code} already has review ${block.review_id} on ${block.review_date}: a new review must be dated after it`,
        'review_out_of_order',
        'date',
      );
    }

    const lines = await reviewLines(tx, company, region, date, limits);
    const counts = await openCounts(tx, company.companyId, date, lines.map((line) => line.customerId));
    const previous = await tx.query<{ review_id: bigint }>(
      `select review_id from overdue_review where company_id = $1 and region = $2 and review_date < $3
       order by review_date desc limit 1`,
      [company.companyId, region, date],
    );
    const inserted = await tx.query<{ review_id: bigint }>(
      `insert into overdue_review (company_id, review_id, region, review_date, previous_review_id, bucket_limits, created_by)
       values ($1, nextval('overdue_review_id_seq'), $2, $3, $4, $5::integer[], $6) returning review_id`,
      [company.companyId, region, date, previous.rows[0]?.review_id ?? null, [...limits], actor.email],
    );
    const id = inserted.rows[0]!.review_id;

    await tx.query(
      `insert into overdue_review_line (company_id, review_id, customer_id, balance, overdue, disputed, check_cover,
         bucket_amounts, open_promises, open_disputes)
       select $1, $2, t.customer_id, t.balance, t.overdue, t.disputed, t.check_cover,
              string_to_array(t.buckets, ',')::bigint[], t.promises, t.disputes
       from unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::integer[], $10::integer[])
         as t(customer_id, balance, overdue, disputed, check_cover, buckets, promises, disputes)`,
      [
        company.companyId,
        id,
        lines.map((line) => String(line.customerId)),
        lines.map((line) => String(line.row.total)),
        lines.map((line) => String(line.overdue)),
        lines.map((line) => String(line.row.disputed)),
        lines.map((line) => String(line.checkCover)),
        lines.map((line) => line.row.amounts.join(',')),
        lines.map((line) => counts.promises.get(line.customerId) ?? 0),
        lines.map((line) => counts.disputes.get(line.customerId) ?? 0),
      ],
    );

    await recordAudit(tx, {
      actor,
      action: 'review.create',
      entity: 'overdue_review',
      entityId: id.toString(),
      companyId: company.companyId,
      after: { region, date, customers: lines.length, overdue: sum(lines.map((line) => line.overdue)) },
    });
    return id;
  });
  return loadOverdueReview(db, reviewId, actor.scope);
}

interface LineRow {
  customer_id: bigint;
  customer_number: string;
  name: string;
  balance: bigint;
  overdue: bigint;
  disputed: bigint;
  check_cover: bigint;
  bucket_amounts: string;
}

async function loadLines(db: Queryable, companyId: number, reviewId: bigint): Promise<LineRow[]> {
  const result = await db.query<LineRow>(
    `select l.customer_id, c.customer_number, c.name, l.balance, l.overdue, l.disputed, l.check_cover,
            array_to_string(l.bucket_amounts, ',') as bucket_amounts
     from overdue_review_line l join customer c on c.company_id = l.company_id and c.customer_id = l.customer_id
     where l.company_id = $1 and l.review_id = $2
     order by c.customer_number collate "C"`,
    [companyId, reviewId],
  );
  return result.rows;
}

/** Joins this review's lines with the previous review's into customers with their change. */
function compareLines(current: readonly LineRow[], previous: readonly LineRow[] | null): ReviewCustomer[] {
  const before = new Map((previous ?? []).map((row) => [row.customer_id, row.overdue]));
  const customers: ReviewCustomer[] = current.map((row) => {
    const previousOverdue = before.get(row.customer_id) ?? null;
    return {
      customerId: row.customer_id,
      customerNumber: row.customer_number,
      name: row.name,
      status: previous !== null && previousOverdue === null ? 'new' : 'listed',
      overdue: row.overdue,
      previousOverdue,
      change: previous === null ? null : row.overdue - (previousOverdue ?? 0n),
      balance: row.balance,
      disputed: row.disputed,
      checkCover: row.check_cover,
      netExposure: row.balance - row.check_cover,
      bucketAmounts: row.bucket_amounts === '' ? [] : row.bucket_amounts.split(',').map(BigInt),
      promises: [],
      disputes: [],
    };
  });
  const listed = new Set(current.map((row) => row.customer_id));
  for (const row of previous ?? []) {
    if (listed.has(row.customer_id)) continue;
    customers.push({
      customerId: row.customer_id,
      customerNumber: row.customer_number,
      name: row.name,
      status: 'gone',
      overdue: 0n,
      previousOverdue: row.overdue,
      change: -row.overdue,
      balance: 0n,
      disputed: 0n,
      checkCover: 0n,
      netExposure: 0n,
      bucketAmounts: [],
      promises: [],
      disputes: [],
    });
  }
  return customers;
}

function totalsOf(customers: readonly ReviewCustomer[], bucketCount: number, hasPrevious: boolean): ReviewTotals {
  const listed = customers.filter((customer) => customer.status !== 'gone');
  const bucketAmounts = Array.from({ length: bucketCount }, (_, index) => sum(listed.map((customer) => customer.bucketAmounts[index] ?? 0n)));
  const overdue = sum(listed.map((customer) => customer.overdue));
  const previousOverdue = hasPrevious ? sum(customers.map((customer) => customer.previousOverdue ?? 0n)) : null;
  const balance = sum(listed.map((customer) => customer.balance));
  const checkCover = sum(listed.map((customer) => customer.checkCover));
  return {
    overdue,
    previousOverdue,
    change: previousOverdue === null ? null : overdue - previousOverdue,
    balance,
    disputed: sum(listed.map((customer) => customer.disputed)),
    checkCover,
    netExposure: balance - checkCover,
    bucketAmounts,
  };
}

interface ReviewRow {
  company_id: number;
  region: string;
  review_date: IsoDate;
  previous_review_id: bigint | null;
  previous_date: IsoDate | null;
  bucket_limits: string;
  created_by: string;
  created_at: string;
}

/** Returns the company of a review found by its id, or raises NotFoundError. */
export async function reviewCompanyId(db: Queryable, reviewId: bigint): Promise<number> {
  const result = await db.query<{ company_id: number }>('select company_id from overdue_review where review_id = $1', [reviewId]);
  if (!result.rows[0]) throw new NotFoundError(`review ${reviewId} not found`, 'reviewId');
  return result.rows[0].company_id;
}

/**
 * Reads a review with the change since the previous review of its
 * region, the open promises and disputes of each customer on the review
 * date, and the agreed actions. A review of a region outside the scope
 * raises ForbiddenError.
 */
export async function loadOverdueReview(db: Queryable, reviewId: bigint, scope: Scope): Promise<OverdueReview> {
  const companyId = await reviewCompanyId(db, reviewId);
  const header = await db.query<ReviewRow>(
    `select r.company_id, r.region, r.review_date, r.previous_review_id, p.review_date as previous_date,
            array_to_string(r.bucket_limits, ',') as bucket_limits, r.created_by,
            to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at
     from overdue_review r
     left join overdue_review p on p.company_id = r.company_id and p.review_id = r.previous_review_id
     where r.company_id = $1 and r.review_id = $2`,
    [companyId, reviewId],
  );
  const row = header.rows[0]!;
  checkRegionInScope(scope, companyId, row.region, 'read', { kind: 'overdue_review', id: reviewId.toString() });

  const company = await getCompanyById(db, companyId);
  const limits = row.bucket_limits.split(',').map(Number);
  const current = await loadLines(db, companyId, reviewId);
  const previous = row.previous_review_id === null ? null : await loadLines(db, companyId, row.previous_review_id);
  const customers = compareLines(current, previous);
  const buckets = buildBuckets(limits, 'due', false);
  const details = await loadReviewDetails(db, companyId, reviewId, row.review_date, customers.map((customer) => customer.customerId));
  for (const customer of customers) {
    customer.promises = details.promises.get(customer.customerId) ?? [];
    customer.disputes = details.disputes.get(customer.customerId) ?? [];
  }

  return {
    reviewId,
    company: {
      companyId,
      code: company.code,
      name: company.name,
      currency: company.currency,
      currencyExponent: company.currencyExponent,
    },
    region: row.region,
    date: row.review_date,
    previous: row.previous_review_id === null ? null : { reviewId: row.previous_review_id, date: row.previous_date! },
    buckets,
    customers,
    totals: totalsOf(customers, buckets.length, previous !== null),
    actions: details.actions,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export interface ReviewFilter {
  company?: string;
  region?: string;
}

/** Reviews of the regions in the scope, newest first. */
export async function listOverdueReviews(db: Queryable, scope: Scope, filter: ReviewFilter = {}): Promise<ReviewSummary[]> {
  const result = await db.query<Record<string, unknown>>(
    `select r.review_id, r.company_id, co.code, co.currency, cur.exponent, r.region, r.review_date, r.previous_review_id, r.created_by,
            (select count(*)::integer from overdue_review_line l where l.company_id = r.company_id and l.review_id = r.review_id) as customers,
            (select coalesce(sum(l.overdue), 0)::bigint from overdue_review_line l
              where l.company_id = r.company_id and l.review_id = r.review_id) as overdue,
            (select count(*)::integer from overdue_review_action a
              where a.company_id = r.company_id and a.review_id = r.review_id and a.status = 'open') as open_actions
     from overdue_review r
     join company co on co.company_id = r.company_id
     join currency cur on cur.code = co.currency
     where ($1::text is null or co.code = $1) and ($2::text is null or r.region = $2)
     order by r.review_date desc, r.review_id desc`,
    [filter.company ?? null, filter.region ?? null],
  );
  return result.rows
    .filter((row) => inScope(scope, row.company_id as number, row.region as string))
    .map((row) => ({
      reviewId: row.review_id as bigint,
      company: row.code as string,
      region: row.region as string,
      date: row.review_date as IsoDate,
      previousReviewId: row.previous_review_id as bigint | null,
      customerCount: row.customers as number,
      overdue: row.overdue as bigint,
      currency: (row.currency as string).trim(),
      currencyExponent: row.exponent as number,
      openActions: row.open_actions as number,
      createdBy: row.created_by as string,
    }));
}

export interface ActionInput {
  customerNumber: string;
  text: string;
  /** Email of the user who carries the action out. */
  owner: string;
  due: IsoDate;
}

/**
 * Adds an agreed action for a customer on the review and logs it as a
 * collection activity in the same transaction. The activity is a meeting
 * on the review date with the action as note and the due date as
 * follow-up, so it shows on the customer's timeline and in the follow-up
 * list of that day.
 */
export async function addReviewAction(db: Db, reviewId: bigint, input: ActionInput, actor: Actor): Promise<ReviewAction> {
  const companyId = await reviewCompanyId(db, reviewId);
  checkReviewRole(actor, 'review.action', companyId);
  const text = optionalText(input.text);
  if (text === null) throw new InputError('missing text: describe the agreed action', 'missing_parameter', 'text');
  const owner = (input.owner ?? '').trim();
  if (!isEmailAddress(owner)) throw new InputError(`invalid owner "${input.owner}": use the owner's email address`, 'invalid_email', 'owner');
  const due = checkDate(input.due, 'due');

  const actionId = await db.transaction(async (tx) => {
    const review = await tx.query<{ region: string; review_date: IsoDate }>(
      'select region, review_date from overdue_review where company_id = $1 and review_id = $2',
      [companyId, reviewId],
    );
    const { region, review_date: reviewDate } = review.rows[0]!;
    checkRegionInScope(actor.scope, companyId, region, 'review.action', { kind: 'overdue_review', id: reviewId.toString() });
    if (due < reviewDate) throw new InputError(`invalid due ${due}: it is before the review date ${reviewDate}`, 'invalid_date', 'due');
    const line = await tx.query<{ customer_id: bigint }>(
      `select l.customer_id from overdue_review_line l
       join customer c on c.company_id = l.company_id and c.customer_id = l.customer_id
       where l.company_id = $1 and l.review_id = $2 and c.customer_number = $3`,
      [companyId, reviewId, input.customerNumber],
    );
    const customerId = line.rows[0]?.customer_id;
    if (customerId === undefined) {
      throw new NotFoundError(`customer "${input.customerNumber}" is not on review ${reviewId}`, 'customer');
    }

    const activity = await tx.query<{ activity_id: bigint }>(
      `insert into collection_activity (company_id, activity_id, customer_id, kind, activity_date, outcome, note,
         follow_up_date, actor)
       values ($1, nextval('collection_activity_id_seq'), $2, 'meeting', $3, 'other', $4, $5, $6)
       returning activity_id`,
      [companyId, customerId, reviewDate, text, due, actor.email],
    );
    const activityId = activity.rows[0]!.activity_id;
    const inserted = await tx.query<{ action_id: bigint }>(
      `insert into overdue_review_action (company_id, action_id, review_id, customer_id, action_text, owner_email,
         due_date, activity_id, created_by)
       values ($1, nextval('overdue_review_action_id_seq'), $2, $3, $4, $5, $6, $7, $8) returning action_id`,
      [companyId, reviewId, customerId, text, owner, due, activityId, actor.email],
    );
    const id = inserted.rows[0]!.action_id;

    const after = { reviewId: reviewId.toString(), customerNumber: input.customerNumber, text, owner, due, activityId: activityId.toString() };
    await recordAudit(tx, { actor, action: 'activity.add', entity: 'activity', entityId: activityId.toString(), companyId, after, reason: `review ${reviewId}` });
    await recordAudit(tx, { actor, action: 'review.action', entity: 'overdue_review_action', entityId: id.toString(), companyId, after });
    return id;
  });
  return loadAction(db, companyId, actionId);
}

async function loadAction(db: Queryable, companyId: number, actionId: bigint): Promise<ReviewAction> {
  const review = await db.query<{ review_id: bigint; review_date: IsoDate }>(
    `select r.review_id, r.review_date from overdue_review_action a
     join overdue_review r on r.company_id = a.company_id and r.review_id = a.review_id
     where a.company_id = $1 and a.action_id = $2`,
    [companyId, actionId],
  );
  const row = review.rows[0];
  if (!row) throw new NotFoundError(`action ${actionId} not found`, 'actionId');
  const details = await loadReviewDetails(db, companyId, row.review_id, row.review_date, []);
  return details.actions.find((action) => action.actionId === actionId)!;
}

/** Marks an open action done on a date, not before the review date; audited. */
export async function completeReviewAction(db: Db, actionId: bigint, input: { date: IsoDate }, actor: Actor): Promise<ReviewAction> {
  const found = await db.query<{ company_id: number }>('select company_id from overdue_review_action where action_id = $1', [actionId]);
  const companyId = found.rows[0]?.company_id;
  if (companyId === undefined) throw new NotFoundError(`action ${actionId} not found`, 'actionId');
  checkReviewRole(actor, 'review.action_done', companyId);
  const date = checkDate(input.date, 'date');
  await db.transaction(async (tx) => {
    const current = await tx.query<{ status: string; region: string; review_id: bigint; review_date: IsoDate }>(
      `select a.status, r.region, r.review_id, r.review_date from overdue_review_action a
       join overdue_review r on r.company_id = a.company_id and r.review_id = a.review_id
       where a.company_id = $1 and a.action_id = $2 for update of a`,
      [companyId, actionId],
    );
    const row = current.rows[0]!;
    checkRegionInScope(actor.scope, companyId, row.region, 'review.action_done', { kind: 'overdue_review', id: row.review_id.toString() });
    if (row.status === 'done') throw new InputError(`action ${actionId} is already done`, 'illegal_transition', 'status');
    if (date < row.review_date) throw new InputError(`invalid date ${date}: it is before the review date ${row.review_date}`, 'invalid_date', 'date');
    await tx.query(
      `update overdue_review_action set status = 'done', done_date = $3, done_by = $4 where company_id = $1 and action_id = $2`,
      [companyId, actionId, date, actor.email],
    );
    await recordAudit(tx, {
      actor,
      action: 'review.action_done',
      entity: 'overdue_review_action',
      entityId: actionId.toString(),
      companyId,
      before: { status: 'open' },
      after: { status: 'done', date },
    });
  });
  return loadAction(db, companyId, actionId);
}
