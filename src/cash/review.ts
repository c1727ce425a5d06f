/**
 * The review queue: proposals below the auto-post threshold and credits
 * in suspense wait here for a user, who confirms them as proposed, splits
 * them over other items, assigns them to another customer, or sets them
 * aside. Confirming teaches the payer account.
 */
import type { Actor } from '../auth/types.js';
import { ForbiddenError } from '../auth/errors.js';
import { inScope } from '../auth/scope.js';
import { recordAudit } from '../audit/audit.js';
import type { Db, Queryable } from '../db/types.js';
import type { Company } from '../ledger/types.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { learnPayerAccounts, receiptsOf } from './apply.js';
import { postReceipts, type ReceiptAllocation } from './posting.js';

export const reviewStatuses = ['review', 'suspense', 'unapplied', 'posted', 'ignored'] as const;
export type ReviewStatus = (typeof reviewStatuses)[number];

export interface ReviewLine {
  itemId: string;
  documentNumber: string;
  customerNumber: string;
  currency: string;
  dueDate: string;
  /** Open amount now, in minor units of the item currency. */
  openAmount: bigint;
  /** Proposed payment, in minor units. */
  amount: bigint;
}

export interface ReviewEntry {
  entryId: string;
  companyId: number;
  status: ReviewStatus;
  bookingDate: string;
  account: string;
  currency: string;
  amount: bigint;
  reference: string | null;
  remittance: string | null;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
  customerId: string | null;
  customerNumber: string | null;
  customerName: string | null;
  confidence: number | null;
  reasons: { code: string; detail: string }[];
  paymentCurrency: string | null;
  paymentAmount: bigint | null;
  lines: ReviewLine[];
}

export interface ReviewFilter {
  status?: ReviewStatus;
  company?: Company;
  limit?: number;
  offset?: number;
}

function jsonValue(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

/**
 * Lists bank credits with their proposals, lowest confidence last. A user
 * limited to regions sees only proposals for customers of those regions;
 * credits in suspense name no customer and are shown to company-wide
 * users only.
 */
export async function listReview(db: Queryable, actor: Actor, filter: ReviewFilter = {}): Promise<{ total: number; entries: ReviewEntry[] }> {
  const params: unknown[] = [filter.status ?? 'review', filter.company?.companyId ?? null];
  const companyScope = actor.scope.companyIds === null ? 'true' : `e.company_id = any($${params.push(actor.scope.companyIds)}::int[])`;
  const regionScope = actor.scope.regions === null ? 'true' : `c.region = any($${params.push(actor.scope.regions)}::text[])`;
  params.push(Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
  const result = await db.query<Record<string, unknown>>(
    `select e.entry_id, e.company_id, e.status, e.booking_date, a.account_number, e.currency, e.amount, e.reference,
            e.remittance, e.counterparty_name, e.counterparty_account, m.customer_id, c.customer_number,
            c.name as customer_name, m.confidence::text as confidence, m.reasons, m.payment_currency,
            m.payment_amount, count(*) over () as total_count
     from bank_entry e
     join bank_statement s on s.company_id = e.company_id and s.statement_id = e.statement_id
     join bank_account a on a.company_id = s.company_id and a.bank_account_id = s.bank_account_id
     left join cash_match m on m.company_id = e.company_id and m.entry_id = e.entry_id
     left join customer c on c.company_id = m.company_id and c.customer_id = m.customer_id
     where e.status = $1 and e.amount > 0 and ($2::int is null or e.company_id = $2) and ${companyScope} and ${regionScope}
     order by m.confidence desc nulls last, e.booking_date, e.entry_id
     limit $${params.length - 1} offset $${params.length}`,
    params as never,
  );
  const entries: ReviewEntry[] = result.rows.map((row) => ({
    entryId: String(row.entry_id),
    companyId: Number(row.company_id),
    status: row.status as ReviewStatus,
    bookingDate: row.booking_date as string,
    account: row.account_number as string,
    currency: (row.currency as string).trim(),
    amount: row.amount as bigint,
    reference: row.reference as string | null,
    remittance: row.remittance as string | null,
    counterpartyName: row.counterparty_name as string | null,
    counterpartyAccount: row.counterparty_account as string | null,
    customerId: row.customer_id === null ? null : String(row.customer_id),
    customerNumber: row.customer_number as string | null,
    customerName: row.customer_name as string | null,
    confidence: row.confidence === null ? null : Number(row.confidence),
    reasons: row.reasons === null ? [] : (jsonValue(row.reasons) as { code: string; detail: string }[]),
    paymentCurrency: row.payment_currency === null ? null : (row.payment_currency as string).trim(),
    paymentAmount: row.payment_amount as bigint | null,
    lines: [],
  }));
  if (entries.length > 0) {
    const lines = await db.query<Record<string, unknown>>(
      `select l.entry_id, l.item_id, i.document_number, c.customer_number, i.currency, i.due_date, l.amount,
              i.amount - coalesce((select sum(amount) from allocation a
                                   where a.company_id = i.company_id and a.debit_item_id = i.item_id), 0)::bigint as open_amount
       from cash_match_line l
       join open_item i on i.company_id = l.company_id and i.item_id = l.item_id
       join customer c on c.company_id = i.company_id and c.customer_id = i.customer_id
       where l.entry_id = any($1::bigint[])
       order by i.due_date, l.item_id`,
      [entries.map((entry) => entry.entryId)],
    );
    const byEntry = new Map(entries.map((entry) => [entry.entryId, entry]));
    for (const row of lines.rows) {
      byEntry.get(String(row.entry_id))?.lines.push({
        itemId: String(row.item_id),
        documentNumber: row.document_number as string,
        customerNumber: row.customer_number as string,
        currency: (row.currency as string).trim(),
        dueDate: row.due_date as string,
        openAmount: row.open_amount as bigint,
        amount: row.amount as bigint,
      });
    }
  }
  return { total: Number(result.rows[0]?.total_count ?? 0), entries };
}

interface EntryState {
  company_id: number;
  status: string;
  booking_date: string;
  currency: string;
  amount: bigint;
  counterparty_account: string | null;
  customer_id: bigint | null;
  payment_currency: string | null;
  payment_amount: bigint | null;
  fx_rate: string | null;
}

async function lockEntry(tx: Queryable, entryId: bigint): Promise<EntryState> {
  const result = await tx.query<EntryState>(
    `select e.company_id, e.status, e.booking_date, e.currency, e.amount, e.counterparty_account,
            m.customer_id, m.payment_currency, m.payment_amount, m.fx_rate::text as fx_rate
     from bank_entry e left join cash_match m on m.company_id = e.company_id and m.entry_id = e.entry_id
     where e.entry_id = $1
     for update of e`,
    [entryId],
  );
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`bank entry ${entryId} not found`, 'entryId');
  return row;
}

async function customerRegion(tx: Queryable, companyId: number, customerId: bigint): Promise<{ number: string; region: string | null }> {
  const result = await tx.query<{ customer_number: string; region: string | null }>(
    'select customer_number, region from customer where company_id = $1 and customer_id = $2',
    [companyId, customerId],
  );
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`customer ${customerId} not found`, 'customerId');
  return { number: row.customer_number, region: row.region };
}

function checkScope(actor: Actor, companyId: number, region: string | null, entryId: bigint, action: string): void {
  if (!inScope(actor.scope, companyId, region)) {
    throw new ForbiddenError(`bank entry ${entryId} is outside your scope`, {
      action,
      entity: 'bank_entry',
      entityId: entryId.toString(),
      companyId,
    });
  }
}

export interface ConfirmInput {
  /** Another customer than proposed (suspense, or a wrong proposal). */
  customerId?: bigint;
  /** Items and amounts to pay; the proposal's lines when omitted. An empty list posts unapplied cash. */
  lines?: readonly ReceiptAllocation[];
  note?: string;
}

/**
 * Posts a queued credit as the user decides, in one transaction with its
 * audit event, and teaches the payer account. Amounts are in the payment
 * currency: the proposal's (converted) currency when the user keeps the
 * proposal's customer, the entry's currency otherwise.
 */
export async function confirmMatch(db: Db, company: Company, entryId: bigint, actor: Actor, input: ConfirmInput = {}): Promise<{ paymentItemId: bigint; status: string }> {
  return db.transaction(async (tx) => {
    const entry = await lockEntry(tx, entryId);
    if (entry.company_id !== company.companyId) throw new NotFoundError(`bank entry ${entryId} not found in ${company.code}`, 'entryId');
    if (entry.status !== 'review' && entry.status !== 'suspense') {
      throw new InputError(`bank entry ${entryId} is ${entry.status}; only entries in review or suspense can be confirmed`, 'invalid_state', 'entryId');
    }
    const customerId = input.customerId ?? entry.customer_id;
    if (customerId === null) {
      throw new InputError(`bank entry ${entryId} has no proposed customer: name one`, 'missing_parameter', 'customerId');
    }
    const customer = await customerRegion(tx, company.companyId, customerId);
    checkScope(actor, company.companyId, customer.region, entryId, 'cash.apply');
    const keepsProposal = input.customerId === undefined || input.customerId === entry.customer_id;
    const currency = keepsProposal && entry.payment_currency ? entry.payment_currency.trim() : entry.currency.trim();
    const amount = keepsProposal && entry.payment_amount !== null ? entry.payment_amount : entry.amount;
    let lines = input.lines;
    if (lines === undefined) {
      const stored = await tx.query<{ item_id: bigint; amount: bigint }>(
        'select item_id, amount from cash_match_line where company_id = $1 and entry_id = $2 order by item_id',
        [company.companyId, entryId],
      );
      lines = keepsProposal ? stored.rows.map((row) => ({ itemId: row.item_id, amount: row.amount })) : [];
    }
    const ownerOf = new Map<bigint, bigint>();
    const numbers = new Map<bigint, string>([[customerId, customer.number]]);
    if (lines.length > 0) {
      const owners = await tx.query<{ item_id: bigint; customer_id: bigint; customer_number: string; group_number: string | null }>(
        `select i.item_id, i.customer_id, c.customer_number, c.group_number from open_item i
         join customer c on c.company_id = i.company_id and c.customer_id = i.customer_id
         where i.company_id = $1 and i.item_id = any($2::bigint[])`,
        [company.companyId, lines.map((line) => line.itemId.toString())],
      );
      const payerGroup = await tx.query<{ group_number: string | null }>(
        'select group_number from customer where company_id = $1 and customer_id = $2',
        [company.companyId, customerId],
      );
      const group = payerGroup.rows[0]?.group_number ?? null;
      for (const owner of owners.rows) {
        if (owner.customer_id !== customerId && (group === null || owner.group_number !== group)) {
          throw new InputError(`item ${owner.item_id} belongs to another customer outside the payer's group`, 'invalid_allocation', 'lines');
        }
        ownerOf.set(owner.item_id, owner.customer_id);
        numbers.set(owner.customer_id, owner.customer_number);
      }
    }
    // A payer settling a group member's items posts that share on the
    // member, as the automatic path does, so each customer's balance is right.
    const receipts = receiptsOf(
      {
        entryId,
        bookingDate: entry.booking_date,
        currency: entry.currency.trim(),
        amount: entry.amount,
        reference: null,
        remittance: input.note ?? null,
        counterpartyName: null,
        counterpartyAccount: null,
      },
      {
        entryId,
        customerId,
        confidence: 1,
        reasons: [],
        lines: lines.map((line) => ({ itemId: line.itemId, customerId: ownerOf.get(line.itemId) ?? customerId, amount: line.amount })),
        paymentCurrency: currency,
        paymentAmount: amount,
        fxRate: keepsProposal ? entry.fx_rate : null,
      },
      numbers,
      company.currency,
    );
    const posted = await postReceipts(tx, company, receipts);
    const status = lines.length > 0 ? 'posted' : 'unapplied';
    const before = { status: entry.status, customerId: entry.customer_id };
    await tx.query(
      `insert into cash_match (company_id, entry_id, customer_id, confidence, reasons, status, payment_item_id,
         payment_currency, payment_amount, decided_by, decided_at)
       values ($1, $2, $3, 1, '[]'::jsonb, 'posted', $4, $5, $6, $7, now())
       on conflict (company_id, entry_id) do update
         set customer_id = excluded.customer_id, status = 'posted', payment_item_id = excluded.payment_item_id,
             payment_currency = excluded.payment_currency, payment_amount = excluded.payment_amount,
             decided_by = excluded.decided_by, decided_at = now()`,
      [company.companyId, entryId, customerId, posted[0]!.paymentItemId, currency, amount, actor.email],
    );
    await tx.query('delete from cash_match_line where company_id = $1 and entry_id = $2', [company.companyId, entryId]);
    if (lines.length > 0) {
      await tx.query(
        `insert into cash_match_line (company_id, entry_id, item_id, amount)
         select $1, $2, t.item_id, sum(t.amount) from unnest($3::bigint[], $4::bigint[]) as t(item_id, amount) group by t.item_id`,
        [company.companyId, entryId, lines.map((line) => line.itemId.toString()), lines.map((line) => line.amount.toString())],
      );
    }
    await tx.query('update bank_entry set status = $3 where company_id = $1 and entry_id = $2', [company.companyId, entryId, status]);
    if (entry.counterparty_account) {
      await learnPayerAccounts(tx, company.companyId, [{ account: entry.counterparty_account, customerId, entryId }]);
    }
    await recordAudit(tx, {
      actor,
      action: 'cash.confirm',
      entity: 'bank_entry',
      entityId: entryId.toString(),
      companyId: company.companyId,
      before,
      after: { status, customer: customer.number, currency, amount, lines },
      reason: input.note ?? null,
    });
    return { paymentItemId: posted[0]!.paymentItemId, status };
  });
}

/**
 * Sets a queued credit aside: a rejected proposal moves the credit to
 * suspense, and a credit in suspense that is no customer's payment
 * (interest, a refund) is marked ignored.
 */
export async function rejectMatch(db: Db, company: Company, entryId: bigint, actor: Actor, reason: string): Promise<{ status: string }> {
  if (reason.trim() === '') throw new InputError('missing reason: say why the proposal is rejected', 'missing_parameter', 'reason');
  return db.transaction(async (tx) => {
    const entry = await lockEntry(tx, entryId);
    if (entry.company_id !== company.companyId) throw new NotFoundError(`bank entry ${entryId} not found in ${company.code}`, 'entryId');
    if (entry.status !== 'review' && entry.status !== 'suspense') {
      throw new InputError(`bank entry ${entryId} is ${entry.status}; only entries in review or suspense can be rejected`, 'invalid_state', 'entryId');
    }
    if (actor.scope.regions !== null) {
      const region = entry.customer_id === null ? null : (await customerRegion(tx, company.companyId, entry.customer_id)).region;
      checkScope(actor, company.companyId, region, entryId, 'cash.apply');
    }
    const status = entry.status === 'review' ? 'suspense' : 'ignored';
    await tx.query(
      `update cash_match set status = 'rejected', decided_by = $3, decided_at = now() where company_id = $1 and entry_id = $2`,
      [company.companyId, entryId, actor.email],
    );
    await tx.query('update bank_entry set status = $3 where company_id = $1 and entry_id = $2', [company.companyId, entryId, status]);
    await recordAudit(tx, {
      actor,
      action: 'cash.reject',
      entity: 'bank_entry',
      entityId: entryId.toString(),
      companyId: company.companyId,
      before: { status: entry.status },
      after: { status },
      reason,
    });
    return { status };
  });
}

/**
 * Counts bank credits by status, as listReview would list them for the
 * actor: within the actor's companies and, for a user limited to regions,
 * only credits proposed for customers of those regions.
 */
export async function reviewCounts(db: Queryable, actor: Actor, companyId?: number): Promise<Record<string, number>> {
  const params: unknown[] = [];
  const companyScope = actor.scope.companyIds === null ? 'true' : `e.company_id = any($${params.push(actor.scope.companyIds)}::int[])`;
  const regionScope = actor.scope.regions === null ? 'true' : `c.region = any($${params.push(actor.scope.regions)}::text[])`;
  const only = companyId === undefined ? 'true' : `e.company_id = $${params.push(companyId)}`;
  const result = await db.query<{ status: string; count: bigint }>(
    `select e.status, count(*)::bigint as count
     from bank_entry e
     left join cash_match m on m.company_id = e.company_id and m.entry_id = e.entry_id
     left join customer c on c.company_id = m.company_id and c.customer_id = m.customer_id
     where e.amount > 0 and ${companyScope} and ${regionScope} and ${only}
     group by e.status`,
    params as never,
  );
  return Object.fromEntries(result.rows.map((row) => [row.status, Number(row.count)]));
}

