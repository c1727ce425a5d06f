/**
 * Cash application: runs the matcher over new incoming bank credits,
 * posts what it is sure of and queues the rest for review. Everything a
 * run decides is written in one transaction with its audit event.
 */
import type { Actor } from '../auth/types.js';
import { recordAudit } from '../audit/audit.js';
import type { Db, Queryable } from '../db/types.js';
import type { Company } from '../ledger/types.js';
import { proposeMatch, type EntryToMatch, type MatchContext, type MatchProposal } from './match/engine.js';
import { loadMatchContext } from './match/context.js';
import { postReceipts, type ReceiptInput } from './posting.js';
import { InputError } from '../shared/errors.js';

export interface CashApplicationResult {
  company: string;
  entries: number;
  /** Posted to items without review. */
  autoPosted: number;
  /** Posted to a customer as unapplied cash without review. */
  unapplied: number;
  review: number;
  suspense: number;
  /** Sum of the lines posted, per payment currency, in minor units. */
  postedAmounts: Record<string, bigint>;
  proposals: MatchProposal[];
}

export type ApplyProgress = (done: number, total: number) => void;

interface EntryRow {
  entry_id: bigint;
  booking_date: string;
  currency: string;
  amount: bigint;
  reference: string | null;
  remittance: string | null;
  counterparty_name: string | null;
  counterparty_account: string | null;
}

function toEntry(row: EntryRow): EntryToMatch {
  return {
    entryId: row.entry_id,
    bookingDate: row.booking_date,
    currency: row.currency.trim(),
    amount: row.amount,
    reference: row.reference,
    remittance: row.remittance,
    counterpartyName: row.counterparty_name,
    counterpartyAccount: row.counterparty_account,
  };
}

/** Entries in `status`, all of the company's or those listed, oldest booking first. */
async function loadEntries(db: Queryable, companyId: number, statuses: readonly string[], entryIds?: readonly bigint[]): Promise<EntryToMatch[]> {
  const result = await db.query<EntryRow>(
    `select entry_id, booking_date, currency, amount, reference, remittance, counterparty_name, counterparty_account
     from bank_entry
     where company_id = $1 and status = any($2::text[]) and amount > 0
       and ($3::bigint[] is null or entry_id = any($3::bigint[]))
     order by booking_date, entry_id`,
    [companyId, statuses, entryIds ? entryIds.map(String) : null],
  );
  return result.rows.map(toEntry);
}

/** Receipts for a proposal: one per customer whose items it pays; the proposal's customer keeps any rest. */
export function receiptsOf(entry: EntryToMatch, proposal: MatchProposal, customerNumbers: ReadonlyMap<bigint, string>, companyCurrency: string): ReceiptInput[] {
  const main = proposal.customerId!;
  const byCustomer = new Map<bigint, ReceiptInput['allocations'][number][]>([[main, []]]);
  for (const line of proposal.lines) {
    const list = byCustomer.get(line.customerId) ?? [];
    list.push({ itemId: line.itemId, amount: line.amount });
    byCustomer.set(line.customerId, list);
  }
  const allocatedElsewhere = proposal.lines.filter((line) => line.customerId !== main).reduce((sum, line) => sum + line.amount, 0n);
  const receipts: ReceiptInput[] = [];
  for (const [customerId, allocations] of byCustomer) {
    const isMain = customerId === main;
    const amount = isMain ? proposal.paymentAmount - allocatedElsewhere : allocations.reduce((sum, line) => sum + line.amount, 0n);
    if (amount <= 0n) continue;
    // Money received in the company currency and converted for the items keeps its local value.
    const local = entry.currency === companyCurrency && proposal.paymentCurrency !== entry.currency && proposal.fxRate !== null;
    receipts.push({
      customerId,
      erpKey: isMain ? `BANK:${entry.entryId}` : `BANK:${entry.entryId}:${customerNumbers.get(customerId) ?? customerId}`,
      documentNumber: `BANK-${entry.entryId}`,
      date: entry.bookingDate,
      currency: proposal.paymentCurrency,
      amount,
      ...(local && isMain && allocatedElsewhere === 0n && amount === proposal.paymentAmount ? { amountLocal: entry.amount } : {}),
      reference: entry.remittance?.slice(0, 500) ?? entry.reference,
      allocations,
    });
  }
  return receipts;
}

function reduceOpenAmounts(context: MatchContext, proposal: MatchProposal): void {
  for (const line of proposal.lines) {
    const item = context.itemsByCustomer.get(line.customerId)?.find((candidate) => candidate.itemId === line.itemId);
    if (item) item.open -= line.amount;
  }
}

/** Writes proposals and their lines with two set-based inserts. */
async function insertProposals(
  tx: Queryable,
  companyId: number,
  proposals: readonly { proposal: MatchProposal; status: 'proposed' | 'posted'; auto: boolean }[],
  actor: Actor,
): Promise<void> {
  for (let start = 0; start < proposals.length; start += 5000) {
    const batch = proposals.slice(start, start + 5000);
    await tx.query(
      `insert into cash_match (company_id, entry_id, customer_id, confidence, reasons, status, auto_posted,
         payment_currency, payment_amount, fx_rate, decided_by, decided_at)
       select $1, t.entry_id, t.customer_id, t.confidence, t.reasons::jsonb, t.status, t.auto,
              t.currency, t.amount, t.fx_rate, case when t.auto then $2 end, case when t.auto then now() end
       from unnest($3::bigint[], $4::bigint[], $5::numeric[], $6::text[], $7::text[], $8::boolean[],
                   $9::text[], $10::bigint[], $11::numeric[])
         as t(entry_id, customer_id, confidence, reasons, status, auto, currency, amount, fx_rate)`,
      [
        companyId,
        actor.email,
        batch.map(({ proposal }) => proposal.entryId.toString()),
        batch.map(({ proposal }) => (proposal.customerId === null ? null : proposal.customerId.toString())),
        batch.map(({ proposal }) => proposal.confidence.toFixed(3)),
        batch.map(({ proposal }) => JSON.stringify(proposal.reasons)),
        batch.map(({ status }) => status),
        batch.map(({ auto }) => auto),
        batch.map(({ proposal }) => proposal.paymentCurrency),
        batch.map(({ proposal }) => proposal.paymentAmount.toString()),
        batch.map(({ proposal }) => proposal.fxRate),
      ],
    );
    const lines = batch.flatMap(({ proposal }) => proposal.lines.map((line) => ({ entryId: proposal.entryId, ...line })));
    if (lines.length > 0) {
      await tx.query(
        `insert into cash_match_line (company_id, entry_id, item_id, amount)
         select $1, t.entry_id, t.item_id, sum(t.amount)
         from unnest($2::bigint[], $3::bigint[], $4::bigint[]) as t(entry_id, item_id, amount)
         group by t.entry_id, t.item_id`,
        [
          companyId,
          lines.map((line) => line.entryId.toString()),
          lines.map((line) => line.itemId.toString()),
          lines.map((line) => line.amount.toString()),
        ],
      );
    }
  }
}

/** Links posted proposals to their payment items and sets the entries' statuses. */
async function recordOutcomes(
  tx: Queryable,
  companyId: number,
  outcomes: readonly { entryId: bigint; status: string; paymentItemId: bigint | null }[],
): Promise<void> {
  for (let start = 0; start < outcomes.length; start += 10_000) {
    const batch = outcomes.slice(start, start + 10_000);
    const ids = batch.map((outcome) => outcome.entryId.toString());
    await tx.query(
      `update bank_entry e set status = t.status
       from unnest($2::bigint[], $3::text[]) as t(entry_id, status)
       where e.company_id = $1 and e.entry_id = t.entry_id`,
      [companyId, ids, batch.map((outcome) => outcome.status)],
    );
    const posted = batch.filter((outcome) => outcome.paymentItemId !== null);
    if (posted.length > 0) {
      await tx.query(
        `update cash_match m set payment_item_id = t.item_id
         from unnest($2::bigint[], $3::bigint[]) as t(entry_id, item_id)
         where m.company_id = $1 and m.entry_id = t.entry_id`,
        [companyId, posted.map((outcome) => outcome.entryId.toString()), posted.map((outcome) => outcome.paymentItemId!.toString())],
      );
    }
  }
}

/** Remembers that `account` paid for `customerId`, raising its count when known. */
export async function learnPayerAccounts(
  tx: Queryable,
  companyId: number,
  learned: readonly { account: string; customerId: bigint; entryId: bigint }[],
): Promise<void> {
  if (learned.length === 0) return;
  await tx.query(
    `insert into payer_account as p (company_id, account, customer_id, confirmed_count, last_entry_id)
     select $1, t.account, t.customer_id, 1, t.entry_id
     from (select distinct on (account) * from unnest($2::text[], $3::bigint[], $4::bigint[])
             as u(account, customer_id, entry_id) order by account, entry_id desc) t
     on conflict (company_id, account) do update
       set confirmed_count = case when p.customer_id = excluded.customer_id then p.confirmed_count + 1 else 1 end,
           customer_id = excluded.customer_id, last_entry_id = excluded.last_entry_id, updated_at = now()`,
    [
      companyId,
      learned.map((row) => row.account),
      learned.map((row) => row.customerId.toString()),
      learned.map((row) => row.entryId.toString()),
    ],
  );
}

interface Decision {
  entry: EntryToMatch;
  proposal: MatchProposal;
  outcome: 'posted' | 'unapplied' | 'review' | 'suspense';
  /** The payment items to post, for outcomes posted and unapplied. */
  receipts: ReceiptInput[];
  learn: boolean;
}

/**
 * Writes a run's decisions in the caller's transaction and returns those
 * written. Entries another run has decided meanwhile are locked out and
 * left alone. With `oneByOne`, each credit is posted under a savepoint, so
 * one that no longer fits the ledger goes to review instead of failing the
 * run.
 */
async function writeDecisions(
  tx: Queryable,
  company: Company,
  actor: Actor,
  decisions: readonly Decision[],
  threshold: number,
  oneByOne: boolean,
): Promise<Decision[]> {
  const stillNew = await tx.query<{ entry_id: bigint }>(
    `select entry_id from bank_entry where company_id = $1 and entry_id = any($2::bigint[]) and status = 'new'
     order by entry_id for update`,
    [company.companyId, decisions.map((decision) => decision.entry.entryId.toString())],
  );
  const open = new Set(stillNew.rows.map((row) => row.entry_id));
  const current = decisions.filter((decision) => open.has(decision.entry.entryId)).map((decision) => ({ ...decision }));
  const paymentItemOf = new Map<bigint, bigint>();
  const posting = current.filter((decision) => decision.receipts.length > 0);
  if (!oneByOne) {
    const posted = await postReceipts(tx, company, posting.flatMap((decision) => decision.receipts));
    const itemIdOf = new Map(posted.map((receipt) => [receipt.erpKey, receipt.paymentItemId]));
    for (const decision of posting) paymentItemOf.set(decision.entry.entryId, itemIdOf.get(decision.receipts[0]!.erpKey)!);
  } else {
    for (const decision of posting) {
      await tx.query('savepoint cash_receipt');
      try {
        const posted = await postReceipts(tx, company, decision.receipts);
        paymentItemOf.set(decision.entry.entryId, posted[0]!.paymentItemId);
        await tx.query('release savepoint cash_receipt');
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        await tx.query('rollback to savepoint cash_receipt');
        decision.outcome = 'review';
        decision.receipts = [];
        decision.learn = false;
        decision.proposal = {
          ...decision.proposal,
          reasons: [...decision.proposal.reasons, { code: 'posting_failed', detail: error.message }],
        };
      }
    }
  }
  const posted = (decision: Decision) => decision.outcome === 'posted' || decision.outcome === 'unapplied';
  await insertProposals(
    tx,
    company.companyId,
    current.map((decision) => ({ proposal: decision.proposal, status: posted(decision) ? 'posted' : 'proposed', auto: posted(decision) })),
    actor,
  );
  await recordOutcomes(
    tx,
    company.companyId,
    current.map((decision) => ({
      entryId: decision.entry.entryId,
      status: decision.outcome,
      paymentItemId: paymentItemOf.get(decision.entry.entryId) ?? null,
    })),
  );
  await learnPayerAccounts(
    tx,
    company.companyId,
    current
      .filter((decision) => decision.learn)
      .map((decision) => ({ account: decision.entry.counterpartyAccount!, customerId: decision.proposal.customerId!, entryId: decision.entry.entryId })),
  );
  const count = (outcome: Decision['outcome']) => current.filter((decision) => decision.outcome === outcome).length;
  await recordAudit(tx, {
    actor,
    action: 'cash.apply',
    entity: 'bank_entry',
    companyId: company.companyId,
    after: {
      entries: current.length,
      autoPosted: count('posted'),
      unapplied: count('unapplied'),
      review: count('review'),
      suspense: count('suspense'),
      threshold,
    },
  });
  return current;
}

/**
 * Matches the company's new incoming credits (or the listed ones) and
 * posts every proposal at or above the company's threshold. Proposals
 * that name no items but a customer above the threshold are posted as
 * unapplied cash on that customer; credits with no customer go to
 * suspense.
 */
export async function applyCash(
  db: Db,
  company: Company,
  actor: Actor,
  options: { entryIds?: readonly bigint[]; progress?: ApplyProgress } = {},
): Promise<CashApplicationResult> {
  const entries = await loadEntries(db, company.companyId, ['new'], options.entryIds);
  const result: CashApplicationResult = {
    company: company.code,
    entries: entries.length,
    autoPosted: 0,
    unapplied: 0,
    review: 0,
    suspense: 0,
    postedAmounts: {},
    proposals: [],
  };
  if (entries.length === 0) return result;
  const lastDate = entries.reduce((max, entry) => (entry.bookingDate > max ? entry.bookingDate : max), entries[0]!.bookingDate);
  const context = await loadMatchContext(db, company, lastDate);
  const customerNumbers = new Map([...context.customers.values()].map((customer) => [customer.customerId, customer.customerNumber]));
  const threshold = context.settings.autoPostThreshold;

  const decisions: Decision[] = entries.map((entry, index) => {
    const proposal = proposeMatch(entry, context);
    if (options.progress && (index % 1000 === 999 || index === entries.length - 1)) options.progress(index + 1, entries.length);
    if (proposal.customerId === null) return { entry, proposal, outcome: 'suspense', receipts: [], learn: false };
    if (proposal.confidence < threshold) return { entry, proposal, outcome: 'review', receipts: [], learn: false };
    // Later lines of the run see what this one paid.
    reduceOpenAmounts(context, proposal);
    // Only document numbers with the exact amount teach an account: a
    // match found through the account itself would only confirm itself.
    const byReference =
      proposal.reasons.some((reason) => reason.code === 'reference') && proposal.reasons.some((reason) => reason.code === 'amount_exact');
    return {
      entry,
      proposal,
      outcome: proposal.lines.length > 0 ? 'posted' : 'unapplied',
      receipts: receiptsOf(entry, proposal, customerNumbers, company.currency),
      learn: byReference && entry.counterpartyAccount !== null,
    };
  });

  let written: Decision[];
  try {
    written = await db.transaction((tx) => writeDecisions(tx, company, actor, decisions, threshold, false));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // One credit's posting failed (an item changed since the context was
    // read): post each on its own, and queue those that fail for review.
    written = await db.transaction((tx) => writeDecisions(tx, company, actor, decisions, threshold, true));
  }
  for (const decision of written) {
    result.proposals.push(decision.proposal);
    if (decision.outcome === 'posted') result.autoPosted += 1;
    else if (decision.outcome === 'unapplied') result.unapplied += 1;
    else if (decision.outcome === 'review') result.review += 1;
    else result.suspense += 1;
    if (decision.outcome !== 'posted') continue;
    for (const line of decision.proposal.lines) {
      const currency = decision.proposal.paymentCurrency;
      result.postedAmounts[currency] = (result.postedAmounts[currency] ?? 0n) + line.amount;
    }
  }
  result.entries = written.length;
  return result;
}

