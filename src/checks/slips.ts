/**
 * Deposit slips: checks and cash taken to one bank account on one day.
 * Adding a check to a slip deposits it on the slip's date, which may not
 * come before the check's maturity moved to a business day.
 */
import { recordAudit } from '../audit/audit.js';
import { ForbiddenError } from '../auth/errors.js';
import type { Actor, Scope } from '../auth/types.js';
import { getBankAccountById } from '../cash/accounts.js';
import type { Db, Queryable } from '../db/types.js';
import { getCompanyById } from '../ledger/companies.js';
import type { Company } from '../ledger/types.js';
import type { IsoDate } from '../shared/dates.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { checkDate, checkTransition, checkWriteScope, loadCheck, recordTransition } from './register.js';
import type { Check } from './types.js';

export interface CashLineInput {
  /** Positive minor units of `currency`. */
  amount: bigint;
  currency: string;
  reference?: string | null;
  cashReceiptId?: bigint | null;
}

export interface DepositSlipInput {
  bankAccountId: number;
  date: IsoDate;
  checkIds: readonly bigint[];
  cash?: readonly CashLineInput[];
  /** The total written on the slip; must equal the sum of its lines. Computed when omitted. */
  total?: bigint;
  reference?: string | null;
  note?: string | null;
}

export interface DepositSlip {
  slipId: bigint;
  companyId: number;
  companyCode: string;
  bankAccountId: number;
  accountNumber: string;
  bank: string;
  date: IsoDate;
  currency: string;
  currencyExponent: number;
  total: bigint;
  reference: string | null;
  createdBy: string;
  checks: Check[];
  cash: { lineNumber: number; amount: bigint; currency: string; reference: string | null; cashReceiptId: bigint | null }[];
}

/**
 * Records a deposit slip and deposits its checks on its date, all in one
 * transaction: a check that may not be deposited leaves no slip.
 */
export async function addDepositSlip(db: Db, company: Company, input: DepositSlipInput, actor: Actor): Promise<DepositSlip> {
  const date = checkDate(input.date, 'date');
  const cash = input.cash ?? [];
  if (input.checkIds.length === 0 && cash.length === 0) {
    throw new InputError('a deposit slip needs at least one check or cash line', 'missing_parameter', 'checkIds');
  }
  if (new Set(input.checkIds.map(String)).size !== input.checkIds.length) {
    throw new InputError('a check is named twice on the slip', 'duplicate_check', 'checkIds');
  }
  if (actor.scope.companyIds !== null && !actor.scope.companyIds.includes(company.companyId)) {
    throw new ForbiddenError(`company ${company.code} is outside your scope`, {
      action: 'checks.deposit',
      entity: 'company',
      entityId: company.code,
      companyId: company.companyId,
    });
  }
  const slipId = await db.transaction(async (tx) => {
    const account = await getBankAccountById(tx, company.companyId, input.bankAccountId);
    if (!account) throw new NotFoundError(`bank account ${input.bankAccountId} not found in ${company.code}`, 'bankAccountId');

    let sum = 0n;
    const checks: Check[] = [];
    for (const checkId of input.checkIds) {
      const check = await loadCheck(tx, checkId, true);
      if (check.companyId !== company.companyId) {
        throw new NotFoundError(`check ${checkId} not found in ${company.code}`, 'checkIds');
      }
      checkWriteScope(actor, check, 'checks.deposited');
      await checkTransition(tx, check, 'deposited', date);
      if (date < check.businessMaturityDate) {
        const moved = check.businessMaturityDate === check.maturityDate ? '' : `, moved to the business day ${check.businessMaturityDate}`;
        throw new InputError(
          `check ${check.checkId} (number ${check.checkNumber}) matures on ${check.maturityDate}${moved}: it cannot be deposited on ${date}`,
          'not_mature',
          'date',
        );
      }
      if (check.currency !== account.currency) {
        throw new InputError(
          `check ${check.checkId} is in ${check.currency}, the account ${account.accountNumber} in ${account.currency}`,
          'currency_mismatch',
          'checkIds',
        );
      }
      sum += check.amount;
      checks.push(check);
    }

    cash.forEach((line, index) => {
      if (line.amount <= 0n) {
        throw new InputError(`cash line ${index + 1}: the amount must be positive, not ${line.amount}`, 'invalid_amount', 'cash');
      }
      if (line.currency.trim().toUpperCase() !== account.currency) {
        throw new InputError(
          `cash line ${index + 1} is in ${line.currency}, the account ${account.accountNumber} in ${account.currency}`,
          'currency_mismatch',
          'cash',
        );
      }
      sum += line.amount;
    });
    if (input.total !== undefined && input.total !== sum) {
      throw new InputError(`the slip total ${input.total} differs from the sum of its lines ${sum}`, 'total_mismatch', 'total');
    }

    const receiptIds = cash.map((line) => line.cashReceiptId).filter((id): id is bigint => id !== null && id !== undefined);
    if (receiptIds.length > 0) {
      const known = await tx.query<{ receipt_id: bigint }>(
        'select receipt_id from cash_receipt where company_id = $1 and receipt_id = any($2::bigint[])',
        [company.companyId, receiptIds.map(String)],
      );
      const found = new Set(known.rows.map((row) => row.receipt_id));
      const missing = receiptIds.find((id) => !found.has(id));
      if (missing !== undefined) {
        throw new NotFoundError(`cash receipt ${missing} not found in ${company.code}`, 'cashReceiptId');
      }
    }

    const inserted = await tx.query<{ slip_id: bigint }>(
      `insert into deposit_slip (company_id, slip_id, bank_account_id, slip_date, currency, total, reference, created_by)
       values ($1, nextval('deposit_slip_id_seq'), $2, $3, $4, $5, $6, $7) returning slip_id`,
      [company.companyId, account.bankAccountId, date, account.currency, sum, input.reference ?? null, actor.email],
    );
    const slipId = inserted.rows[0]!.slip_id;
    for (const [index, line] of cash.entries()) {
      await tx.query(
        `insert into deposit_slip_cash (company_id, slip_id, line_number, amount, currency, reference, cash_receipt_id)
         values ($1, $2, $3, $4, $5, $6, $7)`,
        [company.companyId, slipId, index + 1, line.amount, account.currency, line.reference ?? null, line.cashReceiptId ?? null],
      );
    }
    for (const check of checks) {
      await recordTransition(tx, check, 'deposited', date, actor, input.note ?? `deposit slip ${slipId}`, {
        slip_id: slipId,
        deposited_date: date,
      });
    }

    const slip = await loadSlip(tx, company.companyId, slipId);
    await recordAudit(tx, {
      actor,
      action: 'deposit_slip.add',
      entity: 'deposit_slip',
      entityId: slipId.toString(),
      companyId: company.companyId,
      after: { ...slip, checks: slip.checks.map((check) => check.checkId) },
      reason: input.note ?? null,
    });
    return slipId;
  });
  return loadSlip(db, company.companyId, slipId);
}

/** Deposits one check on a slip of its own. */
export async function depositCheck(
  db: Db,
  checkId: bigint,
  input: { bankAccountId: number; date: IsoDate; note?: string | null; reference?: string | null },
  actor: Actor,
): Promise<Check> {
  const check = await loadCheck(db, checkId);
  checkWriteScope(actor, check, 'checks.deposited');
  const company = await getCompanyById(db, check.companyId);
  await addDepositSlip(db, company, { ...input, checkIds: [checkId] }, actor);
  return loadCheck(db, checkId);
}

interface SlipRow {
  slip_id: bigint;
  company_id: number;
  company_code: string;
  bank_account_id: number;
  account_number: string;
  bank: string;
  slip_date: string;
  currency: string;
  exponent: number;
  total: bigint;
  reference: string | null;
  created_by: string;
}

const selectSlips = `
  select s.slip_id, s.company_id, co.code as company_code, s.bank_account_id, a.account_number, a.bank,
         s.slip_date, s.currency, cur.exponent, s.total, s.reference, s.created_by
  from deposit_slip s
  join company co on co.company_id = s.company_id
  join bank_account a on a.company_id = s.company_id and a.bank_account_id = s.bank_account_id
  join currency cur on cur.code = s.currency`;

async function loadSlip(db: Queryable, companyId: number, slipId: bigint): Promise<DepositSlip> {
  const result = await db.query<SlipRow>(`${selectSlips} where s.company_id = $1 and s.slip_id = $2`, [companyId, slipId]);
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`deposit slip ${slipId} not found`, 'slipId');
  return (await toSlips(db, [row]))[0]!;
}

async function toSlips(db: Queryable, rows: readonly SlipRow[]): Promise<DepositSlip[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.slip_id.toString());
  const checkIds = await db.query<{ check_id: bigint; slip_id: bigint }>(
    'select check_id, slip_id from customer_check where slip_id = any($1::bigint[]) order by check_id',
    [ids],
  );
  const checks = await Promise.all(checkIds.rows.map((row) => loadCheck(db, row.check_id)));
  const cash = await db.query<{
    slip_id: bigint;
    line_number: number;
    amount: bigint;
    currency: string;
    reference: string | null;
    cash_receipt_id: bigint | null;
  }>(
    `select slip_id, line_number, amount, currency, reference, cash_receipt_id from deposit_slip_cash
     where slip_id = any($1::bigint[]) order by slip_id, line_number`,
    [ids],
  );
  return rows.map((row) => ({
    slipId: row.slip_id,
    companyId: row.company_id,
    companyCode: row.company_code,
    bankAccountId: row.bank_account_id,
    accountNumber: row.account_number,
    bank: row.bank,
    date: row.slip_date,
    currency: row.currency.trim(),
    currencyExponent: row.exponent,
    total: row.total,
    reference: row.reference,
    createdBy: row.created_by,
    checks: checks.filter((check) => check.slipId === row.slip_id),
    cash: cash.rows
      .filter((line) => line.slip_id === row.slip_id)
      .map((line) => ({
        lineNumber: line.line_number,
        amount: line.amount,
        currency: line.currency.trim(),
        reference: line.reference,
        cashReceiptId: line.cash_receipt_id,
      })),
  }));
}

/**
 * Returns a slip the actor may see. A regional user sees a slip only when
 * every check on it belongs to a customer of their regions.
 */
export async function getDepositSlip(db: Queryable, slipId: bigint, scope: Scope): Promise<DepositSlip> {
  const found = await db.query<{ company_id: number }>('select company_id from deposit_slip where slip_id = $1', [slipId]);
  if (found.rows.length === 0) throw new NotFoundError(`deposit slip ${slipId} not found`, 'slipId');
  const slip = await loadSlip(db, found.rows[0]!.company_id, slipId);
  if (!slipVisible(slip, scope)) {
    throw new ForbiddenError(`deposit slip ${slipId} is outside your scope`, {
      action: 'read',
      entity: 'deposit_slip',
      entityId: slipId.toString(),
      companyId: slip.companyId,
    });
  }
  return slip;
}

function slipVisible(slip: DepositSlip, scope: Scope): boolean {
  if (scope.companyIds !== null && !scope.companyIds.includes(slip.companyId)) return false;
  if (scope.regions === null) return true;
  const regions = scope.regions;
  return slip.checks.length > 0 && slip.checks.every((check) => check.region !== null && regions.includes(check.region));
}

/** Slips of a company in a date range, newest first, that the scope may see. */
export async function listDepositSlips(
  db: Queryable,
  companyId: number,
  scope: Scope,
  filter: { from?: IsoDate; to?: IsoDate } = {},
): Promise<DepositSlip[]> {
  const result = await db.query<SlipRow>(
    `${selectSlips} where s.company_id = $1 and ($2::date is null or s.slip_date >= $2)
       and ($3::date is null or s.slip_date <= $3)
     order by s.slip_date desc, s.slip_id desc`,
    [companyId, filter.from ?? null, filter.to ?? null],
  );
  return (await toSlips(db, result.rows)).filter((slip) => slipVisible(slip, scope));
}
