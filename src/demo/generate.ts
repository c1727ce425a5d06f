import { createHash } from 'node:crypto';
import type { Actor } from '../auth/types.js';
import type { Db } from '../db/types.js';
import {
  addMonths,
  daysInMonth,
  fromEpochDay,
  isIsoDate,
  isoWeekday,
  toEpochDay,
  type IsoDate,
} from '../shared/dates.js';
import { InputError } from '../shared/errors.js';
import {
  applyImport,
  setFxRate,
  type AllocationInput,
  type CustomerInput,
  type ImportProgress,
  type ImportResult,
  type ItemKind,
  type OpenItemInput,
  type ParsedLedger,
} from '../ledger/index.js';
import {
  companySpecs,
  creditSegments,
  namePrefixes,
  nameSuffixes,
  termDays,
  unitsPerUsd,
  type CompanySpec,
  type MarketSpec,
  type PaymentBehaviour,
} from './catalog.js';
import { SeededRandom } from './random.js';

export const defaultDemoSeed = 20_240_601;

export interface DemoOptions {
  /** Seed of the pseudo-random generator; the same seed gives the same ledger. */
  seed?: number;
  /** Number of customers over all companies (at least one per company). */
  customers: number;
  /** Approximate number of open items over all companies. */
  items: number;
  /** Last posting date of the ledger. */
  endDate: IsoDate;
  /** Months of history that end at `endDate`; 12 when omitted. */
  months?: number;
}

/** A dated rate: units of `to` for one unit of `from`. */
export interface DemoFxRate {
  from: string;
  to: string;
  date: IsoDate;
  rate: string;
}

export interface DemoLedger {
  ledgers: ParsedLedger[];
  fxRates: DemoFxRate[];
}

/** ISO 4217 exponents of the currencies the demo bills in. */
const exponents: Readonly<Record<string, number>> = {
  USD: 2, EUR: 2, GBP: 2, CHF: 2, CAD: 2, PLN: 2, SAR: 2, AED: 2, JPY: 0, KWD: 3,
};

/** First digits of each document type's numbers, in the style of SAP FI. */
const numberRanges: Readonly<Record<ItemKind, number>> = {
  invoice: 90,
  credit_note: 60,
  debit_note: 70,
  payment: 14,
  advance: 15,
  adjustment: 16,
  write_off: 18,
};

interface DemoCustomer {
  input: CustomerInput;
  market: MarketSpec;
  behaviour: PaymentBehaviour;
  termDays: number;
  /** Typical invoice size in US dollars. */
  sizeUsd: number;
}

/** An item being generated, with its open amount (magnitude) so far. */
interface Tracked {
  item: OpenItemInput;
  postingDay: number;
  dueDay: number;
  open: bigint;
}

/**
 * Generates a demo ledger of several companies over `months` months that
 * end on `endDate`: invoices (some in instalments), credit and debit
 * notes, advances, payments, write-offs and the allocations between them,
 * plus the FX rates the foreign-currency items need. The same options
 * always give the same output.
 */
export function generateDemoLedger(options: DemoOptions): DemoLedger {
  const window = checkOptions(options);
  const random = new SeededRandom(options.seed ?? defaultDemoSeed);
  const customerCounts = splitByShare(options.customers, companySpecs, 1);
  const itemCounts = splitByShare(options.items, companySpecs, 0);
  const groupCount = Math.max(1, Math.round(options.customers / 15));
  const ledgers: ParsedLedger[] = [];
  const fxRates: DemoFxRate[] = [];
  companySpecs.forEach((spec, index) => {
    const customers = makeCustomers(random, spec, customerCounts[index]!, groupCount);
    const builder = new CompanyBuilder(spec, random, window.startDay, window.endDay);
    builder.run(customers, itemCounts[index]!);
    ledgers.push(builder.toLedger(customers));
    fxRates.push(...makeFxRates(random, spec, window.startDay, window.endDay));
  });
  return { ledgers, fxRates };
}

/**
 * Generates a demo ledger, stores its FX rates and imports it through
 * `applyImport`. Importing the same options twice changes nothing.
 */
export async function loadDemo(
  db: Db,
  options: DemoOptions,
  progress?: ImportProgress,
  actor?: Actor,
): Promise<ImportResult[]> {
  const demo = generateDemoLedger(options);
  await db.transaction(async (tx) => {
    for (const rate of demo.fxRates) {
      await setFxRate(tx, rate.from, rate.to, rate.date, rate.rate);
    }
  });
  const description = JSON.stringify({
    seed: options.seed ?? defaultDemoSeed,
    customers: options.customers,
    items: options.items,
    endDate: options.endDate,
    months: options.months ?? 12,
  });
  return applyImport(
    db,
    {
      kind: 'demo',
      file: `demo ${description}`,
      sha256: createHash('sha256').update(description).digest('hex'),
    },
    demo.ledgers,
    progress,
    actor,
  );
}

function checkOptions(options: DemoOptions): { startDay: number; endDay: number } {
  if (!isIsoDate(options.endDate)) {
    throw new InputError(`invalid end date "${options.endDate}": use YYYY-MM-DD`, 'invalid_option', 'endDate');
  }
  if (!Number.isInteger(options.customers) || options.customers < companySpecs.length) {
    throw new InputError(
      `invalid customer count ${options.customers}: use a whole number of at least ${companySpecs.length}`,
      'invalid_option',
      'customers',
    );
  }
  if (!Number.isInteger(options.items) || options.items < 0) {
    throw new InputError(`invalid item count ${options.items}: use a whole number of 0 or more`, 'invalid_option', 'items');
  }
  const months = options.months ?? 12;
  if (!Number.isInteger(months) || months < 1 || months > 120) {
    throw new InputError(`invalid month count ${months}: use 1 to 120`, 'invalid_option', 'months');
  }
  if (options.seed !== undefined && !Number.isInteger(options.seed)) {
    throw new InputError(`invalid seed ${options.seed}: use a whole number`, 'invalid_option', 'seed');
  }
  const startMonth = addMonths(options.endDate, -months);
  const day = Math.min(
    Number(options.endDate.slice(8, 10)),
    daysInMonth(Number(startMonth.slice(0, 4)), Number(startMonth.slice(5, 7))),
  );
  const startDay = toEpochDay(`${startMonth}-${String(day).padStart(2, '0')}`) + 1;
  return { startDay, endDay: toEpochDay(options.endDate) };
}

/** Splits `total` over the companies by share; the last takes the remainder. */
function splitByShare(total: number, specs: readonly CompanySpec[], minimum: number): number[] {
  const counts = specs.map((spec) => Math.max(minimum, Math.round(total * spec.share)));
  const others = counts.slice(0, -1).reduce((sum, count) => sum + count, 0);
  counts[counts.length - 1] = Math.max(minimum, total - others);
  return counts;
}

function makeCustomers(
  random: SeededRandom,
  spec: CompanySpec,
  count: number,
  groupCount: number,
): DemoCustomer[] {
  const customers: DemoCustomer[] = [];
  for (let index = 0; index < count; index++) {
    const market = random.pickWeighted(spec.markets.map((value) => ({ value, weight: value.weight })));
    const segment = random.pickWeighted(creditSegments.map((value) => ({ value, weight: value.weight })));
    const terms = random.pickWeighted(spec.terms);
    const name = `${random.pick(namePrefixes)} ${random.pick(nameSuffixes)} ${random.pick(market.legalForms)}`;
    const grouped = random.chance(0.25);
    const groupNumber = grouped ? `G${String(random.int(1, groupCount)).padStart(5, '0')}` : null;
    customers.push({
      input: {
        customerNumber: `${spec.customerNumberPrefix}${String(index + 1).padStart(6, '0')}`,
        name,
        groupNumber,
        country: market.country,
        region: market.region,
        collector: random.pick(market.collectors),
        salesRep: random.pick(spec.salesReps),
        paymentTerms: terms,
        creditSegment: segment.value,
      },
      market,
      behaviour: segment.behaviour,
      termDays: termDays[terms] ?? 30,
      sizeUsd: 300 + 40_000 * random.next() ** 3,
    });
  }
  return customers;
}

/**
 * Weekly rates of every foreign billing currency into the company
 * currency, from a week before the window to its last day, on a small
 * random walk around the `unitsPerUsd` cross rate.
 */
function makeFxRates(
  random: SeededRandom,
  spec: CompanySpec,
  startDay: number,
  endDay: number,
): DemoFxRate[] {
  const foreign = [...new Set(spec.markets.map((market) => market.currency))].filter(
    (currency) => currency !== spec.currency,
  );
  const rates: DemoFxRate[] = [];
  for (const currency of foreign) {
    const centre = unitsPerUsd[spec.currency]! / unitsPerUsd[currency]!;
    let drift = 1;
    for (let day = startDay - 7; ; day += 7) {
      const date = Math.min(day, endDay);
      rates.push({ from: currency, to: spec.currency, date: fromEpochDay(date), rate: formatRate(centre * drift) });
      if (date === endDay) break;
      drift *= 1 + random.normal(0, 0.006);
    }
  }
  return rates;
}

/** Formats a rate with about seven significant digits (at most 10 decimals). */
function formatRate(rate: number): string {
  let decimals = 6;
  for (let scale = 1; rate < scale && decimals < 10; scale /= 10) decimals++;
  return rate.toFixed(decimals);
}

/** Converts a size in US dollars to minor units of `currency`, at least 1. */
function sizeToMinor(sizeUsd: number, currency: string): bigint {
  const major = sizeUsd * unitsPerUsd[currency]!;
  const minor = Math.round(major * 10 ** exponents[currency]!);
  return BigInt(Math.max(1, minor));
}

function percentOf(amount: bigint, percent: number): bigint {
  return (amount * BigInt(percent)) / 100n;
}

class CompanyBuilder {
  readonly items: OpenItemInput[] = [];
  readonly allocations: AllocationInput[] = [];
  private readonly sequences = new Map<ItemKind, number>();

  constructor(
    readonly spec: CompanySpec,
    readonly random: SeededRandom,
    readonly startDay: number,
    readonly endDay: number,
  ) {}

  run(customers: readonly DemoCustomer[], itemTarget: number): void {
    // Invoice frequency weights: a few customers buy much more than most.
    const cumulative: number[] = [];
    let total = 0;
    for (let index = 0; index < customers.length; index++) {
      total += 0.2 + 3 * this.random.next() ** 2;
      cumulative.push(total);
    }
    while (this.items.length < itemTarget) {
      const point = this.random.next() * total;
      this.simulateInvoice(customers[lowerBound(cumulative, point)]!);
      if (this.random.chance(0.004)) this.paymentOnAccount(this.random.pick(customers));
    }
  }

  toLedger(customers: readonly DemoCustomer[]): ParsedLedger {
    const items = [...this.items].sort((a, b) =>
      a.postingDate === b.postingDate
        ? compareText(a.erpKey, b.erpKey)
        : compareText(a.postingDate, b.postingDate),
    );
    return {
      company: {
        code: this.spec.code,
        name: this.spec.name,
        currency: this.spec.currency,
        weekendDays: this.spec.weekendDays,
      },
      customers: customers.map((customer) => customer.input),
      items,
      allocations: this.allocations,
      rowCount: customers.length + items.length + this.allocations.length,
    };
  }

  /** Moves a day off the weekend: forward, or backward past the window end. */
  private businessDay(day: number): number {
    const weekend = this.spec.weekendDays;
    let forward = day;
    while (weekend.includes(isoWeekday(fromEpochDay(forward)))) forward++;
    if (forward <= this.endDay) return forward;
    let backward = day;
    while (weekend.includes(isoWeekday(fromEpochDay(backward)))) backward--;
    return backward;
  }

  private nextNumber(kind: ItemKind): string {
    const next = (this.sequences.get(kind) ?? 0) + 1;
    this.sequences.set(kind, next);
    return `${numberRanges[kind]}${String(next).padStart(8, '0')}`;
  }

  private addItem(
    customer: DemoCustomer,
    fields: {
      kind: ItemKind;
      documentNumber: string;
      erpKey?: string;
      instalment?: number;
      documentDay: number;
      postingDay: number;
      dueDay: number;
      currency: string;
      magnitude: bigint;
      disputed?: boolean;
      reference?: string;
    },
  ): Tracked {
    const credit = !['invoice', 'debit_note'].includes(fields.kind);
    const item: OpenItemInput = {
      customerNumber: customer.input.customerNumber,
      kind: fields.kind,
      documentNumber: fields.documentNumber,
      erpKey: fields.erpKey ?? fields.documentNumber,
      documentDate: fromEpochDay(fields.documentDay),
      postingDate: fromEpochDay(fields.postingDay),
      dueDate: fromEpochDay(fields.dueDay),
      currency: fields.currency,
      amount: credit ? -fields.magnitude : fields.magnitude,
      paymentTerms: credit ? null : customer.input.paymentTerms ?? null,
      reference: fields.reference ?? null,
    };
    if (fields.instalment !== undefined) item.instalment = fields.instalment;
    if (fields.disputed) item.disputed = true;
    this.items.push(item);
    return { item, postingDay: fields.postingDay, dueDay: fields.dueDay, open: fields.magnitude };
  }

  /**
   * Records an allocation of `amount` (capped at both open amounts) dated
   * no earlier than either posting date. Returns the amount allocated.
   */
  private allocate(credit: Tracked, debit: Tracked, day: number, amount: bigint): bigint {
    const capped = [amount, credit.open, debit.open].reduce((a, b) => (a < b ? a : b));
    if (capped <= 0n) return 0n;
    const date = Math.max(day, credit.postingDay, debit.postingDay);
    credit.open -= capped;
    debit.open -= capped;
    this.allocations.push({
      erpKey: `${credit.item.erpKey}>${debit.item.erpKey}`,
      creditErpKey: credit.item.erpKey,
      debitErpKey: debit.item.erpKey,
      allocationDate: fromEpochDay(date),
      amount: capped,
    });
    return capped;
  }

  private simulateInvoice(customer: DemoCustomer): void {
    const random = this.random;
    const postingDay = this.businessDay(random.int(this.startDay, this.endDay));
    const documentDay = postingDay - (random.chance(0.2) ? random.int(1, 3) : 0);
    const currency = customer.market.currency;
    const total = sizeToMinor(customer.sizeUsd * (0.15 + 1.7 * random.next() ** 2), currency);
    const count = random.chance(0.06) && total >= 10n ? random.int(2, 4) : 1;
    const disputed = random.chance(customer.behaviour.dispute);
    const documentNumber = this.nextNumber('invoice');

    const instalments: Tracked[] = [];
    for (let index = 1; index <= count; index++) {
      const share = total / BigInt(count);
      const magnitude = index === count ? total - share * BigInt(count - 1) : share;
      instalments.push(
        this.addItem(customer, {
          kind: 'invoice',
          documentNumber,
          erpKey: count > 1 ? `${documentNumber}-${index}` : documentNumber,
          instalment: count > 1 ? index : undefined,
          documentDay,
          postingDay,
          dueDay: documentDay + customer.termDays + (index - 1) * 30,
          currency,
          magnitude,
          disputed,
          reference: `PO ${random.int(100_000, 999_999)}`,
        }),
      );
    }

    const first = instalments[0]!;
    if (random.chance(0.03)) this.advance(customer, first);
    if (random.chance(0.05)) this.creditNote(customer, first);
    for (const instalment of instalments) this.settle(customer, instalment, disputed);
  }

  /** Adds an advance received up to a month before the invoice, applied on its posting date. */
  private advance(customer: DemoCustomer, invoice: Tracked): void {
    const day = this.businessDay(invoice.postingDay - this.random.int(5, 30));
    if (day < this.startDay || day > invoice.postingDay) return;
    const magnitude = percentOf(invoice.open, this.random.int(20, 110));
    if (magnitude <= 0n) return;
    const advance = this.addItem(customer, {
      kind: 'advance',
      documentNumber: this.nextNumber('advance'),
      documentDay: day,
      postingDay: day,
      dueDay: day,
      currency: invoice.item.currency,
      magnitude,
      reference: `Advance for ${invoice.item.documentNumber}`,
    });
    this.allocate(advance, invoice, invoice.postingDay, magnitude);
  }

  /** Adds a credit note for returns or a price difference, applied fully, partly or not at all. */
  private creditNote(customer: DemoCustomer, invoice: Tracked): void {
    const day = this.businessDay(invoice.postingDay + this.random.int(3, 40));
    if (day > this.endDay) return;
    const magnitude = percentOf(invoice.open, this.random.int(5, 30));
    if (magnitude <= 0n) return;
    const note = this.addItem(customer, {
      kind: 'credit_note',
      documentNumber: this.nextNumber('credit_note'),
      documentDay: day,
      postingDay: day,
      dueDay: day,
      currency: invoice.item.currency,
      magnitude,
      reference: `Credit for ${invoice.item.documentNumber}`,
    });
    const roll = this.random.next();
    if (roll < 0.65) this.allocate(note, invoice, day, magnitude);
    else if (roll < 0.9) this.allocate(note, invoice, day, percentOf(magnitude, this.random.int(30, 90)));
  }

  /**
   * Pays a debit item by the customer's behaviour: on time or late, in one
   * or two parts, short or over, written off, or not at all. Payments
   * after the window's end are left out, so the item stays open.
   */
  private settle(customer: DemoCustomer, debit: Tracked, disputed: boolean): void {
    const random = this.random;
    const behaviour = customer.behaviour;
    if (debit.open <= 0n) return;
    if (random.chance(behaviour.nonPayment)) {
      this.writeOffMaybe(customer, debit);
      return;
    }
    if (disputed && random.chance(0.7)) return;

    const delay = Math.round(
      random.normal(behaviour.meanDelayDays + customer.market.extraDelayDays, behaviour.delaySpreadDays),
    );
    const payDay = this.businessDay(Math.max(debit.postingDay + 1, debit.dueDay + delay));
    if (payDay > this.endDay || payDay < debit.postingDay) return;

    if (random.chance(behaviour.partialPayment)) {
      this.pay(customer, debit, payDay, percentOf(debit.open, random.int(25, 75)));
      const secondDay = this.businessDay(payDay + random.int(10, 60));
      if (secondDay <= this.endDay && random.chance(0.8)) this.pay(customer, debit, secondDay, debit.open);
      return;
    }

    const roll = random.next();
    if (roll < 0.01) {
      // Overpayment: the excess stays on the payment as unapplied cash.
      this.pay(customer, debit, payDay, debit.open + percentOf(debit.open, random.int(1, 10)) + 1n);
    } else if (roll < 0.03) {
      // Short payment, such as bank charges deducted: a small residual stays open.
      this.pay(customer, debit, payDay, debit.open - percentOf(debit.open, random.int(1, 3)));
    } else {
      this.pay(customer, debit, payDay, debit.open);
    }
    if (delay > 30 && random.chance(0.15)) this.interestNote(customer, debit, payDay);
  }

  private pay(customer: DemoCustomer, debit: Tracked, day: number, magnitude: bigint): void {
    if (magnitude <= 0n) return;
    const payment = this.addItem(customer, {
      kind: 'payment',
      documentNumber: this.nextNumber('payment'),
      documentDay: day,
      postingDay: day,
      dueDay: day,
      currency: debit.item.currency,
      magnitude,
      reference: `Remittance ${debit.item.documentNumber}`,
    });
    this.allocate(payment, debit, day, magnitude);
  }

  /** Adds a debit note for late-payment interest, settled like any other item. */
  private interestNote(customer: DemoCustomer, invoice: Tracked, paidDay: number): void {
    const day = this.businessDay(paidDay + this.random.int(3, 10));
    if (day > this.endDay) return;
    const magnitude = percentOf(invoice.item.amount, this.random.int(1, 3));
    if (magnitude <= 0n) return;
    const note = this.addItem(customer, {
      kind: 'debit_note',
      documentNumber: this.nextNumber('debit_note'),
      documentDay: day,
      postingDay: day,
      dueDay: day + 14,
      currency: invoice.item.currency,
      magnitude,
      reference: `Late interest ${invoice.item.documentNumber}`,
    });
    this.settle(customer, note, false);
  }

  /** Writes off four in ten never-paid items, 300 days after their due date, when that day is in the window. */
  private writeOffMaybe(customer: DemoCustomer, debit: Tracked): void {
    const day = this.businessDay(debit.dueDay + 300);
    if (day > this.endDay || !this.random.chance(0.4)) return;
    const writeOff = this.addItem(customer, {
      kind: 'write_off',
      documentNumber: this.nextNumber('write_off'),
      documentDay: day,
      postingDay: day,
      dueDay: day,
      currency: debit.item.currency,
      magnitude: debit.open,
      reference: `Write-off ${debit.item.documentNumber}`,
    });
    this.allocate(writeOff, debit, day, debit.open);
  }

  /** Adds cash received with no remittance advice, which stays unapplied. */
  private paymentOnAccount(customer: DemoCustomer): void {
    const day = this.businessDay(this.random.int(this.startDay, this.endDay));
    const currency = customer.market.currency;
    this.addItem(customer, {
      kind: 'payment',
      documentNumber: this.nextNumber('payment'),
      documentDay: day,
      postingDay: day,
      dueDay: day,
      currency,
      magnitude: sizeToMinor(customer.sizeUsd * (0.1 + this.random.next()), currency),
      reference: 'On account',
    });
  }
}

/** Index of the first entry of `sorted` greater than `value`. */
function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle]! > value) high = middle;
    else low = middle + 1;
  }
  return low;
}

function compareText(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
