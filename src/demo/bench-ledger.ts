import { fromEpochDay, isIsoDate, toEpochDay, type IsoDate } from '../shared/dates.js';
import { InputError } from '../shared/errors.js';
import type {
  AllocationInput,
  CustomerInput,
  ItemKind,
  OpenItemInput,
  ParsedLedger,
} from '../ledger/index.js';
import { SeededRandom } from './random.js';
import { companyName } from './company-names.js';

export interface BenchLedgerOptions {
  seed?: number;
  /** Number of customers; 100,000 in the standard benchmark. */
  customers: number;
  /** Exact number of open items (invoices, credit notes and payments). */
  items: number;
  /** Last posting date. */
  endDate: IsoDate;
  /** Months of history that end at `endDate`; 24 when omitted. */
  months?: number;
}

/**
 * The benchmark ledger as typed arrays, one entry per item or allocation
 * in the same order as the `ParsedLedger` arrays. Days are days since
 * 1970-01-01 and amounts are US cents held in a Float64Array, which is
 * exact up to 2^53 cents (about 90 trillion dollars) per sum.
 */
export interface BenchColumns {
  /** Index into `benchItemKinds`. */
  itemKind: Uint8Array;
  itemCustomer: Int32Array;
  itemPostingDay: Int32Array;
  itemDueDay: Int32Array;
  itemAmountCents: Float64Array;
  allocationDebit: Int32Array;
  allocationCredit: Int32Array;
  allocationDay: Int32Array;
  allocationAmountCents: Float64Array;
  /** Region index of each customer, into `regions`. */
  customerRegion: Uint8Array;
  regions: readonly string[];
  customerNumbers: readonly string[];
}

export interface BenchLedger {
  ledger: ParsedLedger;
  columns: BenchColumns;
}

export const benchCompanyCode = 'BENCH';
export const benchItemKinds: readonly ItemKind[] = ['invoice', 'credit_note', 'payment'];

const benchRegions = ['North', 'South', 'East', 'West', 'Central', 'Export'];
const benchTerms = [30, 30, 30, 45, 60];

/**
 * Generates a one-company USD ledger of exactly `items` items for the
 * benchmark: invoices, a few credit notes, and payments for about 85% of
 * the invoices due by `endDate` (a payment clears all or, three times in
 * ten, part of one invoice). It builds typed-array
 * columns first and the `ParsedLedger` objects from them, so both
 * describe the same rows.
 */
export function generateBenchLedger(options: BenchLedgerOptions): BenchLedger {
  if (!isIsoDate(options.endDate)) {
    throw new InputError(`invalid end date "${options.endDate}": use YYYY-MM-DD`, 'invalid_option', 'endDate');
  }
  if (!Number.isInteger(options.customers) || options.customers < 1) {
    throw new InputError(`invalid customer count ${options.customers}: use a whole number of at least 1`, 'invalid_option', 'customers');
  }
  if (!Number.isInteger(options.items) || options.items < 1) {
    throw new InputError(`invalid item count ${options.items}: use a whole number of at least 1`, 'invalid_option', 'items');
  }
  const random = new SeededRandom(options.seed ?? 1);
  const endDay = toEpochDay(options.endDate);
  const startDay = endDay - Math.round((options.months ?? 24) * 30.44) + 1;
  const columns = generateColumns(random, options.customers, options.items, startDay, endDay);
  return { ledger: toParsedLedger(columns, startDay, endDay), columns };
}

function generateColumns(
  random: SeededRandom,
  customerCount: number,
  itemCount: number,
  startDay: number,
  endDay: number,
): BenchColumns {
  const itemKind = new Uint8Array(itemCount);
  const itemCustomer = new Int32Array(itemCount);
  const itemPostingDay = new Int32Array(itemCount);
  const itemDueDay = new Int32Array(itemCount);
  const itemAmountCents = new Float64Array(itemCount);
  // At most one allocation per payment or credit note, so `itemCount` bounds them.
  const allocationDebit = new Int32Array(itemCount);
  const allocationCredit = new Int32Array(itemCount);
  const allocationDay = new Int32Array(itemCount);
  const allocationAmountCents = new Float64Array(itemCount);
  const customerRegion = new Uint8Array(customerCount);
  const customerDelay = new Int16Array(customerCount);
  const customerNumbers: string[] = [];
  for (let customer = 0; customer < customerCount; customer++) {
    customerRegion[customer] = random.int(0, benchRegions.length - 1);
    customerDelay[customer] = random.int(-5, 60);
    customerNumbers.push(`B${String(customer + 1).padStart(7, '0')}`);
  }
  const span = endDay - startDay + 1;
  let item = 0;
  let allocation = 0;
  const addItem = (kind: number, customer: number, postingDay: number, dueDay: number, cents: number): number => {
    itemKind[item] = kind;
    itemCustomer[item] = customer;
    itemPostingDay[item] = postingDay;
    itemDueDay[item] = dueDay;
    itemAmountCents[item] = cents;
    return item++;
  };
  const addAllocation = (debit: number, credit: number, day: number, cents: number): void => {
    allocationDebit[allocation] = debit;
    allocationCredit[allocation] = credit;
    allocationDay[allocation] = day;
    allocationAmountCents[allocation] = cents;
    allocation++;
  };
  while (item < itemCount) {
    const customer = random.int(0, customerCount - 1);
    const postingDay = startDay + Math.floor(random.next() * span);
    const dueDay = postingDay + benchTerms[random.int(0, benchTerms.length - 1)]!;
    const cents = 1_000 + Math.floor(random.next() ** 2 * 5_000_000);
    const invoice = addItem(0, customer, postingDay, dueDay, cents);
    if (item < itemCount && random.chance(0.025)) {
      // A credit note for part of the invoice, unapplied in one case of three.
      const day = Math.min(endDay, postingDay + random.int(1, 20));
      const credit = Math.max(1, Math.floor(cents * random.int(5, 30) / 100));
      const note = addItem(1, customer, day, day, -credit);
      if (!random.chance(1 / 3)) addAllocation(invoice, note, day, credit);
      continue;
    }
    const payDay = dueDay + customerDelay[customer]! + random.int(-10, 30);
    if (item < itemCount && payDay <= endDay && random.chance(0.85)) {
      const day = Math.max(payDay, postingDay);
      const paid = random.chance(0.3) ? Math.max(1, Math.floor(cents * random.int(20, 80) / 100)) : cents;
      const payment = addItem(2, customer, day, day, -paid);
      addAllocation(invoice, payment, day, paid);
    }
  }
  return {
    itemKind,
    itemCustomer,
    itemPostingDay,
    itemDueDay,
    itemAmountCents,
    allocationDebit: allocationDebit.slice(0, allocation),
    allocationCredit: allocationCredit.slice(0, allocation),
    allocationDay: allocationDay.slice(0, allocation),
    allocationAmountCents: allocationAmountCents.slice(0, allocation),
    customerRegion,
    regions: benchRegions,
    customerNumbers,
  };
}

function toParsedLedger(columns: BenchColumns, startDay: number, endDay: number): ParsedLedger {
  // Dates repeat a lot, so each day's text is built once.
  const firstDay = startDay;
  const dayTexts: string[] = [];
  for (let day = firstDay; day <= endDay + 200; day++) dayTexts.push(fromEpochDay(day));
  const dateOf = (day: number): string => dayTexts[day - firstDay] ?? fromEpochDay(day);
  const names = new SeededRandom(7919);
  const customers: CustomerInput[] = columns.customerNumbers.map((customerNumber, index) => ({
    customerNumber,
    name: companyName(names, index),
    // One customer in twenty belongs to a group of five under the group's first customer.
    groupNumber: index % 100 < 5 ? `G${Math.floor(index / 100)}` : null,
    region: columns.regions[columns.customerRegion[index]!]!,
    country: 'US',
    paymentTerms: 'NT30',
  }));
  const count = columns.itemCustomer.length;
  const items: OpenItemInput[] = new Array<OpenItemInput>(count);
  for (let index = 0; index < count; index++) {
    const cents = columns.itemAmountCents[index]!;
    const posting = dateOf(columns.itemPostingDay[index]!);
    const documentNumber = String(1_000_000_000 + index);
    items[index] = {
      customerNumber: columns.customerNumbers[columns.itemCustomer[index]!]!,
      kind: benchItemKinds[columns.itemKind[index]!]!,
      documentNumber,
      erpKey: documentNumber,
      documentDate: posting,
      postingDate: posting,
      dueDate: dateOf(columns.itemDueDay[index]!),
      currency: 'USD',
      amount: BigInt(cents),
    };
  }
  const allocations: AllocationInput[] = new Array<AllocationInput>(columns.allocationDebit.length);
  for (let index = 0; index < allocations.length; index++) {
    const creditErpKey = items[columns.allocationCredit[index]!]!.erpKey;
    const debitErpKey = items[columns.allocationDebit[index]!]!.erpKey;
    allocations[index] = {
      erpKey: `${creditErpKey}>${debitErpKey}`,
      creditErpKey,
      debitErpKey,
      allocationDate: dateOf(columns.allocationDay[index]!),
      amount: BigInt(columns.allocationAmountCents[index]!),
    };
  }
  return {
    company: { code: benchCompanyCode, name: 'Benchmark company', currency: 'USD' },
    customers,
    items,
    allocations,
    rowCount: customers.length + items.length + allocations.length,
  };
}
