/**
 * Regional cash receipts: cash and transfers entered by the accountant of
 * a region, posted to the ledger only when a second person approves them
 * (maker-checker). Until then a receipt changes no balance.
 */
import { recordAudit } from '../audit/audit.js';
import { recordCliDenial } from '../audit/denials.js';
import { checkCompanyWrite, ForbiddenError } from '../auth/errors.js';
import { can, type Permission } from '../auth/permissions.js';
import { inScope, scopeCondition } from '../auth/scope.js';
import type { Actor } from '../auth/types.js';
import type { Db, Queryable, SqlParam } from '../db/types.js';
import { currencyExponent, findFxRate } from '../ledger/currencies.js';
import { getCompanyById } from '../ledger/companies.js';
import type { Company } from '../ledger/types.js';
import { isIsoDate, type IsoDate } from '../shared/dates.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { postReceipts } from './posting.js';

export const cashReceiptKinds = ['cash', 'transfer'] as const;
export type CashReceiptKind = (typeof cashReceiptKinds)[number];

export const cashReceiptStatuses = ['pending', 'approved', 'rejected'] as const;
export type CashReceiptStatus = (typeof cashReceiptStatuses)[number];

export interface CashReceiptLineInput {
  itemId: bigint;
  /** Positive minor units of the receipt currency, which is the item's. */
  amount: bigint;
}

export interface CashReceiptInput {
  kind: CashReceiptKind;
  customerNumber: string;
  currency: string;
  /** Positive minor units of `currency`. */
  amount: bigint;
  date: IsoDate;
  /** The customer's collector when omitted. */
  collector?: string | null;
  reference?: string | null;
  note?: string | null;
  /** Items the receipt pays; what they leave over stays unapplied on the customer. */
  lines?: readonly CashReceiptLineInput[];
}

export interface CashReceiptLine {
  itemId: bigint;
  documentNumber: string;
  erpKey: string;
  amount: bigint;
}

export interface CashReceipt {
  receiptId: bigint;
  companyId: number;
  companyCode: string;
  kind: CashReceiptKind;
  customerId: bigint;
  customerNumber: string;
  customerName: string;
  region: string | null;
  currency: string;
  currencyExponent: number;
  amount: bigint;
  /** Sum of the lines; the rest of the amount is unapplied cash. */
  allocated: bigint;
  date: IsoDate;
  collector: string | null;
  reference: string | null;
  note: string | null;
  status: CashReceiptStatus;
  erpKey: string;
  enteredBy: string;
  enteredByUserId: number | null;
  enteredAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  paymentItemId: bigint | null;
  lines: CashReceiptLine[];
}

export interface CashReceiptFilter {
  companyId?: number;
  status?: CashReceiptStatus;
  from?: IsoDate;
  to?: IsoDate;
  limit?: number;
}

interface ReceiptRow {
  receipt_id: bigint;
  company_id: number;
  company_code: string;
  kind: CashReceiptKind;
  customer_id: bigint;
  customer_number: string;
  customer_name: string;
  region: string | null;
  currency: string;
  exponent: number;
  amount: bigint;
  receipt_date: string;
  collector: string | null;
  reference: string | null;
  note: string | null;
  status: CashReceiptStatus;
  erp_key: string;
  entered_by: string;
  entered_by_user_id: number | null;
  entered_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
  payment_item_id: bigint | null;
}

const selectReceipt = `
  select r.receipt_id, r.company_id, co.code as company_code, r.kind, r.customer_id,
         c.customer_number, c.name as customer_name, c.region, r.currency, cur.exponent,
         r.amount, r.receipt_date, r.collector, r.reference, r.note, r.status, r.erp_key,
         r.entered_by, r.entered_by_user_id,
         to_char(r.entered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as entered_at,
         r.decided_by,
         to_char(r.decided_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as decided_at,
         r.decision_reason, r.payment_item_id
  from cash_receipt r
  join customer c on c.company_id = r.company_id and c.customer_id = r.customer_id
  join company co on co.company_id = r.company_id
  join currency cur on cur.code = r.currency`;

async function loadLines(db: Queryable, rows: readonly ReceiptRow[]): Promise<Map<string, CashReceiptLine[]>> {
  const byReceipt = new Map<string, CashReceiptLine[]>();
  if (rows.length === 0) return byReceipt;
  const result = await db.query<{ receipt_id: bigint; item_id: bigint; document_number: string; erp_key: string; amount: bigint }>(
    `select l.receipt_id, l.item_id, i.document_number, i.erp_key, l.amount
     from cash_receipt_line l
     join open_item i on i.company_id = l.company_id and i.item_id = l.item_id
     where l.receipt_id = any($1::bigint[])
     order by l.receipt_id, i.document_number, l.item_id`,
    [rows.map((row) => row.receipt_id.toString())],
  );
  for (const line of result.rows) {
    const key = line.receipt_id.toString();
    const list = byReceipt.get(key) ?? [];
    list.push({ itemId: line.item_id, documentNumber: line.document_number, erpKey: line.erp_key, amount: line.amount });
    byReceipt.set(key, list);
  }
  return byReceipt;
}

function toReceipt(row: ReceiptRow, lines: CashReceiptLine[]): CashReceipt {
  return {
    receiptId: row.receipt_id,
    companyId: row.company_id,
    companyCode: row.company_code,
    kind: row.kind,
    customerId: row.customer_id,
    customerNumber: row.customer_number,
    customerName: row.customer_name,
    region: row.region,
    currency: row.currency.trim(),
    currencyExponent: row.exponent,
    amount: row.amount,
    allocated: lines.reduce((sum, line) => sum + line.amount, 0n),
    date: row.receipt_date,
    collector: row.collector,
    reference: row.reference,
    note: row.note,
    status: row.status,
    erpKey: row.erp_key,
    enteredBy: row.entered_by,
    enteredByUserId: row.entered_by_user_id,
    enteredAt: row.entered_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionReason: row.decision_reason,
    paymentItemId: row.payment_item_id,
    lines,
  };
}

/** Returns a receipt by id, or NotFoundError. `forUpdate` locks it for the caller's transaction. */
export async function getCashReceipt(db: Queryable, receiptId: bigint, forUpdate = false): Promise<CashReceipt> {
  const result = await db.query<ReceiptRow>(
    `${selectReceipt} where r.receipt_id = $1${forUpdate ? ' for update of r' : ''}`,
    [receiptId],
  );
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`cash receipt ${receiptId} not found`, 'id');
  return toReceipt(row, (await loadLines(db, [row])).get(row.receipt_id.toString()) ?? []);
}

/** Lists the receipts in the actor's scope, newest receipt date first. */
export async function listCashReceipts(db: Queryable, actor: Actor, filter: CashReceiptFilter = {}): Promise<CashReceipt[]> {
  const params: unknown[] = [];
  const conditions = [scopeCondition(actor.scope, 'c', params)];
  const add = (condition: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(condition(`$${params.length}`));
  };
  if (filter.companyId !== undefined) add((p) => `r.company_id = ${p}`, filter.companyId);
  if (filter.status !== undefined) add((p) => `r.status = ${p}`, filter.status);
  if (filter.from !== undefined) add((p) => `r.receipt_date >= ${p}::date`, filter.from);
  if (filter.to !== undefined) add((p) => `r.receipt_date <= ${p}::date`, filter.to);
  params.push(filter.limit ?? 1000);
  const result = await db.query<ReceiptRow>(
    `${selectReceipt} where ${conditions.join(' and ')}
     order by r.receipt_date desc, r.receipt_id desc limit $${params.length}`,
    params as SqlParam[],
  );
  const lines = await loadLines(db, result.rows);
  return result.rows.map((row) => toReceipt(row, lines.get(row.receipt_id.toString()) ?? []));
}

/** Fields of a receipt that its audit events keep. */
function auditView(receipt: CashReceipt) {
  return {
    receiptId: receipt.receiptId,
    kind: receipt.kind,
    customerNumber: receipt.customerNumber,
    currency: receipt.currency,
    amount: receipt.amount,
    date: receipt.date,
    collector: receipt.collector,
    reference: receipt.reference,
    status: receipt.status,
    paymentItemId: receipt.paymentItemId,
    lines: receipt.lines.map((line) => ({ itemId: line.itemId, documentNumber: line.documentNumber, amount: line.amount })),
  };
}

function checkPermission(actor: Actor, permission: Permission, action: string, entityId: string | null, companyId: number | null): void {
  if (!can(actor.role, permission)) {
    throw new ForbiddenError(`the role ${actor.role} may not use ${permission}`, {
      action,
      entity: 'cash_receipt',
      entityId,
      companyId,
    });
  }
}

/**
 * Checks the lines of a receipt against the ledger in one query: each item
 * must be a debit item of the receipt's customer, in the receipt's
 * currency, with at least the line's amount still open (all allocations
 * counted, whatever their date). Raises InputError naming the first
 * offending line.
 *
 * NOTE: other pending receipts are not deducted from the open amount, so
 * two pending receipts may each fit an item that cannot take both. The
 * second approval then fails and that receipt stays pending.
 */
async function checkLines(
  db: Queryable,
  companyId: number,
  customerId: bigint,
  currency: string,
  amount: bigint,
  lines: readonly CashReceiptLineInput[],
): Promise<void> {
  const seen = new Set<string>();
  let total = 0n;
  lines.forEach((line, index) => {
    if (line.amount <= 0n) {
      throw new InputError(`line ${index + 1}: the amount ${line.amount} must be positive`, 'invalid_amount', `lines.${index}.amount`);
    }
    const key = line.itemId.toString();
    if (seen.has(key)) throw new InputError(`line ${index + 1}: item ${key} is named twice`, 'duplicate_item', `lines.${index}.itemId`);
    seen.add(key);
    total += line.amount;
  });
  if (total > amount) {
    throw new InputError(`the lines add up to ${total} minor units, more than the receipt's ${amount}`, 'overallocation', 'lines');
  }
  if (lines.length === 0) return;
  const result = await db.query<{
    ordinal: number;
    item_id: bigint;
    wanted: bigint;
    found: boolean;
    customer_id: bigint | null;
    currency: string | null;
    amount: bigint | null;
    open_amount: bigint | null;
  }>(
    `select l.ordinal::int as ordinal, l.item_id, l.wanted, i.item_id is not null as found, i.customer_id,
            i.currency, i.amount,
            (i.amount - coalesce((select sum(a.amount) from allocation a
                                  where a.company_id = i.company_id and a.debit_item_id = i.item_id), 0))::bigint as open_amount
     from unnest($2::bigint[], $3::bigint[]) with ordinality as l(item_id, wanted, ordinal)
     left join open_item i on i.company_id = $1 and i.item_id = l.item_id
     order by l.ordinal`,
    [companyId, lines.map((line) => line.itemId.toString()), lines.map((line) => line.amount.toString())],
  );
  for (const row of result.rows) {
    const field = `lines.${row.ordinal - 1}.itemId`;
    const where = `line ${row.ordinal} (item ${row.item_id})`;
    if (!row.found || row.customer_id !== customerId) {
      throw new InputError(`${where}: not an item of this customer`, 'invalid_item', field);
    }
    if (row.currency!.trim() !== currency) {
      throw new InputError(`${where}: the item is in ${row.currency!.trim()}, the receipt in ${currency}`, 'currency_mismatch', field);
    }
    if (row.amount! <= 0n) throw new InputError(`${where}: not a debit item (invoice or debit note)`, 'invalid_item', field);
    if (row.wanted > row.open_amount!) {
      throw new InputError(
        `${where}: the line's ${row.wanted} minor units exceed the open amount of ${row.open_amount}`,
        'overallocation',
        `lines.${row.ordinal - 1}.amount`,
      );
    }
  }
}

function cleanText(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/**
 * Enters a receipt as pending, with an audit event in the same
 * transaction. Nothing is posted to the ledger until another person
 * approves it. The actor needs `cash.post` and the customer must lie in
 * the actor's scope.
 */
export async function addCashReceipt(db: Db, company: Company, input: CashReceiptInput, actor: Actor): Promise<CashReceipt> {
  try {
    checkPermission(actor, 'cash.post', 'cash_receipt.add', null, company.companyId);
    checkCompanyWrite(actor, company, 'cash_receipt.add');
    if (!(cashReceiptKinds as readonly string[]).includes(input.kind)) {
      throw new InputError(
        `invalid kind "${input.kind}": use ${cashReceiptKinds.join(' or ')} (checks go through the check register)`,
        'invalid_kind',
        'kind',
      );
    }
    if (!isIsoDate(input.date)) throw new InputError(`invalid date "${input.date}": use YYYY-MM-DD`, 'invalid_date', 'date');
    if (input.amount <= 0n) throw new InputError(`invalid amount ${input.amount}: it must be positive`, 'invalid_amount', 'amount');
    const currency = input.currency.trim().toUpperCase();
    if ((await currencyExponent(db, currency).catch(() => null)) === null) {
      throw new InputError(`unknown currency "${input.currency}": use an ISO 4217 code`, 'invalid_currency', 'currency');
    }
    if ((await findFxRate(db, currency, company.currency, input.date)) === null) {
      throw new InputError(
        `no ${currency}/${company.currency} rate on or before ${input.date}: add one with "ardesk fx set" first`,
        'missing_fx_rate',
        'currency',
      );
    }
    const lines = input.lines ?? [];
    return await db.transaction(async (tx) => {
      const customer = await tx.query<{ customer_id: bigint; region: string | null; collector: string | null }>(
        'select customer_id, region, collector from customer where company_id = $1 and customer_number = $2',
        [company.companyId, input.customerNumber.trim()],
      );
      const found = customer.rows[0];
      if (!found) {
        throw new NotFoundError(`customer "${input.customerNumber}" not found in ${company.code}`, 'customerNumber');
      }
      if (!inScope(actor.scope, company.companyId, found.region)) {
        throw new ForbiddenError(`customer ${input.customerNumber} is outside your scope: you enter receipts for your regions only`, {
          action: 'cash_receipt.add',
          entity: 'customer',
          entityId: input.customerNumber,
          companyId: company.companyId,
        });
      }
      await checkLines(tx, company.companyId, found.customer_id, currency, input.amount, lines);
      const inserted = await tx.query<{ receipt_id: bigint }>(
        `insert into cash_receipt (company_id, receipt_id, kind, customer_id, currency, amount, receipt_date,
           collector, reference, note, erp_key, entered_by, entered_by_user_id)
         select $1, id, $2, $3, $4, $5, $6, $7, $8, $9, 'CASH:' || id, $10, $11
         from (select nextval('cash_receipt_id_seq') as id) s
         returning receipt_id`,
        [
          company.companyId,
          input.kind,
          found.customer_id,
          currency,
          input.amount,
          input.date,
          input.collector === undefined ? found.collector : cleanText(input.collector),
          cleanText(input.reference),
          cleanText(input.note),
          actor.email,
          actor.userId,
        ],
      );
      const receiptId = inserted.rows[0]!.receipt_id;
      for (const line of lines) {
        await tx.query('insert into cash_receipt_line (company_id, receipt_id, item_id, amount) values ($1, $2, $3, $4)', [
          company.companyId,
          receiptId,
          line.itemId,
          line.amount,
        ]);
      }
      const receipt = await getCashReceipt(tx, receiptId);
      await recordAudit(tx, {
        actor,
        action: 'cash_receipt.add',
        entity: 'cash_receipt',
        entityId: receiptId.toString(),
        companyId: company.companyId,
        after: auditView(receipt),
      });
      return receipt;
    });
  } catch (error) {
    await recordCliDenial(db, actor, error);
    throw error;
  }
}

/** Whether two actors are the same person: by user id when both have one, else by email. */
function samePerson(receipt: CashReceipt, actor: Actor): boolean {
  if (receipt.enteredByUserId !== null && actor.userId !== null) return receipt.enteredByUserId === actor.userId;
  return receipt.enteredBy.toLowerCase() === actor.email.toLowerCase();
}

/** Locks a pending receipt and checks that the actor may decide on it. */
async function receiptToDecide(tx: Queryable, receiptId: bigint, actor: Actor, action: string): Promise<CashReceipt> {
  const receipt = await getCashReceipt(tx, receiptId, true);
  const entityId = receipt.receiptId.toString();
  checkPermission(actor, 'cash.approve', action, entityId, receipt.companyId);
  if (!inScope(actor.scope, receipt.companyId, receipt.region)) {
    throw new ForbiddenError(`cash receipt ${entityId} is for a customer outside your scope`, {
      action,
      entity: 'cash_receipt',
      entityId,
      companyId: receipt.companyId,
    });
  }
  if (samePerson(receipt, actor)) {
    throw new ForbiddenError(`you entered cash receipt ${entityId}: another person must approve or reject it`, {
      action,
      entity: 'cash_receipt',
      entityId,
      companyId: receipt.companyId,
    });
  }
  if (receipt.status !== 'pending') {
    throw new InputError(`cash receipt ${entityId} is already ${receipt.status}`, 'not_pending', 'id');
  }
  return receipt;
}

/**
 * Approves a pending receipt and posts it: a payment item `CASH:<id>`
 * dated on the receipt date with allocations to its lines, the status
 * change and the audit event, all in one transaction. The lines are
 * checked again, since other payments may have reached the items since
 * entry; any failure leaves the receipt pending and the ledger as it was.
 */
export async function approveCashReceipt(db: Db, receiptId: bigint, actor: Actor): Promise<CashReceipt> {
  try {
    return await db.transaction(async (tx) => {
      const receipt = await receiptToDecide(tx, receiptId, actor, 'cash_receipt.approve');
      const company = await getCompanyById(tx, receipt.companyId);
      const lines = receipt.lines.map((line) => ({ itemId: line.itemId, amount: line.amount }));
      await checkLines(tx, receipt.companyId, receipt.customerId, receipt.currency, receipt.amount, lines);
      const [posted] = await postReceipts(tx, company, [
        {
          customerId: receipt.customerId,
          erpKey: receipt.erpKey,
          documentNumber: receipt.erpKey,
          date: receipt.date,
          currency: receipt.currency,
          amount: receipt.amount,
          reference: receipt.reference,
          allocations: lines,
        },
      ]);
      await tx.query(
        `update cash_receipt set status = 'approved', decided_by = $2, decided_by_user_id = $3, decided_at = now(),
           payment_item_id = $4
         where company_id = $1 and receipt_id = $5`,
        [receipt.companyId, actor.email, actor.userId, posted!.paymentItemId, receipt.receiptId],
      );
      const after = await getCashReceipt(tx, receipt.receiptId);
      await recordAudit(tx, {
        actor,
        action: 'cash_receipt.approve',
        entity: 'cash_receipt',
        entityId: receipt.receiptId.toString(),
        companyId: receipt.companyId,
        before: auditView(receipt),
        after: auditView(after),
      });
      return after;
    });
  } catch (error) {
    await recordCliDenial(db, actor, error);
    throw error;
  }
}

/** Rejects a pending receipt: nothing is posted. The reason goes into the receipt and its audit event. */
export async function rejectCashReceipt(db: Db, receiptId: bigint, reason: string | null, actor: Actor): Promise<CashReceipt> {
  try {
    return await db.transaction(async (tx) => {
      const receipt = await receiptToDecide(tx, receiptId, actor, 'cash_receipt.reject');
      await tx.query(
        `update cash_receipt set status = 'rejected', decided_by = $2, decided_by_user_id = $3, decided_at = now(),
           decision_reason = $4
         where company_id = $1 and receipt_id = $5`,
        [receipt.companyId, actor.email, actor.userId, cleanText(reason), receipt.receiptId],
      );
      const after = await getCashReceipt(tx, receipt.receiptId);
      await recordAudit(tx, {
        actor,
        action: 'cash_receipt.reject',
        entity: 'cash_receipt',
        entityId: receipt.receiptId.toString(),
        companyId: receipt.companyId,
        before: auditView(receipt),
        after: auditView(after),
        reason: cleanText(reason),
      });
      return after;
    });
  } catch (error) {
    await recordCliDenial(db, actor, error);
    throw error;
  }
}
