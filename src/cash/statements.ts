/**
 * Storing parsed bank statements. A file is stored whole or not at all:
 * every statement must belong to a registered account of the actor's
 * companies, state amounts in the account's currency and date its
 * entries. A statement already stored, from this file or another one,
 * is skipped.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../auth/types.js';
import { ForbiddenError } from '../auth/errors.js';
import { recordAudit } from '../audit/audit.js';
import type { Db, Queryable } from '../db/types.js';
import type { IsoDate } from '../shared/dates.js';
import { FileRowError } from '../shared/errors.js';
import { AmountFormatError, parseDecimal } from '../shared/money.js';
import type { ParsedBankFile, ParsedStatement } from '../bank/statement.js';
import { findBankAccount, normaliseAccountNumber, type BankAccount } from './accounts.js';

export interface StoredStatement {
  account: string;
  companyId: number;
  statementRef: string | null;
  /** Null when the statement was stored before and skipped now. */
  statementId: bigint | null;
  entries: number;
  credits: number;
}

export interface StoreResult {
  file: string;
  statements: StoredStatement[];
  /** New incoming credits by company, for the matcher. */
  newCredits: Map<number, bigint[]>;
}

interface PreparedEntry {
  entryNumber: number;
  line: number;
  bookingDate: IsoDate;
  valueDate: IsoDate | null;
  amount: bigint;
  reference: string | null;
  remittance: string | null;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
  bankCode: string | null;
}

function minorUnits(text: string, exponent: number, file: string, line: number, field: string): bigint {
  try {
    return parseDecimal(text, exponent);
  } catch (error) {
    const problem = error instanceof AmountFormatError ? error.message : `invalid amount`;
    throw new FileRowError(file, line, field, text, `${problem} for the account currency`);
  }
}

/** Digest of what a statement states, so the same statement from any file is recognised. */
function statementKey(account: BankAccount, statement: ParsedStatement, entries: readonly PreparedEntry[]): string {
  const hash = createHash('sha256');
  hash.update([account.accountNumber, statement.statementId ?? '', statement.openingDate ?? '', statement.closingDate ?? '', statement.openingBalance ?? '', statement.closingBalance ?? ''].join('|'));
  for (const entry of entries) {
    hash.update(`\n${entry.bookingDate}|${entry.valueDate ?? ''}|${entry.amount}|${entry.reference ?? ''}|${entry.remittance ?? ''}`);
  }
  return hash.digest('hex');
}

async function resolveAccount(db: Queryable, parsed: ParsedBankFile, statement: ParsedStatement, actor: Actor): Promise<BankAccount> {
  const account = await findBankAccount(db, statement.account, statement.currency);
  if (!account) {
    throw new FileRowError(
      parsed.file,
      statement.line,
      'account',
      statement.account,
      `bank account ${normaliseAccountNumber(statement.account)} is not registered: add it with "ardesk bank account add" first`,
    );
  }
  if (actor.scope.companyIds !== null && !actor.scope.companyIds.includes(account.companyId)) {
    throw new ForbiddenError(`bank account ${account.accountNumber} belongs to a company outside your scope`, {
      action: 'bank.import',
      entity: 'bank_account',
      entityId: account.accountNumber,
      companyId: account.companyId,
    });
  }
  const stated = statement.currency;
  // XXX is ISO 4217's "no currency", which anonymised test files use.
  if (stated !== null && stated !== 'XXX' && stated !== account.currency) {
    throw new FileRowError(parsed.file, statement.line, 'currency', stated, `the account ${account.accountNumber} is kept in ${account.currency}`);
  }
  return account;
}

function prepareEntries(parsed: ParsedBankFile, statement: ParsedStatement, account: BankAccount): PreparedEntry[] {
  return statement.entries.map((entry, index) => {
    const bookingDate = entry.bookingDate ?? entry.valueDate ?? statement.closingDate;
    if (bookingDate === null) {
      throw new FileRowError(parsed.file, entry.line, 'bookingDate', '', 'the entry has no booking or value date, and the statement no closing date');
    }
    return {
      entryNumber: index + 1,
      line: entry.line,
      bookingDate,
      valueDate: entry.valueDate,
      amount: minorUnits(entry.amount, account.currencyExponent, parsed.file, entry.line, 'amount'),
      reference: entry.reference,
      remittance: entry.remittance,
      counterpartyName: entry.counterpartyName,
      counterpartyAccount: entry.counterpartyAccount === null ? null : normaliseAccountNumber(entry.counterpartyAccount),
      bankCode: entry.bankCode,
    };
  });
}

/**
 * Stores the statements of a parsed bank file in one transaction, with an
 * audit event per statement stored. Debits are stored as ignored: the
 * matcher looks at incoming money only.
 */
export async function storeBankFile(
  db: Db,
  parsed: ParsedBankFile,
  source: { sha256: string },
  actor: Actor,
): Promise<StoreResult> {
  if (actor.scope.regions !== null) {
    throw new ForbiddenError('a bank statement covers every region of a company, and your scope is limited to some regions', {
      action: 'bank.import',
      entity: 'bank_statement',
      entityId: null,
    });
  }
  return db.transaction(async (tx) => {
    const statements: StoredStatement[] = [];
    const newCredits = new Map<number, bigint[]>();
    for (const statement of parsed.statements) {
      const account = await resolveAccount(tx, parsed, statement, actor);
      const entries = prepareEntries(parsed, statement, account);
      const opening = statement.openingBalance === null ? null : minorUnits(statement.openingBalance, account.currencyExponent, parsed.file, statement.line, 'openingBalance');
      const closing = statement.closingBalance === null ? null : minorUnits(statement.closingBalance, account.currencyExponent, parsed.file, statement.line, 'closingBalance');
      const key = statementKey(account, statement, entries);
      const credits = entries.filter((entry) => entry.amount > 0n).length;
      const stored = await tx.query(
        'select 1 from bank_statement where company_id = $1 and bank_account_id = $2 and statement_key = $3',
        [account.companyId, account.bankAccountId, key],
      );
      if (stored.rows.length > 0) {
        statements.push({ account: account.accountNumber, companyId: account.companyId, statementRef: statement.statementId, statementId: null, entries: entries.length, credits });
        continue;
      }
      // Another import of the same statement may commit between the check
      // above and this insert; it then wins and this one skips it.
      const inserted = await tx.query<{ statement_id: bigint }>(
        `insert into bank_statement (company_id, statement_id, bank_account_id, statement_key, statement_ref,
           file_type, source_file, file_sha256, source_line, opening_balance, closing_balance,
           opening_date, closing_date, entry_count, imported_by)
         values ($1, nextval('bank_statement_id_seq'), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         on conflict (company_id, bank_account_id, statement_key) do nothing
         returning statement_id`,
        [
          account.companyId, account.bankAccountId, key, statement.statementId, parsed.type, parsed.file,
          source.sha256, statement.line, opening, closing, statement.openingDate, statement.closingDate,
          entries.length, actor.email,
        ],
      );
      if (inserted.rows.length === 0) {
        statements.push({ account: account.accountNumber, companyId: account.companyId, statementRef: statement.statementId, statementId: null, entries: entries.length, credits });
        continue;
      }
      const statementId = inserted.rows[0]!.statement_id;
      if (entries.length > 0) {
        const column = <T>(pick: (entry: PreparedEntry) => T) => entries.map(pick);
        const rows = await tx.query<{ entry_id: bigint; amount: bigint }>(
          `insert into bank_entry (company_id, entry_id, statement_id, entry_number, source_line, booking_date,
             value_date, currency, amount, reference, remittance, counterparty_name, counterparty_account,
             bank_code, status)
           select $1, nextval('bank_entry_id_seq'), $2, t.entry_number, t.source_line, t.booking_date,
             t.value_date, $3, t.amount, t.reference, t.remittance, t.counterparty_name,
             t.counterparty_account, t.bank_code, case when t.amount > 0 then 'new' else 'ignored' end
           from unnest($4::int[], $5::int[], $6::date[], $7::date[], $8::bigint[], $9::text[], $10::text[],
                       $11::text[], $12::text[], $13::text[])
             as t(entry_number, source_line, booking_date, value_date, amount, reference, remittance,
                  counterparty_name, counterparty_account, bank_code)
           order by t.entry_number
           returning entry_id, amount`,
          [
            account.companyId, statementId, account.currency,
            column((entry) => entry.entryNumber),
            column((entry) => entry.line),
            column((entry) => entry.bookingDate),
            column((entry) => entry.valueDate),
            column((entry) => entry.amount.toString()),
            column((entry) => entry.reference),
            column((entry) => entry.remittance),
            column((entry) => entry.counterpartyName),
            column((entry) => entry.counterpartyAccount),
            column((entry) => entry.bankCode),
          ],
        );
        const list = newCredits.get(account.companyId) ?? [];
        list.push(...rows.rows.filter((row) => row.amount > 0n).map((row) => row.entry_id));
        newCredits.set(account.companyId, list);
      }
      await recordAudit(tx, {
        actor,
        action: 'bank.import',
        entity: 'bank_statement',
        entityId: statementId.toString(),
        companyId: account.companyId,
        after: {
          file: parsed.file,
          account: account.accountNumber,
          statementRef: statement.statementId,
          entries: entries.length,
          openingBalance: statement.openingBalance,
          closingBalance: statement.closingBalance,
        },
      });
      statements.push({ account: account.accountNumber, companyId: account.companyId, statementRef: statement.statementId, statementId, entries: entries.length, credits });
    }
    return { file: parsed.file, statements, newCredits };
  });
}
