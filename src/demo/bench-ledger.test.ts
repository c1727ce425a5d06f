import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { applyImport, balanceAsOf, getCompany, openItemsAsOfSql } from '../ledger/index.js';
import { fromEpochDay } from '../shared/dates.js';
import { benchCompanyCode, benchItemKinds, generateBenchLedger } from './bench-ledger.js';

const options = { seed: 5, customers: 300, items: 4_000, endDate: '2026-03-31' };

describe('benchmark ledger', () => {
  const { ledger, columns } = generateBenchLedger(options);

  it('repeats its output for a seed', () => {
    const again = generateBenchLedger(options);
    expect(again.ledger).toEqual(ledger);
    expect(again.columns).toEqual(columns);
    expect(generateBenchLedger({ ...options, seed: 6 }).ledger.items).not.toEqual(ledger.items);
  });

  it('has exactly the requested item count', () => {
    expect(ledger.items.length).toBe(options.items);
    expect(ledger.customers.length).toBe(options.customers);
    expect(new Set(ledger.items.map((item) => item.erpKey)).size).toBe(options.items);
  });

  it('describes the same rows in both forms', () => {
    ledger.items.forEach((item, index) => {
      expect(item.amount).toBe(BigInt(columns.itemAmountCents[index]!));
      expect(item.postingDate).toBe(fromEpochDay(columns.itemPostingDay[index]!));
      expect(item.dueDate).toBe(fromEpochDay(columns.itemDueDay[index]!));
      expect(item.kind).toBe(benchItemKinds[columns.itemKind[index]!]);
      expect(item.customerNumber).toBe(columns.customerNumbers[columns.itemCustomer[index]!]);
    });
    expect(ledger.allocations.length).toBe(columns.allocationDay.length);
    ledger.allocations.forEach((allocation, index) => {
      expect(allocation.debitErpKey).toBe(ledger.items[columns.allocationDebit[index]!]!.erpKey);
      expect(allocation.creditErpKey).toBe(ledger.items[columns.allocationCredit[index]!]!.erpKey);
      expect(allocation.amount).toBe(BigInt(columns.allocationAmountCents[index]!));
    });
  });

  it('keeps allocations within both items', () => {
    const byKey = new Map(ledger.items.map((item) => [item.erpKey, item]));
    const used = new Map<string, bigint>();
    for (const allocation of ledger.allocations) {
      const debit = byKey.get(allocation.debitErpKey)!;
      const credit = byKey.get(allocation.creditErpKey)!;
      expect(debit.amount > 0n, debit.erpKey).toBe(true);
      expect(credit.amount < 0n, credit.erpKey).toBe(true);
      expect(allocation.allocationDate >= debit.postingDate).toBe(true);
      expect(allocation.allocationDate >= credit.postingDate).toBe(true);
      for (const key of [debit.erpKey, credit.erpKey]) {
        used.set(key, (used.get(key) ?? 0n) + allocation.amount);
      }
    }
    for (const [key, total] of used) {
      const amount = byKey.get(key)!.amount;
      expect(total <= (amount < 0n ? -amount : amount), key).toBe(true);
    }
    const partlyPaid = [...used].filter(([key, total]) => {
      const amount = byKey.get(key)!.amount;
      return amount > 0n && total < amount;
    });
    expect(partlyPaid.length).toBeGreaterThan(0);
  });
});

describe('benchmark ledger import', () => {
  let db: TestDb;
  const { ledger } = generateBenchLedger({ ...options, items: 1_500 });

  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('imports and balances', async () => {
    const [result] = await applyImport(db, { kind: 'test', file: 'bench', sha256: 'bench' }, [ledger]);
    expect(result!.itemsInserted).toBe(ledger.items.length);
    expect(result!.allocationsInserted).toBe(ledger.allocations.length);
    const company = await getCompany(db, benchCompanyCode);
    for (const asOf of ['2025-06-30', options.endDate]) {
      let expected = 0n;
      for (const item of ledger.items) if (item.postingDate <= asOf) expected += item.amount;
      // Allocations move amounts between two items, so the net balance is
      // the sum of the items posted by then.
      expect(await balanceAsOf(db, company.companyId, asOf)).toBe(expected);
      // Open debits do depend on the allocations dated by then.
      const open = new Map<string, bigint>();
      for (const item of ledger.items) if (item.postingDate <= asOf) open.set(item.erpKey, item.amount);
      for (const allocation of ledger.allocations) {
        if (allocation.allocationDate > asOf) continue;
        open.set(allocation.debitErpKey, open.get(allocation.debitErpKey)! - allocation.amount);
      }
      let expectedDebits = 0n;
      for (const amount of open.values()) if (amount > 0n) expectedDebits += amount;
      const result = await db.query<{ debits: bigint }>(
        `select coalesce(sum(open_amount_local) filter (where open_amount_local > 0), 0)::bigint as debits
         from (${openItemsAsOfSql('$1', '$2')}) o`,
        [company.companyId, asOf],
      );
      expect(result.rows[0]!.debits).toBe(expectedDebits);
    }
  });
});
