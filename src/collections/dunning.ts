/**
 * Dunning runs: a stored proposal that a reviewer may trim, that a second
 * person approves (four eyes), and whose letters are then mailed as PDF
 * or printed. Approval records each item's new dunning level, so the next
 * run raises it at most one level further.
 */
import { recordAudit } from '../audit/audit.js';
import { ForbiddenError } from '../auth/errors.js';
import type { Actor, Scope } from '../auth/types.js';
import type { Db, Queryable } from '../db/types.js';
import { getCompanyById } from '../ledger/companies.js';
import { loadCurrencyExponents } from '../ledger/currencies.js';
import type { Company } from '../ledger/types.js';
import type { IsoDate } from '../shared/dates.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import type { LetterLanguage } from './contacts.js';
import { recordingDenial } from '../audit/denials.js';
import { checkDunningPermission, loadDunningSettings } from './dunning-levels.js';
import { checkAsOf, letterTotals, proposeDunning, sumTotals, type CurrencyTotal, type DunningItem } from './dunning-proposal.js';

export const dunningRunStatuses = ['proposed', 'approved'] as const;
export type DunningRunStatus = (typeof dunningRunStatuses)[number];
export const dunningLetterStatuses = ['proposed', 'dropped', 'approved', 'sent', 'failed', 'printed'] as const;
export type DunningLetterStatus = (typeof dunningLetterStatuses)[number];

export interface DunningLetter {
  letterId: bigint;
  runId: bigint;
  asOf: IsoDate;
  customerId: bigint;
  customerNumber: string;
  customerName: string;
  level: number;
  language: LetterLanguage;
  feeCurrency: string | null;
  fee: bigint;
  status: DunningLetterStatus;
  toAddress: string | null;
  error: string | null;
  droppedBy: string | null;
  dropReason: string | null;
  /** The level's text fixed at approval; null before. */
  text: { subject: string; body: string } | null;
  sentAt: string | null;
  items: DunningItem[];
  totals: CurrencyTotal[];
}

export interface DunningRun {
  runId: bigint;
  companyId: number;
  company: string;
  asOf: IsoDate;
  status: DunningRunStatus;
  source: 'manual' | 'job';
  createdBy: string;
  createdByUserId: number | null;
  createdAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  letters: DunningLetter[];
  /** Letters not dropped, added up per currency. */
  totals: CurrencyTotal[];
}

/** The creator recorded for runs the daily job stores. */
export const dunningJobCreator = 'job:dunning-proposal';

/** Raises ForbiddenError unless the actor's scope covers every region of the company, because runs cover the whole company. */
export function checkCompanyWide(actor: Actor, companyId: number, action: string, runId: bigint | null): void {
  const companyOk = actor.scope.companyIds === null || actor.scope.companyIds.includes(companyId);
  if (!companyOk || actor.scope.regions !== null) {
    throw new ForbiddenError('dunning runs cover the whole company: your scope is limited to some companies or regions', {
      action,
      entity: 'dunning_run',
      entityId: runId === null ? null : runId.toString(),
      companyId,
    });
  }
}

export interface CreateRunOptions {
  source?: 'manual' | 'job';
}

/**
 * Stores the proposal of a company as of a date as a run in status
 * proposed, with its letters and their items, in one transaction. A job
 * run is stored once per company and date, and only when it has letters:
 * otherwise the call returns null.
 */
export async function createDunningRun(db: Db, company: Company, asOf: IsoDate, actor: Actor, options: CreateRunOptions = {}): Promise<DunningRun | null> {
  return recordingDenial(db, actor, () => createRun(db, company, asOf, actor, options));
}

async function createRun(db: Db, company: Company, asOf: IsoDate, actor: Actor, options: CreateRunOptions): Promise<DunningRun | null> {
  checkAsOf(asOf);
  const source = options.source ?? 'manual';
  checkDunningPermission(actor, 'dunning.run', 'dunning.run', company.companyId);
  checkCompanyWide(actor, company.companyId, 'dunning.run', null);
  const { levels } = await loadDunningSettings(db, company.companyId);
  if (levels.length === 0) {
    if (source === 'job') return null;
    throw new InputError(`company ${company.code} has no dunning levels: set them first (ardesk dunning levels --set --file FILE)`, 'no_dunning_levels', 'company');
  }
  const runId = await db.transaction(async (tx) => {
    const creator = source === 'job' ? dunningJobCreator : actor.email;
    const inserted = await tx.query<{ run_id: bigint }>(
      `insert into dunning_run (company_id, run_id, as_of, status, source, created_by, created_by_user_id)
       values ($1, nextval('dunning_run_id_seq'), $2, 'proposed', $3, $4, $5)
       on conflict do nothing returning run_id`,
      [company.companyId, asOf, source, creator, source === 'job' ? null : actor.userId],
    );
    const id = inserted.rows[0]?.run_id;
    if (id === undefined) return null;
    const proposal = await proposeDunning(tx, company, asOf);
    if (source === 'job' && proposal.letters.length === 0) {
      await tx.query('delete from dunning_run where company_id = $1 and run_id = $2', [company.companyId, id]);
      return null;
    }
    await storeLetters(tx, company.companyId, id, proposal.letters);
    await recordAudit(tx, {
      actor,
      action: 'dunning.run',
      entity: 'dunning_run',
      entityId: id.toString(),
      companyId: company.companyId,
      after: { asOf, source, letters: proposal.letters.length, items: proposal.letters.reduce((sum, letter) => sum + letter.items.length, 0) },
    });
    return id;
  });
  return runId === null ? null : loadDunningRun(db, runId);
}

async function storeLetters(tx: Queryable, companyId: number, runId: bigint, letters: Awaited<ReturnType<typeof proposeDunning>>['letters']): Promise<void> {
  if (letters.length === 0) return;
  const inserted = await tx.query<{ letter_id: bigint; customer_id: bigint }>(
    `insert into dunning_letter (company_id, letter_id, run_id, customer_id, level, language, fee_currency, fee)
     select $1, nextval('dunning_letter_id_seq'), $2, t.customer_id, t.level, t.language, t.fee_currency, t.fee
     from unnest($3::bigint[], $4::smallint[], $5::text[], $6::text[], $7::bigint[]) as t(customer_id, level, language, fee_currency, fee)
     returning letter_id, customer_id`,
    [
      companyId,
      runId,
      letters.map((letter) => letter.customerId.toString()),
      letters.map((letter) => String(letter.level)),
      letters.map((letter) => letter.language),
      letters.map((letter) => letter.feeCurrency),
      letters.map((letter) => letter.fee.toString()),
    ],
  );
  const letterIds = new Map(inserted.rows.map((row) => [row.customer_id, row.letter_id]));
  const items = letters.flatMap((letter) => letter.items.map((item) => ({ letterId: letterIds.get(letter.customerId)!, item })));
  await tx.query(
    `insert into dunning_letter_item (company_id, letter_id, item_id, currency, due_date, days_past_due, open_amount, level, interest_days, interest)
     select $1, t.letter_id, t.item_id, t.currency, t.due_date, t.days_past_due, t.open_amount, t.level, t.interest_days, t.interest
     from unnest($2::bigint[], $3::bigint[], $4::text[], $5::date[], $6::integer[], $7::bigint[], $8::smallint[], $9::integer[], $10::bigint[])
       as t(letter_id, item_id, currency, due_date, days_past_due, open_amount, level, interest_days, interest)`,
    [
      companyId,
      items.map((entry) => entry.letterId.toString()),
      items.map((entry) => entry.item.itemId.toString()),
      items.map((entry) => entry.item.currency),
      items.map((entry) => entry.item.dueDate),
      items.map((entry) => String(entry.item.daysPastDue)),
      items.map((entry) => entry.item.openAmount.toString()),
      items.map((entry) => String(entry.item.level)),
      items.map((entry) => String(entry.item.interestDays)),
      items.map((entry) => entry.item.interest.toString()),
    ],
  );
}

/** Returns the company of a run found by its id, or raises NotFoundError. */
export async function dunningRunCompanyId(db: Queryable, runId: bigint): Promise<number> {
  const result = await db.query<{ company_id: number }>('select company_id from dunning_run where run_id = $1', [runId]);
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`dunning run ${runId} not found`, 'runId');
  return row.company_id;
}

const iso = (value: unknown): string | null => (value === null || value === undefined ? null : new Date(value as string).toISOString());

/** Loads letters with their items, either of one run or of one customer. */
async function loadLetters(db: Queryable, companyId: number, filter: { runId?: bigint; customerId?: bigint; letterIds?: readonly bigint[] }): Promise<DunningLetter[]> {
  const exponents = await loadCurrencyExponents(db);
  const letterRows = await db.query<Record<string, unknown>>(
    `select l.letter_id, l.run_id, r.as_of, l.customer_id, c.customer_number, c.name, l.level, l.language,
            l.fee_currency::text as fee_currency, l.fee, l.status, l.to_address, l.error, l.dropped_by, l.drop_reason, l.subject, l.body, l.sent_at
     from dunning_letter l
     join dunning_run r on r.company_id = l.company_id and r.run_id = l.run_id
     join customer c on c.company_id = l.company_id and c.customer_id = l.customer_id
     where l.company_id = $1 and ($2::bigint is null or l.run_id = $2) and ($3::bigint is null or l.customer_id = $3)
       and ($4::bigint[] is null or l.letter_id = any($4::bigint[]))
     order by r.as_of desc, l.run_id desc, c.customer_number, l.letter_id`,
    [companyId, filter.runId ?? null, filter.customerId ?? null, filter.letterIds === undefined ? null : filter.letterIds.map(String)],
  );
  const itemRows = await db.query<Record<string, unknown>>(
    `select li.letter_id, li.item_id, i.document_number, li.due_date, li.days_past_due, li.currency::text as currency,
            li.open_amount, li.level, li.interest_days, li.interest
     from dunning_letter_item li
     join dunning_letter l on l.company_id = li.company_id and l.letter_id = li.letter_id
     join open_item i on i.company_id = li.company_id and i.item_id = li.item_id
     where li.company_id = $1 and ($2::bigint is null or l.run_id = $2) and ($3::bigint is null or l.customer_id = $3)
       and ($4::bigint[] is null or l.letter_id = any($4::bigint[]))
     order by li.letter_id, li.due_date, li.item_id`,
    [companyId, filter.runId ?? null, filter.customerId ?? null, filter.letterIds === undefined ? null : filter.letterIds.map(String)],
  );
  const itemsByLetter = new Map<bigint, DunningItem[]>();
  for (const row of itemRows.rows) {
    const currency = (row.currency as string).trim();
    const list = itemsByLetter.get(row.letter_id as bigint) ?? [];
    list.push({
      itemId: row.item_id as bigint,
      documentNumber: row.document_number as string,
      dueDate: row.due_date as IsoDate,
      daysPastDue: Number(row.days_past_due),
      currency,
      exponent: exponents.get(currency) ?? 2,
      openAmount: row.open_amount as bigint,
      level: Number(row.level),
      interestDays: Number(row.interest_days),
      interest: row.interest as bigint,
    });
    itemsByLetter.set(row.letter_id as bigint, list);
  }
  return letterRows.rows.map((row) => {
    const items = itemsByLetter.get(row.letter_id as bigint) ?? [];
    const feeCurrency = row.fee_currency === null ? null : (row.fee_currency as string).trim();
    const fee = row.fee as bigint;
    return {
      letterId: row.letter_id as bigint,
      runId: row.run_id as bigint,
      asOf: row.as_of as IsoDate,
      customerId: row.customer_id as bigint,
      customerNumber: row.customer_number as string,
      customerName: row.name as string,
      level: Number(row.level),
      language: row.language as LetterLanguage,
      feeCurrency,
      fee,
      status: row.status as DunningLetterStatus,
      toAddress: row.to_address as string | null,
      error: row.error as string | null,
      droppedBy: row.dropped_by as string | null,
      dropReason: row.drop_reason as string | null,
      text: row.subject === null || row.body === null ? null : { subject: row.subject as string, body: row.body as string },
      sentAt: iso(row.sent_at),
      items,
      totals: letterTotals(items, feeCurrency, fee, exponents),
    };
  });
}

/** Loads a run with its letters; raises NotFoundError for an unknown id. */
export async function loadDunningRun(db: Queryable, runId: bigint, lock = false): Promise<DunningRun> {
  const companyId = await dunningRunCompanyId(db, runId);
  const result = await db.query<Record<string, unknown>>(
    `select r.run_id, r.company_id, c.code, r.as_of, r.status, r.source, r.created_by, r.created_by_user_id, r.created_at,
            r.approved_by, r.approved_at
     from dunning_run r join company c on c.company_id = r.company_id
     where r.company_id = $1 and r.run_id = $2${lock ? ' for update of r' : ''}`,
    [companyId, runId],
  );
  const row = result.rows[0]!;
  const letters = await loadLetters(db, companyId, { runId });
  return {
    runId: row.run_id as bigint,
    companyId,
    company: row.code as string,
    asOf: row.as_of as IsoDate,
    status: row.status as DunningRunStatus,
    source: row.source as 'manual' | 'job',
    createdBy: row.created_by as string,
    createdByUserId: row.created_by_user_id === null ? null : Number(row.created_by_user_id),
    createdAt: iso(row.created_at)!,
    approvedBy: row.approved_by as string | null,
    approvedAt: iso(row.approved_at),
    letters,
    totals: sumTotals(letters.filter((letter) => letter.status !== 'dropped').map((letter) => letter.totals)),
  };
}

export interface DunningRunSummary {
  runId: bigint;
  asOf: IsoDate;
  status: DunningRunStatus;
  source: 'manual' | 'job';
  createdBy: string;
  approvedBy: string | null;
  letters: number;
  dropped: number;
  sent: number;
  failed: number;
}

/** Lists the company's runs, newest first. */
export async function listDunningRuns(db: Queryable, companyId: number): Promise<DunningRunSummary[]> {
  const result = await db.query<Record<string, unknown>>(
    `select r.run_id, r.as_of, r.status, r.source, r.created_by, r.approved_by,
            count(l.letter_id)::integer as letters,
            (count(*) filter (where l.status = 'dropped'))::integer as dropped,
            (count(*) filter (where l.status = 'sent'))::integer as sent,
            (count(*) filter (where l.status = 'failed'))::integer as failed
     from dunning_run r left join dunning_letter l on l.company_id = r.company_id and l.run_id = r.run_id
     where r.company_id = $1
     group by r.run_id, r.as_of, r.status, r.source, r.created_by, r.approved_by
     order by r.as_of desc, r.run_id desc`,
    [companyId],
  );
  return result.rows.map((row) => ({
    runId: row.run_id as bigint,
    asOf: row.as_of as IsoDate,
    status: row.status as DunningRunStatus,
    source: row.source as 'manual' | 'job',
    createdBy: row.created_by as string,
    approvedBy: row.approved_by as string | null,
    letters: Number(row.letters),
    dropped: Number(row.dropped),
    sent: Number(row.sent),
    failed: Number(row.failed),
  }));
}

/** Takes a letter out of a run still in review; audited. */
export async function dropDunningLetter(db: Db, runId: bigint, letterId: bigint, reason: string | null, actor: Actor): Promise<DunningRun> {
  return recordingDenial(db, actor, () => dropLetter(db, runId, letterId, reason, actor));
}

async function dropLetter(db: Db, runId: bigint, letterId: bigint, reason: string | null, actor: Actor): Promise<DunningRun> {
  const companyId = await dunningRunCompanyId(db, runId);
  checkDunningPermission(actor, 'dunning.run', 'dunning.drop', companyId);
  checkCompanyWide(actor, companyId, 'dunning.drop', runId);
  await db.transaction(async (tx) => {
    const run = await loadDunningRun(tx, runId, true);
    if (run.status !== 'proposed') throw new InputError(`dunning run ${runId} is ${run.status}: letters can be dropped only before approval`, 'not_proposed', 'runId');
    const letter = run.letters.find((entry) => entry.letterId === letterId);
    if (!letter) throw new NotFoundError(`letter ${letterId} not found in dunning run ${runId}`, 'letterId');
    if (letter.status === 'dropped') return;
    await tx.query(
      `update dunning_letter set status = 'dropped', dropped_by = $3, drop_reason = $4 where company_id = $1 and letter_id = $2`,
      [companyId, letterId, actor.email, reason],
    );
    await recordAudit(tx, {
      actor,
      action: 'dunning.drop',
      entity: 'dunning_letter',
      entityId: letterId.toString(),
      companyId,
      before: { status: letter.status },
      after: { status: 'dropped', runId: runId.toString(), customerNumber: letter.customerNumber, level: letter.level },
      reason,
    });
  });
  return loadDunningRun(db, runId);
}

function isCreator(run: DunningRun, actor: Actor): boolean {
  if (run.createdByUserId !== null && actor.userId !== null) return run.createdByUserId === actor.userId;
  return run.createdBy.toLowerCase() === actor.email.toLowerCase();
}

/**
 * Approves a run: its letters in review become approved, and each of
 * their items records the level it reached and the run's date. The
 * approver needs dunning.approve and must not be the run's creator.
 * Approving an approved run changes nothing and returns it.
 */
export async function approveDunningRun(db: Db, runId: bigint, actor: Actor): Promise<DunningRun> {
  return recordingDenial(db, actor, () => approveRun(db, runId, actor));
}

async function approveRun(db: Db, runId: bigint, actor: Actor): Promise<DunningRun> {
  const companyId = await dunningRunCompanyId(db, runId);
  checkDunningPermission(actor, 'dunning.approve', 'dunning.approve', companyId);
  checkCompanyWide(actor, companyId, 'dunning.approve', runId);
  await db.transaction(async (tx) => {
    const run = await loadDunningRun(tx, runId, true);
    if (isCreator(run, actor)) {
      throw new ForbiddenError(`you created dunning run ${runId}: another person must approve it`, {
        action: 'dunning.approve',
        entity: 'dunning_run',
        entityId: runId.toString(),
        companyId,
      });
    }
    if (run.status === 'approved') return;
    // A customer dunned by another run approved meanwhile within the
    // interval gets no second letter.
    const settings = await loadDunningSettings(tx, companyId);
    const superseded = await tx.query<{ letter_id: bigint; customer_number: string }>(
      `update dunning_letter l set status = 'dropped', dropped_by = $3,
              drop_reason = 'dunned by another run within the interval'
       from customer c
       where l.company_id = $1 and l.run_id = $2 and l.status = 'proposed'
         and c.company_id = l.company_id and c.customer_id = l.customer_id
         and exists (
           select 1 from dunning_letter o join dunning_run r on r.company_id = o.company_id and r.run_id = o.run_id
           where o.company_id = l.company_id and o.customer_id = l.customer_id and o.run_id <> l.run_id
             and r.status = 'approved' and o.status <> 'dropped'
             and r.as_of <= $4::date and r.as_of > $4::date - $5::integer
         )
       returning l.letter_id, c.customer_number`,
      [companyId, runId, actor.email, run.asOf, settings.minIntervalDays],
    );
    await tx.query(
      `update dunning_run set status = 'approved', approved_by = $3, approved_by_user_id = $4, approved_at = now()
       where company_id = $1 and run_id = $2`,
      [companyId, runId, actor.email, actor.userId],
    );
    await tx.query(
      `update dunning_letter l set status = 'approved', subject = t.subject, body = t.body
       from dunning_level_text t
       where l.company_id = $1 and l.run_id = $2 and l.status = 'proposed'
         and t.company_id = l.company_id and t.level = l.level and t.language = l.language`,
      [companyId, runId],
    );
    // A level without text in the letter's language keeps the English one.
    await tx.query(
      `update dunning_letter l set status = 'approved', subject = t.subject, body = t.body
       from dunning_level_text t
       where l.company_id = $1 and l.run_id = $2 and l.status = 'proposed'
         and t.company_id = l.company_id and t.level = l.level and t.language = 'en'`,
      [companyId, runId],
    );
    await tx.query(`update dunning_letter set status = 'approved' where company_id = $1 and run_id = $2 and status = 'proposed'`, [companyId, runId]);
    const recorded = await tx.query(
      `insert into dunning_item (company_id, item_id, level, last_letter_id, last_dunned_date)
       select li.company_id, li.item_id, li.level, li.letter_id, $3::date
       from dunning_letter_item li join dunning_letter l on l.company_id = li.company_id and l.letter_id = li.letter_id
       where l.company_id = $1 and l.run_id = $2 and l.status = 'approved'
       on conflict (company_id, item_id) do update
         set level = greatest(dunning_item.level, excluded.level),
             last_letter_id = excluded.last_letter_id,
             last_dunned_date = greatest(dunning_item.last_dunned_date, excluded.last_dunned_date)`,
      [companyId, runId, run.asOf],
    );
    const kept = run.letters.filter((letter) => letter.status !== 'dropped');
    await recordAudit(tx, {
      actor,
      action: 'dunning.approve',
      entity: 'dunning_run',
      entityId: runId.toString(),
      companyId,
      before: { status: run.status },
      after: {
        status: 'approved',
        asOf: run.asOf,
        letters: kept
          .filter((letter) => !superseded.rows.some((row) => row.letter_id === letter.letterId))
          .map((letter) => ({ customerNumber: letter.customerNumber, level: letter.level })),
        superseded: superseded.rows.map((row) => row.customer_number),
        itemLevels: recorded.affectedRows,
      },
    });
  });
  return loadDunningRun(db, runId);
}

/** Lists a customer's dunning letters of every run, newest first. */
export async function customerDunningHistory(db: Queryable, companyId: number, customerId: bigint): Promise<DunningLetter[]> {
  return loadLetters(db, companyId, { customerId });
}

/** Loads one letter by id, or raises NotFoundError. */
export async function loadDunningLetter(db: Queryable, letterId: bigint): Promise<{ company: Company; letter: DunningLetter }> {
  const found = await db.query<{ company_id: number }>('select company_id from dunning_letter where letter_id = $1', [letterId]);
  const companyId = found.rows[0]?.company_id;
  if (companyId === undefined) throw new NotFoundError(`dunning letter ${letterId} not found`, 'letterId');
  const [letter] = await loadLetters(db, companyId, { letterIds: [letterId] });
  return { company: await getCompanyById(db, companyId), letter: letter! };
}

/** Keeps the letters whose customers lie in the scope, so regional users see only their letters. */
export async function lettersInScope(db: Queryable, companyId: number, letters: readonly DunningLetter[], scope: Scope): Promise<DunningLetter[]> {
  if (scope.companyIds !== null && !scope.companyIds.includes(companyId)) return [];
  if (scope.regions === null) return [...letters];
  const result = await db.query<{ customer_id: bigint }>(
    'select customer_id from customer where company_id = $1 and customer_id = any($2::bigint[]) and region = any($3::text[])',
    [companyId, letters.map((letter) => letter.customerId.toString()), scope.regions],
  );
  const visible = new Set(result.rows.map((row) => row.customer_id));
  return letters.filter((letter) => visible.has(letter.customerId));
}
