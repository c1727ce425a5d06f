/**
 * Promises to pay. A promise is kept when the money counted for it
 * reaches the promised amount between the day it was made and the
 * promised date plus the company's grace days. The money counted is the
 * allocations to its items by allocation date or, without items, the
 * customer's payments by posting date. It is broken when the grace has
 * passed without that.
 */
import { recordAudit } from '../audit/audit.js';
import { checkCompanyWrite } from '../auth/errors.js';
import { scopeCondition } from '../auth/scope.js';
import type { Actor, Scope } from '../auth/types.js';
import type { Db, Queryable, SqlParam } from '../db/types.js';
import type { Company } from '../ledger/types.js';
import { addDays, type IsoDate } from '../shared/dates.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { checkChoice, checkDate, checkWorkRole, customerInScope, loadActivity, optionalText } from './activities.js';

export const promiseStatuses = ['open', 'kept', 'broken', 'cancelled'] as const;
export type PromiseStatus = (typeof promiseStatuses)[number];

export const defaultGraceDays = 3;

export interface PromiseInput {
  customerId: bigint;
  currency: string;
  amount: bigint;
  /** The day the customer made the promise. */
  promiseDate: IsoDate;
  promisedDate: IsoDate;
  items?: readonly { itemId: bigint; amount: bigint }[];
  activityId?: bigint | null;
  note?: string | null;
}

export interface PromiseToPay {
  promiseId: bigint;
  companyId: number;
  customerId: bigint;
  customerNumber: string;
  activityId: bigint | null;
  currency: string;
  currencyExponent: number;
  amount: bigint;
  promiseDate: IsoDate;
  promisedDate: IsoDate;
  status: PromiseStatus;
  decidedDate: IsoDate | null;
  evaluatedAsOf: IsoDate | null;
  /** Amount paid by the day the promise was decided. */
  paidAmount: bigint | null;
  note: string | null;
  actor: string;
  items: { itemId: bigint; documentNumber: string; amount: bigint }[];
}

const selectPromises = `
  select p.promise_id, p.company_id, p.customer_id, c.customer_number, c.region, p.activity_id, p.currency, cur.exponent,
         p.amount, p.promise_date, p.promised_date, p.status, p.decided_date, p.evaluated_as_of, p.paid_amount, p.note, p.actor
  from promise_to_pay p
  join customer c on c.company_id = p.company_id and c.customer_id = p.customer_id
  join currency cur on cur.code = p.currency`;

async function toPromises(db: Queryable, rows: readonly Record<string, unknown>[]): Promise<PromiseToPay[]> {
  if (rows.length === 0) return [];
  const lines = await db.query<{ promise_id: bigint; item_id: bigint; document_number: string; amount: bigint }>(
    `select l.promise_id, l.item_id, i.document_number, l.amount
     from promise_item l join open_item i on i.company_id = l.company_id and i.item_id = l.item_id
     where l.company_id = $1 and l.promise_id = any($2::bigint[]) order by l.promise_id, l.item_id`,
    [rows[0]!.company_id as number, rows.map((row) => String(row.promise_id))],
  );
  return rows.map((row) => ({
    promiseId: row.promise_id as bigint,
    companyId: row.company_id as number,
    customerId: row.customer_id as bigint,
    customerNumber: row.customer_number as string,
    activityId: row.activity_id as bigint | null,
    currency: (row.currency as string).trim(),
    currencyExponent: row.exponent as number,
    amount: row.amount as bigint,
    promiseDate: row.promise_date as IsoDate,
    promisedDate: row.promised_date as IsoDate,
    status: row.status as PromiseStatus,
    decidedDate: row.decided_date as IsoDate | null,
    evaluatedAsOf: row.evaluated_as_of as IsoDate | null,
    paidAmount: row.paid_amount as bigint | null,
    note: row.note as string | null,
    actor: row.actor as string,
    items: lines.rows
      .filter((line) => line.promise_id === row.promise_id)
      .map((line) => ({ itemId: line.item_id, documentNumber: line.document_number, amount: line.amount })),
  }));
}

export async function loadPromise(db: Queryable, companyId: number, promiseId: bigint): Promise<PromiseToPay> {
  const result = await db.query<Record<string, unknown>>(`${selectPromises} where p.company_id = $1 and p.promise_id = $2`, [
    companyId,
    promiseId,
  ]);
  if (!result.rows[0]) throw new NotFoundError(`promise ${promiseId} not found`, 'promiseId');
  return (await toPromises(db, result.rows))[0]!;
}

/** Returns the grace days of a company's promises: the stored setting, or 3. */
export async function promiseGraceDays(db: Queryable, companyId: number): Promise<number> {
  const result = await db.query<{ promise_grace_days: number }>(
    'select promise_grace_days from collection_setting where company_id = $1',
    [companyId],
  );
  return result.rows[0]?.promise_grace_days ?? defaultGraceDays;
}

/** Sets a company's grace days for promises. */
export async function setPromiseGraceDays(db: Db, company: Company, days: number, actor: Actor): Promise<number> {
  if (!Number.isInteger(days) || days < 0 || days > 365) {
    throw new InputError(`invalid grace days "${days}": use a whole number from 0 to 365`, 'invalid_setting', 'graceDays');
  }
  checkWorkRole(actor, 'promise.settings', company.companyId);
  checkCompanyWrite(actor, company, 'promise.settings');
  return db.transaction(async (tx) => {
    const before = await promiseGraceDays(tx, company.companyId);
    await tx.query(
      `insert into collection_setting (company_id, promise_grace_days) values ($1, $2)
       on conflict (company_id) do update set promise_grace_days = excluded.promise_grace_days`,
      [company.companyId, days],
    );
    await recordAudit(tx, {
      actor,
      action: 'collection_setting.set',
      entity: 'collection_setting',
      entityId: company.code,
      companyId: company.companyId,
      before: { promiseGraceDays: before },
      after: { promiseGraceDays: days },
    });
    return days;
  });
}

/** Records a promise to pay with its audit event in one transaction. */
export async function addPromise(db: Db, companyId: number, input: PromiseInput, actor: Actor): Promise<PromiseToPay> {
  checkWorkRole(actor, 'promise.add', companyId);
  const promiseDate = checkDate(input.promiseDate, 'promiseDate');
  const promisedDate = checkDate(input.promisedDate, 'promisedDate');
  if (promisedDate < promiseDate) {
    throw new InputError(`the promised date ${promisedDate} is before the day of the promise ${promiseDate}`, 'invalid_date', 'promisedDate');
  }
  if (input.amount <= 0n) throw new InputError(`the promised amount must be positive, not ${input.amount}`, 'invalid_amount', 'amount');
  const currency = input.currency.trim().toUpperCase();
  const items = input.items ?? [];
  const seen = new Set<bigint>();
  let itemTotal = 0n;
  for (const line of items) {
    if (seen.has(line.itemId)) throw new InputError(`item ${line.itemId} is named twice`, 'duplicate_item', 'items');
    seen.add(line.itemId);
    if (line.amount <= 0n) throw new InputError(`item ${line.itemId}: the amount must be positive, not ${line.amount}`, 'invalid_amount', 'items');
    itemTotal += line.amount;
  }
  if (items.length > 0 && itemTotal !== input.amount) {
    throw new InputError(`the items total ${itemTotal} differs from the promised amount ${input.amount}`, 'amount_mismatch', 'items');
  }
  return db.transaction(async (tx) => {
    await customerInScope(tx, companyId, input.customerId, actor.scope, 'promise.add');
    const known = await tx.query('select 1 from currency where code = $1', [currency]);
    if (known.rows.length === 0) throw new InputError(`unknown currency "${input.currency}": use an ISO 4217 code`, 'invalid_currency', 'currency');
    if (input.activityId != null) {
      const activity = await loadActivity(tx, companyId, input.activityId);
      if (activity.customerId !== input.customerId) {
        throw new InputError(`activity ${input.activityId} belongs to another customer`, 'invalid_activity', 'activityId');
      }
    }
    if (items.length > 0) {
      const found = await tx.query<{ item_id: bigint; customer_id: bigint; currency: string; amount: bigint }>(
        'select item_id, customer_id, currency, amount from open_item where company_id = $1 and item_id = any($2::bigint[])',
        [companyId, items.map((line) => line.itemId.toString())],
      );
      const byId = new Map(found.rows.map((row) => [row.item_id, row]));
      for (const line of items) {
        const item = byId.get(line.itemId);
        if (!item) throw new NotFoundError(`item ${line.itemId} not found`, 'items');
        if (item.customer_id !== input.customerId) throw new InputError(`item ${line.itemId} belongs to another customer`, 'invalid_item', 'items');
        if (item.currency.trim() !== currency) {
          throw new InputError(`item ${line.itemId} is in ${item.currency.trim()}, the promise in ${currency}`, 'currency_mismatch', 'items');
        }
        if (item.amount <= 0n) throw new InputError(`item ${line.itemId} is a credit, not a debit`, 'invalid_item', 'items');
      }
    }
    const inserted = await tx.query<{ promise_id: bigint }>(
      `insert into promise_to_pay (company_id, promise_id, customer_id, activity_id, currency, amount, promise_date, promised_date, note, actor)
       values ($1, nextval('promise_id_seq'), $2, $3, $4, $5, $6, $7, $8, $9) returning promise_id`,
      [companyId, input.customerId, input.activityId ?? null, currency, input.amount, promiseDate, promisedDate, optionalText(input.note), actor.email],
    );
    const promiseId = inserted.rows[0]!.promise_id;
    if (items.length > 0) {
      await tx.query(
        `insert into promise_item (company_id, promise_id, item_id, amount)
         select $1, $2, t.item_id, t.amount from unnest($3::bigint[], $4::bigint[]) as t(item_id, amount)`,
        [companyId, promiseId, items.map((line) => line.itemId.toString()), items.map((line) => line.amount.toString())],
      );
    }
    const promise = await loadPromise(tx, companyId, promiseId);
    await recordAudit(tx, { actor, action: 'promise.add', entity: 'promise', entityId: promiseId.toString(), companyId, after: promise, reason: promise.note });
    return promise;
  });
}

export interface PromiseFilter {
  status?: PromiseStatus;
  customerId?: bigint;
}

/** Promises of the customers in the scope, by promised date. */
export async function listPromises(db: Queryable, companyId: number, scope: Scope, filter: PromiseFilter = {}): Promise<PromiseToPay[]> {
  const params: SqlParam[] = [companyId];
  const conditions = ['p.company_id = $1', scopeCondition(scope, 'c', params)];
  if (filter.status !== undefined) {
    params.push(checkChoice(filter.status, promiseStatuses, 'status'));
    conditions.push(`p.status = $${params.length}`);
  }
  if (filter.customerId !== undefined) {
    params.push(filter.customerId);
    conditions.push(`p.customer_id = $${params.length}`);
  }
  const result = await db.query<Record<string, unknown>>(
    `${selectPromises} where ${conditions.join(' and ')} order by p.promised_date, p.promise_id`,
    params,
  );
  return toPromises(db, result.rows);
}

export interface EvaluationResult {
  asOf: IsoDate;
  graceDays: number;
  kept: PromiseToPay[];
  broken: PromiseToPay[];
}

/**
 * Decides the company's open promises as of a date. Payments count from
 * the day of the promise to the promised date plus the grace days, and
 * never after `asOf`. A promise is kept as soon as they reach its amount,
 * on the day they did. It is broken once the grace has passed as of
 * `asOf` without that, with what was paid recorded. Decided promises are
 * not looked at again, so a second run changes nothing.
 */
export async function evaluatePromises(db: Db, company: Company, asOf: IsoDate, actor: Actor): Promise<EvaluationResult> {
  checkDate(asOf, 'asOf');
  checkWorkRole(actor, 'promise.evaluate', company.companyId);
  checkCompanyWrite(actor, company, 'promise.evaluate');
  return db.transaction(async (tx) => {
    const graceDays = await promiseGraceDays(tx, company.companyId);
    // Money counted for each open promise, dated: allocations to its items
    // (each item up to its promised amount), or the customer's payments in
    // the promise's currency when it names no items.
    const result = await tx.query<{ promise_id: bigint; paid: string; kept_date: string | null }>(
      `with open_promise as (
         select p.promise_id, p.customer_id, p.currency, p.amount, p.promise_date,
                least(p.promised_date + $3::integer, $2::date) as window_end
         from promise_to_pay p
         where p.company_id = $1 and p.status = 'open' and p.promise_date <= $2::date
       ),
       item_money as (
         select op.promise_id, l.item_id, a.allocation_date as day, sum(a.amount) as amount
         from open_promise op
         join promise_item l on l.company_id = $1 and l.promise_id = op.promise_id
         join allocation a on a.company_id = $1 and a.debit_item_id = l.item_id
           and a.allocation_date between op.promise_date and op.window_end
         group by op.promise_id, l.item_id, a.allocation_date
       ),
       item_capped as (
         select m.promise_id, m.day,
                least(sum(m.amount) over (partition by m.promise_id, m.item_id order by m.day), l.amount)
                - least(coalesce(sum(m.amount) over (partition by m.promise_id, m.item_id order by m.day
                    rows between unbounded preceding and 1 preceding), 0), l.amount) as amount
         from item_money m join promise_item l on l.company_id = $1 and l.promise_id = m.promise_id and l.item_id = m.item_id
       ),
       customer_money as (
         select op.promise_id, i.posting_date as day, -i.amount as amount
         from open_promise op
         join open_item i on i.company_id = $1 and i.customer_id = op.customer_id and i.kind = 'payment'
           and i.currency = op.currency and i.posting_date between op.promise_date and op.window_end
         where not exists (select 1 from promise_item l where l.company_id = $1 and l.promise_id = op.promise_id)
       ),
       money as (
         select promise_id, day, sum(amount) as amount
         from (select promise_id, day, amount from item_capped union all select promise_id, day, amount from customer_money) x
         group by promise_id, day
       ),
       running as (
         select m.promise_id, m.day, sum(m.amount) over (partition by m.promise_id order by m.day) as paid
         from money m
       )
       select op.promise_id,
              coalesce((select r.paid from running r where r.promise_id = op.promise_id order by r.day desc limit 1), 0)::text as paid,
              (select min(r.day) from running r where r.promise_id = op.promise_id and r.paid >= op.amount) as kept_date
       from open_promise op order by op.promise_id`,
      [company.companyId, asOf, graceDays],
    );
    const kept: PromiseToPay[] = [];
    const broken: PromiseToPay[] = [];
    for (const row of result.rows) {
      const before = await loadPromise(tx, company.companyId, row.promise_id);
      const paid = BigInt(row.paid);
      const graceEnd = addDays(before.promisedDate, graceDays);
      let status: 'kept' | 'broken';
      let decidedDate: IsoDate;
      if (row.kept_date !== null) {
        status = 'kept';
        decidedDate = row.kept_date;
      } else if (graceEnd <= asOf) {
        status = 'broken';
        decidedDate = graceEnd;
      } else {
        continue;
      }
      await tx.query(
        `update promise_to_pay set status = $3, decided_date = $4, evaluated_as_of = $5, paid_amount = $6
         where company_id = $1 and promise_id = $2 and status = 'open'`,
        [company.companyId, row.promise_id, status, decidedDate, asOf, paid],
      );
      const after = await loadPromise(tx, company.companyId, row.promise_id);
      await recordAudit(tx, {
        actor,
        action: `promise.${status}`,
        entity: 'promise',
        entityId: row.promise_id.toString(),
        companyId: company.companyId,
        before: { status: before.status },
        after: { status, decidedDate, evaluatedAsOf: asOf, paidAmount: paid, graceDays },
      });
      (status === 'kept' ? kept : broken).push(after);
    }
    return { asOf, graceDays, kept, broken };
  });
}

/** Cancels an open promise, such as one the customer withdrew or replaced. */
export async function cancelPromise(db: Db, companyId: number, promiseId: bigint, date: IsoDate, note: string | null, actor: Actor): Promise<PromiseToPay> {
  checkWorkRole(actor, 'promise.cancel', companyId);
  checkDate(date, 'date');
  return db.transaction(async (tx) => {
    await tx.query('select 1 from promise_to_pay where company_id = $1 and promise_id = $2 for update', [companyId, promiseId]);
    const before = await loadPromise(tx, companyId, promiseId);
    await customerInScope(tx, companyId, before.customerId, actor.scope, 'promise.cancel');
    if (before.status !== 'open') {
      throw new InputError(`promise ${promiseId} is ${before.status} and cannot be cancelled`, 'illegal_transition', 'status');
    }
    await tx.query(`update promise_to_pay set status = 'cancelled', decided_date = $3 where company_id = $1 and promise_id = $2`, [
      companyId,
      promiseId,
      date,
    ]);
    const after = await loadPromise(tx, companyId, promiseId);
    await recordAudit(tx, {
      actor,
      action: 'promise.cancelled',
      entity: 'promise',
      entityId: promiseId.toString(),
      companyId,
      before: { status: before.status },
      after: { status: 'cancelled', decidedDate: date },
      reason: note,
    });
    return after;
  });
}

/**
 * Broken promises per customer decided in the twelve months up to
 * `asOf` (after the same day a year earlier, up to and including `asOf`).
 * Customers without any are absent from the map.
 */
export async function brokenPromiseCounts(db: Queryable, companyId: number, asOf: IsoDate): Promise<Map<bigint, number>> {
  checkDate(asOf, 'asOf');
  const result = await db.query<{ customer_id: bigint; broken: number }>(
    `select customer_id, count(*)::integer as broken from promise_to_pay
     where company_id = $1 and status = 'broken'
       and decided_date > ($2::date - interval '12 months')::date and decided_date <= $2::date
     group by customer_id`,
    [companyId, asOf],
  );
  return new Map(result.rows.map((row) => [row.customer_id, row.broken]));
}
