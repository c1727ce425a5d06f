/**
 * Bank accounts of a company: where statements come from and where
 * checks and cash are deposited.
 */
import type { Actor } from '../auth/types.js';
import { recordAudit } from '../audit/audit.js';
import type { Db, Queryable } from '../db/types.js';
import { currencyExponent } from '../ledger/currencies.js';
import type { Company } from '../ledger/types.js';
import { InputError, NotFoundError } from '../shared/errors.js';

export interface BankAccount {
  companyId: number;
  bankAccountId: number;
  bank: string;
  accountNumber: string;
  currency: string;
  currencyExponent: number;
  glCode: string | null;
}

export interface BankAccountInput {
  bank: string;
  accountNumber: string;
  currency: string;
  glCode?: string | null;
}

/** Account numbers are compared without spaces and case, as IBANs are printed in groups. */
export function normaliseAccountNumber(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

const selectAccount = `
  select a.company_id, a.bank_account_id, a.bank, a.account_number, a.currency,
         cur.exponent, a.gl_code
  from bank_account a join currency cur on cur.code = a.currency`;

interface AccountRow {
  company_id: number;
  bank_account_id: number;
  bank: string;
  account_number: string;
  currency: string;
  exponent: number;
  gl_code: string | null;
}

function toAccount(row: AccountRow): BankAccount {
  return {
    companyId: row.company_id,
    bankAccountId: row.bank_account_id,
    bank: row.bank,
    accountNumber: row.account_number,
    currency: row.currency.trim(),
    currencyExponent: row.exponent,
    glCode: row.gl_code,
  };
}

/** Registers a bank account of a company, with an audit event in the same transaction. */
export async function addBankAccount(db: Db, company: Company, input: BankAccountInput, actor: Actor): Promise<BankAccount> {
  const accountNumber = normaliseAccountNumber(input.accountNumber);
  if (accountNumber === '') throw new InputError('missing account number', 'missing_parameter', 'accountNumber');
  if (input.bank.trim() === '') throw new InputError('missing bank name', 'missing_parameter', 'bank');
  const currency = input.currency.trim().toUpperCase();
  if ((await currencyExponent(db, currency).catch(() => null)) === null) {
    throw new InputError(`unknown currency "${input.currency}": use an ISO 4217 code`, 'invalid_currency', 'currency');
  }
  return db.transaction(async (tx) => {
    const existing = (await listAccountsByNumber(tx, accountNumber)).find((account) => account.currency === currency);
    if (existing) {
      throw new InputError(`bank account ${accountNumber} in ${currency} is already registered`, 'duplicate_account', 'accountNumber');
    }
    const inserted = await tx.query<{ bank_account_id: number }>(
      `insert into bank_account (company_id, bank_account_id, bank, account_number, currency, gl_code)
       values ($1, nextval('bank_account_id_seq'), $2, $3, $4, $5) returning bank_account_id`,
      [company.companyId, input.bank.trim(), accountNumber, currency, input.glCode ?? null],
    );
    const account = (await getBankAccountById(tx, company.companyId, inserted.rows[0]!.bank_account_id))!;
    await recordAudit(tx, {
      actor,
      action: 'bank_account.add',
      entity: 'bank_account',
      entityId: accountNumber,
      companyId: company.companyId,
      after: account,
    });
    return account;
  });
}

async function listAccountsByNumber(db: Queryable, accountNumber: string): Promise<BankAccount[]> {
  const result = await db.query<AccountRow>(`${selectAccount} where a.account_number = $1 order by a.currency`, [
    normaliseAccountNumber(accountNumber),
  ]);
  return result.rows.map(toAccount);
}

/**
 * Finds an account by number in any company, and by currency when the
 * number holds several. A number with one currency is returned whatever
 * `currency` says, so the caller can report the mismatch; a number with
 * several and no currency given is ambiguous and raises an error.
 */
export async function findBankAccount(db: Queryable, accountNumber: string, currency?: string | null): Promise<BankAccount | null> {
  const accounts = await listAccountsByNumber(db, accountNumber);
  if (accounts.length <= 1) return accounts[0] ?? null;
  const match = accounts.find((account) => account.currency === currency);
  if (match) return match;
  throw new InputError(
    `bank account ${normaliseAccountNumber(accountNumber)} is registered in ${accounts.map((account) => account.currency).join(', ')}: name the currency`,
    'ambiguous_account',
    'currency',
  );
}

export async function getBankAccountById(db: Queryable, companyId: number, bankAccountId: number): Promise<BankAccount | null> {
  const result = await db.query<AccountRow>(`${selectAccount} where a.company_id = $1 and a.bank_account_id = $2`, [
    companyId,
    bankAccountId,
  ]);
  const row = result.rows[0];
  return row ? toAccount(row) : null;
}

export async function getBankAccount(db: Queryable, accountNumber: string, currency?: string | null): Promise<BankAccount> {
  const account = await findBankAccount(db, accountNumber, currency);
  if (!account) {
    throw new NotFoundError(
      `bank account ${normaliseAccountNumber(accountNumber)} is not registered: add it with "ardesk bank account add"`,
      'account',
    );
  }
  return account;
}

/** Lists bank accounts, of the given companies or of all. */
export async function listBankAccounts(db: Queryable, companyIds: readonly number[] | null): Promise<BankAccount[]> {
  const result = await db.query<AccountRow>(
    `${selectAccount} where $1::int[] is null or a.company_id = any($1::int[])
     order by a.company_id, a.account_number`,
    [companyIds],
  );
  return result.rows.map(toAccount);
}
