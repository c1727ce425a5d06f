/**
 * Collections on a real ledger: the IBM late-payment sample, 2,466
 * invoices with their settlement dates and a disputed flag. Each figure
 * below is computed again from the raw CSV rows and compared with what
 * the dunning proposal and the worklist report.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, sampleDataDir, type TestDb } from '../../test/helpers/db.js';
import { dayNumber, parseRawIbm, type RawInvoice } from '../../test/helpers/ibm-raw.js';
import { cliActor } from '../auth/actor.js';
import { unrestricted, type Actor } from '../auth/types.js';
import { importIbmAr } from '../integration/index.js';
import { getCompany } from '../ledger/index.js';
import type { Company } from '../ledger/types.js';
import { setDunningLevels, type DunningLevelsJson } from './dunning-levels.js';
import { proposeDunning } from './dunning-proposal.js';
import { parseStrategyFile, saveStrategy } from './strategies.js';
import { readWorklist } from './worklist.js';

const dir = sampleDataDir();
// The customers of this ledger pay within weeks, so one date has only a
// few overdue. The checks therefore run on the 1st and 15th of every month
// of 2012 and 2013.
const dates = Array.from({ length: 48 }, (_, index) => {
  const year = 2012 + Math.floor(index / 24);
  const month = Math.floor(index / 2) % 12 + 1;
  return `${year}-${String(month).padStart(2, '0')}-${index % 2 === 0 ? '01' : '15'}`;
});
const manager: Actor = { userId: 1, email: 'manager@ardesk.example', role: 'credit_manager', scope: unrestricted, via: 'session' };

/** Lists the overdue, undisputed invoices still open on `date`, per customer. */
function overdueByCustomer(invoices: readonly RawInvoice[], date: string): Map<string, RawInvoice[]> {
  const result = new Map<string, RawInvoice[]>();
  for (const invoice of invoices) {
    const open = invoice.invoiceDate <= date && date < invoice.settledDate;
    if (!open || invoice.disputed || !(invoice.dueDate < date)) continue;
    result.set(invoice.customer, [...(result.get(invoice.customer) ?? []), invoice]);
  }
  return result;
}

/** Rounds numerator / denominator half up, for non-negative values. */
function halfUp(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}

describe.skipIf(!dir)('collections on the IBM late-payment ledger', () => {
  let db: TestDb;
  let company: Company;
  let invoices: RawInvoice[];

  beforeAll(async () => {
    db = await openTestDb();
    const file = join(dir!, 'ibm-watson-ar-late-payments', 'WA_Fn-UseC_-Accounts-Receivable.csv');
    invoices = parseRawIbm(await readFile(file, 'utf8'));
    await importIbmAr(db, file, { company: 'IBM', currency: 'USD' });
    company = await getCompany(db, 'IBM');
    const levels = JSON.parse(await readFile(new URL('../../examples/dunning/levels.json', import.meta.url), 'utf8')) as DunningLevelsJson;
    await setDunningLevels(db, company.companyId, levels, manager);
    const strategy = JSON.parse(await readFile(new URL('../../examples/strategies/standard.json', import.meta.url), 'utf8')) as unknown;
    await saveStrategy(db, company, { ...parseStrategyFile(strategy, company.currencyExponent), isDefault: true }, manager);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('proposes a first letter for every customer with overdue undisputed invoices', async () => {
    let checked = 0;
    for (const asOf of dates) checked += await checkProposal(asOf);
    expect(checked).toBeGreaterThan(50);
  });

  async function checkProposal(asOf: string): Promise<number> {
    const expected = overdueByCustomer(invoices, asOf);
    const proposal = await proposeDunning(db, company, asOf);
    const letters = new Map(proposal.letters.map((letter) => [letter.customerNumber, letter]));
    expect([...letters.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [customer, open] of expected) {
      const letter = letters.get(customer)!;
      // Nothing was sent before, so every item starts at level 1 whatever its age.
      expect(letter.level, customer).toBe(1);
      const sum = open.reduce((total, invoice) => total + invoice.cents, 0n);
      // Level 1 of the example levels: a fee of 10.00 USD and no interest.
      expect(letter.totals, customer).toEqual([{ currency: 'USD', exponent: 2, openAmount: sum, interest: 0n, fee: 10_00n, total: sum + 10_00n }]);
      const days = new Map(open.map((invoice) => [invoice.cents, dayNumber(asOf) - dayNumber(invoice.dueDate)]));
      for (const item of letter.items) expect(item.daysPastDue, `${customer} ${item.documentNumber}`).toBe(days.get(item.openAmount));
    }
    return expected.size;
  }

  it('leaves every disputed invoice out of the letters', async () => {
    const proposals = await Promise.all(dates.map((asOf) => proposeDunning(db, company, asOf)));
    const inLetters = proposals.flatMap((proposal) => proposal.letters).flatMap((letter) => letter.items.map((item) => item.itemId.toString()));
    const disputed = await db.query<{ item_id: bigint }>('select item_id from open_item where company_id = $1 and disputed', [company.companyId]);
    expect(disputed.rows.length).toBeGreaterThan(0);
    const disputedIds = new Set(disputed.rows.map((row) => row.item_id.toString()));
    expect(inLetters.filter((id) => disputedIds.has(id))).toEqual([]);
  });

  it('ranks every overdue customer with its overdue amount and score parts', async () => {
    let checked = 0;
    for (const asOf of dates) checked += await checkWorklist(asOf);
    expect(checked).toBeGreaterThan(50);
  });

  async function checkWorklist(asOf: string): Promise<number> {
    const expected = overdueByCustomer(invoices, asOf);
    const page = await readWorklist(db, company, unrestricted, { date: asOf, collectors: null, limit: 1000, offset: 0 }, cliActor());
    const entries = new Map(page.entries.map((entry) => [entry.customerNumber, entry]));
    expect(page.total).toBe(page.entries.length);
    const cap = 100_000n * 100n;
    for (const [customer, open] of expected) {
      const entry = entries.get(customer);
      expect(entry, customer).toBeDefined();
      const overdue = open.reduce((total, invoice) => total + invoice.cents, 0n);
      expect(entry!.overdueLocal, customer).toBe(overdue);
      const oldest = Math.max(...open.map((invoice) => dayNumber(asOf) - dayNumber(invoice.dueDate)));
      expect(entry!.daysPastDue, customer).toBe(oldest);
      // Score parts in hundredths: amount 40 × min(overdue, cap) / cap, days 30 × min(days, 180) / 180.
      const amountPoints = halfUp(4000n * (overdue < cap ? overdue : cap), cap);
      const dayPoints = halfUp(3000n * BigInt(Math.min(oldest, 180)), 180n);
      expect(entry!.parts.amount, customer).toBe((Number(amountPoints) / 100).toFixed(2));
      expect(entry!.parts.days, customer).toBe((Number(dayPoints) / 100).toFixed(2));
    }
    for (const entry of page.entries) {
      const parts = Object.values(entry.parts).reduce((total, part) => total + Math.round(Number(part) * 100), 0);
      expect(Math.round(Number(entry.score) * 100), entry.customerNumber).toBe(parts);
    }
    const scores = page.entries.map((entry) => Number(entry.score));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    return expected.size;
  }
});
