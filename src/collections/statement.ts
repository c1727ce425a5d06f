/**
 * The customer statement of account: what the customer owed at the start
 * of a period, every entry of the period with a running balance, what the
 * customer owes at its end, and the aging of that closing balance.
 */
import ExcelJS from 'exceljs';
import { buildBuckets } from '../aging/buckets.js';
import { customerAging } from '../aging/customer.js';
import { bucketIndexSql, unappliedBucketIndex } from '../aging/sql.js';
import { defaultBucketLimits, type AgingBucket } from '../aging/types.js';
import { ForbiddenError } from '../auth/errors.js';
import { inScope } from '../auth/scope.js';
import { unrestricted, type Scope } from '../auth/types.js';
import type { Queryable } from '../db/types.js';
import { customerOpenItemsSql } from '../ledger/customer-items.js';
import { listCompanies, loadCurrencyExponents, type Company, type ItemKind } from '../ledger/index.js';
import { addDays, isIsoDate, type IsoDate } from '../shared/dates.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { formatMinor } from '../shared/money.js';

export interface StatementRequest {
  /** Company code; may be omitted when only one company has the customer number. */
  company?: string;
  customerNumber: string;
  from: IsoDate;
  to: IsoDate;
  /** Only customers inside this scope; the whole ledger when undefined. */
  scope?: Scope;
}

export interface StatementCustomer {
  customerId: bigint;
  customerNumber: string;
  name: string;
  groupNumber: string | null;
  country: string | null;
  region: string | null;
  collector: string | null;
  paymentTerms: string | null;
}

/** Kind of a statement line: the kind of the item posted, an allocation, or the reversal of one. */
export type StatementLineType = ItemKind | 'allocation' | 'reversal';

export interface StatementLine {
  date: IsoDate;
  type: StatementLineType;
  /** The item's document number; for an allocation, the credit item's. */
  documentNumber: string;
  /** Due date of an item; null for allocations. */
  dueDate: IsoDate | null;
  description: string;
  reference: string | null;
  /**
   * Change of the customer's balance, in the section currency: the item
   * amount, or for an allocation the part that moves value between this
   * customer and another account (zero between two of its own items).
   */
  amount: bigint;
  /** The same change in the company's local currency. */
  amountLocal: bigint;
  /** Amount an allocation clears (negative for a reversal); null for items. */
  applied: bigint | null;
  /** Balance after this line, in the section currency. */
  balance: bigint;
  itemId: bigint | null;
  allocationId: bigint | null;
}

export interface StatementAging {
  asOf: IsoDate;
  basis: 'due';
  buckets: AgingBucket[];
  /** One amount per bucket, the unapplied credits column last. */
  amounts: bigint[];
  total: bigint;
}

/** The statement in one transaction currency. */
export interface StatementSection {
  currency: string;
  exponent: number;
  openingBalance: bigint;
  lines: StatementLine[];
  closingBalance: bigint;
  aging: StatementAging;
}

/** The sections added up in the company's local currency. */
export interface StatementTotals {
  currency: string;
  exponent: number;
  openingBalance: bigint;
  /** Sum of every line's local amount, exchange differences of allocations included. */
  movement: bigint;
  closingBalance: bigint;
  aging: StatementAging;
}

export interface CustomerStatement {
  company: { companyId: number; code: string; name: string; currency: string; exponent: number };
  customer: StatementCustomer;
  from: IsoDate;
  to: IsoDate;
  /** Sections in currency code order. */
  sections: StatementSection[];
  totals: StatementTotals;
}

/**
 * Checks a statement period: two calendar dates, `from` not after `to`.
 * `labels` names the two fields in the message, such as `--from`.
 */
export function checkStatementPeriod(
  from: string,
  to: string,
  labels: { from: string; to: string } = { from: 'from', to: 'to' },
): void {
  for (const [field, value] of [['from', from], ['to', to]] as const) {
    if (typeof value !== 'string' || !isIsoDate(value)) {
      throw new InputError(`invalid ${labels[field]} "${String(value)}": use a date as YYYY-MM-DD`, 'invalid_date', field);
    }
  }
  if (from > to) {
    throw new InputError(
      `invalid period: ${labels.from} ${from} is after ${labels.to} ${to}`,
      'invalid_period',
      'from',
    );
  }
}

/**
 * Finds the company and the customer of a statement. Without a company
 * code the customer number must belong to exactly one company. A customer
 * outside the scope raises ForbiddenError, which the API records as a
 * denied attempt.
 */
async function resolveCustomer(
  db: Queryable,
  request: StatementRequest,
  scope: Scope,
): Promise<{ company: Company; customer: StatementCustomer }> {
  const companies = await listCompanies(db);
  const named = request.company === undefined || request.company === '' ? null : request.company;
  if (named !== null && !companies.some((company) => company.code === named)) {
    throw new NotFoundError(`company "${named}" not found`, 'company');
  }
  const result = await db.query<Record<string, unknown>>(
    `select company_id, customer_id, customer_number, name, group_number, country, region,
            collector, payment_terms
     from customer where customer_number = $1 order by company_id`,
    [request.customerNumber],
  );

  const rows = result.rows.filter((row) => named === null || companies.find((c) => c.companyId === row.company_id)?.code === named);
  if (rows.length === 0) {
    const where = named === null ? '' : ` in company ${named}`;
    throw new NotFoundError(`customer "${request.customerNumber}" not found${where}`, 'customerNumber');
  }
  if (rows.length > 1) {
    const codes = rows.map((row) => companies.find((c) => c.companyId === row.company_id)!.code);
    throw new InputError(
      `customer "${request.customerNumber}" exists in companies ${codes.join(', ')}: name the company`,
      'ambiguous_customer',
      'company',
    );
  }

  const row = rows[0]!;
  const company = companies.find((entry) => entry.companyId === row.company_id)!;
  const customer: StatementCustomer = {
    customerId: row.customer_id as bigint,
    customerNumber: row.customer_number as string,
    name: row.name as string,
    groupNumber: row.group_number as string | null,
    country: row.country as string | null,
    region: row.region as string | null,
    collector: row.collector as string | null,
    paymentTerms: row.payment_terms as string | null,
  };

  if (!inScope(scope, company.companyId, customer.region)) {
    throw new ForbiddenError('this customer is outside your scope', {
      action: 'read',
      entity: 'customer',
      entityId: String(customer.customerId),
      companyId: company.companyId,
    });
  }
  return { company, customer };
}

interface CurrencyBalance {
  amount: bigint;
  amountLocal: bigint;
  /** Items of the currency with an open amount. */
  openItems: number;
}

/** Sums the customer's open balance per item currency as of a date, with the ledger's definition. */
async function balancesByCurrency(
  db: Queryable,
  companyId: number,
  customerId: bigint,
  asOf: IsoDate,
): Promise<Map<string, CurrencyBalance>> {
  const result = await db.query<{ currency: string; amount: string; amount_local: string; open_items: number }>(
    `select o.currency::text as currency, sum(o.open_amount)::text as amount,
            sum(o.open_amount_local)::text as amount_local,
            (count(*) filter (where o.open_amount <> 0))::integer as open_items
     from (${customerOpenItemsSql('$1', '$2::date', '$3::bigint[]')}) o
     group by o.currency`,
    [companyId, asOf, [String(customerId)]],
  );
  return new Map(
    result.rows.map((row) => [row.currency, { amount: BigInt(row.amount), amountLocal: BigInt(row.amount_local), openItems: row.open_items }]),
  );
}

const kindLabels: Record<ItemKind, string> = {
  invoice: 'Invoice',
  credit_note: 'Credit note',
  debit_note: 'Debit note',
  payment: 'Payment',
  advance: 'Advance',
  adjustment: 'Adjustment',
  write_off: 'Write-off',
};

/** Label of a line type, as the statement prints it. */
export function lineTypeLabel(type: StatementLineType): string {
  if (type === 'allocation') return 'Allocation';
  if (type === 'reversal') return 'Reversal';
  return kindLabels[type];
}

interface LineRow {
  date: IsoDate;
  rank: number;
  id: bigint;
  kind: ItemKind | null;
  currency: string;
  document_number: string;
  due_date: IsoDate | null;
  reference: string | null;
  amount: bigint;
  amount_local: bigint;
  applied: bigint | null;
  debit_document: string | null;
  credit_document: string | null;
  debit_own: boolean | null;
  credit_own: boolean | null;
  reverses: bigint | null;
  reason: string | null;
}

/**
 * Reads the lines of the period in one statement: the items posted in it
 * and the allocations dated in it that touch one of the customer's items.
 * An allocation changes the customer's balance only on the sides that are
 * the customer's: the debit item's open amount falls, the credit item's
 * rises. Between two of its own items the two cancel in the item currency
 * and leave the exchange difference in local currency.
 */
async function loadLines(
  db: Queryable,
  companyId: number,
  customerId: bigint,
  from: IsoDate,
  to: IsoDate,
): Promise<LineRow[]> {
  const result = await db.query<LineRow>(
    `with own as (
       select item_id from open_item where company_id = $1 and customer_id = $2
     ),
     touched as (
       select a.allocation_id from allocation a join own on own.item_id = a.debit_item_id
       where a.company_id = $1 and a.allocation_date between $3::date and $4::date
       union
       select a.allocation_id from allocation a join own on own.item_id = a.credit_item_id
       where a.company_id = $1 and a.allocation_date between $3::date and $4::date
     )
     select i.posting_date as date, 0 as rank, i.item_id as id, i.kind,
            i.currency::text as currency, i.document_number, i.due_date, i.reference,
            i.amount, i.amount_local, null::bigint as applied,
            null::text as debit_document, null::text as credit_document,
            null::boolean as debit_own, null::boolean as credit_own,
            null::bigint as reverses, null::text as reason
     from open_item i
     where i.company_id = $1 and i.customer_id = $2
       and i.posting_date between $3::date and $4::date
     union all
     select a.allocation_date, case when a.reverses_allocation_id is null then 1 else 2 end,
            a.allocation_id, null, d.currency::text, c.document_number, null, null,
            (case when d.customer_id = $2 then -a.amount else 0 end)
              + (case when c.customer_id = $2 then a.credit_amount else 0 end),
            (case when d.customer_id = $2 then -a.amount_local else 0 end)
              + (case when c.customer_id = $2 then a.credit_amount_local else 0 end),
            a.amount, d.document_number, c.document_number,
            d.customer_id = $2, c.customer_id = $2, a.reverses_allocation_id, a.reason
     from touched t
     join allocation a on a.company_id = $1 and a.allocation_id = t.allocation_id
     join open_item d on d.company_id = $1 and d.item_id = a.debit_item_id
     join open_item c on c.company_id = $1 and c.item_id = a.credit_item_id
     order by date, rank, id`,
    [companyId, customerId, from, to],
  );
  return result.rows;
}

function describeLine(row: LineRow): string {
  if (row.kind !== null) return row.reference ?? kindLabels[row.kind];
  // The other side's document number stays hidden when it is another
  // customer's: the statement goes to this customer.
  const credit = row.credit_own ? row.credit_document! : 'another account';
  const debit = row.debit_own ? row.debit_document! : 'another account';
  const text = `${credit} applied to ${debit}`;
  if (row.reverses === null) return text;
  return row.reason ? `Reversed: ${text} (${row.reason})` : `Reversed: ${text}`;
}

function lineType(row: LineRow): StatementLineType {
  if (row.kind !== null) return row.kind;
  return row.reverses === null ? 'allocation' : 'reversal';
}

function toLine(row: LineRow): Omit<StatementLine, 'balance'> {
  const isItem = row.kind !== null;
  return {
    date: row.date,
    type: lineType(row),
    documentNumber: row.credit_own === false ? row.debit_document! : row.document_number,
    dueDate: isItem ? row.due_date : null,
    description: describeLine(row),
    reference: row.reference,
    amount: row.amount,
    amountLocal: row.amount_local,
    applied: isItem ? null : row.applied,
    itemId: isItem ? row.id : null,
    allocationId: isItem ? null : row.id,
  };
}

/**
 * Ages the customer's open items as of `asOf` per item currency, by due
 * date with the default buckets, open credits in the unapplied column.
 */
async function agingByCurrency(
  db: Queryable,
  companyId: number,
  customerId: bigint,
  asOf: IsoDate,
): Promise<Map<string, bigint[]>> {
  const limits = defaultBucketLimits;
  const bucketCount = limits.length + 2;
  const result = await db.query<{ currency: string; bucket: number; amount: string }>(
    `select currency, ${bucketIndexSql(limits, false, unappliedBucketIndex(limits.length))} as bucket,
            sum(open_amount)::text as amount
     from (
       select o.currency::text as currency, o.open_amount, o.amount < 0 as is_credit,
              $2::date - o.due_date as days
       from (${customerOpenItemsSql('$1', '$2::date', '$3::bigint[]')}) o
     ) aged
     where open_amount <> 0
     group by 1, 2`,
    [companyId, asOf, [String(customerId)]],
  );
  const byCurrency = new Map<string, bigint[]>();
  for (const row of result.rows) {
    const amounts = byCurrency.get(row.currency) ?? Array.from({ length: bucketCount }, () => 0n);
    amounts[row.bucket] = BigInt(row.amount);
    byCurrency.set(row.currency, amounts);
  }
  return byCurrency;
}

function sum(values: readonly bigint[]): bigint {
  return values.reduce((total, value) => total + value, 0n);
}

/**
 * Builds a customer's statement of account for a period, with one section
 * per item currency and totals in the company's local currency. The
 * opening balance is the open balance as of the day before `from`. The
 * closing balance is the opening balance plus the lines, which equals the
 * open balance as of `to`. Raises NotFoundError for an unknown company or
 * customer, and ForbiddenError for a customer outside the scope.
 */
export async function customerStatement(db: Queryable, request: StatementRequest): Promise<CustomerStatement> {
  checkStatementPeriod(request.from, request.to);
  const { company, customer } = await resolveCustomer(db, request, request.scope ?? unrestricted);
  const { companyId } = company;
  const { customerId } = customer;

  const [opening, closing, rows, agingAmounts, localAging, exponents] = await Promise.all([
    balancesByCurrency(db, companyId, customerId, addDays(request.from, -1)),
    balancesByCurrency(db, companyId, customerId, request.to),
    loadLines(db, companyId, customerId, request.from, request.to),
    agingByCurrency(db, companyId, customerId, request.to),
    customerAging(db, { companyId, customerId, asOf: request.to }),
    loadCurrencyExponents(db),
  ]);

  // A currency gets a section when something was open in it at the start
  // or something happened in it during the period.
  const currencies = new Set([
    ...[...opening.entries()].filter(([, entry]) => entry.openItems > 0).map(([currency]) => currency),
    ...rows.map((row) => row.currency),
  ]);
  const buckets = buildBuckets(defaultBucketLimits, 'due', false);
  const sections = [...currencies].sort().map((currency) => {
    const openingBalance = opening.get(currency)?.amount ?? 0n;
    let balance = openingBalance;
    const lines = rows
      .filter((row) => row.currency === currency)
      .map((row) => {
        balance += row.amount;
        return { ...toLine(row), balance };
      });
    const amounts = agingAmounts.get(currency) ?? buckets.map(() => 0n);
    return {
      currency,
      exponent: exponents.get(currency)!,
      openingBalance,
      lines,
      closingBalance: balance,
      aging: { asOf: request.to, basis: 'due' as const, buckets, amounts, total: sum(amounts) },
    };
  });

  const openingLocal = sum([...opening.values()].map((entry) => entry.amountLocal));
  const movement = sum(rows.map((row) => row.amount_local));
  const closingLocal = sum([...closing.values()].map((entry) => entry.amountLocal));
  checkReconciles(sections, closing, openingLocal + movement, closingLocal, customer.customerNumber);

  return {
    company: {
      companyId,
      code: company.code,
      name: company.name,
      currency: company.currency,
      exponent: company.currencyExponent,
    },
    customer,
    from: request.from,
    to: request.to,
    sections,
    totals: {
      currency: company.currency,
      exponent: company.currencyExponent,
      openingBalance: openingLocal,
      movement,
      closingBalance: closingLocal,
      aging: { asOf: request.to, basis: 'due', buckets: localAging.buckets, amounts: localAging.amounts, total: localAging.total },
    },
  };
}

/**
 * Raises an error when the lines do not carry the opening balance to the
 * ledger's balance on the closing date. The allocation checks of the
 * ledger should prevent it, but a statement that does not add up must not
 * be sent.
 */
function checkReconciles(
  sections: readonly StatementSection[],
  closing: ReadonlyMap<string, CurrencyBalance>,
  closingLocalFromLines: bigint,
  closingLocal: bigint,
  customerNumber: string,
): void {
  const differences = sections.filter((section) => section.closingBalance !== (closing.get(section.currency)?.amount ?? 0n));
  const missing = [...closing.entries()].filter(
    ([currency, entry]) => entry.openItems > 0 && !sections.some((section) => section.currency === currency),
  );
  if (differences.length > 0 || missing.length > 0 || closingLocalFromLines !== closingLocal) {
    throw new Error(`the statement of customer ${customerNumber} does not reconcile with the ledger balance`);
  }
}

export interface StatementAgingJson {
  asOf: IsoDate;
  basis: 'due';
  buckets: { label: string; from: number | null; to: number | null; amount: string }[];
  total: string;
}

export interface StatementLineJson {
  date: IsoDate;
  type: StatementLineType;
  documentNumber: string;
  dueDate: IsoDate | null;
  description: string;
  reference: string | null;
  /** Increase of the balance, or null. */
  debit: string | null;
  /** Decrease of the balance, as a positive amount, or null. */
  credit: string | null;
  /** The amount an allocation clears, or null for items. */
  applied: string | null;
  balance: string;
}

export interface StatementSectionJson {
  currency: string;
  openingBalance: string;
  lines: StatementLineJson[];
  closingBalance: string;
  aging: StatementAgingJson;
}

export interface StatementJson {
  company: { code: string; name: string; currency: string };
  customer: Omit<StatementCustomer, 'customerId'>;
  from: IsoDate;
  to: IsoDate;
  sections: StatementSectionJson[];
  totals: {
    currency: string;
    openingBalance: string;
    movement: string;
    closingBalance: string;
    aging: StatementAgingJson;
  };
}

function agingJson(aging: StatementAging, exponent: number): StatementAgingJson {
  return {
    asOf: aging.asOf,
    basis: aging.basis,
    buckets: aging.buckets.map((bucket, index) => ({
      label: bucket.label,
      from: bucket.from,
      to: bucket.to,
      amount: formatMinor(aging.amounts[index] ?? 0n, exponent),
    })),
    total: formatMinor(aging.total, exponent),
  };
}

function lineJson(line: StatementLine, exponent: number): StatementLineJson {
  return {
    date: line.date,
    type: line.type,
    documentNumber: line.documentNumber,
    dueDate: line.dueDate,
    description: line.description,
    reference: line.reference,
    debit: line.amount > 0n ? formatMinor(line.amount, exponent) : null,
    credit: line.amount < 0n ? formatMinor(-line.amount, exponent) : null,
    applied: line.applied === null ? null : formatMinor(line.applied, exponent),
    balance: formatMinor(line.balance, exponent),
  };
}

/**
 * Converts the statement to JSON: amounts as decimal text with the
 * exponent of their currency, one section per transaction currency, and
 * the totals in the company's local currency.
 */
export function statementToJson(statement: CustomerStatement): StatementJson {
  const { customerNumber, name, groupNumber, country, region, collector, paymentTerms } = statement.customer;
  const customer = { customerNumber, name, groupNumber, country, region, collector, paymentTerms };
  const local = statement.totals;
  return {
    company: { code: statement.company.code, name: statement.company.name, currency: statement.company.currency },
    customer,
    from: statement.from,
    to: statement.to,
    sections: statement.sections.map((section) => ({
      currency: section.currency,
      openingBalance: formatMinor(section.openingBalance, section.exponent),
      lines: section.lines.map((line) => lineJson(line, section.exponent)),
      closingBalance: formatMinor(section.closingBalance, section.exponent),
      aging: agingJson(section.aging, section.exponent),
    })),
    totals: {
      currency: local.currency,
      openingBalance: formatMinor(local.openingBalance, local.exponent),
      movement: formatMinor(local.movement, local.exponent),
      closingBalance: formatMinor(local.closingBalance, local.exponent),
      aging: agingJson(local.aging, local.exponent),
    },
  };
}

/** Returns a file name for the statement, such as `statement-MAIN-C001-2026-01-01-2026-03-31.pdf`. */
export function statementFileName(statement: Pick<CustomerStatement, 'company' | 'customer' | 'from' | 'to'>, extension: string): string {
  const part = (text: string) => text.replace(/[^\w.-]+/g, '_').slice(0, 60) || '_';
  return `statement-${part(statement.company.code)}-${part(statement.customer.customerNumber)}-${statement.from}-${statement.to}.${extension}`;
}

/** The largest integer a double represents exactly. Larger amounts go into XLSX as text. */
const maxExactDouble = BigInt(Number.MAX_SAFE_INTEGER);

function moneyFormat(exponent: number): string {
  return exponent === 0 ? '#,##0' : `#,##0.${'0'.repeat(exponent)}`;
}

/**
 * Sets an amount cell. The exact decimal text becomes the number, so the
 * cell contains the value of the JSON. An amount past 2^53 minor units,
 * which a spreadsheet number cannot represent, goes in as text.
 */
function setMoney(cell: ExcelJS.Cell, amount: bigint | null, exponent: number): void {
  if (amount === null) return;
  const text = formatMinor(amount, exponent);
  cell.alignment = { horizontal: 'right' };
  if (amount > maxExactDouble || amount < -maxExactDouble) {
    cell.value = text;
    return;
  }
  cell.value = Number(text);
  cell.numFmt = moneyFormat(exponent);
}

const lineHeaders = ['Date', 'Type', 'Document', 'Due date', 'Description', 'Reference', 'Debit', 'Credit', 'Applied', 'Balance'];

function addHeading(sheet: ExcelJS.Worksheet, statement: CustomerStatement, title: string): void {
  sheet.addRow([statement.company.name]).font = { bold: true, size: 13 };
  sheet.addRow([title]).font = { bold: true };
  sheet.addRow(['Customer', `${statement.customer.customerNumber} ${statement.customer.name}`]);
  sheet.addRow(['Period', `${statement.from} to ${statement.to}`]);
  sheet.addRow([]);
}

function addAgingRows(sheet: ExcelJS.Worksheet, aging: StatementAging, exponent: number): void {
  sheet.addRow([]);
  sheet.addRow([`Aging as of ${aging.asOf} by due date`]).font = { bold: true };
  sheet.addRow([...aging.buckets.map((bucket) => bucket.label), 'Total']).font = { bold: true };
  const row = sheet.addRow([]);
  aging.amounts.forEach((amount, index) => setMoney(row.getCell(index + 1), amount, exponent));
  setMoney(row.getCell(aging.amounts.length + 1), aging.total, exponent);
}

function addSectionSheet(workbook: ExcelJS.Workbook, statement: CustomerStatement, section: StatementSection): void {
  const sheet = workbook.addWorksheet(section.currency);
  addHeading(sheet, statement, `Statement of account in ${section.currency}`);
  sheet.addRow(lineHeaders).font = { bold: true };
  const balanceColumn = lineHeaders.length;
  const opening = sheet.addRow([statement.from, 'Opening balance']);
  setMoney(opening.getCell(balanceColumn), section.openingBalance, section.exponent);
  for (const line of section.lines) {
    const row = sheet.addRow([line.date, lineTypeLabel(line.type), line.documentNumber, line.dueDate ?? '', line.description, line.reference ?? '']);
    setMoney(row.getCell(7), line.amount > 0n ? line.amount : null, section.exponent);
    setMoney(row.getCell(8), line.amount < 0n ? -line.amount : null, section.exponent);
    setMoney(row.getCell(9), line.applied, section.exponent);
    setMoney(row.getCell(10), line.balance, section.exponent);
  }
  const closing = sheet.addRow([statement.to, 'Closing balance']);
  closing.font = { bold: true };
  setMoney(closing.getCell(balanceColumn), section.closingBalance, section.exponent);
  addAgingRows(sheet, section.aging, section.exponent);
  [12, 12, 16, 12, 36, 16, 16, 16, 16, 16].forEach((width, index) => {
    sheet.getColumn(index + 1).width = width;
  });
}

function addTotalsSheet(workbook: ExcelJS.Workbook, statement: CustomerStatement): void {
  const totals = statement.totals;
  const sheet = workbook.addWorksheet(`Total ${totals.currency}`);
  addHeading(sheet, statement, `All currencies in ${totals.currency}`);
  const rows: [string, bigint][] = [
    ['Opening balance', totals.openingBalance],
    ['Movement', totals.movement],
    ['Closing balance', totals.closingBalance],
  ];
  for (const [label, amount] of rows) setMoney(sheet.addRow([label]).getCell(2), amount, totals.exponent);
  addAgingRows(sheet, totals.aging, totals.exponent);
  sheet.getColumn(1).width = 18;
  for (let column = 2; column <= totals.aging.buckets.length + 1; column++) sheet.getColumn(column).width = 16;
}

/**
 * Builds the statement as an XLSX workbook: one sheet per transaction
 * currency with the lines and the aging, and a last sheet with the
 * totals in the company's local currency. Amount cells are numbers.
 */
export function statementWorkbook(statement: CustomerStatement): ExcelJS.Workbook {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'ardesk';
  for (const section of statement.sections) addSectionSheet(workbook, statement, section);
  addTotalsSheet(workbook, statement);
  return workbook;
}
