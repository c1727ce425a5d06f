/**
 * Parser of the IBM late-payment ledger layout (the Watson Analytics
 * "Accounts Receivable" sample): one settled invoice per row, US dates
 * (M/D/YYYY), invoice numbers as text with leading zeros, CRLF lines.
 */
import { FileRowError } from '../shared/errors.js';
import { AmountFormatError, parseDecimal } from '../shared/money.js';
import { parseDate, type IsoDate } from '../shared/dates.js';
import type { ParsedLedger } from '../ledger/imports.js';
import type { AllocationInput, CustomerInput, OpenItemInput } from '../ledger/types.js';
import { readDelimited, type TableRow } from './table.js';

export const ibmArColumns = [
  'countryCode',
  'customerID',
  'PaperlessDate',
  'invoiceNumber',
  'InvoiceDate',
  'DueDate',
  'InvoiceAmount',
  'Disputed',
  'SettledDate',
  'PaperlessBill',
  'DaysToSettle',
  'DaysLate',
] as const;
type IbmArColumn = (typeof ibmArColumns)[number];

export interface IbmArOptions {
  /** File name used in error messages. */
  file: string;
  company: string;
  /** Currency of every amount (the file has no currency column). */
  currency: string;
  /** ISO 4217 exponent of `currency`. */
  exponent: number;
}

/*
 * Source keys. Invoice numbers are unique in the published file (2,466
 * rows, 2,466 distinct ten-digit numbers), so the invoice number itself
 * is the invoice's erp key; the parser rejects a file that repeats one,
 * because a repeated key would be skipped on import without a word. The
 * file has no payment documents: each row's settlement becomes a payment
 * keyed `PAY/<invoice number>`, and the allocation that clears the invoice
 * is keyed `ALLOC/<invoice number>`. The prefixes keep these keys apart
 * from invoice numbers, which are all digits.
 */
export function paymentErpKey(invoiceNumber: string): string {
  return `PAY/${invoiceNumber}`;
}

export function allocationErpKey(invoiceNumber: string): string {
  return `ALLOC/${invoiceNumber}`;
}

/**
 * Parses the whole file into one company's ledger: per row, an invoice
 * (document and posting date = InvoiceDate, due DueDate, disputed flag
 * kept), a payment dated SettledDate, and an allocation of the full amount
 * on SettledDate. PaperlessDate, PaperlessBill, DaysToSettle and DaysLate
 * are not stored: the last two follow from the dates, and the paperless
 * fields describe the customer's billing channel, which the ledger does
 * not hold.
 */
export function parseIbmAr(text: string, options: IbmArOptions): ParsedLedger {
  const table = readDelimited(text, options.file, {
    delimiter: ',',
    quote: '"',
    skipLines: 0,
    header: true,
  });
  const header = table.header ?? [];
  const positions = new Map<IbmArColumn, number>();
  for (const column of ibmArColumns) {
    const index = header.indexOf(column);
    if (index < 0) {
      throw new FileRowError(
        options.file,
        table.headerLine ?? 1,
        column,
        '',
        `column not found in the header; the IBM layout needs ${ibmArColumns.join(', ')}`,
      );
    }
    positions.set(column, index);
  }

  const customers = new Map<string, { customer: CustomerInput; line: number }>();
  const invoiceLines = new Map<string, number>();
  const items: OpenItemInput[] = [];
  const allocations: AllocationInput[] = [];

  for (const row of table.rows) {
    const cell = (column: IbmArColumn) => (row.cells[positions.get(column)!] ?? '').trim();
    const fail = (column: IbmArColumn, problem: string): never => {
      throw new FileRowError(options.file, row.line, column, cell(column), problem);
    };
    const required = (column: IbmArColumn) => cell(column) || fail(column, 'the value is missing');
    const date = (column: IbmArColumn): IsoDate =>
      parseDate(required(column), 'M/D/YYYY') ?? fail(column, 'not a valid date in the format M/D/YYYY');

    checkFieldCount(row, header.length, options.file);
    const countryCode = required('countryCode');
    const customerNumber = required('customerID');
    const invoiceNumber = required('invoiceNumber');
    const invoiceDate = date('InvoiceDate');
    const dueDate = date('DueDate');
    const settledDate = date('SettledDate');
    if (settledDate < invoiceDate) fail('SettledDate', `settled before the invoice date ${invoiceDate}`);
    const amount = parseAmount(required('InvoiceAmount'), options.exponent, (problem) =>
      fail('InvoiceAmount', problem),
    );
    const disputedText = required('Disputed');
    if (disputedText !== 'Yes' && disputedText !== 'No') fail('Disputed', 'expected "Yes" or "No"');

    const firstLine = invoiceLines.get(invoiceNumber);
    if (firstLine !== undefined) {
      fail('invoiceNumber', `duplicate invoice number (first on line ${firstLine})`);
    }
    invoiceLines.set(invoiceNumber, row.line);

    const known = customers.get(customerNumber);
    if (known && known.customer.country !== countryCode) {
      fail('countryCode', `customer ${customerNumber} has country ${known.customer.country} on line ${known.line}`);
    }
    if (!known) {
      customers.set(customerNumber, {
        customer: { customerNumber, name: customerNumber, country: countryCode, region: countryCode },
        line: row.line,
      });
    }

    items.push({
      customerNumber,
      kind: 'invoice',
      documentNumber: invoiceNumber,
      erpKey: invoiceNumber,
      documentDate: invoiceDate,
      postingDate: invoiceDate,
      dueDate,
      currency: options.currency,
      amount,
      disputed: disputedText === 'Yes',
      sourceLine: row.line,
    });
    items.push({
      customerNumber,
      kind: 'payment',
      documentNumber: paymentErpKey(invoiceNumber),
      erpKey: paymentErpKey(invoiceNumber),
      documentDate: settledDate,
      postingDate: settledDate,
      dueDate: settledDate,
      currency: options.currency,
      amount: -amount,
      reference: invoiceNumber,
      sourceLine: row.line,
    });
    allocations.push({
      erpKey: allocationErpKey(invoiceNumber),
      creditErpKey: paymentErpKey(invoiceNumber),
      debitErpKey: invoiceNumber,
      allocationDate: settledDate,
      amount,
    });
  }

  return {
    company: { code: options.company, currency: options.currency },
    customers: [...customers.values()].map((entry) => entry.customer),
    items,
    allocations,
    rowCount: table.rows.length,
  };
}

function checkFieldCount(row: TableRow, expected: number, file: string): void {
  if (row.cells.length !== expected) {
    throw new FileRowError(
      file,
      row.line,
      '(record)',
      row.cells.join(','),
      `expected ${expected} fields, found ${row.cells.length}`,
    );
  }
}

function parseAmount(text: string, exponent: number, fail: (problem: string) => never): bigint {
  let amount: bigint;
  try {
    amount = parseDecimal(text, exponent);
  } catch (error) {
    if (error instanceof AmountFormatError) return fail(error.message);
    throw error;
  }
  if (amount <= 0n) fail('an invoice amount must be positive');
  return amount;
}
