/**
 * The dunning proposal: for a company and an as-of date, which customers
 * get a reminder letter, at which level, for which overdue items, with
 * which fee and interest. It is computed by one set-based query per
 * company and writes nothing.
 */
import { scopeCondition } from '../auth/scope.js';
import { unrestricted, type Scope } from '../auth/types.js';
import type { Queryable, SqlParam } from '../db/types.js';
import { loadCurrencyExponents } from '../ledger/currencies.js';
import type { Company } from '../ledger/types.js';
import { daysBetween, isIsoDate, type IsoDate } from '../shared/dates.js';
import { InputError } from '../shared/errors.js';
import { divideRounded, formatMinor, rateToFraction } from '../shared/money.js';
import { contactsOf, type LetterLanguage } from './contacts.js';
import { loadDunningSettings, type DunningLevel, type DunningSettings } from './dunning-levels.js';

export interface DunningItem {
  itemId: bigint;
  documentNumber: string;
  dueDate: IsoDate;
  daysPastDue: number;
  currency: string;
  exponent: number;
  openAmount: bigint;
  /** The item's level: by its days past due, at most one above the level it last reached. */
  level: number;
  /** Days the interest runs: from the due date, or from the item's last letter when later. */
  interestDays: number;
  interest: bigint;
}

/** A letter's amounts in one currency. */
export interface CurrencyTotal {
  currency: string;
  exponent: number;
  openAmount: bigint;
  interest: bigint;
  fee: bigint;
  total: bigint;
}

export interface DunningLetterProposal {
  customerId: bigint;
  customerNumber: string;
  customerName: string;
  level: number;
  language: LetterLanguage;
  /** The collections contact's address; null sends the letter to print. */
  email: string | null;
  feeCurrency: string | null;
  fee: bigint;
  items: DunningItem[];
  totals: CurrencyTotal[];
}

export interface DunningProposal {
  companyId: number;
  company: string;
  companyName: string;
  asOf: IsoDate;
  minIntervalDays: number;
  letters: DunningLetterProposal[];
  /** All letters added up per currency. */
  totals: CurrencyTotal[];
}

export function checkAsOf(asOf: string, field = 'asOf'): IsoDate {
  if (typeof asOf !== 'string' || !isIsoDate(asOf)) {
    throw new InputError(`invalid ${field} "${String(asOf)}": use a date as YYYY-MM-DD`, 'invalid_date', field);
  }
  return asOf;
}

/**
 * SQL `case` that gives the level an item reaches by its days past due.
 * The thresholds are integers read from dunning_level, so they go into
 * the text as literals.
 */
function levelByDaysSql(levels: readonly DunningLevel[], daysExpression: string): string {
  const branches = [...levels]
    .reverse()
    .map((level) => `when ${daysExpression} >= ${Math.trunc(level.minDaysPastDue)} then ${Math.trunc(level.level)}`);
  return `case ${branches.join(' ')} else 0 end`;
}

interface ProposalRow {
  customer_id: bigint;
  customer_number: string;
  name: string;
  item_id: bigint;
  document_number: string;
  due_date: IsoDate;
  currency: string;
  open_amount: bigint;
  days_past_due: number;
  item_level: number;
  letter_level: number;
  last_dunned_date: IsoDate | null;
}

/**
 * Reads every overdue item of the company to dun as of the date, in one
 * query. Items are debits posted by then, open after allocations dated by
 * then and at least level 1's days past due. Items flagged disputed or in
 * a dispute open on the date are left out. So are customers sent a letter
 * of any level within the minimum interval, so a letter never follows
 * another sooner than that, even at a higher level.
 */
async function loadProposalRows(db: Queryable, companyId: number, asOf: IsoDate, settings: DunningSettings, scope: Scope): Promise<ProposalRow[]> {
  const first = settings.levels[0]!;
  // dunning_item keeps each item's latest level. A proposal dated before
  // the latest approved letter reads the letters approved by its date instead.
  const latest = await db.query<{ latest: IsoDate | null }>('select max(last_dunned_date) as latest from dunning_item where company_id = $1', [companyId]);
  const latestDate = latest.rows[0]?.latest ?? null;
  const itemLevels =
    latestDate === null || latestDate <= asOf
      ? 'dunning_item'
      : `(select li.company_id, li.item_id, max(li.level) as level, max(r.as_of) as last_dunned_date
          from dunning_letter_item li
          join dunning_letter dl on dl.company_id = li.company_id and dl.letter_id = li.letter_id
          join dunning_run r on r.company_id = dl.company_id and r.run_id = dl.run_id
          where li.company_id = $1 and r.status = 'approved' and dl.status <> 'dropped' and r.as_of <= $2::date
          group by li.company_id, li.item_id)`;
  const params: SqlParam[] = [companyId, asOf, first.minDaysPastDue, settings.minIntervalDays];
  const inScope = scopeCondition(scope, 'c', params);
  const result = await db.query<ProposalRow>(
    `with debited as (
       select a.debit_item_id as item_id, sum(a.amount)::bigint as allocated
       from allocation a
       where a.company_id = $1 and a.allocation_date <= $2::date
       group by a.debit_item_id
     ),
     credited as (
       select a.credit_item_id as item_id, sum(a.credit_amount)::bigint as allocated
       from allocation a
       where a.company_id = $1 and a.allocation_date <= $2::date
       group by a.credit_item_id
     ),
     leveled as (
       select i.item_id, i.customer_id, i.document_number, i.due_date, i.currency,
              i.amount - coalesce(d.allocated, 0) + coalesce(c.allocated, 0) as open_amount,
              ($2::date - i.due_date) as days_past_due,
              least(${levelByDaysSql(settings.levels, '($2::date - i.due_date)')}, coalesce(di.level, 0) + 1) as item_level,
              di.last_dunned_date
       from open_item i
       left join debited d on d.item_id = i.item_id
       left join credited c on c.item_id = i.item_id
       left join ${itemLevels} di on di.company_id = $1 and di.item_id = i.item_id
       where i.company_id = $1 and i.posting_date <= $2::date and i.amount > 0 and not i.disputed
         and i.due_date <= $2::date - $3::integer
         and not exists (
           select 1 from dispute_item l
           join dispute x on x.company_id = l.company_id and x.dispute_id = l.dispute_id
           where l.company_id = $1 and l.item_id = i.item_id
             and x.opened_date <= $2::date and (x.resolved_date is null or x.resolved_date > $2::date)
         )
     ),
     ranked as (
       select l.*, first_value(l.item_level) over (partition by l.customer_id order by l.due_date, l.item_id) as letter_level
       from leveled l
       where l.open_amount > 0
     ),
     recent as (
       select distinct dl.customer_id
       from dunning_letter dl join dunning_run r on r.company_id = dl.company_id and r.run_id = dl.run_id
       where dl.company_id = $1 and r.status = 'approved' and dl.status <> 'dropped'
         and r.as_of <= $2::date and r.as_of > $2::date - $4::integer
     )
     select r.customer_id, c.customer_number, c.name, r.item_id, r.document_number, r.due_date,
            r.currency::text as currency, r.open_amount, r.days_past_due, r.item_level, r.letter_level,
            r.last_dunned_date
     from ranked r
     join customer c on c.company_id = $1 and c.customer_id = r.customer_id
     where not exists (select 1 from recent x where x.customer_id = r.customer_id)
       and ${inScope}
     order by c.customer_number, r.customer_id, r.due_date, r.item_id`,
    params,
  );
  return result.rows;
}

/**
 * Interest on an open amount for a number of days at an annual rate,
 * actual/365, in minor units, rounded half up. Exact: bigint only.
 */
export function dunningInterest(openAmount: bigint, rate: string | null, days: number): bigint {
  if (rate === null || days <= 0 || openAmount <= 0n) return 0n;
  const { numerator, denominator } = rateToFraction(rate);
  return divideRounded(openAmount * numerator * BigInt(days), denominator * 365n);
}

/** Days of interest for an item: from its due date, or from its last letter when that is later. */
export function interestDays(asOf: IsoDate, dueDate: IsoDate, lastDunnedDate: IsoDate | null): number {
  const from = lastDunnedDate !== null && lastDunnedDate > dueDate ? lastDunnedDate : dueDate;
  return Math.max(0, daysBetween(from, asOf));
}

/** Adds up items, interest and the fee per currency, in currency code order. */
export function letterTotals(items: readonly Pick<DunningItem, 'currency' | 'exponent' | 'openAmount' | 'interest'>[], feeCurrency: string | null, fee: bigint, exponents: ReadonlyMap<string, number>): CurrencyTotal[] {
  const totals = new Map<string, CurrencyTotal>();
  const totalOf = (currency: string, exponent: number) => {
    let total = totals.get(currency);
    if (!total) {
      total = { currency, exponent, openAmount: 0n, interest: 0n, fee: 0n, total: 0n };
      totals.set(currency, total);
    }
    return total;
  };
  for (const item of items) {
    const total = totalOf(item.currency, item.exponent);
    total.openAmount += item.openAmount;
    total.interest += item.interest;
    total.total += item.openAmount + item.interest;
  }
  if (feeCurrency !== null && fee > 0n) {
    const total = totalOf(feeCurrency, exponents.get(feeCurrency) ?? 2);
    total.fee += fee;
    total.total += fee;
  }
  return [...totals.values()].sort(byCurrency);
}

function byCurrency(a: CurrencyTotal, b: CurrencyTotal): number {
  return a.currency.localeCompare(b.currency, 'en');
}

/** Adds up the totals of many letters per currency. */
export function sumTotals(lists: readonly (readonly CurrencyTotal[])[]): CurrencyTotal[] {
  const sums = new Map<string, CurrencyTotal>();
  for (const list of lists) {
    for (const total of list) {
      const sum = sums.get(total.currency) ?? { ...total, openAmount: 0n, interest: 0n, fee: 0n, total: 0n };
      sum.openAmount += total.openAmount;
      sum.interest += total.interest;
      sum.fee += total.fee;
      sum.total += total.total;
      sums.set(total.currency, sum);
    }
  }
  return [...sums.values()].sort(byCurrency);
}

function groupLetters(rows: readonly ProposalRow[], asOf: IsoDate, settings: DunningSettings, exponents: ReadonlyMap<string, number>): DunningLetterProposal[] {
  const letters: DunningLetterProposal[] = [];
  let current: DunningLetterProposal | null = null;
  for (const row of rows) {
    if (current === null || current.customerId !== row.customer_id) {
      const level = settings.levels[Number(row.letter_level) - 1]!;
      const currency = row.currency.trim();
      const fee = level.fees.get(currency) ?? 0n;
      current = {
        customerId: row.customer_id,
        customerNumber: row.customer_number,
        customerName: row.name,
        level: level.level,
        language: 'en',
        email: null,
        feeCurrency: fee > 0n ? currency : null,
        fee,
        items: [],
        totals: [],
      };
      letters.push(current);
    }
    const rate = settings.levels[current.level - 1]!.interestRate;
    const openAmount = BigInt(row.open_amount);
    const days = interestDays(asOf, row.due_date, row.last_dunned_date);
    const currency = row.currency.trim();
    current.items.push({
      itemId: row.item_id,
      documentNumber: row.document_number,
      dueDate: row.due_date,
      daysPastDue: Number(row.days_past_due),
      currency,
      exponent: exponents.get(currency) ?? 2,
      openAmount,
      level: Number(row.item_level),
      interestDays: rate === null ? 0 : days,
      interest: dunningInterest(openAmount, rate, days),
    });
  }
  for (const letter of letters) letter.totals = letterTotals(letter.items, letter.feeCurrency, letter.fee, exponents);
  return letters;
}

/**
 * Proposes the dunning letters of a company as of a date. Each item's
 * level is the level its days past due reach, but at most one above the
 * level the item reached in an approved run, so no level is skipped. A
 * letter takes the level of the customer's oldest item in it (earliest
 * due date). The fee of that level is charged once, in the currency of
 * that oldest item, when the level defines a fee in that currency.
 * Interest runs at the letter level's rate on each item. Returns no
 * letters when the company has no dunning levels.
 */
export async function proposeDunning(db: Queryable, company: Company, asOf: IsoDate, scope: Scope = unrestricted): Promise<DunningProposal> {
  checkAsOf(asOf);
  const [settings, exponents] = await Promise.all([loadDunningSettings(db, company.companyId), loadCurrencyExponents(db)]);
  const base = { companyId: company.companyId, company: company.code, companyName: company.name, asOf, minIntervalDays: settings.minIntervalDays };
  if (settings.levels.length === 0) return { ...base, letters: [], totals: [] };

  const rows = await loadProposalRows(db, company.companyId, asOf, settings, scope);
  const letters = groupLetters(rows, asOf, settings, exponents);
  const contacts = await contactsOf(db, company.companyId, letters.map((letter) => letter.customerId), 'collections');
  for (const letter of letters) {
    const contact = contacts.get(letter.customerId);
    letter.email = contact?.email ?? null;
    letter.language = contact?.language ?? 'en';
  }
  return { ...base, letters, totals: sumTotals(letters.map((letter) => letter.totals)) };
}

export interface CurrencyTotalJson {
  currency: string;
  openAmount: string;
  interest: string;
  fee: string;
  total: string;
}

export function totalToJson(total: CurrencyTotal): CurrencyTotalJson {
  const money = (amount: bigint) => formatMinor(amount, total.exponent);
  return { currency: total.currency, openAmount: money(total.openAmount), interest: money(total.interest), fee: money(total.fee), total: money(total.total) };
}

export function itemToJson(item: DunningItem) {
  return {
    itemId: item.itemId.toString(),
    documentNumber: item.documentNumber,
    dueDate: item.dueDate,
    daysPastDue: item.daysPastDue,
    currency: item.currency,
    openAmount: formatMinor(item.openAmount, item.exponent),
    level: item.level,
    interestDays: item.interestDays,
    interest: formatMinor(item.interest, item.exponent),
  };
}

/** Converts a proposal to JSON: amounts as decimal text in their currency's exponent. */
export function proposalToJson(proposal: DunningProposal, exponents: ReadonlyMap<string, number>) {
  return {
    company: proposal.company,
    asOf: proposal.asOf,
    minIntervalDays: proposal.minIntervalDays,
    letters: proposal.letters.map((letter) => ({
      customerId: letter.customerId.toString(),
      customerNumber: letter.customerNumber,
      customerName: letter.customerName,
      level: letter.level,
      language: letter.language,
      email: letter.email,
      feeCurrency: letter.feeCurrency,
      fee: letter.feeCurrency === null ? null : formatMinor(letter.fee, exponents.get(letter.feeCurrency) ?? 2),
      items: letter.items.map(itemToJson),
      totals: letter.totals.map(totalToJson),
    })),
    totals: proposal.totals.map(totalToJson),
  };
}
