/**
 * Collection activities: calls, visits, emails, letters and meetings with
 * a customer, with their outcome and the next follow-up. Activities are
 * append-only, so a correction is a new activity naming the one it corrects.
 */
import { recordAudit } from '../audit/audit.js';
import { ForbiddenError } from '../auth/errors.js';
import { inScope, scopeCondition } from '../auth/scope.js';
import type { Actor, Role, Scope } from '../auth/types.js';
import type { Db, Queryable, SqlParam } from '../db/types.js';
import { isIsoDate, type IsoDate } from '../shared/dates.js';
import { InputError, NotFoundError } from '../shared/errors.js';

export const activityKinds = ['call', 'visit', 'email', 'letter', 'meeting'] as const;
export type ActivityKind = (typeof activityKinds)[number];

export const activityOutcomes = [
  'reached',
  'no_answer',
  'promised',
  'disputed',
  'refused',
  'wrong_contact',
  'left_message',
  'other',
] as const;
export type ActivityOutcome = (typeof activityOutcomes)[number];

/** Roles that log collection work, record promises and handle disputes. */
export const collectionWorkRoles: readonly Role[] = ['admin', 'finance', 'credit_manager', 'collector', 'credit_analyst', 'sales'];

/** Raises ForbiddenError unless the actor's role does collection work. */
export function checkWorkRole(actor: Actor, action: string, companyId: number | null): void {
  if (!collectionWorkRoles.includes(actor.role)) {
    throw new ForbiddenError(`the role ${actor.role} may not record collection work`, {
      action,
      entity: 'route',
      entityId: action,
      companyId,
    });
  }
}

export function checkDate(date: string, field: string): IsoDate {
  if (!isIsoDate(date)) throw new InputError(`invalid ${field} "${date}": use YYYY-MM-DD`, 'invalid_date', field);
  return date;
}

export function checkChoice<T extends string>(value: string, choices: readonly T[], field: string): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new InputError(`invalid ${field} "${value}": use one of ${choices.join(', ')}`, `invalid_${field}`, field);
  }
  return value as T;
}

/** Trimmed text, or null when empty or missing. */
export function optionalText(text: string | null | undefined): string | null {
  const value = (text ?? '').trim();
  return value === '' ? null : value;
}

export interface ScopedCustomer {
  companyId: number;
  customerId: bigint;
  customerNumber: string;
  region: string | null;
}

/**
 * Returns a customer of the company after checking it exists
 * (NotFoundError) and lies in the scope (ForbiddenError naming `action`).
 */
export async function customerInScope(
  db: Queryable,
  companyId: number,
  customerId: bigint,
  scope: Scope,
  action: string,
): Promise<ScopedCustomer> {
  const result = await db.query<{ customer_number: string; region: string | null }>(
    'select customer_number, region from customer where company_id = $1 and customer_id = $2',
    [companyId, customerId],
  );
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`customer ${customerId} not found`, 'customerId');
  if (!inScope(scope, companyId, row.region)) {
    throw new ForbiddenError(`customer ${customerId} is outside your scope`, {
      action,
      entity: 'customer',
      entityId: customerId.toString(),
      companyId,
    });
  }
  return { companyId, customerId, customerNumber: row.customer_number, region: row.region };
}

export interface ActivityInput {
  customerId: bigint;
  kind: string;
  date: IsoDate;
  contact?: string | null;
  outcome: string;
  note?: string | null;
  followUpDate?: IsoDate | null;
  /** Visits: the sales representative who came along. */
  salesRep?: string | null;
  visitReport?: string | null;
  nextStep?: string | null;
  /** The earlier activity this one corrects. */
  correctsActivityId?: bigint | null;
}

export interface Activity {
  activityId: bigint;
  companyId: number;
  customerId: bigint;
  customerNumber: string;
  customerName: string;
  kind: ActivityKind;
  date: IsoDate;
  contact: string | null;
  outcome: ActivityOutcome;
  note: string | null;
  followUpDate: IsoDate | null;
  salesRep: string | null;
  visitReport: string | null;
  nextStep: string | null;
  correctsActivityId: bigint | null;
  actor: string;
}

const selectActivities = `
  select a.activity_id, a.company_id, a.customer_id, c.customer_number, c.name as customer_name, a.kind,
         a.activity_date, a.contact, a.outcome, a.note, a.follow_up_date, a.sales_rep, a.visit_report,
         a.next_step, a.corrects_activity_id, a.actor
  from collection_activity a
  join customer c on c.company_id = a.company_id and c.customer_id = a.customer_id`;

function toActivity(row: Record<string, unknown>): Activity {
  return {
    activityId: row.activity_id as bigint,
    companyId: row.company_id as number,
    customerId: row.customer_id as bigint,
    customerNumber: row.customer_number as string,
    customerName: row.customer_name as string,
    kind: row.kind as ActivityKind,
    date: row.activity_date as IsoDate,
    contact: row.contact as string | null,
    outcome: row.outcome as ActivityOutcome,
    note: row.note as string | null,
    followUpDate: row.follow_up_date as IsoDate | null,
    salesRep: row.sales_rep as string | null,
    visitReport: row.visit_report as string | null,
    nextStep: row.next_step as string | null,
    correctsActivityId: row.corrects_activity_id as bigint | null,
    actor: row.actor as string,
  };
}

export async function loadActivity(db: Queryable, companyId: number, activityId: bigint): Promise<Activity> {
  const result = await db.query<Record<string, unknown>>(`${selectActivities} where a.company_id = $1 and a.activity_id = $2`, [
    companyId,
    activityId,
  ]);
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`activity ${activityId} not found`, 'activityId');
  return toActivity(row);
}

/** Logs an activity with its audit event in one transaction. */
export async function logActivity(db: Db, companyId: number, input: ActivityInput, actor: Actor): Promise<Activity> {
  checkWorkRole(actor, 'activity.add', companyId);
  const kind = checkChoice(input.kind, activityKinds, 'kind');
  const outcome = checkChoice(input.outcome, activityOutcomes, 'outcome');
  const date = checkDate(input.date, 'date');
  const followUp = input.followUpDate ? checkDate(input.followUpDate, 'followUpDate') : null;
  if (followUp !== null && followUp < date) {
    throw new InputError(`the follow-up date ${followUp} is before the activity date ${date}`, 'invalid_date', 'followUpDate');
  }
  const visit = kind === 'visit';
  if (!visit && (optionalText(input.salesRep) || optionalText(input.visitReport) || optionalText(input.nextStep))) {
    throw new InputError(`a ${kind} has no sales representative, visit report or next step: only a visit does`, 'invalid_field', 'visitReport');
  }
  return db.transaction(async (tx) => {
    await customerInScope(tx, companyId, input.customerId, actor.scope, 'activity.add');
    if (input.correctsActivityId != null) {
      const corrected = await loadActivity(tx, companyId, input.correctsActivityId);
      if (corrected.customerId !== input.customerId) {
        throw new InputError(`activity ${input.correctsActivityId} belongs to another customer`, 'invalid_activity', 'correctsActivityId');
      }
    }
    const inserted = await tx.query<{ activity_id: bigint }>(
      `insert into collection_activity (company_id, activity_id, customer_id, kind, activity_date, contact, outcome, note,
         follow_up_date, sales_rep, visit_report, next_step, corrects_activity_id, actor)
       values ($1, nextval('collection_activity_id_seq'), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       returning activity_id`,
      [
        companyId,
        input.customerId,
        kind,
        date,
        optionalText(input.contact),
        outcome,
        optionalText(input.note),
        followUp,
        visit ? optionalText(input.salesRep) : null,
        visit ? optionalText(input.visitReport) : null,
        visit ? optionalText(input.nextStep) : null,
        input.correctsActivityId ?? null,
        actor.email,
      ],
    );
    const activity = await loadActivity(tx, companyId, inserted.rows[0]!.activity_id);
    await recordAudit(tx, {
      actor,
      action: 'activity.add',
      entity: 'activity',
      entityId: activity.activityId.toString(),
      companyId,
      after: activity,
      reason: input.correctsActivityId != null ? `corrects activity ${input.correctsActivityId}` : null,
    });
    return activity;
  });
}

export interface ActivityFilter {
  customerId?: bigint;
  /** Only activities logged by this user (email). */
  actor?: string;
  /** Only activities whose follow-up falls on this day. */
  followUpDate?: IsoDate;
}

/** Activities of the customers in the scope, newest first. */
export async function listActivities(db: Queryable, companyId: number, scope: Scope, filter: ActivityFilter = {}): Promise<Activity[]> {
  const params: SqlParam[] = [companyId];
  const conditions = ['a.company_id = $1', scopeCondition(scope, 'c', params)];
  if (filter.customerId !== undefined) {
    params.push(filter.customerId);
    conditions.push(`a.customer_id = $${params.length}`);
  }
  if (filter.actor !== undefined) {
    params.push(filter.actor.toLowerCase());
    conditions.push(`lower(a.actor) = $${params.length}`);
  }
  if (filter.followUpDate !== undefined) {
    params.push(checkDate(filter.followUpDate, 'date'));
    conditions.push(`a.follow_up_date = $${params.length}::date`);
  }
  const result = await db.query<Record<string, unknown>>(
    `${selectActivities} where ${conditions.join(' and ')} order by a.activity_date desc, a.activity_id desc`,
    params,
  );
  return result.rows.map(toActivity);
}

/**
 * Returns SQL for a customer's activities in the row shape of the
 * customer timeline's events, for a `union all` there. The columns are
 * date, rank (3, so activities come first among one day's entries), id,
 * kind ('activity'), ten nulls for the item and allocation columns, the
 * note as reason, null currency, amount and local amount, then
 * activity_kind, outcome, contact and follow_up_date.
 */
export function activityTimelineSql(companyParam: string, customerParam: string): string {
  return `
    select a.activity_date as date, 3 as rank, a.activity_id as id, 'activity' as kind,
           null::bigint as item_id, null::text as item_kind, null::text as document_number,
           null::bigint as allocation_id, null::bigint as debit_item_id, null::text as debit_document_number,
           null::bigint as credit_item_id, null::text as credit_document_number,
           null::bigint as reverses_allocation_id, a.note as reason,
           null::text as currency, null::bigint as amount, null::bigint as amount_local,
           a.kind as activity_kind, a.outcome, a.contact, a.follow_up_date
    from collection_activity a
    where a.company_id = ${companyParam} and a.customer_id = ${customerParam}`;
}
