import type { Queryable } from '../db/types.js';
import { addDays, toEpochDay, type IsoDate } from '../shared/dates.js';
import { InputError } from '../shared/errors.js';
import { getCompany, nextBusinessDay } from './companies.js';
import type { AllocationInput, Company, OpenItemInput } from './types.js';

export interface InstalmentRule {
  /** Share of the amount in basis points; the shares of a term add to 10000. */
  shareBp: number;
  /** Days from the invoice's document date to this instalment's due date. */
  dueDays: number;
}

export interface PaymentTerm {
  code: string;
  description: string;
  rollToBusinessDay: boolean;
  instalments: InstalmentRule[];
}

/**
 * Parses instalments written as `share%:days` pairs, for example
 * `40:30,60:60` (40% after 30 days, 60% after 60 days).
 */
export function parseInstalmentRules(text: string): InstalmentRule[] {
  const rules = text.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d{1,2})?)\s*%?\s*:\s*(\d+)\s*$/.exec(part);
    if (!match) {
      throw new InputError(
        `invalid instalment "${part}": write share:days, for example 50:30`,
        'invalid_payment_term',
        'instalments',
      );
    }
    const [whole, fraction = ''] = match[1]!.split('.');
    return {
      shareBp: Number(whole) * 100 + Number(fraction.padEnd(2, '0')),
      dueDays: Number(match[2]),
    };
  });
  validateRules(rules);
  return rules;
}

function validateRules(rules: readonly InstalmentRule[]): void {
  const total = rules.reduce((sum, rule) => sum + rule.shareBp, 0);
  if (rules.length === 0 || total !== 10_000) {
    throw new InputError(
      `instalment shares add up to ${total / 100}%, not 100%`,
      'invalid_payment_term',
      'instalments',
    );
  }
  if (rules.some((rule) => rule.shareBp <= 0 || rule.dueDays < 0)) {
    throw new InputError(
      'every instalment needs a positive share and zero or more days',
      'invalid_payment_term',
      'instalments',
    );
  }
}

/**
 * Splits an amount into instalment amounts by basis-point shares. Each is
 * rounded down in minor units and the last takes the remainder, so the
 * parts always add up to the amount exactly.
 */
export function splitAmount(amount: bigint, rules: readonly InstalmentRule[]): bigint[] {
  const parts: bigint[] = [];
  let assigned = 0n;
  rules.forEach((rule, index) => {
    if (index === rules.length - 1) {
      parts.push(amount - assigned);
      return;
    }
    const part = (amount * BigInt(rule.shareBp)) / 10_000n;
    parts.push(part);
    assigned += part;
  });
  return parts;
}

export async function definePaymentTerm(
  db: Queryable,
  companyCode: string,
  term: PaymentTerm,
): Promise<void> {
  validateRules(term.instalments);
  const company = await getCompany(db, companyCode);
  const existing = await db.query(
    'select 1 from payment_term where company_id = $1 and code = $2',
    [company.companyId, term.code],
  );
  if (existing.rows.length > 0) {
    throw new InputError(
      `payment term "${term.code}" already exists in company ${companyCode}`,
      'duplicate_payment_term',
      'code',
    );
  }
  await db.query(
    `insert into payment_term (company_id, code, description, roll_to_business_day)
     values ($1, $2, $3, $4)`,
    [company.companyId, term.code, term.description, term.rollToBusinessDay],
  );
  for (const [index, rule] of term.instalments.entries()) {
    await db.query(
      `insert into payment_term_instalment (company_id, code, instalment, share_bp, due_days)
       values ($1, $2, $3, $4, $5)`,
      [company.companyId, term.code, index + 1, rule.shareBp, rule.dueDays],
    );
  }
}

export async function listPaymentTerms(
  db: Queryable,
  companyId: number,
): Promise<PaymentTerm[]> {
  const result = await db.query<{
    code: string;
    description: string;
    roll_to_business_day: boolean;
    share_bp: number;
    due_days: number;
  }>(
    `select t.code, t.description, t.roll_to_business_day, i.share_bp, i.due_days
     from payment_term t
     join payment_term_instalment i on i.company_id = t.company_id and i.code = t.code
     where t.company_id = $1
     order by t.code, i.instalment`,
    [companyId],
  );
  const terms = new Map<string, PaymentTerm>();
  for (const row of result.rows) {
    let term = terms.get(row.code);
    if (!term) {
      term = {
        code: row.code,
        description: row.description,
        rollToBusinessDay: row.roll_to_business_day,
        instalments: [],
      };
      terms.set(row.code, term);
    }
    term.instalments.push({ shareBp: row.share_bp, dueDays: row.due_days });
  }
  return [...terms.values()];
}

/**
 * Splits each invoice whose payment term has several instalments into one
 * item per instalment: the same document number, instalment 1..n, its own
 * due date from the document date, and `#n` appended to the source key.
 * Items that already carry an instalment number, or whose term has one
 * instalment, pass through unchanged; with no terms defined the same
 * array is returned.
 */
export async function expandInstalments(
  db: Queryable,
  company: Company,
  items: readonly OpenItemInput[],
): Promise<OpenItemInput[]> {
  const terms = new Map(
    (await listPaymentTerms(db, company.companyId)).map((term) => [term.code, term]),
  );
  if (terms.size === 0) return items as OpenItemInput[];
  const expanded: OpenItemInput[] = [];
  for (const item of items) {
    const term = item.paymentTerms ? terms.get(item.paymentTerms) : undefined;
    const splits = item.kind === 'invoice' && item.instalment === undefined && term
      ? term.instalments.length
      : 1;
    if (!term || splits < 2) {
      expanded.push(item);
      continue;
    }
    const amounts = splitAmount(item.amount, term.instalments);
    const locals = item.amountLocal === undefined ? undefined : splitAmount(item.amountLocal, term.instalments);
    for (const [index, rule] of term.instalments.entries()) {
      // A tiny invoice can leave an instalment with nothing to pay.
      if (amounts[index] === 0n) continue;
      let dueDate: IsoDate = addDays(item.documentDate, rule.dueDays);
      if (term.rollToBusinessDay) dueDate = await nextBusinessDay(db, company, dueDate);
      expanded.push({
        ...item,
        erpKey: `${item.erpKey}#${index + 1}`,
        instalment: index + 1,
        dueDate,
        amount: amounts[index]!,
        amountLocal: locals?.[index],
      });
    }
  }
  return expanded;
}

/**
 * Rewrites allocations that name an invoice split by `expandInstalments`
 * so that they pay its instalments oldest due date first, each up to its
 * amount. Allocations to unsplit items pass through unchanged.
 */
export function allocateToInstalments(
  items: readonly OpenItemInput[],
  allocations: readonly AllocationInput[],
): AllocationInput[] {
  const parts = new Map<string, { erpKey: string; dueDate: IsoDate; remaining: bigint }[]>();
  for (const item of items) {
    const hash = item.erpKey.lastIndexOf('#');
    if (item.instalment === undefined || hash < 0) continue;
    const original = item.erpKey.slice(0, hash);
    const list = parts.get(original) ?? [];
    list.push({ erpKey: item.erpKey, dueDate: item.dueDate, remaining: item.amount });
    parts.set(original, list);
  }
  for (const list of parts.values()) {
    // Oldest due date first. The sort is stable, so equal dates keep their order.
    list.sort((a, b) => toEpochDay(a.dueDate) - toEpochDay(b.dueDate));
  }
  const rewritten: AllocationInput[] = [];
  for (const allocation of allocations) {
    const list = parts.get(allocation.debitErpKey);
    if (!list) {
      rewritten.push(allocation);
      continue;
    }
    let left = allocation.amount;
    for (const part of list) {
      if (left === 0n) break;
      const amount = part.remaining < left ? part.remaining : left;
      if (amount === 0n) continue;
      part.remaining -= amount;
      left -= amount;
      rewritten.push({
        ...allocation,
        erpKey: allocation.erpKey ? `${allocation.erpKey}@${part.erpKey}` : undefined,
        debitErpKey: part.erpKey,
        amount,
      });
    }
    if (left > 0n) {
      // More than the invoice: keep the excess on the last part, where the
      // ledger's over-allocation check rejects it with the item named.
      const last = list[list.length - 1]!;
      rewritten.push({ ...allocation, debitErpKey: last.erpKey, amount: left });
    }
  }
  return rewritten;
}
