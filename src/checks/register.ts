/**
 * The check register: customer checks from receipt to clearing or
 * return. A check is not a payment until it clears, when it is posted as
 * a receipt. A return after clearing reverses that receipt from the
 * return date, so aging as of earlier days does not change.
 */
import { recordAudit } from '../audit/audit.js';
import { ForbiddenError } from '../auth/errors.js';
import { inScope } from '../auth/scope.js';
import type { Actor, Scope } from '../auth/types.js';
import { postReceipts, reverseReceipt } from '../cash/posting.js';
import type { Db, Queryable } from '../db/types.js';
import { itemOpenAmount } from '../ledger/balances.js';
import { getCompanyById } from '../ledger/companies.js';
import { insertItems } from '../ledger/items.js';
import type { Company } from '../ledger/types.js';
import { addDays, isIsoDate, type IsoDate } from '../shared/dates.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import {
  nextStatuses,
  returnReasons,
  type Check,
  type CheckEvent,
  type CheckInput,
  type CheckProposal,
  type CheckSettings,
  type CheckStatus,
  type ReturnReason,
} from './types.js';

/**
 * SQL for the first business day on or after `dateSql` in the calendar of
 * the company aliased `companyAlias`: weekend days and holidays move it on.
 */
export function businessDaySql(dateSql: string, companyAlias: string): string {
  return `(select min(d.day) from (select (${dateSql} + g)::date as day from generate_series(0, 60) g) d
     where extract(isodow from d.day)::int <> all(${companyAlias}.weekend_days)
       and not exists (select 1 from business_holiday h
                       where h.company_id = ${companyAlias}.company_id and h.holiday = d.day))`;
}

/** Columns of a check with its customer, company and business-day maturity; aliases k, c, co, cur. */
export const selectChecks = `
  select k.company_id, co.code as company_code, k.check_id, k.customer_id, c.customer_number,
         c.name as customer_name, c.region, k.drawer, k.drawer_bank, k.check_number, k.currency,
         cur.exponent, k.amount, k.issue_date, k.maturity_date,
         ${businessDaySql('k.maturity_date', 'co')} as business_maturity_date,
         k.received_date, k.certified, k.status, k.slip_id, k.deposited_date, k.cleared_date,
         k.payment_item_id, k.returned_date, k.return_reason, k.return_text, k.charge_item_id,
         k.replaced_by_check_id, k.replaces_check_id
  from customer_check k
  join customer c on c.company_id = k.company_id and c.customer_id = k.customer_id
  join company co on co.company_id = k.company_id
  join currency cur on cur.code = k.currency`;

export interface CheckRow {
  company_id: number;
  company_code: string;
  check_id: bigint;
  customer_id: bigint;
  customer_number: string;
  customer_name: string;
  region: string | null;
  drawer: string;
  drawer_bank: string;
  check_number: string;
  currency: string;
  exponent: number;
  amount: bigint;
  issue_date: string;
  maturity_date: string;
  business_maturity_date: string;
  received_date: string;
  certified: boolean;
  status: CheckStatus;
  slip_id: bigint | null;
  deposited_date: string | null;
  cleared_date: string | null;
  payment_item_id: bigint | null;
  returned_date: string | null;
  return_reason: ReturnReason | null;
  return_text: string | null;
  charge_item_id: bigint | null;
  replaced_by_check_id: bigint | null;
  replaces_check_id: bigint | null;
}

/** Turns rows into checks, reading the lines of all of them in one query. */
export async function toChecks(db: Queryable, rows: readonly CheckRow[]): Promise<Check[]> {
  if (rows.length === 0) return [];
  const lines = await db.query<{ check_id: bigint; item_id: bigint; document_number: string; amount: bigint }>(
    `select l.check_id, l.item_id, i.document_number, l.amount
     from customer_check_line l join open_item i on i.company_id = l.company_id and i.item_id = l.item_id
     where l.check_id = any($1::bigint[])
     order by l.check_id, l.item_id`,
    [rows.map((row) => row.check_id.toString())],
  );
  return rows.map((row) => ({
    checkId: row.check_id,
    companyId: row.company_id,
    companyCode: row.company_code,
    customerId: row.customer_id,
    customerNumber: row.customer_number,
    customerName: row.customer_name,
    region: row.region,
    drawer: row.drawer,
    drawerBank: row.drawer_bank,
    checkNumber: row.check_number,
    currency: row.currency.trim(),
    currencyExponent: row.exponent,
    amount: row.amount,
    issueDate: row.issue_date,
    maturityDate: row.maturity_date,
    businessMaturityDate: row.business_maturity_date,
    receivedDate: row.received_date,
    postDated: row.maturity_date > row.received_date,
    certified: row.certified,
    status: row.status,
    slipId: row.slip_id,
    depositedDate: row.deposited_date,
    clearedDate: row.cleared_date,
    paymentItemId: row.payment_item_id,
    returnedDate: row.returned_date,
    returnReason: row.return_reason,
    returnText: row.return_text,
    chargeItemId: row.charge_item_id,
    replacedByCheckId: row.replaced_by_check_id,
    replacesCheckId: row.replaces_check_id,
    lines: lines.rows
      .filter((line) => line.check_id === row.check_id)
      .map((line) => ({ itemId: line.item_id, documentNumber: line.document_number, amount: line.amount })),
  }));
}

/** Reads one check by id, or raises NotFoundError. With `lock`, its row stays locked until the transaction ends. */
export async function loadCheck(db: Queryable, checkId: bigint, lock = false): Promise<Check> {
  if (lock) {
    await db.query('select 1 from customer_check where check_id = $1 for update', [checkId]);
  }
  const result = await db.query<CheckRow>(`${selectChecks} where k.check_id = $1`, [checkId]);
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`check ${checkId} not found`, 'checkId');
  return (await toChecks(db, [row]))[0]!;
}

/** Returns a check with its events, or raises ForbiddenError when it is outside the scope. */
export async function getCheck(db: Queryable, checkId: bigint, scope: Scope): Promise<{ check: Check; events: CheckEvent[] }> {
  const check = await loadCheck(db, checkId);
  if (!inScope(scope, check.companyId, check.region)) {
    throw new ForbiddenError(`check ${checkId} is outside your scope`, {
      action: 'read',
      entity: 'check',
      entityId: checkId.toString(),
      companyId: check.companyId,
    });
  }
  const events = await db.query<{
    event_id: bigint;
    event_date: string;
    from_status: CheckStatus | null;
    to_status: CheckStatus;
    actor: string;
    note: string | null;
  }>(
    `select event_id, event_date, from_status, to_status, actor, note from check_event
     where company_id = $1 and check_id = $2 order by event_id`,
    [check.companyId, checkId],
  );
  return {
    check,
    events: events.rows.map((row) => ({
      eventId: row.event_id,
      eventDate: row.event_date,
      fromStatus: row.from_status,
      toStatus: row.to_status,
      actor: row.actor,
      note: row.note,
    })),
  };
}

/** Raises ForbiddenError unless the check's customer lies in the actor's scope. */
export function checkWriteScope(actor: Actor, check: Pick<Check, 'checkId' | 'companyId' | 'region'>, action: string): void {
  if (!inScope(actor.scope, check.companyId, check.region)) {
    throw new ForbiddenError(`check ${check.checkId} belongs to a customer outside your scope`, {
      action,
      entity: 'check',
      entityId: check.checkId.toString(),
      companyId: check.companyId,
    });
  }
}

export function checkDate(date: string, field: string): IsoDate {
  if (!isIsoDate(date)) throw new InputError(`invalid ${field} "${date}": use YYYY-MM-DD`, 'invalid_date', field);
  return date;
}

function describe(check: Pick<Check, 'checkId' | 'checkNumber' | 'drawerBank'>): string {
  return `check ${check.checkId} (number ${check.checkNumber}, ${check.drawerBank})`;
}

/** Raises InputError unless the check may move to `target` on `date`. */
export async function checkTransition(tx: Queryable, check: Check, target: CheckStatus, date: IsoDate): Promise<void> {
  if (!nextStatuses[check.status].includes(target)) {
    throw new InputError(`${describe(check)} is ${check.status} and cannot become ${target}`, 'illegal_transition', 'status');
  }
  const last = await tx.query<{ event_date: string }>(
    'select max(event_date) as event_date from check_event where company_id = $1 and check_id = $2',
    [check.companyId, check.checkId],
  );
  const lastDate = last.rows[0]?.event_date ?? check.receivedDate;
  if (date < lastDate) {
    throw new InputError(`${describe(check)}: the date ${date} is before its last change on ${lastDate}`, 'invalid_date', 'date');
  }
}

/** Columns a transition may set beside the status. */
export interface CheckUpdate {
  slip_id?: bigint;
  deposited_date?: IsoDate;
  cleared_date?: IsoDate;
  payment_item_id?: bigint;
  returned_date?: IsoDate;
  return_reason?: ReturnReason;
  return_text?: string | null;
  charge_item_id?: bigint | null;
  replaced_by_check_id?: bigint;
}

/** Writes the new status, its event and the audit event, in the caller's transaction. */
export async function recordTransition(
  tx: Queryable,
  check: Check,
  target: CheckStatus,
  date: IsoDate,
  actor: Actor,
  note: string | null | undefined,
  update: CheckUpdate = {},
): Promise<Check> {
  const columns = Object.keys(update) as (keyof CheckUpdate)[];
  const params: (string | number | null)[] = [check.companyId, check.checkId.toString(), target];
  const sets = columns.map((column) => {
    const value = update[column];
    params.push(value === undefined || value === null ? null : String(value));
    const cast = column.endsWith('_date') ? '::date' : column.endsWith('_id') ? '::bigint' : '::text';
    return `, ${column} = $${params.length}${cast}`;
  });
  await tx.query(
    `update customer_check set status = $3${sets.join('')} where company_id = $1 and check_id = $2::bigint`,
    params,
  );
  await insertEvent(tx, check.companyId, check.checkId, date, check.status, target, actor, note);
  const after = await loadCheck(tx, check.checkId);
  await recordAudit(tx, {
    actor,
    action: `check.${target}`,
    entity: 'check',
    entityId: check.checkId.toString(),
    companyId: check.companyId,
    before: { status: check.status },
    after: { status: target, date, ...update },
    reason: note ?? null,
  });
  return after;
}

async function insertEvent(
  tx: Queryable,
  companyId: number,
  checkId: bigint,
  date: IsoDate,
  from: CheckStatus | null,
  to: CheckStatus,
  actor: Actor,
  note: string | null | undefined,
): Promise<void> {
  await tx.query(
    `insert into check_event (company_id, event_id, check_id, event_date, from_status, to_status, actor, note)
     values ($1, nextval('check_event_id_seq'), $2, $3, $4, $5, $6, $7)`,
    [companyId, checkId, date, from, to, actor.email, note ?? null],
  );
}

function required(text: string | undefined, field: string): string {
  const value = (text ?? '').trim();
  if (value === '') throw new InputError(`missing ${field}`, 'missing_parameter', field);
  return value;
}

/** Inserts a received check with its lines and first event; the caller's transaction, no audit. */
async function insertCheck(tx: Queryable, company: Company, input: CheckInput, actor: Actor, action: string): Promise<bigint> {
  const drawer = required(input.drawer, 'drawer');
  const drawerBank = required(input.drawerBank, 'drawerBank');
  const checkNumber = required(input.checkNumber, 'checkNumber');
  const currency = required(input.currency, 'currency').toUpperCase();
  checkDate(input.issueDate, 'issueDate');
  checkDate(input.maturityDate, 'maturityDate');
  checkDate(input.receivedDate, 'receivedDate');
  if (input.maturityDate < input.issueDate) {
    throw new InputError(
      `check ${checkNumber}: the maturity date ${input.maturityDate} is before the issue date ${input.issueDate}`,
      'invalid_date',
      'maturityDate',
    );
  }
  if (input.amount <= 0n) {
    throw new InputError(`check ${checkNumber}: the amount must be positive, not ${input.amount}`, 'invalid_amount', 'amount');
  }

  const known = await tx.query('select 1 from currency where code = $1', [currency]);
  if (known.rows.length === 0) {
    throw new InputError(`unknown currency "${input.currency}": use an ISO 4217 code`, 'invalid_currency', 'currency');
  }
  const customer = await tx.query<{ region: string | null }>(
    'select region from customer where company_id = $1 and customer_id = $2',
    [company.companyId, input.customerId],
  );
  if (customer.rows.length === 0) {
    throw new NotFoundError(`customer ${input.customerId} not found in ${company.code}`, 'customerId');
  }
  if (!inScope(actor.scope, company.companyId, customer.rows[0]!.region)) {
    throw new ForbiddenError(`customer ${input.customerId} is outside your scope`, {
      action,
      entity: 'customer',
      entityId: input.customerId.toString(),
      companyId: company.companyId,
    });
  }

  const duplicate = await tx.query<{ check_id: bigint }>(
    `select check_id from customer_check
     where company_id = $1 and upper(btrim(drawer_bank)) = upper($2) and check_number = $3`,
    [company.companyId, drawerBank, checkNumber],
  );
  if (duplicate.rows.length > 0) {
    throw new InputError(
      `check number ${checkNumber} of ${drawerBank} is already registered as check ${duplicate.rows[0]!.check_id}`,
      'duplicate_check',
      'checkNumber',
    );
  }

  const lines = input.lines ?? [];
  const seen = new Set<bigint>();
  let intended = 0n;
  for (const line of lines) {
    if (seen.has(line.itemId)) throw new InputError(`item ${line.itemId} is named twice`, 'duplicate_item', 'lines');
    seen.add(line.itemId);
    if (line.amount <= 0n) {
      throw new InputError(`item ${line.itemId}: the amount must be positive, not ${line.amount}`, 'invalid_amount', 'lines');
    }
    intended += line.amount;
  }
  if (intended > input.amount) {
    throw new InputError(
      `check ${checkNumber}: the items total ${intended} exceeds the check amount ${input.amount}`,
      'overallocation',
      'lines',
    );
  }
  if (lines.length > 0) {
    const items = await tx.query<{ item_id: bigint; customer_id: bigint; currency: string; amount: bigint }>(
      'select item_id, customer_id, currency, amount from open_item where company_id = $1 and item_id = any($2::bigint[])',
      [company.companyId, lines.map((line) => line.itemId.toString())],
    );
    const byId = new Map(items.rows.map((row) => [row.item_id, row]));
    for (const line of lines) {
      const item = byId.get(line.itemId);
      if (!item) throw new NotFoundError(`item ${line.itemId} not found in ${company.code}`, 'lines');
      if (item.customer_id !== input.customerId) {
        throw new InputError(`item ${line.itemId} belongs to another customer`, 'invalid_item', 'lines');
      }
      if (item.currency.trim() !== currency) {
        throw new InputError(`item ${line.itemId} is in ${item.currency.trim()}, the check in ${currency}`, 'currency_mismatch', 'lines');
      }
      if (item.amount <= 0n) throw new InputError(`item ${line.itemId} is a credit, not a debit`, 'invalid_item', 'lines');
    }
  }

  const inserted = await tx.query<{ check_id: bigint }>(
    `insert into customer_check (company_id, check_id, customer_id, drawer, drawer_bank, check_number, currency,
       amount, issue_date, maturity_date, received_date, certified, status)
     values ($1, nextval('check_id_seq'), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'received')
     returning check_id`,
    [
      company.companyId,
      input.customerId,
      drawer,
      drawerBank,
      checkNumber,
      currency,
      input.amount,
      input.issueDate,
      input.maturityDate,
      input.receivedDate,
      input.certified ?? false,
    ],
  ).catch((error: unknown) => {
    // A registration of the same number committed since the check above.
    if (String(error).includes('customer_check_number_key')) {
      throw new InputError(`check number ${checkNumber} of ${drawerBank} is already registered`, 'duplicate_check', 'checkNumber');
    }
    throw error;
  });
  const checkId = inserted.rows[0]!.check_id;
  if (lines.length > 0) {
    await tx.query(
      `insert into customer_check_line (company_id, check_id, item_id, amount)
       select $1, $2, t.item_id, t.amount from unnest($3::bigint[], $4::bigint[]) as t(item_id, amount)`,
      [company.companyId, checkId, lines.map((line) => line.itemId.toString()), lines.map((line) => line.amount.toString())],
    );
  }
  await insertEvent(tx, company.companyId, checkId, input.receivedDate, null, 'received', actor, input.note);
  return checkId;
}

/** Registers a received check. */
export async function addCheck(db: Db, company: Company, input: CheckInput, actor: Actor): Promise<Check> {
  return db.transaction(async (tx) => {
    const checkId = await insertCheck(tx, company, input, actor, 'checks.add');
    const check = await loadCheck(tx, checkId);
    await recordAudit(tx, {
      actor,
      action: 'check.add',
      entity: 'check',
      entityId: checkId.toString(),
      companyId: company.companyId,
      after: check,
      reason: input.note ?? null,
    });
    return check;
  });
}

export interface TransitionInput {
  date: IsoDate;
  note?: string | null;
}

/** Runs one transition of one check in a transaction: lock, scope, legality, then `work`. */
async function transition(
  db: Db,
  checkId: bigint,
  target: CheckStatus,
  input: TransitionInput,
  actor: Actor,
  work: (tx: Queryable, check: Check) => Promise<CheckUpdate> = async () => ({}),
): Promise<Check> {
  const date = checkDate(input.date, 'date');
  return db.transaction(async (tx) => {
    const check = await loadCheck(tx, checkId, true);
    checkWriteScope(actor, check, `checks.${target}`);
    await checkTransition(tx, check, target, date);
    const update = await work(tx, check);
    return recordTransition(tx, check, target, date, actor, input.note, update);
  });
}

/** Puts a received check in the safe. */
export async function safeCheck(db: Db, checkId: bigint, input: TransitionInput, actor: Actor): Promise<Check> {
  return transition(db, checkId, 'in_safe', input, actor);
}

/** Cancels a check not yet deposited, such as one given back to the customer. */
export async function cancelCheck(db: Db, checkId: bigint, input: TransitionInput, actor: Actor): Promise<Check> {
  return transition(db, checkId, 'cancelled', input, actor);
}

/**
 * Clears a deposited check: it becomes a payment of its customer dated
 * the clearing day, applied to the items it was meant for up to what is
 * still open on them that day; the rest stays as unapplied cash.
 */
export async function clearCheck(db: Db, checkId: bigint, input: TransitionInput, actor: Actor): Promise<Check> {
  return transition(db, checkId, 'cleared', input, actor, async (tx, check) => {
    const company = await getCompanyById(tx, check.companyId);
    const allocations = [];
    let left = check.amount;
    for (const line of check.lines) {
      // Open on the clearing day and also after every later allocation:
      // the ledger rejects a payment that takes an item past zero on any day.
      const openOnDay = await itemOpenAmount(tx, check.companyId, line.itemId, input.date);
      const openLater = await itemOpenAmount(tx, check.companyId, line.itemId, '9999-12-31');
      const amount = [line.amount, openOnDay, openLater, left].reduce((low, value) => (value < low ? value : low));
      if (amount <= 0n) continue;
      allocations.push({ itemId: line.itemId, amount });
      left -= amount;
    }
    const [posted] = await postReceipts(tx, company, [
      {
        customerId: check.customerId,
        erpKey: `CHECK:${check.checkId}`,
        documentNumber: check.checkNumber,
        date: input.date,
        currency: check.currency,
        amount: check.amount,
        reference: `check ${check.checkNumber} ${check.drawerBank}`,
        allocations,
      },
    ]);
    return { cleared_date: input.date, payment_item_id: posted!.paymentItemId };
  });
}

export interface ReturnInput extends TransitionInput {
  reason: ReturnReason;
  text?: string | null;
}

export interface ReturnResult {
  check: Check;
  proposals: CheckProposal[];
}

/**
 * Records a check the bank returned unpaid. A cleared check's receipt is
 * reversed from the return date, so its items reopen that day; the
 * company's returned-check charge is added as a debit note; the customer
 * is flagged; and when the customer's returns within the period reach the
 * company's limit, a credit-block and a legal hand-over proposal are made.
 */
export async function returnCheck(db: Db, checkId: bigint, input: ReturnInput, actor: Actor): Promise<ReturnResult> {
  if (!(returnReasons as readonly string[]).includes(input.reason)) {
    throw new InputError(`invalid return reason "${input.reason}": use one of ${returnReasons.join(', ')}`, 'invalid_reason', 'reason');
  }
  const proposals: CheckProposal[] = [];
  const check = await transition(db, checkId, 'returned', input, actor, async (tx, check) => {
    const company = await getCompanyById(tx, check.companyId);
    const reasonText = `check ${check.checkNumber} returned: ${input.reason}${input.text ? ` (${input.text})` : ''}`;
    if (check.paymentItemId !== null) {
      await reverseReceipt(tx, company, check.paymentItemId, input.date, reasonText);
    }
    const settings = await getCheckSettings(tx, check.companyId);
    let chargeItemId: bigint | null = null;
    if (settings.returnCharge > 0n) {
      const erpKey = `CHECK:${check.checkId}:charge`;
      const inserted = await insertItems(
        tx,
        company,
        new Map([[check.customerNumber, check.customerId]]),
        [
          {
            customerNumber: check.customerNumber,
            kind: 'debit_note',
            documentNumber: `RC-${check.checkNumber}`,
            erpKey,
            documentDate: input.date,
            postingDate: input.date,
            dueDate: input.date,
            currency: company.currency,
            amount: settings.returnCharge,
            reference: reasonText,
          },
        ],
        null,
      );
      chargeItemId = inserted.insertedStates.get(erpKey)?.itemId ?? null;
    }
    await tx.query(
      `insert into customer_flag (company_id, flag_id, customer_id, kind, flag_date, check_id, note)
       values ($1, nextval('customer_flag_id_seq'), $2, 'returned_check', $3, $4, $5)`,
      [check.companyId, check.customerId, input.date, check.checkId, reasonText],
    );
    proposals.push(...(await proposeAfterReturn(tx, check, input.date, actor)));
    return { returned_date: input.date, return_reason: input.reason, return_text: input.text ?? null, charge_item_id: chargeItemId };
  });
  return { check, proposals };
}

/**
 * Makes the credit-block and legal hand-over proposals when the
 * customer's returns within the period, counted back from this return,
 * reach the limit, unless such proposals already wait.
 */
async function proposeAfterReturn(tx: Queryable, check: Check, returnedDate: IsoDate, actor: Actor): Promise<CheckProposal[]> {
  const settings = await getCheckSettings(tx, check.companyId);
  const returns = await tx.query<{ check_id: bigint }>(
    `select check_id from customer_check
     where company_id = $1 and customer_id = $2
       and ((returned_date > $3::date and returned_date <= $4::date) or check_id = $5)
     order by coalesce(returned_date, $4::date), check_id`,
    [check.companyId, check.customerId, addDays(returnedDate, -settings.returnPeriodDays), returnedDate, check.checkId],
  );
  if (returns.rows.length < settings.returnLimitCount) return [];
  const proposals: CheckProposal[] = [];
  const checkIds = returns.rows.map((row) => row.check_id);
  const reason = `${checkIds.length} returned checks within ${settings.returnPeriodDays} days up to ${returnedDate} (limit ${settings.returnLimitCount})`;
  for (const kind of ['credit_block', 'legal_handover'] as const) {
    const waiting = await tx.query(
      `select 1 from check_proposal where company_id = $1 and customer_id = $2 and kind = $3 and status = 'proposed'`,
      [check.companyId, check.customerId, kind],
    );
    if (waiting.rows.length > 0) continue;
    const inserted = await tx.query<{ proposal_id: bigint }>(
      `insert into check_proposal (company_id, proposal_id, kind, customer_id, reason, check_ids, proposal_date)
       values ($1, nextval('check_proposal_id_seq'), $2, $3, $4, $5::bigint[], $6) returning proposal_id`,
      [check.companyId, kind, check.customerId, reason, checkIds.map(String), returnedDate],
    );
    const proposal: CheckProposal = {
      proposalId: inserted.rows[0]!.proposal_id,
      kind,
      customerId: check.customerId,
      reason,
      checkIds,
      proposalDate: returnedDate,
      status: 'proposed',
    };
    await recordAudit(tx, {
      actor,
      action: 'check_proposal.add',
      entity: 'check_proposal',
      entityId: proposal.proposalId.toString(),
      companyId: check.companyId,
      after: proposal,
      reason,
    });
    proposals.push(proposal);
  }
  return proposals;
}

export interface ReplaceInput extends TransitionInput {
  /** The new check; its customer is the old one's, and its items default to the old one's. */
  replacement: Omit<CheckInput, 'customerId' | 'lines' | 'receivedDate'> & {
    lines?: readonly { itemId: bigint; amount: bigint }[];
    receivedDate?: IsoDate;
  };
}

/** Replaces a check not yet deposited, or a returned one, by a new check of the same customer. */
export async function replaceCheck(db: Db, checkId: bigint, input: ReplaceInput, actor: Actor): Promise<{ old: Check; replacement: Check }> {
  let newId = 0n;
  const old = await transition(db, checkId, 'replaced', input, actor, async (tx, check) => {
    const company = await getCompanyById(tx, check.companyId);
    newId = await insertCheck(
      tx,
      company,
      {
        ...input.replacement,
        customerId: check.customerId,
        receivedDate: input.replacement.receivedDate ?? input.date,
        lines: input.replacement.lines ?? check.lines.map((line) => ({ itemId: line.itemId, amount: line.amount })),
        note: input.note ?? `replaces check ${check.checkId}`,
      },
      actor,
      'checks.replaced',
    );
    await tx.query('update customer_check set replaces_check_id = $2 where company_id = $1 and check_id = $3', [
      check.companyId,
      check.checkId,
      newId,
    ]);
    const replacement = await loadCheck(tx, newId);
    await recordAudit(tx, {
      actor,
      action: 'check.add',
      entity: 'check',
      entityId: newId.toString(),
      companyId: check.companyId,
      after: replacement,
      reason: `replaces check ${check.checkId}`,
    });
    return { replaced_by_check_id: newId };
  });
  return { old, replacement: await loadCheck(db, newId) };
}

/** The company's check settings, or the defaults when none are stored. */
export async function getCheckSettings(db: Queryable, companyId: number): Promise<CheckSettings> {
  const result = await db.query<{ return_charge: bigint; return_limit_count: number; return_period_days: number }>(
    'select return_charge, return_limit_count, return_period_days from check_setting where company_id = $1',
    [companyId],
  );
  const row = result.rows[0];
  return row
    ? { returnCharge: row.return_charge, returnLimitCount: row.return_limit_count, returnPeriodDays: row.return_period_days }
    : { returnCharge: 0n, returnLimitCount: 2, returnPeriodDays: 365 };
}

/** Changes some of a company's check settings. */
export async function setCheckSettings(
  db: Db,
  company: Company,
  changes: Partial<CheckSettings>,
  actor: Actor,
): Promise<CheckSettings> {
  if (changes.returnCharge !== undefined && changes.returnCharge < 0n) {
    throw new InputError(`the return charge cannot be negative: ${changes.returnCharge}`, 'invalid_amount', 'returnCharge');
  }
  for (const field of ['returnLimitCount', 'returnPeriodDays'] as const) {
    const value = changes[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new InputError(`invalid ${field} "${value}": use a whole number from 1`, 'invalid_setting', field);
    }
  }
  if (actor.scope.companyIds !== null && !actor.scope.companyIds.includes(company.companyId)) {
    throw new ForbiddenError(`company ${company.code} is outside your scope`, {
      action: 'checks.settings',
      entity: 'company',
      entityId: company.code,
      companyId: company.companyId,
    });
  }
  return db.transaction(async (tx) => {
    const before = await getCheckSettings(tx, company.companyId);
    const after = { ...before, ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) };
    await tx.query(
      `insert into check_setting (company_id, return_charge, return_limit_count, return_period_days)
       values ($1, $2, $3, $4)
       on conflict (company_id) do update set return_charge = excluded.return_charge,
         return_limit_count = excluded.return_limit_count, return_period_days = excluded.return_period_days`,
      [company.companyId, after.returnCharge, after.returnLimitCount, after.returnPeriodDays],
    );
    await recordAudit(tx, {
      actor,
      action: 'check_setting.set',
      entity: 'check_setting',
      entityId: company.code,
      companyId: company.companyId,
      before,
      after,
    });
    return after;
  });
}

/** Proposals raised by returned checks, of the customers in the scope. */
export async function listProposals(db: Queryable, companyId: number, scope: Scope): Promise<(CheckProposal & { customerNumber: string })[]> {
  const result = await db.query<{
    proposal_id: bigint;
    kind: 'credit_block' | 'legal_handover';
    customer_id: bigint;
    customer_number: string;
    region: string | null;
    reason: string;
    check_ids: string;
    proposal_date: string;
    status: string;
  }>(
    `select p.proposal_id, p.kind, p.customer_id, c.customer_number, c.region, p.reason,
            array_to_string(p.check_ids, ',') as check_ids, p.proposal_date, p.status
     from check_proposal p join customer c on c.company_id = p.company_id and c.customer_id = p.customer_id
     where p.company_id = $1 order by p.proposal_id`,
    [companyId],
  );
  return result.rows
    .filter((row) => inScope(scope, companyId, row.region))
    .map((row) => ({
      proposalId: row.proposal_id,
      kind: row.kind,
      customerId: row.customer_id,
      customerNumber: row.customer_number,
      reason: row.reason,
      checkIds: row.check_ids === '' ? [] : row.check_ids.split(',').map(BigInt),
      proposalDate: row.proposal_date,
      status: row.status,
    }));
}
