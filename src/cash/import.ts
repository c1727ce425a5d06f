/**
 * Bank statement import as users run it: read a file, parse it (format
 * detected unless given), and either print its statements (dry run) or
 * store it and apply the new credits.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Actor } from '../auth/types.js';
import type { Db } from '../db/types.js';
import { getCompanyById } from '../ledger/companies.js';
import { parseBankFile, type BankCsvMapping } from '../bank/parse/index.js';
import { bankCsvMappingSchema } from '../bank/parse/csv.js';
import type { BankFileType, ParsedBankFile } from '../bank/statement.js';
import { InputError } from '../shared/errors.js';
import { applyCash, type CashApplicationResult, type ApplyProgress } from './apply.js';
import { storeBankFile, type StoreResult } from './statements.js';

export interface BankImportOptions {
  type?: BankFileType;
  mapping?: BankCsvMapping;
  /** Name of the file in messages and records; the path when omitted. */
  displayName?: string;
  /** Store the statements without running the matcher. */
  skipMatching?: boolean;
  progress?: ApplyProgress;
}

export interface BankImportResult {
  parsed: ParsedBankFile;
  stored: StoreResult;
  applied: CashApplicationResult[];
}

/** Reads and validates a CSV mapping file for bank exports. */
export async function loadBankMapping(path: string): Promise<BankCsvMapping> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new InputError(`failed to read mapping ${path}: ${(error as Error).message}`, 'invalid_mapping', 'mapping');
  }
  return parseBankMapping(value, path);
}

/** Validates a CSV mapping object; errors name the mapping's source and the first invalid field. */
export function parseBankMapping(value: unknown, source: string): BankCsvMapping {
  const result = bankCsvMappingSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') ?? 'mapping';
    throw new InputError(`invalid mapping ${source}, field "${field}": ${issue?.message ?? 'invalid'}`, 'invalid_mapping', 'mapping');
  }
  return result.data;
}

async function readBankFile(path: string, displayName: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new InputError(`failed to read ${displayName}: ${(error as Error).message}`, 'file_not_readable', 'file');
  }
}

/** Parses a bank file without storing anything. */
export async function parseBankFileAt(path: string, options: BankImportOptions = {}): Promise<ParsedBankFile> {
  const name = options.displayName ?? path;
  const bytes = await readBankFile(path, name);
  return parseBankFile(bytes, name, { type: options.type, csvMapping: options.mapping });
}

/**
 * Imports a bank file: stores its statements (a statement stored before is
 * skipped) and, unless `skipMatching` is set, applies the new credits of each
 * company.
 */
export async function importBankFile(db: Db, path: string, actor: Actor, options: BankImportOptions = {}): Promise<BankImportResult> {
  const name = options.displayName ?? path;
  const bytes = await readBankFile(path, name);
  const parsed = parseBankFile(bytes, name, { type: options.type, csvMapping: options.mapping });
  const stored = await storeBankFile(db, parsed, { sha256: createHash('sha256').update(bytes).digest('hex') }, actor);
  const applied: CashApplicationResult[] = [];
  if (!options.skipMatching) {
    for (const [companyId, entryIds] of stored.newCredits) {
      const company = await getCompanyById(db, companyId);
      applied.push(await applyCash(db, company, actor, { entryIds, progress: options.progress }));
    }
  }
  return { parsed, stored, applied };
}

/** The dry-run view of parsed statements: the fields users script against, without source lines. */
export function statementsToJson(parsed: ParsedBankFile): unknown[] {
  return parsed.statements.map((statement) => ({
    account: statement.account,
    currency: statement.currency,
    statementId: statement.statementId,
    openingBalance: statement.openingBalance,
    closingBalance: statement.closingBalance,
    openingDate: statement.openingDate,
    closingDate: statement.closingDate,
    entries: statement.entries.map((entry) => ({
      bookingDate: entry.bookingDate,
      valueDate: entry.valueDate,
      amount: entry.amount,
      reference: entry.reference,
      remittance: entry.remittance,
      counterpartyName: entry.counterpartyName,
      counterpartyAccount: entry.counterpartyAccount,
      bankCode: entry.bankCode,
    })),
  }));
}
