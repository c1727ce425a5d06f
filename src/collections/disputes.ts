/**
 * Disputes: items of a customer, or parts of them, that the customer
 * contests. An open dispute keeps its amounts apart from aging and
 * dunning until it is resolved by a credit note or rejected.
 */
import { recordAudit } from '../audit/audit.js';
import { scopeCondition } from '../auth/scope.js';
import type { Actor, Scope } from '../auth/types.js';
import type { Db, Queryable, SqlParam } from '../db/types.js';
import { itemOpenAmount } from '../ledger/balances.js';
import type { IsoDate } from '../shared/dates.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { checkChoice, checkDate, checkWorkRole, customerInScope, optionalText } from './activities.js';

export const disputeReasons = ['price', 'quantity', 'quality', 'not_delivered', 'duplicate', 'other'] as const;
export type DisputeReason = (typeof disputeReasons)[number];
export const disputeDepartments = ['sales', 'billing', 'logistics'] as const;
export type DisputeDepartment = (typeof disputeDepartments)[number];
export const disputeStatuses = ['open', 'in_review', 'resolved'] as const;
export type DisputeStatus = (typeof disputeStatuses)[number];
export const disputeResolutions = ['credit_note', 'rejected'] as const;
export type DisputeResolution = (typeof disputeResolutions)[number];

export interface DisputeInput {
  customerId: bigint;
  reason: string;
  department: string;
  date: IsoDate;
  items: readonly { itemId: bigint; amount: bigint }[];
  note?: string | null;
}

export interface Dispute {
  disputeId: bigint;
  companyId: number;
  customerId: bigint;
  customerNumber: string;
  currency: string;
  currencyExponent: number;
  reason: DisputeReason;
  department: DisputeDepartment;
  status: DisputeStatus;
  openedDate: IsoDate;
  reviewDate: IsoDate | null;
  resolvedDate: IsoDate | null;
  resolution: DisputeResolution | null;
  creditNoteReference: string | null;
  note: string | null;
  actor: string;
  amount: bigint;
  items: { itemId: bigint; documentNumber: string; amount: bigint }[];
}

export interface DisputeEvent {
  eventId: bigint;
  date: IsoDate;
  fromStatus: DisputeStatus | null;
  toStatus: DisputeStatus;
  actor: string;
  note: string | null;
}

const selectDisputes = `
  select d.dispute_id, d.company_id, d.customer_id, c.customer_number, d.currency, cur.exponent, d.reason, d.department,
         d.status, d.opened_date, d.review_date, d.resolved_date, d.resolution, d.credit_note_reference, d.note, d.actor
  from dispute d
  join customer c on c.company_id = d.company_id and c.customer_id = d.customer_id
  join currency cur on cur.code = d.currency`;

async function toDisputes(db: Queryable, rows: readonly Record<string, unknown>[]): Promise<Dispute[]> {
  if (rows.length === 0) return [];
  const lines = await db.query<{ dispute_id: bigint; item_id: bigint; document_number: string; amount: bigint }>(
    `select l.dispute_id, l.item_id, i.document_number, l.amount
     from dispute_item l join open_item i on i.company_id = l.company_id and i.item_id = l.item_id
     where l.company_id = $1 and l.dispute_id = any($2::bigint[]) order by l.dispute_id, l.item_id`,
    [rows[0]!.company_id as number, rows.map((row) => String(row.dispute_id))],
  );
  return rows.map((row) => {
    const items = lines.rows
      .filter((line) => line.dispute_id === row.dispute_id)
      .map((line) => ({ itemId: line.item_id, documentNumber: line.document_number, amount: line.amount }));
    return {
      disputeId: row.dispute_id as bigint,
      companyId: row.company_id as number,
      customerId: row.customer_id as bigint,
      customerNumber: row.customer_number as string,
      currency: (row.currency as string).trim(),
      currencyExponent: row.exponent as number,
      reason: row.reason as DisputeReason,
      department: row.department as DisputeDepartment,
      status: row.status as DisputeStatus,
      openedDate: row.opened_date as IsoDate,
      reviewDate: row.review_date as IsoDate | null,
      resolvedDate: row.resolved_date as IsoDate | null,
      resolution: row.resolution as DisputeResolution | null,
      creditNoteReference: row.credit_note_reference as string | null,
      note: row.note as string | null,
      actor: row.actor as string,
      amount: items.reduce((sum, line) => sum + line.amount, 0n),
      items,
    };
  });
}

export async function loadDispute(db: Queryable, companyId: number, disputeId: bigint): Promise<Dispute> {
  const result = await db.query<Record<string, unknown>>(`${selectDisputes} where d.company_id = $1 and d.dispute_id = $2`, [
    companyId,
    disputeId,
  ]);
  if (!result.rows[0]) throw new NotFoundError(`dispute ${disputeId} not found`, 'disputeId');
  return (await toDisputes(db, result.rows))[0]!;
}

export async function disputeEvents(db: Queryable, companyId: number, disputeId: bigint): Promise<DisputeEvent[]> {
  const result = await db.query<{ event_id: bigint; event_date: string; from_status: DisputeStatus | null; to_status: DisputeStatus; actor: string; note: string | null }>(
    `select event_id, event_date, from_status, to_status, actor, note from dispute_event
     where company_id = $1 and dispute_id = $2 order by event_id`,
    [companyId, disputeId],
  );
  return result.rows.map((row) => ({
    eventId: row.event_id,
    date: row.event_date,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    actor: row.actor,
    note: row.note,
  }));
}

async function insertEvent(
  tx: Queryable,
  companyId: number,
  disputeId: bigint,
  date: IsoDate,
  from: DisputeStatus | null,
  to: DisputeStatus,
  actor: Actor,
  note: string | null,
): Promise<void> {
  await tx.query(
    `insert into dispute_event (company_id, event_id, dispute_id, event_date, from_status, to_status, actor, note)
     values ($1, nextval('dispute_event_id_seq'), $2, $3, $4, $5, $6, $7)`,
    [companyId, disputeId, date, from, to, actor.email, note],
  );
}

/**
 * Opens a dispute. Each disputed amount must fit in what is open on the
 * item on the opening day, less the amounts of other unresolved disputes on it.
 */
export async function openDispute(db: Db, companyId: number, input: DisputeInput, actor: Actor): Promise<Dispute> {
  checkWorkRole(actor, 'dispute.add', companyId);
  const reason = checkChoice(input.reason, disputeReasons, 'reason');
  const department = checkChoice(input.department, disputeDepartments, 'department');
  const date = checkDate(input.date, 'date');
  if (input.items.length === 0) throw new InputError('a dispute needs at least one item', 'missing_parameter', 'items');
  const seen = new Set<bigint>();
  for (const line of input.items) {
    if (seen.has(line.itemId)) throw new InputError(`item ${line.itemId} is named twice`, 'duplicate_item', 'items');
    seen.add(line.itemId);
    if (line.amount <= 0n) throw new InputError(`item ${line.itemId}: the disputed amount must be positive, not ${line.amount}`, 'invalid_amount', 'items');
  }
  return db.transaction(async (tx) => {
    await customerInScope(tx, companyId, input.customerId, actor.scope, 'dispute.add');
    const found = await tx.query<{ item_id: bigint; customer_id: bigint; currency: string; amount: bigint; document_number: string }>(
      `select item_id, customer_id, currency, amount, document_number from open_item
       where company_id = $1 and item_id = any($2::bigint[]) for update`,
      [companyId, input.items.map((line) => line.itemId.toString())],
    );
    const byId = new Map(found.rows.map((row) => [row.item_id, row]));
    const currencies = new Set<string>();
    for (const line of input.items) {
      const item = byId.get(line.itemId);
      if (!item) throw new NotFoundError(`item ${line.itemId} not found`, 'items');
      if (item.customer_id !== input.customerId) throw new InputError(`item ${line.itemId} belongs to another customer`, 'invalid_item', 'items');
      if (item.amount <= 0n) throw new InputError(`item ${line.itemId} is a credit, not a debit`, 'invalid_item', 'items');
      currencies.add(item.currency.trim());
      const open = await itemOpenAmount(tx, companyId, line.itemId, date);
      const held = (await disputedAmounts(tx, companyId, date, [line.itemId])).get(line.itemId) ?? 0n;
      if (line.amount > open - held) {
        throw new InputError(
          `item ${item.document_number}: the disputed amount ${line.amount} exceeds the open amount ${open}` +
            (held > 0n ? ` less ${held} already in dispute` : '') +
            ` on ${date}`,
          'amount_exceeds_open',
          'items',
        );
      }
    }
    if (currencies.size > 1) throw new InputError(`the items are in several currencies: ${[...currencies].join(', ')}`, 'currency_mismatch', 'items');
    const inserted = await tx.query<{ dispute_id: bigint }>(
      `insert into dispute (company_id, dispute_id, customer_id, currency, reason, department, status, opened_date, note, actor)
       values ($1, nextval('dispute_id_seq'), $2, $3, $4, $5, 'open', $6, $7, $8) returning dispute_id`,
      [companyId, input.customerId, [...currencies][0]!, reason, department, date, optionalText(input.note), actor.email],
    );
    const disputeId = inserted.rows[0]!.dispute_id;
    await tx.query(
      `insert into dispute_item (company_id, dispute_id, item_id, amount)
       select $1, $2, t.item_id, t.amount from unnest($3::bigint[], $4::bigint[]) as t(item_id, amount)`,
      [companyId, disputeId, input.items.map((line) => line.itemId.toString()), input.items.map((line) => line.amount.toString())],
    );
    await insertEvent(tx, companyId, disputeId, date, null, 'open', actor, optionalText(input.note));
    const dispute = await loadDispute(tx, companyId, disputeId);
    await recordAudit(tx, { actor, action: 'dispute.open', entity: 'dispute', entityId: disputeId.toString(), companyId, after: dispute, reason: dispute.note });
    return dispute;
  });
}

async function transition(
  db: Db,
  companyId: number,
  disputeId: bigint,
  target: DisputeStatus,
  date: IsoDate,
  note: string | null,
  actor: Actor,
  update: (tx: Queryable, dispute: Dispute) => Promise<void>,
): Promise<Dispute> {
  const action = target === 'in_review' ? 'dispute.review' : 'dispute.resolve';
  checkWorkRole(actor, action, companyId);
  checkDate(date, 'date');
  return db.transaction(async (tx) => {
    await tx.query('select 1 from dispute where company_id = $1 and dispute_id = $2 for update', [companyId, disputeId]);
    const before = await loadDispute(tx, companyId, disputeId);
    await customerInScope(tx, companyId, before.customerId, actor.scope, action);
    const allowed = target === 'in_review' ? ['open'] : ['open', 'in_review'];
    if (!allowed.includes(before.status)) {
      throw new InputError(`dispute ${disputeId} is ${before.status} and cannot become ${target}`, 'illegal_transition', 'status');
    }
    const lastDate = before.reviewDate ?? before.openedDate;
    if (date < lastDate) throw new InputError(`dispute ${disputeId}: the date ${date} is before its last change on ${lastDate}`, 'invalid_date', 'date');
    await update(tx, before);
    await insertEvent(tx, companyId, disputeId, date, before.status, target, actor, note);
    const after = await loadDispute(tx, companyId, disputeId);
    await recordAudit(tx, {
      actor,
      action: `dispute.${target}`,
      entity: 'dispute',
      entityId: disputeId.toString(),
      companyId,
      before: { status: before.status },
      after: { status: after.status, date, resolution: after.resolution, creditNoteReference: after.creditNoteReference },
      reason: note,
    });
    return after;
  });
}

/** Puts an open dispute in review by its owner department. */
export async function reviewDispute(db: Db, companyId: number, disputeId: bigint, input: { date: IsoDate; note?: string | null }, actor: Actor): Promise<Dispute> {
  return transition(db, companyId, disputeId, 'in_review', input.date, optionalText(input.note), actor, async (tx) => {
    await tx.query(`update dispute set status = 'in_review', review_date = $3 where company_id = $1 and dispute_id = $2`, [
      companyId,
      disputeId,
      input.date,
    ]);
  });
}

export interface ResolveInput {
  date: IsoDate;
  resolution: string;
  /** The credit note that settles the dispute; required for a credit_note resolution. */
  creditNoteReference?: string | null;
  note?: string | null;
}

/** Resolves a dispute by a credit note or rejects it; from then on its amounts no longer count as disputed. */
export async function resolveDispute(db: Db, companyId: number, disputeId: bigint, input: ResolveInput, actor: Actor): Promise<Dispute> {
  const resolution = checkChoice(input.resolution, disputeResolutions, 'resolution');
  const reference = optionalText(input.creditNoteReference);
  if (resolution === 'credit_note' && reference === null) {
    throw new InputError('a credit_note resolution needs the credit note reference', 'missing_parameter', 'creditNoteReference');
  }
  if (resolution === 'rejected' && reference !== null) {
    throw new InputError('a rejected dispute has no credit note reference', 'invalid_field', 'creditNoteReference');
  }
  return transition(db, companyId, disputeId, 'resolved', input.date, optionalText(input.note), actor, async (tx) => {
    await tx.query(
      `update dispute set status = 'resolved', resolved_date = $3, resolution = $4, credit_note_reference = $5
       where company_id = $1 and dispute_id = $2`,
      [companyId, disputeId, input.date, resolution, reference],
    );
  });
}

export interface DisputeFilter {
  status?: DisputeStatus;
  customerId?: bigint;
}

/** Disputes of the customers in the scope, newest first. */
export async function listDisputes(db: Queryable, companyId: number, scope: Scope, filter: DisputeFilter = {}): Promise<Dispute[]> {
  const params: SqlParam[] = [companyId];
  const conditions = ['d.company_id = $1', scopeCondition(scope, 'c', params)];
  if (filter.status !== undefined) {
    params.push(checkChoice(filter.status, disputeStatuses, 'status'));
    conditions.push(`d.status = $${params.length}`);
  }
  if (filter.customerId !== undefined) {
    params.push(filter.customerId);
    conditions.push(`d.customer_id = $${params.length}`);
  }
  const result = await db.query<Record<string, unknown>>(
    `${selectDisputes} where ${conditions.join(' and ')} order by d.opened_date desc, d.dispute_id desc`,
    params,
  );
  return toDisputes(db, result.rows);
}

/**
 * Amount in dispute per item as of a date, in the item's currency: the
 * amounts of disputes opened on or before the date and not resolved by
 * then. Items without one are absent. `itemIds` limits it to those items.
 */
export async function disputedAmounts(
  db: Queryable,
  companyId: number,
  asOf: IsoDate,
  itemIds?: readonly bigint[],
): Promise<Map<bigint, bigint>> {
  checkDate(asOf, 'asOf');
  const result = await db.query<{ item_id: bigint; amount: bigint }>(
    `select l.item_id, sum(l.amount)::bigint as amount
     from dispute_item l join dispute d on d.company_id = l.company_id and d.dispute_id = l.dispute_id
     where l.company_id = $1 and d.opened_date <= $2::date and (d.resolved_date is null or d.resolved_date > $2::date)
       and ($3::bigint[] is null or l.item_id = any($3::bigint[]))
     group by l.item_id`,
    [companyId, asOf, itemIds === undefined ? null : itemIds.map(String)],
  );
  return new Map(result.rows.map((row) => [row.item_id, row.amount]));
}

/** Returns the company of a dispute found by its id, or raises NotFoundError. */
export async function disputeCompanyId(db: Queryable, disputeId: bigint): Promise<number> {
  const result = await db.query<{ company_id: number }>('select company_id from dispute where dispute_id = $1', [disputeId]);
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`dispute ${disputeId} not found`, 'disputeId');
  return row.company_id;
}
