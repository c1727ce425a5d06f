import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import {
  allocate,
  applyImport,
  balanceAsOf,
  getCompany,
  itemOpenAmount,
  reverseAllocation,
  setFxRate,
  type ParsedLedger,
} from './index.js';

let db: TestDb;

beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await db.close();
});

function ledger(): ParsedLedger {
  return {
    company: { code: 'KW01', currency: 'KWD' },
    customers: [{ customerNumber: '000123', name: 'Gulf Trading' }],
    items: [
      {
        customerNumber: '000123',
        kind: 'invoice',
        documentNumber: 'INV-1',
        erpKey: 'INV-1',
        documentDate: '2026-01-10',
        postingDate: '2026-01-10',
        dueDate: '2026-02-09',
        currency: 'KWD',
        amount: 1_234_567n,
      },
      {
        customerNumber: '000123',
        kind: 'payment',
        documentNumber: 'PAY-1',
        erpKey: 'PAY-1',
        documentDate: '2026-03-01',
        postingDate: '2026-03-01',
        dueDate: '2026-03-01',
        currency: 'KWD',
        amount: -1_000_000n,
      },
      {
        customerNumber: '000123',
        kind: 'invoice',
        documentNumber: 'INV-2',
        erpKey: 'INV-2',
        documentDate: '2026-01-15',
        postingDate: '2026-01-15',
        dueDate: '2026-02-14',
        currency: 'USD',
        amount: 10_000n,
      },
    ],
    allocations: [
      {
        erpKey: 'PAY-1/INV-1',
        creditErpKey: 'PAY-1',
        debitErpKey: 'INV-1',
        allocationDate: '2026-03-01',
        amount: 1_000_000n,
      },
    ],
    rowCount: 3,
  };
}

describe('ledger import and balances', () => {
  it('converts foreign items at the dated rate', async () => {
    await setFxRate(db, 'USD', 'KWD', '2026-01-01', '0.3075');
    const results = await applyImport(db, { kind: 'test', file: 'x', sha256: 'x' }, [ledger()]);
    expect(results[0]!.itemsInserted).toBe(3);
    const company = await getCompany(db, 'KW01');
    const usd = await db.query<{ amount_local: bigint }>(
      `select amount_local from open_item where company_id = $1 and erp_key = 'INV-2'`,
      [company.companyId],
    );
    // 100.00 USD x 0.3075 = 30.750 KWD, in fils.
    expect(usd.rows[0]!.amount_local).toBe(30_750n);
  });

  it('keeps an invoice paid later open before the payment', async () => {
    const company = await getCompany(db, 'KW01');
    expect(await balanceAsOf(db, company.companyId, '2026-02-28')).toBe(1_234_567n + 30_750n);
    expect(await balanceAsOf(db, company.companyId, '2026-03-01')).toBe(234_567n + 30_750n);
  });

  it('skips every row on a second import', async () => {
    const results = await applyImport(db, { kind: 'test', file: 'x', sha256: 'x' }, [ledger()]);
    expect(results[0]!.itemsInserted).toBe(0);
    expect(results[0]!.itemsSkipped).toBe(3);
    expect(results[0]!.allocationsInserted).toBe(0);
  });

  it('rejects an allocation past zero', async () => {
    const company = await getCompany(db, 'KW01');
    await expect(
      allocate(db, company.companyId, {
        creditErpKey: 'PAY-1',
        debitErpKey: 'INV-1',
        allocationDate: '2026-03-02',
        amount: 1n,
      }),
    ).rejects.toThrow(/past zero/);
  });

  it('reopens an item from the reversal date only', async () => {
    const company = await getCompany(db, 'KW01');
    const allocation = await db.query<{ allocation_id: bigint }>(
      `select allocation_id from allocation where company_id = $1 and erp_key = 'PAY-1/INV-1'`,
      [company.companyId],
    );
    const item = await db.query<{ item_id: bigint }>(
      `select item_id from open_item where company_id = $1 and erp_key = 'INV-1'`,
      [company.companyId],
    );
    const itemId = item.rows[0]!.item_id;
    await reverseAllocation(db, company.companyId, allocation.rows[0]!.allocation_id, '2026-03-10', 'returned check');
    expect(await itemOpenAmount(db, company.companyId, itemId, '2026-03-05')).toBe(234_567n);
    expect(await itemOpenAmount(db, company.companyId, itemId, '2026-03-10')).toBe(1_234_567n);
  });

  it('rejects a backdated allocation that overdraws before a reversal', async () => {
    const company = await getCompany(db, 'KW01');
    // As of 2026-03-05 the original allocation still counts, so a second
    // allocation of the full amount that day would overdraw the payment.
    await expect(
      allocate(db, company.companyId, {
        creditErpKey: 'PAY-1',
        debitErpKey: 'INV-1',
        allocationDate: '2026-03-05',
        amount: 1_000_000n,
      }),
    ).rejects.toThrow(/later day|past zero/);
    await allocate(db, company.companyId, {
      creditErpKey: 'PAY-1',
      debitErpKey: 'INV-1',
      allocationDate: '2026-03-10',
      amount: 1_000_000n,
    });
    expect(await balanceAsOf(db, company.companyId, '2026-03-10')).toBe(234_567n + 30_750n);
  });
});

describe('item currency check', () => {
  it('rejects an unknown currency and writes nothing', async () => {
    const bad = ledger();
    bad.company = { code: 'KW02', currency: 'KWD' };
    bad.items = bad.items.map((item, index) =>
      index === 1 ? { ...item, currency: 'XYZ', sourceLine: 3 } : item,
    );
    bad.allocations = [];
    await expect(
      applyImport(db, { kind: 'test', file: 'y', sha256: 'y' }, [bad]),
    ).rejects.toThrow('unknown currency "XYZ" on item PAY-1 (line 3)');
    const companies = await db.query(`select 1 from company where code = 'KW02'`);
    expect(companies.rows).toHaveLength(0);
  });
});
