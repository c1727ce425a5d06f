import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import {
  addHoliday,
  applyImport,
  definePaymentTerm,
  ensureCompany,
  parseInstalmentRules,
  splitAmount,
  type ParsedLedger,
} from './index.js';

let db: TestDb;

beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await db.close();
});

describe('instalment rules', () => {
  it('parses shares and days', () => {
    expect(parseInstalmentRules('40:30, 60%:60')).toEqual([
      { shareBp: 4000, dueDays: 30 },
      { shareBp: 6000, dueDays: 60 },
    ]);
  });

  it('rejects shares not adding to 100%', () => {
    expect(() => parseInstalmentRules('40:30,50:60')).toThrow(/90%/);
  });

  it('gives the rounding remainder to the last part', () => {
    // 100.00 split in thirds: 33.33 + 33.33 + 33.34.
    const thirds = parseInstalmentRules('33.33:30,33.33:60,33.34:90');
    expect(splitAmount(10_000n, thirds)).toEqual([3_333n, 3_333n, 3_334n]);
    // 0.01 split in halves: nothing, then the cent.
    expect(splitAmount(1n, parseInstalmentRules('50:30,50:60'))).toEqual([0n, 1n]);
  });
});

describe('import with instalment terms', () => {
  it('splits invoices and pays instalments oldest first', async () => {
    const company = await ensureCompany(db, { code: 'AE01', currency: 'AED', weekendDays: [6, 7] });
    await addHoliday(db, company.companyId, '2026-03-02', 'test holiday');
    await definePaymentTerm(db, 'AE01', {
      code: 'I3',
      description: 'three instalments',
      rollToBusinessDay: true,
      instalments: parseInstalmentRules('33.33:30,33.33:60,33.34:90'),
    });
    const ledger: ParsedLedger = {
      company: { code: 'AE01', currency: 'AED' },
      customers: [{ customerNumber: 'C1', name: 'Desert Foods' }],
      items: [
        {
          customerNumber: 'C1',
          kind: 'invoice',
          documentNumber: 'INV-9',
          erpKey: 'INV-9',
          documentDate: '2026-01-31',
          postingDate: '2026-01-31',
          dueDate: '2026-01-31',
          currency: 'AED',
          amount: 90_000n,
          paymentTerms: 'I3',
        },
        {
          customerNumber: 'C1',
          kind: 'payment',
          documentNumber: 'P-1',
          erpKey: 'P-1',
          documentDate: '2026-03-10',
          postingDate: '2026-03-10',
          dueDate: '2026-03-10',
          currency: 'AED',
          amount: -40_000n,
        },
      ],
      allocations: [
        {
          erpKey: 'P-1/INV-9',
          creditErpKey: 'P-1',
          debitErpKey: 'INV-9',
          allocationDate: '2026-03-10',
          amount: 40_000n,
        },
      ],
      rowCount: 2,
    };
    const [result] = await applyImport(db, { kind: 'test', file: 't', sha256: 't' }, [ledger]);
    expect(result!.itemsInserted).toBe(4);
    const rows = await db.query<{ instalment: number; due_date: string; amount: bigint; paid: bigint }>(
      `select i.instalment, i.due_date, i.amount,
              coalesce((select sum(a.amount) from allocation a
                        where a.company_id = i.company_id and a.debit_item_id = i.item_id), 0)::bigint as paid
       from open_item i where i.company_id = $1 and i.kind = 'invoice' order by i.instalment`,
      [company.companyId],
    );
    // 900.00 in thirds is 299.97 + 299.97 + 300.06. Day 30 after 2026-01-31
    // is Monday 2026-03-02, a holiday here, so it rolls to 2026-03-03.
    expect(rows.rows.map((row) => row.amount)).toEqual([29_997n, 29_997n, 30_006n]);
    expect(rows.rows.map((row) => row.due_date)).toEqual(['2026-03-03', '2026-04-01', '2026-05-01']);
    // 400.00 pays the first instalment whole and 100.03 of the second.
    expect(rows.rows.map((row) => row.paid)).toEqual([29_997n, 10_003n, 0n]);
  });
});
