/**
 * Generated bank statements with known results, for testing and timing
 * cash application. Each line pays open items of a generated ledger the
 * way customers really pay, with a stated mix of noise: typing errors in
 * references, no reference, one payment for several invoices, short
 * payments, a parent company paying for a subsidiary, payments in another
 * currency, and money that no customer can be found for. Every line keeps the truth, so a
 * run of the matcher can be scored.
 */
import type { ParsedBankFile, StatementEntry } from '../bank/statement.js';
import { addDays, type IsoDate } from '../shared/dates.js';
import { convertAmount, formatMinor } from '../shared/money.js';
import { inverseRate } from '../cash/match/engine.js';
import { SeededRandom } from './random.js';

export const noiseKinds = ['clean', 'typo', 'no_reference', 'several', 'short', 'parent', 'fx', 'unknown'] as const;
export type NoiseKind = (typeof noiseKinds)[number];

/** Share of lines of each kind; the shares add up to 1. */
export type NoiseMix = Record<NoiseKind, number>;

export const defaultNoiseMix: NoiseMix = {
  clean: 0.4,
  typo: 0.1,
  no_reference: 0.15,
  several: 0.15,
  short: 0.07,
  parent: 0.05,
  fx: 0.06,
  unknown: 0.02,
};

export interface GeneratorItem {
  documentNumber: string;
  customerNumber: string;
  currency: string;
  /** Open amount in minor units. */
  open: bigint;
  dueDate: IsoDate;
  postingDate: IsoDate;
}

export interface GeneratorCustomer {
  customerNumber: string;
  name: string;
  groupNumber: string | null;
}

export interface TruePayment {
  documentNumber: string;
  /** Minor units of the item currency. */
  amount: bigint;
}

export interface GeneratedLine {
  kind: NoiseKind;
  /** Index of the entry in its statement. */
  statement: 'home' | 'foreign';
  entryNumber: number;
  /** The customer whose items are paid; null for money that belongs to no customer. */
  customerNumber: string | null;
  payments: TruePayment[];
}

export interface GeneratedStatements {
  file: ParsedBankFile;
  lines: GeneratedLine[];
  /** Payer accounts a company would have learned from earlier months. */
  knownAccounts: { account: string; customerNumber: string }[];
  counts: Record<NoiseKind, number>;
}

export interface StatementOptions {
  lines: number;
  bookingDate: IsoDate;
  seed?: number;
  mix?: NoiseMix;
  /** Account of the home-currency statement. */
  homeAccount: string;
  homeCurrency: string;
  /** Account and currency of the second statement that receives FX payments. */
  foreignAccount: string;
  foreignCurrency: string;
  /** Units of the home currency for one unit of the foreign currency. */
  foreignRate: string;
  /** Share of customers whose payer account is already known. */
  knownAccountShare?: number;
}

/** A customer's bank account, derived from its number so the same customer always pays from it. */
export function payerAccountOf(customerNumber: string): string {
  const digits = [...customerNumber].map((char) => char.charCodeAt(0) % 10).join('').padStart(10, '0').slice(-10);
  return `GB${String(customerNumber.length + 10)}PAYR${digits}`;
}

const legalSpellings: Record<string, string[]> = {
  Ltd: ['LTD', 'Limited', 'Ltd.'],
  GmbH: ['GMBH', 'Gesellschaft mbH'],
  Inc: ['INC', 'Inc.', 'Incorporated'],
  LLC: ['L.L.C.', 'llc'],
  'Co.': ['Company', 'CO'],
};

/** How a payer's bank writes a customer's name: case, legal form and a 35-character field. */
function payerName(random: SeededRandom, name: string): string {
  let text = name;
  const words = text.split(' ');
  const legal = words.at(-1)!;
  if (random.chance(0.3)) text = words.slice(0, -1).join(' ');
  else if (legalSpellings[legal] && random.chance(0.5)) text = [...words.slice(0, -1), random.pick(legalSpellings[legal]!)].join(' ');
  if (random.chance(0.5)) text = text.toUpperCase();
  return text.slice(0, 35);
}

/** One typing error in a document number: a digit changed, dropped, doubled or two swapped. */
function mistype(random: SeededRandom, text: string): string {
  const position = random.int(1, text.length - 2);
  switch (random.int(0, 3)) {
    case 0: {
      const digit = String((Number(text[position]) + random.int(1, 9)) % 10);
      return text.slice(0, position) + digit + text.slice(position + 1);
    }
    case 1:
      return text.slice(0, position) + text.slice(position + 1);
    case 2:
      return text.slice(0, position) + text[position] + text.slice(position);
    default:
      return text[position] === text[position + 1]
        ? text.slice(0, position) + String((Number(text[position]) + 1) % 10) + text.slice(position + 1)
        : text.slice(0, position) + text[position + 1] + text[position] + text.slice(position + 2);
  }
}

/** How a payer quotes a document number: as is, with a prefix, or with leading zeros. */
function quote(random: SeededRandom, documentNumber: string): string {
  const style = random.int(0, 3);
  if (style === 0) return `INV ${documentNumber}`;
  if (style === 1) return `00${documentNumber}`;
  return documentNumber;
}

function remittanceFor(random: SeededRandom, numbers: readonly string[]): string {
  const intro = random.pick(['Invoice', 'Payment of invoices', 'RE:', 'Inv.', 'Settlement', '']);
  return `${intro} ${numbers.join(random.pick([', ', ' ', '/']))}`.trim();
}

function pickWeighted(random: SeededRandom, mix: NoiseMix): NoiseKind {
  let roll = random.next();
  for (const kind of noiseKinds) {
    roll -= mix[kind];
    if (roll < 0) return kind;
  }
  return 'clean';
}

/**
 * Generates a home-currency statement and a foreign-currency statement
 * that together hold `lines` credits paying the given open items. Items
 * are paid at most once, so the truth stays unambiguous.
 */
export function generateBankStatements(
  items: readonly GeneratorItem[],
  customers: readonly GeneratorCustomer[],
  options: StatementOptions,
): GeneratedStatements {
  const random = new SeededRandom(options.seed ?? 11);
  const mix = options.mix ?? defaultNoiseMix;
  const byCustomer = new Map<string, GeneratorItem[]>();
  for (const item of items) {
    if (item.open <= 0n || item.postingDate > options.bookingDate || item.currency !== options.homeCurrency) continue;
    const list = byCustomer.get(item.customerNumber);
    if (list) list.push(item);
    else byCustomer.set(item.customerNumber, [item]);
  }
  for (const list of byCustomer.values()) list.sort((a, b) => a.dueDate.localeCompare(b.dueDate));
  const customerOf = new Map(customers.map((customer) => [customer.customerNumber, customer]));
  const groups = new Map<string, string[]>();
  for (const customer of customers) {
    if (!customer.groupNumber) continue;
    const list = groups.get(customer.groupNumber) ?? [];
    list.push(customer.customerNumber);
    groups.set(customer.groupNumber, list);
  }
  const payers = [...byCustomer.keys()];
  const groupList = [...groups.values()].filter((members) => members.length > 1);
  const used = new Set<string>();
  const knownShare = options.knownAccountShare ?? 0.7;
  const known = new Set(payers.filter(() => random.chance(knownShare)));

  const home: StatementEntry[] = [];
  const foreign: StatementEntry[] = [];
  const lines: GeneratedLine[] = [];
  const counts = Object.fromEntries(noiseKinds.map((kind) => [kind, 0])) as Record<NoiseKind, number>;
  const freeItems = (customerNumber: string) => (byCustomer.get(customerNumber) ?? []).filter((item) => !used.has(item.documentNumber));
  let attempts = 0;

  while (lines.length < options.lines && attempts < options.lines * 20) {
    attempts += 1;
    const kind = pickWeighted(random, mix);
    let paying = customerOf.get(random.pick(payers))!;
    let owner = paying.customerNumber;
    if (kind === 'parent') {
      // The group's first customer pays for another member.
      if (groupList.length === 0) continue;
      const members = random.pick(groupList);
      const others = members.filter((member) => member !== members[0] && freeItems(member).length > 0);
      if (members.length < 2 || others.length === 0) continue;
      paying = customerOf.get(members[0]!)!;
      owner = random.pick(others);
    }
    const open = freeItems(owner);
    if (kind !== 'unknown' && open.length === 0) continue;
    const date = addDays(options.bookingDate, -random.int(0, 2));
    const entry: StatementEntry = {
      bookingDate: date,
      valueDate: date,
      amount: '0',
      reference: null,
      remittance: null,
      counterpartyName: payerName(random, paying.name),
      counterpartyAccount: payerAccountOf(paying.customerNumber),
      bankCode: 'PMNT/RCDT/ESCT',
      line: 0,
    };
    let paid: GeneratorItem[] = [];
    let amount = 0n;
    let target: 'home' | 'foreign' = 'home';
    switch (kind) {
      case 'clean':
      case 'typo':
      case 'parent':
      case 'fx': {
        paid = [open[random.int(0, Math.min(open.length, 3) - 1)]!];
        amount = paid[0]!.open;
        const number = kind === 'typo' ? mistype(random, paid[0]!.documentNumber) : quote(random, paid[0]!.documentNumber);
        entry.remittance = remittanceFor(random, [number]);
        if (kind === 'fx') {
          target = 'foreign';
          // The payer pays the invoice's value in the foreign currency at the day's rate.
          amount = convertAmount(amount, inverseRate(options.foreignRate), 2, 2);
        }
        break;
      }
      case 'no_reference': {
        // Pays the oldest item, or the oldest two, without saying which.
        paid = open.slice(0, random.chance(0.7) || open.length < 2 ? 1 : 2);
        amount = paid.reduce((sum, item) => sum + item.open, 0n);
        entry.remittance = random.pick([null, 'PAYMENT', 'Transfer', 'Monthly settlement']);
        break;
      }
      case 'several': {
        if (open.length < 2) continue;
        const count = random.int(2, Math.min(4, open.length));
        paid = open.slice(0, count);
        amount = paid.reduce((sum, item) => sum + item.open, 0n);
        entry.remittance = random.chance(0.75) ? remittanceFor(random, paid.map((item) => quote(random, item.documentNumber))) : null;
        break;
      }
      case 'short': {
        paid = [open[0]!];
        const full = paid[0]!.open;
        // Bank charges or a small deduction: 0.5% to 4% short.
        const cut = (full * BigInt(random.int(5, 40))) / 1000n;
        if (cut === 0n) continue;
        amount = full - cut;
        entry.remittance = remittanceFor(random, [quote(random, paid[0]!.documentNumber)]);
        break;
      }
      case 'unknown': {
        amount = BigInt(random.int(1_000, 500_000)) + 7n;
        entry.counterpartyName = random.pick(['TAX REFUND OFFICE', 'INSURANCE CLAIM SETTLEMENT', 'J SMITH', 'CARD PROCESSOR PAYOUT']);
        entry.counterpartyAccount = `DE00UNKN${random.int(10_000_000, 99_999_999)}`;
        entry.remittance = random.pick([null, 'Refund', 'Claim 55']);
        break;
      }
    }
    if (!known.has(paying.customerNumber) && kind !== 'unknown' && random.chance(0.2)) entry.counterpartyAccount = null;
    for (const item of paid) used.add(item.documentNumber);
    entry.amount = formatMinor(amount, 2);
    const statement = target === 'home' ? home : foreign;
    statement.push(entry);
    counts[kind] += 1;
    lines.push({
      kind,
      statement: target,
      entryNumber: statement.length,
      customerNumber: kind === 'unknown' ? null : owner,
      payments: paid.map((item) => ({ documentNumber: item.documentNumber, amount: kind === 'short' ? amount : item.open })),
    });
  }

  const statementOf = (account: string, currency: string, entries: StatementEntry[], id: string) => ({
    account,
    currency,
    statementId: id,
    openingBalance: null,
    closingBalance: null,
    openingDate: addDays(options.bookingDate, -2),
    closingDate: options.bookingDate,
    entries,
    line: 1,
  });
  return {
    file: {
      file: `generated-${options.bookingDate}.xml`,
      type: 'camt053',
      statements: [
        statementOf(options.homeAccount, options.homeCurrency, home, `GEN-${options.bookingDate}-H`),
        ...(foreign.length > 0 ? [statementOf(options.foreignAccount, options.foreignCurrency, foreign, `GEN-${options.bookingDate}-F`)] : []),
      ],
      warnings: [],
    },
    lines,
    knownAccounts: [...known].map((customerNumber) => ({ account: payerAccountOf(customerNumber), customerNumber })),
    counts,
  };
}
