/**
 * Bank exports in CSV: a JSON mapping gives how the bank writes its file
 * (encoding, delimiter, preamble, number and date notation) and which
 * column feeds which statement field. docs/bank-csv-mapping.md describes
 * every key. The schema below is the authority and rejects unknown keys.
 *
 * Rows become one statement per account and currency, in the order the
 * file first names them. A running balance column, where the bank gives
 * one, yields the opening and closing balances, so the statement can be
 * checked like any other.
 */
import { z } from 'zod';
import { FileRowError, InputError } from '../../shared/errors.js';
import type { DateFormat, IsoDate } from '../../shared/dates.js';
import { parseDate } from '../../shared/dates.js';
import { CellValueError, parseAmountCell, type NumberFormat, type SignNotation } from '../../integration/fields.js';
import { readDelimited, type Table, type TableRow } from '../../integration/table.js';
import { sumDecimals, unscaleDecimal } from '../amounts.js';
import type { ParsedBankFile, ParsedStatement, ParseWarning, StatementEntry } from '../statement.js';
import { bankEncodings, decodeBankText } from './text.js';

const dateFormats = ['YYYY-MM-DD', 'M/D/YYYY', 'D/M/YYYY', 'D.M.YYYY', 'YYYYMMDD', 'D-M-YYYY'] as const satisfies readonly DateFormat[];

/** A header name, or a column number counted from 1 (the only way for files without a header). */
const columnRef = z.union([z.string().trim().min(1), z.number().int().min(1)], {
  error: 'expected a header name or a column number counted from 1',
});
type ColumnRef = z.output<typeof columnRef>;

const columnList = z.union([columnRef, z.array(columnRef).min(1)]);

/** A column, or one column for credits and another for debits (payer versus payee). */
const sidedColumn = z.union([columnRef, z.strictObject({ credit: columnRef, debit: columnRef })], {
  error: 'expected a column, or { "credit": ..., "debit": ... }',
});
type SidedColumn = z.output<typeof sidedColumn>;

const referenceSchema = z.union([
  columnList,
  z.strictObject({
    columns: columnList,
    /** Regular expression whose first group (or whole match) is the reference. */
    pattern: z.string().min(1).refine((text) => {
      try {
        new RegExp(text);
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression'),
  }),
]);

const fixedOrColumn = <T extends z.ZodType<string>>(fixed: T) =>
  z.union([z.strictObject({ column: columnRef }), z.strictObject({ fixed })], {
    error: 'expected { "column": ... } or { "fixed": ... }',
  });

const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as "EUR"');

const amountSchema = z.union(
  [
    z.strictObject({ column: columnRef }),
    z.strictObject({ debitColumn: columnRef, creditColumn: columnRef }),
    z.strictObject({
      column: columnRef,
      indicatorColumn: columnRef,
      creditValues: z.array(z.string().min(1)).min(1),
      debitValues: z.array(z.string().min(1)).min(1),
    }),
  ],
  {
    error:
      'expected { "column" } (signed), { "debitColumn", "creditColumn" } or { "column", "indicatorColumn", "creditValues", "debitValues" }',
  },
);

const filterSchema = z
  .strictObject({
    column: columnRef,
    values: z.array(z.string()).min(1).optional(),
    notValues: z.array(z.string()).min(1).optional(),
  })
  .refine((filter) => (filter.values === undefined) !== (filter.notValues === undefined), {
    message: 'give either "values" (rows to keep) or "notValues" (rows to drop)',
  });

export const bankCsvMappingSchema = z
  .strictObject({
    description: z.string().optional(),
    encoding: z.enum(bankEncodings).default('auto'),
    delimiter: z.string().length(1).default(','),
    quote: z.string().max(1).default('"'),
    skipLines: z.number().int().min(0).default(0),
    header: z.boolean().default(true),
    dateFormat: z.union([z.enum(dateFormats), z.array(z.enum(dateFormats)).min(1)]).default('YYYY-MM-DD'),
    decimalMark: z.enum(['.', ',']).default('.'),
    thousandsSeparator: z.enum(['', ',', '.', ' ', "'"]).default(''),
    /** Notation of a negative amount: `-12.50`, `12.50-` or `(12.50)`. */
    negative: z.enum(['leadingMinus', 'trailingMinus', 'brackets']).default('leadingMinus'),
    /** Row order of the file, which decides where the running balance opens and closes. */
    order: z.enum(['oldestFirst', 'newestFirst']).default('oldestFirst'),
    amount: amountSchema,
    account: fixedOrColumn(z.string().trim().min(1)),
    currency: fixedOrColumn(currencyCode),
    bookingDate: columnRef,
    valueDate: columnRef.optional(),
    reference: referenceSchema.optional(),
    remittance: columnList.optional(),
    counterpartyName: sidedColumn.optional(),
    counterpartyAccount: sidedColumn.optional(),
    bankCode: columnRef.optional(),
    balance: columnRef.optional(),
    statementId: fixedOrColumn(z.string().trim().min(1)).optional(),
    filter: z.union([filterSchema, z.array(filterSchema).min(1)]).optional(),
  })
  .superRefine((mapping, context) => {
    if (mapping.thousandsSeparator === mapping.decimalMark) {
      context.addIssue({ code: 'custom', path: ['thousandsSeparator'], message: 'the decimal mark and thousands separator must differ' });
    }
  });

export type BankCsvMapping = z.input<typeof bankCsvMappingSchema>;
type Mapping = z.output<typeof bankCsvMappingSchema>;

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

interface Columns {
  index(ref: ColumnRef): number;
  name(ref: ColumnRef): string;
}

function resolveColumns(table: Table, file: string): Columns {
  const header = table.header;
  const headerLine = table.headerLine ?? 1;
  return {
    index(ref) {
      if (typeof ref === 'number') return ref - 1;
      if (!header) {
        throw new FileRowError(file, 1, ref, '', 'the file has no header row, so the mapping must name columns by number');
      }
      let position = header.indexOf(ref);
      if (position < 0) position = header.findIndex((name) => name.toLowerCase() === ref.toLowerCase());
      if (position < 0) {
        throw new FileRowError(file, headerLine, ref, '', `column not found in the header, which has: ${header.join(', ')}`);
      }
      return position;
    },
    name(ref) {
      if (typeof ref === 'string') return ref;
      return header?.[ref - 1] || `column ${ref}`;
    },
  };
}

/** Decimals the cell states: the digits after its decimal mark. */
function statedDecimals(text: string, decimalMark: string): number {
  const position = text.lastIndexOf(decimalMark);
  if (position < 0) return 0;
  return /^\d*/.exec(text.slice(position + 1))![0].length;
}

/** Reads an amount cell as normalised decimal text with the decimals it states. */
function amountText(text: string, mapping: Mapping, notation: SignNotation): string {
  const format: NumberFormat = {
    decimalSeparator: mapping.decimalMark,
    thousandsSeparator: mapping.thousandsSeparator,
    roundToMinorUnit: false,
  };
  const places = statedDecimals(text, mapping.decimalMark);
  return unscaleDecimal(parseAmountCell(text, 'text', places, format, notation), places);
}

function absolute(decimal: string): string {
  return decimal.startsWith('-') ? decimal.slice(1) : decimal;
}

function negate(decimal: string): string {
  if (/^[0.]*$/.test(decimal)) return decimal;
  return decimal.startsWith('-') ? decimal.slice(1) : `-${decimal}`;
}

/** Parses a date in any of the formats, ignoring a time of day after it (`2021-01-06 23:50:00`). */
function dateText(text: string, formats: readonly DateFormat[]): IsoDate {
  const trimmed = text.trim();
  if (trimmed === '') throw new CellValueError('the date is missing');
  const withoutTime = trimmed.replace(/[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(\s*[A-Za-z]{1,5}|[+-]\d{2}:?\d{2}|Z)?$/, '');
  for (const format of formats) {
    const date = parseDate(withoutTime, format);
    if (date !== null) return date;
  }
  throw new CellValueError(`not a valid date in the format ${formats.join(' or ')}`);
}

interface StatementDraft {
  statement: ParsedStatement;
  /** Balance after the first and the last row, when readable, with the row's amount. */
  first: { balance: string | null; amount: string } | null;
  last: { balance: string | null; amount: string } | null;
}

/** Parses a bank's CSV export with its mapping. */
export function parseBankCsv(bytes: Uint8Array, file: string, mappingInput: BankCsvMapping): ParsedBankFile {
  const parsedMapping = bankCsvMappingSchema.safeParse(mappingInput);
  if (!parsedMapping.success) {
    const issue = parsedMapping.error.issues[0]!;
    const path = issue.path.join('.') || '(mapping)';
    throw new InputError(`${file}: the bank CSV mapping is invalid at ${path}: ${issue.message}`, 'invalid_mapping', path);
  }
  const mapping = parsedMapping.data;
  const table = readDelimited(decodeBankText(bytes, mapping.encoding), file, {
    delimiter: mapping.delimiter,
    quote: mapping.quote,
    skipLines: mapping.skipLines,
    header: mapping.header,
  });
  const columns = resolveColumns(table, file);
  const warnings: ParseWarning[] = [];
  const formats = list(mapping.dateFormat);
  const signedNotation: SignNotation = mapping.negative;

  const cell = (row: TableRow, ref: ColumnRef) => (row.cells[columns.index(ref)] ?? '').trim();
  const required = <T>(row: TableRow, ref: ColumnRef, read: (text: string) => T): T => {
    const text = cell(row, ref);
    try {
      return read(text);
    } catch (error) {
      if (error instanceof CellValueError) throw new FileRowError(file, row.line, columns.name(ref), text, error.message);
      throw error;
    }
  };
  const optional = <T>(row: TableRow, ref: ColumnRef | undefined, read: (text: string) => T): T | null => {
    if (ref === undefined) return null;
    const text = cell(row, ref);
    if (text === '') return null;
    try {
      return read(text);
    } catch (error) {
      if (!(error instanceof CellValueError)) throw error;
      warnings.push({ file, line: row.line, field: columns.name(ref), value: text, message: `${error.message}, so it was left empty` });
      return null;
    }
  };

  const readAmount = (row: TableRow): string => {
    const amount = mapping.amount;
    if ('debitColumn' in amount) {
      const debit = cell(row, amount.debitColumn);
      const credit = cell(row, amount.creditColumn);
      if (debit === '' && credit === '') {
        throw new FileRowError(file, row.line, `${columns.name(amount.debitColumn)} / ${columns.name(amount.creditColumn)}`, '', 'the row has neither a debit nor a credit amount');
      }
      const parts: string[] = [];
      if (debit !== '') parts.push(negate(absolute(required(row, amount.debitColumn, (text) => amountText(text, mapping, signedNotation)))));
      if (credit !== '') parts.push(absolute(required(row, amount.creditColumn, (text) => amountText(text, mapping, signedNotation))));
      return sumDecimals(parts);
    }
    const value = required(row, amount.column, (text) => amountText(text, mapping, signedNotation));
    if (!('indicatorColumn' in amount)) return value;
    const indicator = cell(row, amount.indicatorColumn);
    const matches = (values: string[]) => values.some((candidate) => candidate.toLowerCase() === indicator.toLowerCase());
    if (matches(amount.creditValues)) return absolute(value);
    if (matches(amount.debitValues)) return negate(absolute(value));
    throw new FileRowError(
      file,
      row.line,
      columns.name(amount.indicatorColumn),
      indicator,
      `expected a credit (${amount.creditValues.join(', ')}) or debit (${amount.debitValues.join(', ')}) indicator`,
    );
  };

  const sided = (row: TableRow, ref: SidedColumn | undefined, credit: boolean): string | null => {
    if (ref === undefined) return null;
    let column: ColumnRef;
    if (typeof ref !== 'object') column = ref;
    else column = credit ? ref.credit : ref.debit;
    return cell(row, column) || null;
  };

  const readReference = (row: TableRow): string | null => {
    const reference = mapping.reference;
    if (reference === undefined) return null;
    const refs = typeof reference === 'object' && 'columns' in reference ? list(reference.columns) : list(reference);
    const pattern = typeof reference === 'object' && 'pattern' in reference ? new RegExp(reference.pattern) : null;
    for (const ref of refs) {
      const value = cell(row, ref);
      if (value === '') continue;
      if (!pattern) return value;
      const match = pattern.exec(value);
      if (match) return match[1] ?? match[0];
    }
    return null;
  };

  const keep = (row: TableRow): boolean =>
    mapping.filter === undefined ||
    list(mapping.filter).every((filter) => {
      const value = cell(row, filter.column);
      return filter.values ? filter.values.includes(value) : !filter.notValues!.includes(value);
    });

  const drafts = new Map<string, StatementDraft>();
  for (const row of table.rows) {
    if (!keep(row)) continue;
    const account =
      'fixed' in mapping.account
        ? mapping.account.fixed
        : required(row, mapping.account.column, (text) => {
            if (text === '') throw new CellValueError('the account is missing');
            return text;
          });
    const currency =
      'fixed' in mapping.currency
        ? mapping.currency.fixed
        : required(row, mapping.currency.column, (text) => {
            const code = text.toUpperCase();
            if (!/^[A-Z]{3}$/.test(code)) throw new CellValueError('invalid currency: expected an ISO 4217 code such as EUR');
            return code;
          });
    const amount = readAmount(row);
    const credit = !amount.startsWith('-');
    const remittanceParts = mapping.remittance === undefined ? [] : list(mapping.remittance).map((ref) => cell(row, ref));
    const remittance = remittanceParts.filter((part) => part !== '').join(' ').replace(/\s+/g, ' ').trim();
    const entry: StatementEntry = {
      bookingDate: required(row, mapping.bookingDate, (text) => dateText(text, formats)),
      valueDate: optional(row, mapping.valueDate, (text) => dateText(text, formats)),
      amount,
      reference: readReference(row),
      remittance: remittance === '' ? null : remittance,
      counterpartyName: sided(row, mapping.counterpartyName, credit),
      counterpartyAccount: sided(row, mapping.counterpartyAccount, credit),
      bankCode: mapping.bankCode === undefined ? null : cell(row, mapping.bankCode) || null,
      line: row.line,
    };
    const balance = optional(row, mapping.balance, (text) => amountText(text, mapping, signedNotation));

    const key = `${account}\u0000${currency}`;
    let draft = drafts.get(key);
    if (!draft) {
      const statementId =
        mapping.statementId === undefined
          ? null
          : 'fixed' in mapping.statementId
            ? mapping.statementId.fixed
            : cell(row, mapping.statementId.column) || null;
      draft = {
        statement: {
          account,
          currency,
          statementId,
          openingBalance: null,
          closingBalance: null,
          openingDate: null,
          closingDate: null,
          entries: [],
          line: row.line,
        },
        first: null,
        last: null,
      };
      drafts.set(key, draft);
    }
    draft.statement.entries.push(entry);
    const point = { balance, amount };
    if (!draft.first) draft.first = point;
    draft.last = point;
  }

  const statements: ParsedStatement[] = [];
  for (const draft of drafts.values()) {
    const { statement } = draft;
    const entries = statement.entries;
    const oldest = mapping.order === 'oldestFirst' ? draft.first : draft.last;
    const newest = mapping.order === 'oldestFirst' ? draft.last : draft.first;
    const oldestEntry = mapping.order === 'oldestFirst' ? entries[0] : entries[entries.length - 1];
    const newestEntry = mapping.order === 'oldestFirst' ? entries[entries.length - 1] : entries[0];
    statement.openingDate = oldestEntry?.bookingDate ?? null;
    statement.closingDate = newestEntry?.bookingDate ?? null;
    if (mapping.balance !== undefined && oldest?.balance != null && newest?.balance != null) {
      // The balance stated after the oldest row, less that row, is the balance before it.
      statement.openingBalance = sumDecimals([oldest.balance, negate(oldest.amount)]);
      statement.closingBalance = newest.balance;
    }
    statements.push(statement);
  }
  return { file, type: 'csv', statements, warnings };
}
