/**
 * The columnar aging engine: the ledger of each company held in typed
 * arrays in this process, aged by one loop per report.
 *
 * - The arrays are loaded when the server starts (or on the first report)
 *   and brought up to date before each report. Every write to the ledger
 *   tables raises the counter in `ledger_version` (migration 006). When it
 *   has moved, the engine reads the customers, items and allocations with
 *   ids above the highest it has read, because the ledger is append-only
 *   and writers commit in id order. Customers changed in place raise a
 *   second counter, and the company is then read afresh.
 * - Amounts are held as float64 minor units. That is exact while every
 *   sum stays below 2^53, which the engine makes sure of: a company whose
 *   absolute amounts add up to 2^52 or more is aged by the SQL engine
 *   instead.
 * - The rules are those of the SQL engine (sql.ts), and the property test
 *   compares the two reports field by field.
 */
import type { Queryable } from '../db/types.js';
import { listCompanies, type Company } from '../ledger/index.js';
import type { CustomerPositions } from '../ledger/customer-list.js';
import { toEpochDay, type IsoDate } from '../shared/dates.js';
import { copyOutputLines, parseCopyField } from '../db/copy.js';
import { buildBuckets } from './buckets.js';
import { disputedItems } from './columnar-disputes.js';
import { checkRequest, resolveCompanies, scopeCompanies, type CheckedRequest } from './request.js';
import { reportCurrencyLabel, sqlAgingReport, totalsByCurrency } from './sql-engine.js';
import type { AgingEngine, AgingGrouping, AgingReport, AgingRow } from './types.js';

/** Sums of absolute amounts at or above this go to the SQL engine. */
const exactLimit = 2 ** 52;
/** As-of days whose customer positions a company keeps between requests. */
const maxPositionDays = 8;
/** Rows read per query while loading. */
const loadPage = 200_000;
const epoch = '1970-01-01';

interface Customers {
  /** Customer ids in ascending order, for lookups by binary search. */
  ids: number[];
  numbers: string[];
  names: string[];
  groups: (string | null)[];
  countries: (string | null)[];
  regions: (string | null)[];
  collectors: (string | null)[];
}

/** The rows of one grouping over a company's customers. */
interface Groups {
  keys: string[];
  /** Group of each customer, by customer position. */
  ofCustomer: Int32Array;
  /** Groups in the order of their keys. */
  order: Int32Array;
}

interface CompanyLedger {
  companyId: number;
  customers: Customers;
  /** Groupings built so far for the current customers, by grouping name. */
  groups: Map<string, Groups>;
  /** Customer positions computed since the last read, by as-of day. */
  positions: Map<number, CustomerPositions>;
  itemCount: number;
  itemIds: Float64Array;
  itemCustomer: Int32Array;
  itemPostingDay: Int32Array;
  itemDueDay: Int32Array;
  itemDocumentDay: Int32Array;
  itemCurrency: Uint16Array;
  itemAmount: Float64Array;
  itemAmountLocal: Float64Array;
  itemDisputed: Uint8Array;
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

function grow<T extends Float64Array | Int32Array | Uint16Array | Uint8Array>(array: T, needed: number): T {
  if (array.length >= needed) return array;
  const next = new (array.constructor as new (length: number) => T)(Math.max(needed, array.length * 2, 1024));
  next.set(array);
  return next;
}

function emptyLedger(companyId: number): CompanyLedger {
  return {
    companyId,
    customers: { ids: [], numbers: [], names: [], groups: [], countries: [], regions: [], collectors: [] },
    groups: new Map(),
    positions: new Map(),
    itemCount: 0,
    itemIds: new Float64Array(0),
    itemCustomer: new Int32Array(0),
    itemPostingDay: new Int32Array(0),
    itemDueDay: new Int32Array(0),
    itemDocumentDay: new Int32Array(0),
    itemCurrency: new Uint16Array(0),
    itemAmount: new Float64Array(0),
    itemAmountLocal: new Float64Array(0),
    itemDisputed: new Uint8Array(0),
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

/** Returns a whole number as SQL text, after checking that it is one. */
function integer(value: number | bigint): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`${value} is not a whole number`);
  return String(value);
}

/** Index of `id` in the first `count` entries of a sorted array, or -1. */
function findSorted(ids: ArrayLike<number>, count: number, id: number): number {
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
  if (a.length === b.length) return 0;
  return a.length < b.length ? -1 : 1;
}

export class ColumnarLedgerCache {
  private version: bigint | null = null;
  private customerVersion: bigint | null = null;
  private readonly ledgers = new Map<number, CompanyLedger>();
  private readonly currencyCodes: string[] = [];
  private readonly currencyIndex = new Map<string, number>();
  private currencyInfo = new Map<string, { exponent: number; name: string }>();
  private refreshing: Promise<void> | null = null;

  constructor(readonly db: Queryable) {}

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

  /** Returns the companies' ledgers, read or brought up to date first where needed. */
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
    const current = await this.db.query<{ version: bigint; customer_version: bigint }>(
      'select version, customer_version from ledger_version',
    );
    const { version, customer_version: customerVersion } = current.rows[0]!;
    const changed = version !== this.version;
    // Customers changed in place (not only added): read them afresh.
    const customersRewritten = customerVersion !== this.customerVersion;
    if (changed || this.currencyInfo.size === 0) {
      const currencies = await this.db.query<{ code: string; exponent: number; name: string }>(
        'select code, exponent, name from currency',
      );
      this.currencyInfo = new Map(currencies.rows.map((row) => [row.code, { exponent: row.exponent, name: row.name }]));
    }
    // After a change every company held is brought up to date, not only
    // the ones asked for, so none of them is ever behind.
    const wanted = changed ? [...new Set([...this.ledgers.keys(), ...companyIds])] : companyIds;
    for (const companyId of wanted) {
      let ledger = this.ledgers.get(companyId);
      if (ledger && !changed) continue;
      if (!ledger || customersRewritten) {
        // Items point at customers by position, which holds only while
        // customers are appended: anything else means reading afresh.
        ledger = emptyLedger(companyId);
        this.ledgers.set(companyId, ledger);
      }
      try {
        // Customers first: every item read after them has its customer.
        if (await this.loadCustomers(ledger)) ledger.groups.clear();
        await this.loadItems(ledger);
        await this.loadAllocations(ledger);
      } catch (error) {
        // Whatever was read is dropped, so the next report reads afresh.
        this.ledgers.delete(companyId);
        throw error;
      }
      ledger.positions.clear();
    }
    this.version = version;
    this.customerVersion = customerVersion;
  }

  /** Appends the customers added since the last read; returns whether there were any. */
  private async loadCustomers(ledger: CompanyLedger): Promise<boolean> {
    const customers = ledger.customers;
    const lastId = customers.ids.length === 0 ? 0 : customers.ids[customers.ids.length - 1]!;
    const lines = copyOutputLines(
      await this.db.copyOut(
        `select customer_id, customer_number, name, group_number, country, region, collector
         from customer where company_id = ${integer(ledger.companyId)} and customer_id > ${integer(lastId)}
         order by customer_id`,
      ),
    );
    for (const line of lines) {
      const [id, number, name, group, country, region, collector] = line.split('\t');
      customers.ids.push(Number(id));
      customers.numbers.push(parseCopyField(number!)!);
      customers.names.push(parseCopyField(name!)!);
      customers.groups.push(parseCopyField(group!));
      customers.countries.push(parseCopyField(country!));
      customers.regions.push(parseCopyField(region!));
      customers.collectors.push(parseCopyField(collector!));
    }
    return lines.length > 0;
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
      // COPY output parsed here is several times faster than a query's
      // rows on the embedded engine. Every value is a number or a code.
      const lines = copyOutputLines(
        await this.db.copyOut(
          `select item_id, customer_id, posting_date - date '${epoch}', due_date - date '${epoch}',
                  document_date - date '${epoch}', currency, amount::float8, amount_local::float8,
                  disputed::integer
           from open_item where company_id = ${integer(ledger.companyId)} and item_id > ${ledger.lastItemId}
           order by item_id limit ${loadPage}`,
        ),
      );
      if (lines.length === 0) return;
      const rows = lines.map((line) => line.split('\t'));
      const needed = ledger.itemCount + rows.length;
      ledger.itemIds = grow(ledger.itemIds, needed);
      ledger.itemCustomer = grow(ledger.itemCustomer, needed);
      ledger.itemPostingDay = grow(ledger.itemPostingDay, needed);
      ledger.itemDueDay = grow(ledger.itemDueDay, needed);
      ledger.itemDocumentDay = grow(ledger.itemDocumentDay, needed);
      ledger.itemCurrency = grow(ledger.itemCurrency, needed);
      ledger.itemAmount = grow(ledger.itemAmount, needed);
      ledger.itemAmountLocal = grow(ledger.itemAmountLocal, needed);
      ledger.itemDisputed = grow(ledger.itemDisputed, needed);
      // Each statement reads the ledger as committed when it starts, so a
      // writer may have committed customers and their items between the
      // customer read and this one. The customers are then read again, and
      // every row is checked before any is added.
      const customerOf = () =>
        rows.map((row) => findSorted(ledger.customers.ids, ledger.customers.ids.length, Number(row[1])));
      let customerIndexes = customerOf();
      if (customerIndexes.some((customer) => customer < 0)) {
        if (await this.loadCustomers(ledger)) ledger.groups.clear();
        customerIndexes = customerOf();
      }
      const missing = customerIndexes.indexOf(-1);
      if (missing >= 0) throw new Error(`item ${rows[missing]![0]} has customer ${rows[missing]![1]}, which was not read`);
      for (const [row, [itemId, , postingDay, dueDay, documentDay, currency, amount, amountLocal, disputed]] of rows.entries()) {
        const index = ledger.itemCount++;
        const customer = customerIndexes[row]!;
        const value = Number(amount);
        const localValue = Number(amountLocal);
        ledger.itemIds[index] = Number(itemId);
        ledger.itemCustomer[index] = customer;
        ledger.itemPostingDay[index] = Number(postingDay);
        ledger.itemDueDay[index] = Number(dueDay);
        ledger.itemDocumentDay[index] = Number(documentDay);
        ledger.itemCurrency[index] = this.currencyId(currency!);
        ledger.itemAmount[index] = value;
        ledger.itemAmountLocal[index] = localValue;
        ledger.itemDisputed[index] = disputed === '1' ? 1 : 0;
        ledger.absoluteSum += Math.abs(value);
        ledger.absoluteSumLocal += Math.abs(localValue);
      }
      ledger.lastItemId = BigInt(rows.at(-1)![0]!);
      if (rows.length < loadPage) return;
    }
  }

  private async loadAllocations(ledger: CompanyLedger): Promise<void> {
    for (;;) {
      const lines = copyOutputLines(
        await this.db.copyOut(
          `select allocation_id, debit_item_id, credit_item_id, allocation_date - date '${epoch}',
                  amount::float8, credit_amount::float8, amount_local::float8, credit_amount_local::float8
           from allocation where company_id = ${integer(ledger.companyId)} and allocation_id > ${ledger.lastAllocationId}
           order by allocation_id limit ${loadPage}`,
        ),
      );
      if (lines.length === 0) return;
      const rows = lines.map((line) => line.split('\t'));
      // Likewise items committed after the item read, with their allocations.
      const itemOf = (id: string) => findSorted(ledger.itemIds, ledger.itemCount, Number(id));
      const unknown = () => rows.findIndex((row) => itemOf(row[1]!) < 0 || itemOf(row[2]!) < 0);
      if (unknown() >= 0) await this.loadItems(ledger);
      const missing = unknown();
      if (missing >= 0) throw new Error(`allocation ${rows[missing]![0]} joins an item that was not read`);
      const needed = ledger.allocationCount + rows.length;
      ledger.allocationDebit = grow(ledger.allocationDebit, needed);
      ledger.allocationCredit = grow(ledger.allocationCredit, needed);
      ledger.allocationDay = grow(ledger.allocationDay, needed);
      ledger.allocationAmount = grow(ledger.allocationAmount, needed);
      ledger.allocationCreditAmount = grow(ledger.allocationCreditAmount, needed);
      ledger.allocationAmountLocal = grow(ledger.allocationAmountLocal, needed);
      ledger.allocationCreditAmountLocal = grow(ledger.allocationCreditAmountLocal, needed);
      for (const [, debitId, creditId, day, amount, creditAmount, amountLocal, creditAmountLocal] of rows) {
        const index = ledger.allocationCount++;
        const debit = itemOf(debitId!);
        const credit = itemOf(creditId!);
        ledger.allocationDebit[index] = debit;
        ledger.allocationCredit[index] = credit;
        ledger.allocationDay[index] = Number(day);
        ledger.allocationAmount[index] = Number(amount);
        ledger.allocationCreditAmount[index] = Number(creditAmount);
        ledger.allocationAmountLocal[index] = Number(amountLocal);
        ledger.allocationCreditAmountLocal[index] = Number(creditAmountLocal);
      }
      ledger.lastAllocationId = BigInt(rows.at(-1)![0]!);
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
  /** The lowest customer name of the row, in the customer grouping. */
  name: string | null;
  amounts: Float64Array;
  /** Disputed part of the amounts. */
  disputed: number;
  itemCount: number;
}

/** Returns the key of a customer's row for a grouping other than currency. */
function customerKeyOf(
  groupBy: AgingGrouping,
  company: Company | null,
  customers: Customers,
  customer: number,
  severalCompanies: boolean,
): string {
  switch (groupBy) {
    case 'customer':
      return severalCompanies && company ? `${company.code}/${customers.numbers[customer]!}` : customers.numbers[customer]!;
    case 'group':
      return customers.groups[customer] ?? customers.numbers[customer]!;
    case 'country':
      return customers.countries[customer] ?? '';
    case 'region':
      return customers.regions[customer] ?? '';
    case 'collector':
      return customers.collectors[customer] ?? '';
    case 'company':
      return company?.code ?? '';
    case 'currency':
      return '';
  }
}

/** Marks with 1 the customers whose region is one of `regions`. */
function customersInRegions(customers: Customers, regions: readonly string[]): Uint8Array {
  const allowed = new Uint8Array(customers.numbers.length);
  customers.regions.forEach((region, index) => {
    if (region !== null && regions.includes(region)) allowed[index] = 1;
  });
  return allowed;
}

/**
 * Returns the grouping's rows over a company's customers, built once per
 * grouping until the customers change. Every grouping but currency.
 */
function groupsOf(
  ledger: CompanyLedger,
  groupBy: AgingGrouping,
  company: Company | null,
  severalCompanies: boolean,
): Groups {
  const cacheKey = `${groupBy}:${severalCompanies && company ? company.code : ''}`;
  const cached = ledger.groups.get(cacheKey);
  if (cached) return cached;
  const customers = ledger.customers;
  const keys: string[] = [];
  const indexOfKey = new Map<string, number>();
  const ofCustomer = new Int32Array(customers.numbers.length);
  for (let customer = 0; customer < customers.numbers.length; customer++) {
    const key = customerKeyOf(groupBy, company, customers, customer, severalCompanies);
    let group = indexOfKey.get(key);
    if (group === undefined) {
      group = keys.length;
      keys.push(key);
      indexOfKey.set(key, group);
    }
    ofCustomer[customer] = group;
  }
  const order = Int32Array.from(keys.keys()).sort((a, b) => compareCodePoints(keys[a]!, keys[b]!));
  const groups = { keys, ofCustomer, order };
  ledger.groups.set(cacheKey, groups);
  return groups;
}

/**
 * Merges the rows of several companies (or currencies) that share a key
 * and currency, and orders them by key and currency.
 */
function mergeRows(partials: readonly RowAccumulator[][], columnCount: number): RowAccumulator[] {
  const rows = new Map<string, RowAccumulator>();
  for (const partial of partials) {
    for (const row of partial) {
      const mapKey = `${row.key}\u0000${row.currency}`;
      const known = rows.get(mapKey);
      if (!known) {
        rows.set(mapKey, { ...row, amounts: Float64Array.from(row.amounts) });
        continue;
      }
      for (let column = 0; column < columnCount; column++) known.amounts[column]! += row.amounts[column]!;
      known.disputed += row.disputed;
      known.itemCount += row.itemCount;
      if (row.name !== null && (known.name === null || compareCodePoints(row.name, known.name) < 0)) known.name = row.name;
    }
  }
  return [...rows.values()].sort((a, b) => compareRows(a, b));
}

function compareRows(a: RowAccumulator, b: RowAccumulator): number {
  return compareCodePoints(a.key, b.key) || compareCodePoints(a.currency, b.currency);
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

  const splitByCurrency = !local || request.groupBy === 'currency';
  const bucketOf = (item: number, signs: Float64Array, days: Int32Array): number => {
    if (!request.ageCredits && signs[item]! < 0) return unapplied;
    const age = asOfDay - days[item]!;
    if (age <= lowest) return 0;
    if (age > highest) return limits.length;
    return table[age - lowest]!;
  };
  const partials: RowAccumulator[][] = [];

  for (const [companyIndex, ledger] of ledgers.entries()) {
    const company = companies[companyIndex]!;
    const customers = ledger.customers;
    const open = openAmounts(ledger, asOfDay, local);
    const disputed = await disputedItems(cache.db, ledger, request.asOf, asOfDay, local, open, () =>
      openAmounts(ledger, asOfDay, false),
    );
    const signs = ledger.itemAmount;
    const days = request.basis === 'due' ? ledger.itemDueDay : ledger.itemDocumentDay;
    const allowed = regions === null ? null : customersInRegions(customers, regions);
    if (!splitByCurrency) {
      // One row per group of customers: sums go into flat arrays by group.
      const groups = groupsOf(ledger, request.groupBy, company, severalCompanies);
      const groupCount = groups.keys.length;
      const sums = new Float64Array(groupCount * columnCount);
      const disputedSums = new Float64Array(groupCount);
      const counts = new Int32Array(groupCount);
      for (let item = 0; item < ledger.itemCount; item++) {
        if (ledger.itemPostingDay[item]! > asOfDay) continue;
        const value = open[item]!;
        if (value === 0) continue;
        const customer = ledger.itemCustomer[item]!;
        if (allowed !== null && allowed[customer] === 0) continue;
        const group = groups.ofCustomer[customer]!;
        sums[group * columnCount + bucketOf(item, signs, days)]! += value;
        counts[group]!++;
      }
      disputed.items.forEach((item, index) => {
        const customer = ledger.itemCustomer[item]!;
        if (allowed !== null && allowed[customer] === 0) return;
        disputedSums[groups.ofCustomer[customer]!]! += disputed.amounts[index]!;
      });
      const rowsOfCompany: RowAccumulator[] = [];
      for (const group of groups.order) {
        if (counts[group] === 0) continue;
        rowsOfCompany.push({
          key: groups.keys[group]!,
          currency: company.currency,
          // In the customer grouping a group is one customer.
          name: request.groupBy === 'customer' ? customers.names[group]! : null,
          amounts: sums.subarray(group * columnCount, (group + 1) * columnCount),
          disputed: disputedSums[group]!,
          itemCount: counts[group]!,
        });
      }
      partials.push(rowsOfCompany);
      continue;
    }
    // Rows split by item currency: few per customer, found through a map.
    // The keys are the grouping's, built once per grouping as in the path above.
    const groups = groupsOf(ledger, request.groupBy, company, severalCompanies);
    const rowCache = new Map<number, RowAccumulator>();
    const rows = new Map<string, RowAccumulator>();
    for (let item = 0; item < ledger.itemCount; item++) {
      if (ledger.itemPostingDay[item]! > asOfDay) continue;
      const value = open[item]!;
      if (value === 0) continue;
      const customer = ledger.itemCustomer[item]!;
      if (allowed !== null && allowed[customer] === 0) continue;
      const key = groups.keys[groups.ofCustomer[customer]!]!;
      const currencyIndex = ledger.itemCurrency[item]!;
      const cacheKey = customer * 65_536 + currencyIndex;
      let row = rowCache.get(cacheKey);
      if (row === undefined) {
        const itemCurrency = cache.currencyCode(currencyIndex);
        const rowKey = request.groupBy === 'currency' ? itemCurrency : key;
        const rowCurrency = local ? company.currency : itemCurrency;
        const mapKey = `${rowKey}\u0000${rowCurrency}`;
        const known = rows.get(mapKey);
        const found: RowAccumulator = known ?? {
          key: rowKey,
          currency: rowCurrency,
          name: null,
          amounts: new Float64Array(columnCount),
          disputed: 0,
          itemCount: 0,
        };
        if (known === undefined) rows.set(mapKey, found);
        if (request.groupBy === 'customer') found.name = customers.names[customer]!;
        rowCache.set(cacheKey, found);
        row = found;
      }
      row.amounts[bucketOf(item, signs, days)]! += value;
      row.itemCount++;
    }
    disputed.items.forEach((item, index) => {
      const customer = ledger.itemCustomer[item]!;
      if (allowed !== null && allowed[customer] === 0) return;
      // A disputed item is open in the report's currency mode, so its row exists.
      rowCache.get(customer * 65_536 + ledger.itemCurrency[item]!)!.disputed += disputed.amounts[index]!;
    });
    partials.push([...rows.values()]);
  }
  // One company's groups come out in key order already.
  const merged = !splitByCurrency && partials.length === 1 ? partials[0]! : mergeRows(partials, columnCount);

  const names = rowNames(cache, request, companies, ledgers);
  const exponentOf = (currency: string): number => {
    const info = cache.currency(currency);
    if (!info) throw new Error(`currency ${currency} has no exponent in the currency table`);
    return info.exponent;
  };
  const reportRows: AgingRow[] = merged.map((row) => {
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
      disputed: BigInt(row.disputed),
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

/** The columnar engine, which also gives every customer's position for the customer list. */
export interface ColumnarAgingEngine extends AgingEngine {
  cache: ColumnarLedgerCache;
  /**
   * Returns the balance and overdue amount of every customer of a company
   * as of a date, or null when the company's amounts are too large to sum
   * exactly in float64.
   */
  customerPositions(companyId: number, asOf: IsoDate): Promise<CustomerPositions | null>;
  /** Reads every company's ledger into memory; returns the number of items held. */
  warmUp(): Promise<number>;
}

/**
 * Sums each customer's open local amounts as of a day: the balance over
 * every item, and the overdue amount over debit items due before the day.
 */
function positionsOf(ledger: CompanyLedger, asOfDay: number): CustomerPositions {
  const customers = ledger.customers;
  const balance = new Float64Array(customers.numbers.length);
  const overdue = new Float64Array(customers.numbers.length);
  const open = openAmounts(ledger, asOfDay, true);
  for (let item = 0; item < ledger.itemCount; item++) {
    if (ledger.itemPostingDay[item]! > asOfDay) continue;
    const value = open[item]!;
    if (value === 0) continue;
    const customer = ledger.itemCustomer[item]!;
    balance[customer]! += value;
    if (ledger.itemAmount[item]! > 0 && ledger.itemDueDay[item]! < asOfDay) overdue[customer]! += value;
  }
  return {
    // Copies: later reads append to the engine's arrays.
    customerIds: customers.ids.slice(),
    customerNumbers: customers.numbers.slice(),
    regions: customers.regions.slice(),
    numberOrder: groupsOf(ledger, 'customer', null, false).order,
    balance,
    overdue,
    orders: new Map(),
  };
}

/**
 * Creates the columnar engine over a database. It keeps its arrays
 * between reports, so make one per database and share it.
 */
export function createColumnarAgingEngine(db: Queryable): ColumnarAgingEngine {
  const cache = new ColumnarLedgerCache(db);
  return {
    cache,
    async warmUp() {
      const companies = await listCompanies(db);
      await cache.ledgersOf(companies.map((company) => company.companyId));
      return cache.itemCount;
    },
    async customerPositions(companyId, asOf) {
      const [ledger] = await cache.ledgersOf([companyId]);
      if (ledger!.absoluteSumLocal >= exactLimit) return null;
      // Kept until the ledger changes: many requests ask for the same day.
      const asOfDay = toEpochDay(asOf);
      let positions = ledger!.positions.get(asOfDay);
      if (!positions) {
        positions = positionsOf(ledger!, asOfDay);
        ledger!.positions.set(asOfDay, positions);
        if (ledger!.positions.size > maxPositionDays) ledger!.positions.delete(ledger!.positions.keys().next().value!);
      }
      return positions;
    },
    async report(request) {
      const checked = checkRequest(request);
      const companies = scopeCompanies(await resolveCompanies(db, checked.companies), checked.scope);
      const report = await columnarReport(cache, checked, companies);
      return report ?? sqlAgingReport(db, request);
    },
  };
}
