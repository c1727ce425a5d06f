/**
 * The bank statement model every parser returns. Amounts are signed
 * decimal text as the bank stated them, normalised to `-1234.50` form
 * (credits positive, debits negative); they become minor units only when a
 * statement is stored, where the account's currency is known.
 */
import type { IsoDate } from '../shared/dates.js';

export const bankFileTypes = ['camt053', 'camt054', 'mt940', 'bai2', 'csv'] as const;
export type BankFileType = (typeof bankFileTypes)[number];

export interface StatementEntry {
  bookingDate: IsoDate | null;
  valueDate: IsoDate | null;
  /** Signed decimal text: credits positive, debits negative. */
  amount: string;
  /** The bank's or the payer's reference for the entry (end-to-end id, EREF, bank reference). */
  reference: string | null;
  /** Remittance text: structured references first, then free text, joined by spaces. */
  remittance: string | null;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
  /** Bank transaction code as the file states it (BAI2 type code, MT940 GVC or SWIFT code, camt domain/family/sub-family or proprietary code). */
  bankCode: string | null;
  /** Line of the file where the entry starts (1-based). */
  line: number;
}

export interface ParsedStatement {
  /** Account as the file names it: IBAN, or a bank's own number. */
  account: string;
  currency: string | null;
  /** The file's statement id; null when it has none. */
  statementId: string | null;
  openingBalance: string | null;
  closingBalance: string | null;
  openingDate: IsoDate | null;
  closingDate: IsoDate | null;
  entries: StatementEntry[];
  /** Line of the file where the statement starts (1-based). */
  line: number;
}

/** A malformed optional field that was skipped; the rest of the file was read. */
export interface ParseWarning {
  file: string;
  line: number;
  field: string;
  value: string;
  message: string;
}

export interface ParsedBankFile {
  file: string;
  type: BankFileType;
  statements: ParsedStatement[];
  warnings: ParseWarning[];
}
