import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { openItemsAsOfSql } from '../ledger/balances.js';
import { getCompany, type ParsedLedger } from '../ledger/index.js';
import { convertAmount } from '../shared/money.js';
import { addDays, type IsoDate } from '../shared/dates.js';
import { generateDemoLedger, loadDemo, type DemoFxRate, type DemoOptions } from './generate.js';

const smallOptions: DemoOptions = { seed: 7, customers: 40, items: 900, endDate: '2026-03-31' };

const exponentOf: Record<string, number> = {
  USD: 2, EUR: 2, GBP: 2, CHF: 2, CAD: 2, PLN: 2, SAR: 2, AED: 2, JPY: 0, KWD: 3,
};

/** Open amount per currency as of a date, computed from the arrays alone. */
function openByCurrency(ledger: ParsedLedger, asOf: IsoDate): Map<string, bigint> {
  const open = new Map<string, bigint>();
  const byKey = new Map(ledger.items.map((item) => [item.erpKey, item]));
  for (const item of ledger.items) {
    if (item.postingDate > asOf) continue;
    open.set(item.currency, (open.get(item.currency) ?? 0n) + item.amount);
  }
  for (const allocation of ledger.allocations) {
    if (allocation.allocationDate > asOf) continue;
    // Both items are posted by the allocation date, so both count here.
    const debit = byKey.get(allocation.debitErpKey)!;
    const credit = byKey.get(allocation.creditErpKey)!;
    open.set(debit.currency, open.get(debit.currency)! - allocation.amount);
    open.set(credit.currency, open.get(credit.currency)! + allocation.amount);
  }
  return open;
}

/** Sum of positive (debit) open amounts per currency as of a date. */
function openDebitsByCurrency(ledger: ParsedLedger, asOf: IsoDate): Map<string, bigint> {
  const openByKey = new Map<string, bigint>();
  for (const item of ledger.items) {
    if (item.postingDate <= asOf) openByKey.set(item.erpKey, item.amount);
  }
  for (const allocation of ledger.allocations) {
    if (allocation.allocationDate > asOf) continue;
    openByKey.set(allocation.debitErpKey, openByKey.get(allocation.debitErpKey)! - allocation.amount);
    openByKey.set(allocation.creditErpKey, openByKey.get(allocation.creditErpKey)! + allocation.amount);
  }
  const totals = new Map<string, bigint>();
  for (const item of ledger.items) {
    const open = openByKey.get(item.erpKey);
    if (open === undefined || open <= 0n) continue;
    totals.set(item.currency, (totals.get(item.currency) ?? 0n) + open);
  }
  return totals;
}

function latestRate(rates: readonly DemoFxRate[], from: string, to: string, date: IsoDate): string {
  let best: DemoFxRate | undefined;
  for (const rate of rates) {
    if (rate.from !== from || rate.to !== to || rate.date > date) continue;
    if (!best || rate.date > best.date) best = rate;
  }
  if (!best) throw new Error(`no ${from}/${to} rate on or before ${date}`);
  return best.rate;
}

/** Violations of the ledger's allocation rules, as readable strings. */
function allocationProblems(ledger: ParsedLedger): string[] {
  const problems: string[] = [];
  const byKey = new Map(ledger.items.map((item) => [item.erpKey, item]));
  const used = new Map<string, bigint>();
  for (const allocation of ledger.allocations) {
    const debit = byKey.get(allocation.debitErpKey);
    const credit = byKey.get(allocation.creditErpKey);
    const label = `${allocation.creditErpKey} -> ${allocation.debitErpKey}`;
    if (!debit || !credit) {
      problems.push(`${label}: item missing`);
      continue;
    }
    if (allocation.amount <= 0n) problems.push(`${label}: amount ${allocation.amount}`);
    if (debit.amount <= 0n || credit.amount >= 0n) problems.push(`${label}: wrong sides`);
    if (debit.currency !== credit.currency) problems.push(`${label}: currencies differ`);
    if (allocation.allocationDate < debit.postingDate || allocation.allocationDate < credit.postingDate) {
      problems.push(`${label}: dated ${allocation.allocationDate} before a posting date`);
    }
    used.set(debit.erpKey, (used.get(debit.erpKey) ?? 0n) + allocation.amount);
    used.set(credit.erpKey, (used.get(credit.erpKey) ?? 0n) + allocation.amount);
  }
  for (const [key, total] of used) {
    const item = byKey.get(key)!;
    const magnitude = item.amount < 0n ? -item.amount : item.amount;
    if (total > magnitude) problems.push(`${key}: allocated ${total} of ${magnitude}`);
  }
  return problems;
}

describe('demo generator', () => {
  it('repeats its output for a seed', () => {
    const first = generateDemoLedger(smallOptions);
    const second = generateDemoLedger(smallOptions);
    expect(second).toEqual(first);
    const other = generateDemoLedger({ ...smallOptions, seed: 8 });
    expect(other.ledgers[0]!.items).not.toEqual(first.ledgers[0]!.items);
  });

  it('keeps allocations within both items', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 3, max: 25 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 24 }),
        (seed, customers, items, months) => {
          const demo = generateDemoLedger({ seed, customers, items, months, endDate: '2025-12-31' });
          for (const ledger of demo.ledgers) {
            expect(allocationProblems(ledger)).toEqual([]);
            const keys = new Set(ledger.items.map((item) => item.erpKey));
            expect(keys.size).toBe(ledger.items.length);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps every date inside the window', () => {
    const demo = generateDemoLedger({ ...smallOptions, months: 6 });
    const earliest = addDays('2025-09-30', 1);
    for (const ledger of demo.ledgers) {
      for (const item of ledger.items) {
        expect(item.postingDate >= earliest, item.erpKey).toBe(true);
        expect(item.postingDate <= smallOptions.endDate, item.erpKey).toBe(true);
        expect(item.documentDate <= item.postingDate, item.erpKey).toBe(true);
      }
      for (const allocation of ledger.allocations) {
        expect(allocation.allocationDate <= smallOptions.endDate).toBe(true);
      }
    }
  });

  it('covers the cases a credit team meets', () => {
    const demo = generateDemoLedger({ seed: 3, customers: 200, items: 6000, endDate: '2026-03-31' });
    const [us, de, kw] = demo.ledgers;
    expect(demo.ledgers.map((ledger) => ledger.company.currency)).toEqual(['USD', 'EUR', 'KWD']);
    expect(kw!.company.weekendDays).toEqual([5, 6]);
    const all = demo.ledgers.flatMap((ledger) => ledger.items);
    const kinds = new Set(all.map((item) => item.kind));
    for (const kind of ['invoice', 'credit_note', 'debit_note', 'payment', 'advance', 'write_off']) {
      expect(kinds.has(kind as never), kind).toBe(true);
    }
    expect(us!.items.some((item) => item.currency === 'JPY')).toBe(true);
    expect(de!.items.some((item) => item.currency !== 'EUR')).toBe(true);
    expect(all.some((item) => item.disputed)).toBe(true);
    // Instalments: one document number, numbered 1..n, each with its own due date.
    // Document numbers are unique within a company only.
    const instalments = new Map<string, { numbers: number[]; dues: Set<string> }>();
    for (const ledger of demo.ledgers) {
      for (const item of ledger.items) {
        if (item.instalment === undefined) continue;
        const document = `${ledger.company.code} ${item.documentNumber}`;
        const entry = instalments.get(document) ?? { numbers: [], dues: new Set() };
        entry.numbers.push(item.instalment);
        entry.dues.add(item.dueDate);
        instalments.set(document, entry);
      }
    }
    expect(instalments.size).toBeGreaterThan(0);
    for (const [document, entry] of instalments) {
      const sorted = [...entry.numbers].sort((a, b) => a - b);
      expect(sorted, document).toEqual(sorted.map((_, index) => index + 1));
      expect(entry.dues.size, document).toBe(sorted.length);
    }
    // Advances are received before the invoice they are applied to. Source
    // keys are unique within a company only, so each ledger is read alone.
    let advanceCount = 0;
    let partlyPaidCount = 0;
    const openCreditKinds = new Set<string>();
    for (const ledger of demo.ledgers) {
      const byKey = new Map(ledger.items.map((item) => [item.erpKey, item]));
      const allocatedByKey = new Map<string, bigint>();
      for (const allocation of ledger.allocations) {
        const credit = byKey.get(allocation.creditErpKey)!;
        const debit = byKey.get(allocation.debitErpKey)!;
        if (credit.kind === 'advance') {
          advanceCount++;
          expect(credit.postingDate < debit.postingDate, credit.erpKey).toBe(true);
        }
        for (const key of [allocation.creditErpKey, allocation.debitErpKey]) {
          allocatedByKey.set(key, (allocatedByKey.get(key) ?? 0n) + allocation.amount);
        }
      }
      for (const item of ledger.items) {
        const allocated = allocatedByKey.get(item.erpKey) ?? 0n;
        if (item.amount < 0n && allocated < -item.amount) openCreditKinds.add(item.kind);
        if (item.amount > 0n && allocated > 0n && allocated < item.amount) partlyPaidCount++;
      }
    }
    expect(advanceCount).toBeGreaterThan(0);
    // Some credits stay unapplied and some debits are paid in part.
    expect(openCreditKinds.has('payment')).toBe(true);
    expect(openCreditKinds.has('credit_note')).toBe(true);
    expect(partlyPaidCount).toBeGreaterThan(0);
    // Customers carry the master data the reports group by.
    const customers = demo.ledgers.flatMap((ledger) => ledger.customers);
    expect(customers.length).toBe(200);
    for (const field of ['groupNumber', 'country', 'region', 'collector', 'salesRep', 'paymentTerms', 'creditSegment'] as const) {
      expect(customers.some((customer) => customer[field]), field).toBe(true);
    }
    const groups = new Map<string, Set<string>>();
    for (const ledger of demo.ledgers) {
      for (const customer of ledger.customers) {
        if (!customer.groupNumber) continue;
        const codes = groups.get(customer.groupNumber) ?? new Set();
        codes.add(ledger.company.code);
        groups.set(customer.groupNumber, codes);
      }
    }
    expect([...groups.values()].some((codes) => codes.size > 1)).toBe(true);
  });

  it('rejects invalid options', () => {
    expect(() => generateDemoLedger({ ...smallOptions, endDate: '2026-02-30' })).toThrow(/invalid end date/);
    expect(() => generateDemoLedger({ ...smallOptions, customers: 2 })).toThrow(/customer count/);
    expect(() => generateDemoLedger({ ...smallOptions, items: -1 })).toThrow(/item count/);
    expect(() => generateDemoLedger({ ...smallOptions, months: 0 })).toThrow(/month count/);
  });
});

describe('demo import', () => {
  let db: TestDb;
  const demo = generateDemoLedger(smallOptions);

  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('imports every generated row', async () => {
    const results = await loadDemo(db, smallOptions);
    expect(results.map((result) => result.companyCode)).toEqual(demo.ledgers.map((ledger) => ledger.company.code));
    results.forEach((result, index) => {
      const ledger = demo.ledgers[index]!;
      expect(result.itemsInserted).toBe(ledger.items.length);
      expect(result.allocationsInserted).toBe(ledger.allocations.length);
    });
  });

  it('changes nothing on a second load', async () => {
    const results = await loadDemo(db, smallOptions);
    for (const result of results) {
      expect(result.itemsInserted).toBe(0);
      expect(result.allocationsInserted).toBe(0);
    }
  });

  it('matches the arrays open amounts', async () => {
    for (const ledger of demo.ledgers) {
      const company = await getCompany(db, ledger.company.code);
      for (const asOf of ['2025-09-30', smallOptions.endDate]) {
        const result = await db.query<{ currency: string; open: bigint; open_debits: bigint }>(
          `select currency, sum(open_amount)::bigint as open,
                  coalesce(sum(open_amount) filter (where open_amount > 0), 0)::bigint as open_debits
           from (${openItemsAsOfSql('$1', '$2')}) o group by currency`,
          [company.companyId, asOf],
        );
        const expectedOpen = openByCurrency(ledger, asOf);
        const expectedDebits = openDebitsByCurrency(ledger, asOf);
        const actualOpen = new Map(result.rows.map((row) => [row.currency, row.open]));
        const actualDebits = new Map(
          result.rows.filter((row) => row.open_debits !== 0n).map((row) => [row.currency, row.open_debits]),
        );
        expect(actualOpen, `${ledger.company.code} ${asOf}`).toEqual(expectedOpen);
        expect(actualDebits, `${ledger.company.code} ${asOf}`).toEqual(expectedDebits);
      }
    }
  });

  it('converts foreign items at the generated rates', async () => {
    for (const ledger of demo.ledgers) {
      const company = await getCompany(db, ledger.company.code);
      let expected = 0n;
      for (const item of ledger.items) {
        expected +=
          item.currency === company.currency
            ? item.amount
            : convertAmount(
                item.amount,
                latestRate(demo.fxRates, item.currency, company.currency, item.postingDate),
                exponentOf[item.currency]!,
                company.currencyExponent,
              );
      }
      const result = await db.query<{ total: bigint }>(
        'select sum(amount_local)::bigint as total from open_item where company_id = $1',
        [company.companyId],
      );
      expect(result.rows[0]!.total, ledger.company.code).toBe(expected);
    }
  });
});
