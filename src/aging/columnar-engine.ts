/**
 * The columnar aging engine: the ledger of each company held in typed
 * arrays in this process, aged by one loop per report.
 *
 * - The arrays are loaded on the first report and brought up to date
 *   before each later one. Every write to the ledger tables raises the
 *   counter in `ledger_version` (migration 006); when it has moved, the
 *   engine reads the items and allocations with ids above the highest it
 *   holds (the ledger is append-only, and writers commit in id order) and
 *   reloads the customers.
 * - Amounts are held as float64 minor units. That is exact while every
 *   sum stays below 2^53, which the engine makes sure of: a company whose
 *   absolute amounts add up to 2^52 or more is aged by the SQL engine
 *   instead.
 * - The rules are those of the SQL engine (sql.ts), and the property test
 *   compares the two reports field by field.
 */
import type { Queryable } from '../db/types.js';
import type { Company } from '../ledger/index.js';
import { toEpochDay } from '../shared/dates.js';
import { buildBuckets } from './buckets.js';
import { checkRequest, resolveCompanies, scopeCompanies, type CheckedRequest } from './request.js';
import { reportCurrencyLabel, sqlAgingReport, totalsByCurrency } from './sql-engine.js';
import type { AgingEngine, AgingReport, AgingRow } from './types.js';

/** Sums of absolute amounts at or above this go to the SQL engine. */
const exactLimit = 2 ** 52;
/** Rows read per query while loading. */
const loadPage = 100_000;
const epoch = '1970-01-01';

interface Customers {
  /** Sorted customer ids, for lookups by binary search. */
  ids: Float64Array;
  numbers: string[];
  names: string[];
  groups: (string | null)[];
  countries: (string | null)[];
  regions: (string | null)[];
  collectors: (string | null)[];
}

interface CompanyLedger {
  companyId: number;
  customers: Customers;
  itemCount: number;
  itemIds: Float64Array;
  itemCustomer: Int32Array;
  itemPostingDay: Int32Array;
  itemDueDay: Int32Array;
  itemDocumentDay: Int32Array;
  itemCurrency: Uint16Array;
  itemAmount: Float64Array;
  itemAmountLocal: Float64Array;
  allocationCount: number;
  allocationDebit: Int32Array;
  allocationCredit: Int32Array;
  allocationDay: Int32Array;
  allocationAmount: Float64Array;
  allocationCreditAmount: Float64Array;
  allocationAmountLocal: Float64Array;
  allocationCreditAmountLocal: Float64Array;
  lastItemId: bigint;
  lastAllocationId: bigint;
  absoluteSum: number;
  absoluteSumLocal: number;
}

function grow<T extends Float64Array | Int32Array | Uint16Array>(array: T, needed: number): T {
  if (array.length >= needed) return array;
  const next = new (array.constructor as new (length: number) => T)(Math.max(needed, array.length * 2, 1024));
  next.set(array);
  return next;
}

function emptyLedger(companyId: number): CompanyLedger {
  return {
    companyId,
    customers: { ids: new Float64Array(0), numbers: [], names: [], groups: [], countries: [], regions: [], collectors: [] },
    itemCount: 0,
    itemIds: new Float64Array(0),
    itemCustomer: new Int32Array(0),
    itemPostingDay: new Int32Array(0),
    itemDueDay: new Int32Array(0),
    itemDocumentDay: new Int32Array(0),
    itemCurrency: new Uint16Array(0),
    itemAmount: new Float64Array(0),
    itemAmountLocal: new Float64Array(0),
    allocationCount: 0,
    allocationDebit: new Int32Array(0),
    allocationCredit: new Int32Array(0),
    allocationDay: new Int32Array(0),
    allocationAmount: new Float64Array(0),
    allocationCreditAmount: new Float64Array(0),
    allocationAmountLocal: new Float64Array(0),
    allocationCreditAmountLocal: new Float64Array(0),
    lastItemId: 0n,
    lastAllocationId: 0n,
    absoluteSum: 0,
    absoluteSumLocal: 0,
  };
}

/** Index of `id` in the first `count` entries of a sorted array, or -1. */
function findSorted(ids: Float64Array, count: number, id: number): number {
  let low = 0;
  let high = count - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const value = ids[middle]!;
    if (value === id) return middle;
    if (value < id) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** Whether `next` holds every customer of `previous` at the same position. */
function extendsCustomers(previous: Customers, next: Customers): boolean {
  const count = previous.ids.length;
  if (next.ids.length < count) return false;
  for (let index = 0; index < count; index++) {
    if (previous.ids[index] !== next.ids[index]) return false;
  }
  return true;
}

/** Compares by UTF-16 code units turned into code points, the order of the C collation. */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.codePointAt(index)!;
    const y = b.codePointAt(index)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) index++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

export class ColumnarLedgerCache {
  private version: bigint | null = null;
  private readonly ledgers = new Map<number, CompanyLedger>();
  private readonly currencyCodes: string[] = [];
  private readonly currencyIndex = new Map<string, number>();
  private currencyInfo = new Map<string, { exponent: number; name: string }>();
  private refreshing: Promise<void> | null = null;

  constructor(private readonly db: Queryable) {}

  /** Number of items held, over all loaded companies (for tests and the benchmark). */
  get itemCount(): number {
    let count = 0;
    for (const ledger of this.ledgers.values()) count += ledger.itemCount;
    return count;
  }

  currency(code: string): { exponent: number; name: string } | undefined {
    return this.currencyInfo.get(code);
  }

  currencyCode(index: number): string {
    return this.currencyCodes[index]!;
  }

  /** The companies' ledgers, read or brought up to date as needed. */
  async ledgersOf(companyIds: readonly number[]): Promise<CompanyLedger[]> {
    // One refresh at a time: concurrent reports wait for the same one.
    while (this.refreshing) await this.refreshing;
    const work = this.refresh(companyIds);
    this.refreshing = work;
    try {
      await work;
    } finally {
      this.refreshing = null;
    }
    return companyIds.map((id) => this.ledgers.get(id)!);
  }

  private async refresh(companyIds: readonly number[]): Promise<void> {
    const current = await this.db.query<{ version: bigint }>('select version from ledger_version');
    const version = current.rows[0]!.version;
    const changed = version !== this.version;
    if (changed || this.currencyInfo.size === 0) {
      const currencies = await this.db.query<{ code: string; exponent: number; name: string }>(
        'select code, exponent, name from currency',
      );
      this.currencyInfo = new Map(currencies.rows.map((row) => [row.code, { exponent: row.exponent, name: row.name }]));
    }
    for (const companyId of companyIds) {
      let ledger = this.ledgers.get(companyId);
      if (!ledger) {
        ledger = emptyLedger(companyId);
        this.ledgers.set(companyId, ledger);
      } else if (!changed) {
        continue;
      }
      // Customers first: every item read after them has its customer.
      const customers = await this.loadCustomers(companyId);
      if (!extendsCustomers(ledger.customers, customers)) {
        // Items point at customers by position, which only holds while
        // customers are appended; anything else means reading afresh.
        ledger = emptyLedger(companyId);
        this.ledgers.set(companyId, ledger);
      }
      ledger.customers = customers;
      await this.loadItems(ledger);
      await this.loadAllocations(ledger);
    }
    if (changed) {
      // Companies not asked for now are brought up to date when they are.
      for (const [companyId] of this.ledgers) {
        if (!companyIds.includes(companyId)) this.ledgers.delete(companyId);
      }
    }
    this.version = version;
  }

  private async loadCustomers(companyId: number): Promise<Customers> {
    const result = await this.db.query<{
      customer_id: bigint;
      customer_number: string;
      name: string;
      group_number: string | null;
      country: string | null;
      region: string | null;
      collector: string | null;
    }>(
      `select customer_id, customer_number, name, group_number, country, region, collector
       from customer where company_id = $1 order by customer_id`,
      [companyId],
    );
    const rows = result.rows;
    return {
      ids: Float64Array.from(rows, (row) => Number(row.customer_id)),
      numbers: rows.map((row) => row.customer_number),
      names: rows.map((row) => row.name),
      groups: rows.map((row) => row.group_number),
      countries: rows.map((row) => row.country),
      regions: rows.map((row) => row.region),
      collectors: rows.map((row) => row.collector),
    };
  }

  private currencyId(code: string): number {
    let index = this.currencyIndex.get(code);
    if (index === undefined) {
      index = this.currencyCodes.length;
      this.currencyCodes.push(code);
      this.currencyIndex.set(code, index);
    }
    return index;
  }

  private async loadItems(ledger: CompanyLedger): Promise<void> {
    for (;;) {
      const page = await this.db.query<{
        item_id: bigint;
        customer_id: bigint;
        posting_day: number;
        due_day: number;
        document_day: number;
        currency: string;
        amount: number;
        amount_local: number;
      }>(
        `select item_id, customer_id, posting_date - date '${epoch}' as posting_day,
                due_date - date '${epoch}' as due_day, document_date - date '${epoch}' as document_day,
                currency::text as currency, amount::float8 as amount, amount_local::float8 as amount_local
         from open_item where company_id = $1 and item_id > $2
         order by item_id limit ${loadPage}`,
        [ledger.companyId, ledger.lastItemId],
      );
      const rows = page.rows;
      if (rows.length === 0) return;
      const needed = ledger.itemCount + rows.length;
      ledger.itemIds = grow(ledger.itemIds, needed);
      ledger.itemCustomer = grow(ledger.itemCustomer, needed);
      ledger.itemPostingDay = grow(ledger.itemPostingDay, needed);
      ledger.itemDueDay = grow(ledger.itemDueDay, needed);
      ledger.itemDocumentDay = grow(ledger.itemDocumentDay, needed);
      ledger.itemCurrency = grow(ledger.itemCurrency, needed);
      ledger.itemAmount = grow(ledger.itemAmount, needed);
      ledger.itemAmountLocal = grow(ledger.itemAmountLocal, needed);
      const customers = ledger.customers;
      for (const row of rows) {
        const index = ledger.itemCount++;
        const customer = findSorted(customers.ids, customers.ids.length, Number(row.customer_id));
        if (customer < 0) throw new Error(`item ${row.item_id} has customer ${row.customer_id}, which was not loaded`);
        ledger.itemIds[index] = Number(row.item_id);
        ledger.itemCustomer[index] = customer;
        ledger.itemPostingDay[index] = row.posting_day;
        ledger.itemDueDay[index] = row.due_day;
        ledger.itemDocumentDay[index] = row.document_day;
        ledger.itemCurrency[index] = this.currencyId(row.currency);
        ledger.itemAmount[index] = row.amount;
        ledger.itemAmountLocal[index] = row.amount_local;
        ledger.absoluteSum += Math.abs(row.amount);
        ledger.absoluteSumLocal += Math.abs(row.amount_local);
      }
      ledger.lastItemId = rows.at(-1)!.item_id;
      if (rows.length < loadPage) return;
    }
  }

  private async loadAllocations(ledger: CompanyLedger): Promise<void> {
    for (;;) {
      const page = await this.db.query<{
        allocation_id: bigint;
        debit_item_id: bigint;
        credit_item_id: bigint;
        day: number;
        amount: number;
        credit_amount: number;
        amount_local: number;
        credit_amount_local: number;
      }>(
        `select allocation_id, debit_item_id, credit_item_id, allocation_date - date '${epoch}' as day,
                amount::float8 as amount, credit_amount::float8 as credit_amount,
                amount_local::float8 as amount_local, credit_amount_local::float8 as credit_amount_local
         from allocation where company_id = $1 and allocation_id > $2
         order by allocation_id limit ${loadPage}`,
        [ledger.companyId, ledger.lastAllocationId],
      );
      const rows = page.rows;
      if (rows.length === 0) return;
      const needed = ledger.allocationCount + rows.length;
      ledger.allocationDebit = grow(ledger.allocationDebit, needed);
      ledger.allocationCredit = grow(ledger.allocationCredit, needed);
      ledger.allocationDay = grow(ledger.allocationDay, needed);
      ledger.allocationAmount = grow(ledger.allocationAmount, needed);
      ledger.allocationCreditAmount = grow(ledger.allocationCreditAmount, needed);
      ledger.allocationAmountLocal = grow(ledger.allocationAmountLocal, needed);
      ledger.allocationCreditAmountLocal = grow(ledger.allocationCreditAmountLocal, needed);
      for (const row of rows) {
        const index = ledger.allocationCount++;
        const debit = findSorted(ledger.itemIds, ledger.itemCount, Number(row.debit_item_id));
        const credit = findSorted(ledger.itemIds, ledger.itemCount, Number(row.credit_item_id));
        if (debit < 0 || credit < 0) throw new Error(`allocation ${row.allocation_id} joins an item that was not loaded`);
        ledger.allocationDebit[index] = debit;
        ledger.allocationCredit[index] = credit;
        ledger.allocationDay[index] = row.day;
        ledger.allocationAmount[index] = row.amount;
        ledger.allocationCreditAmount[index] = row.credit_amount;
        ledger.allocationAmountLocal[index] = row.amount_local;
        ledger.allocationCreditAmountLocal[index] = row.credit_amount_local;
      }
      ledger.lastAllocationId = rows.at(-1)!.allocation_id;
      if (rows.length < loadPage) return;
    }
  }
}

/** Open amount of every item of a ledger as of a day, in one currency mode. */
function openAmounts(ledger: CompanyLedger, asOfDay: number, local: boolean): Float64Array {
  const open = (local ? ledger.itemAmountLocal : ledger.itemAmount).slice(0, ledger.itemCount);
  const debitAmounts = local ? ledger.allocationAmountLocal : ledger.allocationAmount;
  const creditAmounts = local ? ledger.allocationCreditAmountLocal : ledger.allocationCreditAmount;
  for (let index = 0; index < ledger.allocationCount; index++) {
    if (ledger.allocationDay[index]! > asOfDay) continue;
    open[ledger.allocationDebit[index]!]! -= debitAmounts[index]!;
    open[ledger.allocationCredit[index]!]! += creditAmounts[index]!;
  }
  return open;
}

/** Column of each days-past-due value from `lowest` to `highest`. */
function bucketTable(limits: readonly number[]): Uint8Array {
  const lowest = limits[0]!;
  const highest = limits[limits.length - 1]!;
  const table = new Uint8Array(highest - lowest + 1);
  for (let days = lowest + 1, bucket = 1; days <= highest; days++) {
    if (days > limits[bucket]!) bucket++;
    table[days - lowest] = bucket;
  }
  return table;
}

interface RowAccumulator {
  key: string;
  currency: string;
  /** Customer names of the row, for the customer grouping's min(name). */
  name: string | null;
  amounts: Float64Array;
  itemCount: number;
}

/** The key of a customer's row for a grouping other than currency. */
function customerKey(
  request: CheckedRequest,
  company: Company,
  customers: Customers,
  customer: number,
  severalCompanies: boolean,
): string {
  switch (request.groupBy) {
    case 'customer':
      return severalCompanies ? `${company.code}/${customers.numbers[customer]!}` : customers.numbers[customer]!;
    case 'group':
      return customers.groups[customer] ?? customers.numbers[customer]!;
    case 'country':
      return customers.countries[customer] ?? '';
    case 'region':
      return customers.regions[customer] ?? '';
    case 'collector':
      return customers.collectors[customer] ?? '';
    case 'company':
      return company.code;
    case 'currency':
      return '';
  }
}

async function columnarReport(
  cache: ColumnarLedgerCache,
  request: CheckedRequest,
  companies: Company[],
): Promise<AgingReport | null> {
  const ledgers = await cache.ledgersOf(companies.map((company) => company.companyId));
  const local = request.currency === 'local';
  if (ledgers.some((ledger) => (local ? ledger.absoluteSumLocal : ledger.absoluteSum) >= exactLimit)) return null;
  const buckets = buildBuckets(request.bucketLimits, request.basis, request.ageCredits);
  const columnCount = buckets.length;
  const limits = request.bucketLimits;
  const lowest = limits[0]!;
  const highest = limits[limits.length - 1]!;
  const table = bucketTable(limits);
  const unapplied = limits.length + 1;
  const asOfDay = toEpochDay(request.asOf);
  const severalCompanies = companies.length > 1;
  const regions = request.scope?.regions ?? null;
  const rows = new Map<string, RowAccumulator>();

  ledgers.forEach((ledger, companyIndex) => {
    const company = companies[companyIndex]!;
    const customers = ledger.customers;
    const open = openAmounts(ledger, asOfDay, local);
    const signs = ledger.itemAmount;
    const days = request.basis === 'due' ? ledger.itemDueDay : ledger.itemDocumentDay;
    // Rows of each customer (and currency, where rows split by it), found once.
    const keyOfCustomer = new Array<string | null | undefined>(customers.numbers.length);
    const rowCache = new Map<number, RowAccumulator>();
    const splitByCurrency = !local || request.groupBy === 'currency';
    for (let item = 0; item < ledger.itemCount; item++) {
      if (ledger.itemPostingDay[item]! > asOfDay) continue;
      const value = open[item]!;
      if (value === 0) continue;
      const customer = ledger.itemCustomer[item]!;
      let key = keyOfCustomer[customer];
      if (key === undefined) {
        const region = customers.regions[customer] ?? null;
        key = regions !== null && (region === null || !regions.includes(region))
          ? null
          : customerKey(request, company, customers, customer, severalCompanies);
        keyOfCustomer[customer] = key;
      }
      if (key === null) continue;
      const currencyIndex = ledger.itemCurrency[item]!;
      const cacheKey = splitByCurrency ? customer * 65_536 + currencyIndex : customer;
      let row = rowCache.get(cacheKey);
      if (!row) {
        const itemCurrency = cache.currencyCode(currencyIndex);
        const rowKey = request.groupBy === 'currency' ? itemCurrency : key;
        const rowCurrency = local ? company.currency : itemCurrency;
        const mapKey = `${rowKey}\u0000${rowCurrency}`;
        row = rows.get(mapKey);
        if (!row) {
          row = { key: rowKey, currency: rowCurrency, name: null, amounts: new Float64Array(columnCount), itemCount: 0 };
          rows.set(mapKey, row);
        }
        if (request.groupBy === 'customer') {
          const name = customers.names[customer]!;
          if (row.name === null || compareCodePoints(name, row.name) < 0) row.name = name;
        }
        rowCache.set(cacheKey, row);
      }
      let column: number;
      if (!request.ageCredits && signs[item]! < 0) {
        column = unapplied;
      } else {
        const age = asOfDay - days[item]!;
        if (age <= lowest) column = 0;
        else if (age > highest) column = limits.length;
        else column = table[age - lowest]!;
      }
      row.amounts[column]! += value;
      row.itemCount++;
    }
  });

  const names = rowNames(cache, request, companies, ledgers);
  const exponentOf = (currency: string): number => {
    const info = cache.currency(currency);
    if (!info) throw new Error(`currency ${currency} has no exponent in the currency table`);
    return info.exponent;
  };
  const sorted = [...rows.values()].sort(
    (a, b) => compareCodePoints(a.key, b.key) || compareCodePoints(a.currency, b.currency),
  );
  const reportRows: AgingRow[] = sorted.map((row) => {
    const amounts = Array.from(row.amounts, (amount) => BigInt(amount));
    let total = 0n;
    for (const amount of amounts) total += amount;
    return {
      key: row.key,
      name: request.groupBy === 'customer' ? row.name : names(row.key),
      currency: row.currency,
      exponent: exponentOf(row.currency),
      amounts,
      total,
      itemCount: row.itemCount,
    };
  });
  const seed = local
    ? companies.map((company) => ({ currency: company.currency, exponent: company.currencyExponent }))
    : [];
  return {
    asOf: request.asOf,
    basis: request.basis,
    groupBy: request.groupBy,
    currency: reportCurrencyLabel(request.currency, companies),
    buckets,
    rows: reportRows,
    totals: totalsByCurrency(reportRows, columnCount, seed),
  };
}

/** Names of rows keyed by group, company or currency, as the SQL engine gives them. */
function rowNames(
  cache: ColumnarLedgerCache,
  request: CheckedRequest,
  companies: readonly Company[],
  ledgers: readonly CompanyLedger[],
): (key: string) => string | null {
  switch (request.groupBy) {
    case 'group': {
      // A group's name is its head customer's: the customer whose number
      // is the group number, in any of the companies, if the scope shows it.
      const regions = request.scope?.regions ?? null;
      const heads = new Map<string, string>();
      for (const ledger of ledgers) {
        ledger.customers.numbers.forEach((number, index) => {
          const region = ledger.customers.regions[index] ?? null;
          if (regions !== null && (region === null || !regions.includes(region))) return;
          const name = ledger.customers.names[index]!;
          const known = heads.get(number);
          if (known === undefined || compareCodePoints(name, known) < 0) heads.set(number, name);
        });
      }
      return (key) => heads.get(key) ?? null;
    }
    case 'company': {
      const byCode = new Map(companies.map((company) => [company.code, company.name]));
      return (key) => byCode.get(key) ?? null;
    }
    case 'currency':
      return (key) => cache.currency(key)?.name ?? null;
    default:
      return () => null;
  }
}

/**
 * Creates the columnar engine over a database. It keeps its arrays
 * between reports, so make one per database and share it.
 */
export function createColumnarAgingEngine(db: Queryable): AgingEngine & { cache: ColumnarLedgerCache } {
  const cache = new ColumnarLedgerCache(db);
  return {
    cache,
    async report(request) {
      const checked = checkRequest(request);
      const companies = scopeCompanies(await resolveCompanies(db, checked.companies), checked.scope);
      const report = await columnarReport(cache, checked, companies);
      return report ?? sqlAgingReport(db, request);
    },
  };
}
