/**
 * Turns a table read from an open-item file into ledgers, one per company,
 * following a validated column mapping. Pure: the caller supplies what it
 * needs from the database (currency exponents, existing companies).
 */
import { FileRowError, InputError } from '../shared/errors.js';
import { convertAmount, fitsMinorUnits, formatRatio, maxMinorUnits } from '../shared/money.js';
import type { IsoDate } from '../shared/dates.js';
import type { ParsedLedger } from '../ledger/imports.js';
import type { CustomerInput, ItemKind, OpenItemInput } from '../ledger/types.js';
import {
  CellValueError,
  defaultFalseValues,
  defaultTrueValues,
  normaliseId,
  parseAmountCell,
  parseDateCell,
  parseFlag,
  type NumberFormat,
  type SignNotation,
} from './fields.js';
import type { ResolvedMapping } from './mapping.js';
import { resolveColumns, type Column, type DateField, type ResolvedColumns } from './columns.js';
import type { CellType, Table, TableRow } from './table.js';

export interface MappedParseContext {
  /** Company for every row when the mapping has no company column (default MAIN). */
  company?: string;
  /**
   * Local currency of companies the mapping gives none for. Without it an
   * existing company keeps its own and a new one gets USD.
   */
  currency?: string;
  /** Local currency of companies already in the database, by code. */
  existingCurrencies: ReadonlyMap<string, string>;
  /** ISO 4217 exponent of every known currency. */
  exponents: ReadonlyMap<string, number>;
}

/**
 * A foreign-currency item for which the mapping gives no rate: the caller
 * must find one in the database or reject the row.
 */
export interface RateLookup {
  line: number;
  column: string;
  value: string;
  from: string;
  to: string;
  date: IsoDate;
}

export interface MappedParseResult {
  ledgers: ParsedLedger[];
  rateLookups: RateLookup[];
}

const debitKinds: ReadonlySet<ItemKind> = new Set(['invoice', 'debit_note']);
const creditKinds: ReadonlySet<ItemKind> = new Set(['credit_note', 'payment', 'advance', 'write_off']);

/** Same rule as ensureCompany, checked here so the error can name the row. */
const companyCodePattern = /^[A-Za-z0-9_-]{1,20}$/;

class CompanyAccumulator {
  readonly customers = new Map<string, CustomerInput>();
  readonly items: OpenItemInput[] = [];
  readonly erpKeyLines = new Map<string, number>();
  rowCount = 0;

  constructor(
    readonly code: string,
    readonly currency: string,
    readonly exponent: number,
  ) {}
}

/**
 * Parses every row of `table` with `mapping`. Any bad cell raises a
 * FileRowError naming the file, line, column and value, before anything is
 * written.
 */
export function parseMappedTable(
  table: Table,
  mapping: ResolvedMapping,
  context: MappedParseContext,
): MappedParseResult {
  if (mapping.company.column !== undefined && context.company !== undefined) {
    throw new InputError(
      `the mapping takes the company from column "${mapping.company.column}"; leave out the company option`,
      'invalid_option',
      'company',
    );
  }
  const knownCurrency = (code: string, where: string) => {
    if (!context.exponents.has(code)) {
      throw new InputError(`unknown currency "${code}" in ${where}`, 'invalid_currency', 'currency');
    }
  };
  if (mapping.item.currency?.fixed) knownCurrency(mapping.item.currency.fixed, 'the mapping');
  for (const code of Object.values(mapping.company.currencies)) knownCurrency(code, 'the mapping');
  if (context.currency) knownCurrency(context.currency, 'the currency option');

  const columns = resolveColumns(table, mapping);
  const parser = new RowParser(table, mapping, context, columns);
  for (const row of table.rows) parser.parse(row);
  return parser.result();
}

class RowParser {
  private readonly companies = new Map<string, CompanyAccumulator>();
  private readonly rateLookups = new Map<string, RateLookup>();
  private readonly numberFormat: NumberFormat;

  constructor(
    private readonly table: Table,
    private readonly mapping: ResolvedMapping,
    private readonly context: MappedParseContext,
    private readonly columns: ResolvedColumns,
  ) {
    this.numberFormat = {
      decimalSeparator: mapping.amount.decimalSeparator,
      thousandsSeparator: mapping.amount.thousandsSeparator,
      roundToMinorUnit: mapping.amount.roundToMinorUnit,
    };
  }

  result(): MappedParseResult {
    const ledgers = [...this.companies.values()].map((company) => ({
      company: { code: company.code, currency: company.currency },
      customers: [...company.customers.values()],
      items: company.items,
      allocations: [],
      rowCount: company.rowCount,
    }));
    return { ledgers, rateLookups: [...this.rateLookups.values()] };
  }

  private text(row: TableRow, column: Column): string {
    if (column.index < row.cells.length) return row.cells[column.index]!;
    if (row.types) return '';
    throw new FileRowError(
      this.table.file,
      row.line,
      column.label,
      '',
      `the row has only ${row.cells.length} fields`,
    );
  }

  /**
   * Rejects a delimited row with values past the header's last column. Such
   * a row almost always contains an unquoted delimiter (`1,234.50` with a comma
   * delimiter), which shifts every later cell, so the mapped columns would
   * read the wrong values. Blank trailing cells, as left by a trailing
   * delimiter, are accepted. XLSX rows are not checked, because a sheet
   * cannot shift cells and may keep notes beside the table.
   */
  private checkExtraCells(row: TableRow): void {
    const header = this.table.header;
    if (header === null || row.types !== undefined || row.cells.length <= header.length) return;
    const extra = row.cells.slice(header.length);
    if (extra.every((cell) => cell.trim() === '')) return;
    throw new FileRowError(
      this.table.file,
      row.line,
      `column ${header.length + 1}`,
      extra.join(this.mapping.file.delimiter),
      `the row has ${row.cells.length} fields but the header has ${header.length}; quote a value that contains the delimiter "${this.mapping.file.delimiter}"`,
    );
  }

  private type(row: TableRow, column: Column): CellType {
    return row.types?.[column.index] ?? 'text';
  }

  /** Runs `read` on one cell and turns a CellValueError into a FileRowError. */
  private field<T>(row: TableRow, column: Column, read: (text: string, type: CellType) => T): T {
    const text = this.text(row, column);
    try {
      return read(text, this.type(row, column));
    } catch (error) {
      if (error instanceof CellValueError) {
        throw new FileRowError(this.table.file, row.line, column.label, text, error.message);
      }
      throw error;
    }
  }

  private fail(row: TableRow, column: Column, problem: string): never {
    throw new FileRowError(this.table.file, row.line, column.label, this.text(row, column), problem);
  }

  private id(row: TableRow, column: Column): string {
    return this.field(row, column, (text) => normaliseId(text, this.mapping.floatIds));
  }

  private requiredId(row: TableRow, column: Column, what: string): string {
    const value = this.id(row, column);
    if (value === '') this.fail(row, column, `the ${what} is missing`);
    return value;
  }

  private optionalText(row: TableRow, column: Column | undefined): string | null {
    if (!column) return null;
    const value = this.text(row, column).trim();
    return value === '' ? null : value;
  }

  private date(row: TableRow, field: DateField): IsoDate {
    return this.field(row, field.column, (text, type) => parseDateCell(text, type, field.format));
  }

  private company(row: TableRow): CompanyAccumulator {
    let code = this.context.company ?? 'MAIN';
    if (this.columns.company) {
      code = this.requiredId(row, this.columns.company, 'company code');
      if (!companyCodePattern.test(code)) {
        this.fail(row, this.columns.company, 'invalid company code: use 1 to 20 letters, digits, _ or -');
      }
    }
    let company = this.companies.get(code);
    if (!company) {
      const currency =
        this.mapping.company.currencies[code] ??
        this.context.currency ??
        this.context.existingCurrencies.get(code) ??
        'USD';
      const exponent = this.context.exponents.get(currency);
      if (exponent === undefined) {
        throw new InputError(`unknown currency "${currency}" of company ${code}`, 'invalid_currency', 'currency');
      }
      company = new CompanyAccumulator(code, currency, exponent);
      this.companies.set(code, company);
    }
    return company;
  }

  private currency(row: TableRow, company: CompanyAccumulator): string {
    const spec = this.mapping.item.currency;
    if (spec?.fixed) return spec.fixed;
    const column = this.columns.currency;
    if (!column) return company.currency;
    const code = this.text(row, column).trim().toUpperCase();
    if (code === '') this.fail(row, column, 'the currency is missing');
    if (!this.context.exponents.has(code)) this.fail(row, column, 'unknown currency code');
    return code;
  }

  private declaredKind(row: TableRow): ItemKind | null {
    const spec = this.mapping.item.kind;
    if (spec.fixed) return spec.fixed;
    const column = this.columns.kind;
    if (!column) return null;
    const value = this.text(row, column).trim();
    const kind = spec.values?.[value] ?? spec.default;
    if (!kind) {
      const known = Object.keys(spec.values ?? {}).map((key) => `"${key}"`).join(', ');
      this.fail(row, column, `no item kind for this value; the mapping knows ${known}`);
    }
    return kind;
  }

  private amountColumn(): Column {
    return (this.columns.amount ?? this.columns.debit)!;
  }

  /** Signed amount in minor units, by the mapping's sign convention. */
  private amount(row: TableRow, exponent: number, kind: ItemKind | null): bigint {
    const { sign } = this.mapping.amount;
    const parse = (column: Column, notation: SignNotation) =>
      this.field(row, column, (text, type) =>
        parseAmountCell(text, type, exponent, this.numberFormat, notation),
      );
    if (sign === 'leadingMinus' || sign === 'trailingMinus' || sign === 'brackets') {
      return parse(this.columns.amount!, sign);
    }
    if (sign === 'debitCreditColumns') {
      const debitColumn = this.columns.debit!;
      const creditColumn = this.columns.credit!;
      const debitText = this.text(row, debitColumn).trim();
      const creditText = this.text(row, creditColumn).trim();
      if (debitText === '' && creditText === '') {
        this.fail(row, debitColumn, `both "${debitColumn.label}" and "${creditColumn.label}" are empty`);
      }
      const debit = debitText === '' ? 0n : parse(debitColumn, 'unsigned');
      const credit = creditText === '' ? 0n : parse(creditColumn, 'unsigned');
      return debit - credit;
    }
    const magnitude = parse(this.columns.amount!, 'unsigned');
    if (sign === 'indicator') {
      const column = this.columns.indicator!;
      const value = this.text(row, column).trim().toLowerCase();
      const { debitValues, creditValues } = this.mapping.amount;
      if (debitValues.some((candidate) => candidate.toLowerCase() === value)) return magnitude;
      if (creditValues.some((candidate) => candidate.toLowerCase() === value)) return -magnitude;
      this.fail(
        row,
        column,
        `expected a debit indicator (${debitValues.join(', ')}) or a credit indicator (${creditValues.join(', ')})`,
      );
    }
    // sign === 'kind': the item kind decides the sign.
    if (kind !== null && debitKinds.has(kind)) return magnitude;
    if (kind !== null && creditKinds.has(kind)) return -magnitude;
    this.fail(row, this.columns.kind ?? this.columns.amount!, `an item of kind "${kind}" needs a signed amount`);
  }

  private checkSign(row: TableRow, kind: ItemKind, amount: bigint): void {
    if (debitKinds.has(kind) && amount < 0n) {
      this.fail(
        row,
        this.amountColumn(),
        `a ${kind} must be a debit (positive), but the amount is a credit; check "amount.sign" or the kind mapping`,
      );
    }
    if (creditKinds.has(kind) && amount > 0n) {
      this.fail(
        row,
        this.amountColumn(),
        `a ${kind} must be a credit (negative), but the amount is a debit; check "amount.sign" or the kind mapping`,
      );
    }
  }

  /**
   * Local amount and rate: from the local-amount column, from a mapping
   * rate, or left to the ledger, which reads the database rate (recorded
   * as a lookup so a missing rate is reported with its row).
   */
  private local(
    row: TableRow,
    company: CompanyAccumulator,
    currency: string,
    amount: bigint,
    postingDate: IsoDate,
  ): { amountLocal?: bigint; fxRate?: string } {
    const localColumn = this.columns.local;
    if (localColumn) {
      const { sign } = this.mapping.amount;
      const notation: SignNotation =
        sign === 'leadingMinus' || sign === 'trailingMinus' || sign === 'brackets' ? sign : 'unsigned';
      const parsed = this.field(row, localColumn, (text, type) =>
        parseAmountCell(text, type, company.exponent, this.numberFormat, notation),
      );
      const local = notation === 'unsigned' && amount < 0n ? -parsed : parsed;
      if (local === 0n || local < 0n !== amount < 0n) {
        this.fail(row, localColumn, 'the local amount must be non-zero and carry the sign of the amount');
      }
      if (currency === company.currency) {
        if (local !== amount) {
          this.fail(row, localColumn, `the item is in the company currency ${currency}, but the local amount differs from the amount`);
        }
        return {};
      }
      const fromExponent = this.context.exponents.get(currency)!;
      const magnitude = amount < 0n ? -amount : amount;
      const localMagnitude = local < 0n ? -local : local;
      const fxRate = formatRatio(
        localMagnitude * 10n ** BigInt(fromExponent),
        magnitude * 10n ** BigInt(company.exponent),
        10,
      );
      return { amountLocal: local, fxRate };
    }
    if (currency === company.currency) return {};
    const rate = this.mapping.fxRates
      .filter((entry) => entry.from === currency && entry.to === company.currency && entry.date <= postingDate)
      .reduce<{ date: string; rate: string } | null>(
        (latest, entry) => (latest === null || entry.date > latest.date ? entry : latest),
        null,
      );
    if (rate) {
      const fromExponent = this.context.exponents.get(currency)!;
      const amountLocal = convertAmount(amount, rate.rate, fromExponent, company.exponent);
      if (!fitsMinorUnits(amountLocal)) {
        this.fail(
          row,
          this.amountColumn(),
          `the amount converted to ${company.currency} at ${rate.rate} is too large: at most ${maxMinorUnits} minor units`,
        );
      }
      return { amountLocal, fxRate: rate.rate };
    }
    const key = `${currency}:${company.currency}:${postingDate}`;
    if (!this.rateLookups.has(key)) {
      const column = this.columns.currency ?? this.amountColumn();
      this.rateLookups.set(key, {
        line: row.line,
        column: column.label,
        value: this.text(row, column),
        from: currency,
        to: company.currency,
        date: postingDate,
      });
    }
    return {};
  }

  private customer(row: TableRow, company: CompanyAccumulator, customerNumber: string): void {
    if (company.customers.has(customerNumber)) return;
    const columns = this.columns.customer;
    const group = columns.group ? this.id(row, columns.group) : '';
    company.customers.set(customerNumber, {
      customerNumber,
      name: this.optionalText(row, columns.name) ?? customerNumber,
      groupNumber: group === '' ? null : group,
      country: this.optionalText(row, columns.country),
      region: this.optionalText(row, columns.region),
      collector: this.optionalText(row, columns.collector),
      salesRep: this.optionalText(row, columns.salesRep),
      paymentTerms: this.optionalText(row, columns.paymentTerms),
      creditSegment: this.optionalText(row, columns.segment),
    });
  }

  private erpKey(row: TableRow): string {
    const spec = this.mapping.item.erpKey;
    const separator = typeof spec === 'object' ? spec.separator : '';
    const parts = this.columns.erpKey.map((column) => this.requiredId(row, column, 'erp key part'));
    return parts.join(separator);
  }

  parse(row: TableRow): void {
    this.checkExtraCells(row);
    const company = this.company(row);
    company.rowCount += 1;
    const customerNumber = this.requiredId(row, this.columns.customer.number, 'customer number');
    const documentNumber = this.requiredId(row, this.columns.documentNumber, 'document number');
    const erpKey = this.erpKey(row);
    const currency = this.currency(row, company);
    const exponent = this.context.exponents.get(currency)!;
    const declaredKind = this.declaredKind(row);
    const amount = this.amount(row, exponent, declaredKind);
    if (amount === 0n) {
      if (this.mapping.amount.zero === 'skip') return;
      this.fail(row, this.amountColumn(), 'the amount is zero; set "amount.zero": "skip" to leave such rows out');
    }
    const bySign = this.mapping.item.kind.bySign;
    const kind = declaredKind ?? (amount > 0n ? bySign!.debit : bySign!.credit);
    this.checkSign(row, kind, amount);

    const postingDate = this.date(row, this.columns.postingDate);
    const documentDate = this.columns.documentDate ? this.date(row, this.columns.documentDate) : postingDate;
    const dueText = this.text(row, this.columns.dueDate.column).trim();
    // Credits are due at once, so an empty due date on a credit means its posting date.
    const dueDate = dueText === '' && amount < 0n ? postingDate : this.date(row, this.columns.dueDate);

    const firstLine = company.erpKeyLines.get(erpKey);
    if (firstLine !== undefined) {
      const column = this.columns.erpKey[this.columns.erpKey.length - 1]!;
      this.fail(
        row,
        column,
        `duplicate erp key "${erpKey}" in company ${company.code} (first on line ${firstLine}); compose "item.erpKey" from more columns`,
      );
    }
    company.erpKeyLines.set(erpKey, row.line);

    const disputedSpec = this.mapping.item.disputed;
    const disputed = this.columns.disputed
      ? this.field(row, this.columns.disputed, (text) =>
          parseFlag(text, disputedSpec?.trueValues ?? defaultTrueValues, disputedSpec?.falseValues ?? defaultFalseValues),
        )
      : false;

    this.customer(row, company, customerNumber);
    company.items.push({
      customerNumber,
      kind,
      documentNumber,
      erpKey,
      documentDate,
      postingDate,
      dueDate,
      currency,
      amount,
      ...this.local(row, company, currency, amount, postingDate),
      disputed,
      paymentTerms: this.optionalText(row, this.columns.paymentTerms),
      reference: this.optionalText(row, this.columns.reference),
      sourceLine: row.line,
    });
  }
}
