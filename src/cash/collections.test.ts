import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { actorForUser, getUser, unrestricted, type Actor, type Role } from '../auth/index.js';
import { applyImport, getCompany, setFxRate, type Company } from '../ledger/index.js';
import {
  collectionsReport,
  listCollectionTargets,
  setCollectionTarget,
  type CollectionDimension,
  type CollectionsRow,
} from './collections.js';
import { postReceipts, reverseReceipt } from './posting.js';
import { addCashReceipt, approveCashReceipt } from './receipts.js';

/** One movement of collected money as this test posts it, in EUR cents. */
interface Movement {
  date: string;
  region: string;
  collector: string;
  amount: bigint;
}

let db: TestDb;
let company: Company;
let finance: Actor;
const movements: Movement[] = [];
const customers: Record<string, { region: string; collector: string; id: bigint }> = {};

async function actor(role: Role, regions?: string[]): Promise<Actor> {
  const user = await createTestUser(db, { role, regions });
  return actorForUser(db, await getUser(db, user.email), 'token');
}

async function receipt(key: string, customer: string, date: string, currency: string, amount: bigint, local = amount) {
  const [posted] = await db.transaction((tx) =>
    postReceipts(tx, company, [
      { customerId: customers[customer]!.id, erpKey: key, documentNumber: key, date, currency, amount, allocations: [] },
    ]),
  );
  movements.push({ date, region: customers[customer]!.region, collector: customers[customer]!.collector, amount: local });
  return posted!.paymentItemId;
}

beforeAll(async () => {
  db = await openTestDb();
  const master = [
    ['A1', 'NORTH', 'ana'],
    ['A2', 'NORTH', 'ben'],
    ['B1', 'SOUTH', 'ana'],
  ] as const;
  await applyImport(db, { kind: 'test', file: 'collections.csv', sha256: 'collections' }, [
    {
      company: { code: 'COL', currency: 'EUR' },
      customers: master.map(([customerNumber, region, collector]) => ({ customerNumber, name: customerNumber, region, collector })),
      items: [
        ...master.map(([customerNumber]) => ({
          customerNumber,
          kind: 'invoice' as const,
          documentNumber: `INV-${customerNumber}`,
          erpKey: `INV-${customerNumber}`,
          documentDate: '2026-01-05',
          postingDate: '2026-01-05',
          dueDate: '2026-02-04',
          currency: 'EUR',
          amount: 1000_00n,
        })),
        // A payment that came in with the ERP import: it counts as well.
        {
          customerNumber: 'A1',
          kind: 'payment' as const,
          documentNumber: 'ERP-PAY-1',
          erpKey: 'ERP-PAY-1',
          documentDate: '2026-04-01',
          postingDate: '2026-04-01',
          dueDate: '2026-04-01',
          currency: 'EUR',
          amount: -10_00n,
        },
      ],
      allocations: [],
      rowCount: 4,
    },
  ]);
  company = await getCompany(db, 'COL');
  const rows = await db.query<{ customer_id: bigint; customer_number: string }>('select customer_id, customer_number from customer');
  for (const row of rows.rows) {
    const [, region, collector] = master.find(([number]) => number === row.customer_number)!;
    customers[row.customer_number] = { region, collector, id: row.customer_id };
  }
  movements.push({ date: '2026-04-01', region: 'NORTH', collector: 'ana', amount: 10_00n });
  await setFxRate(db, 'USD', 'EUR', '2026-01-01', '1.1');

  await receipt('BANK:0', 'A1', '2026-03-31', 'EUR', 99_00n);
  await receipt('BANK:1', 'A2', '2026-04-01', 'EUR', 25_00n);
  const returned = await receipt('BANK:2', 'B1', '2026-04-02', 'EUR', 40_00n);
  // 100.00 USD at 1.1 is 110.00 EUR.
  await receipt('BANK:3', 'A1', '2026-04-02', 'USD', 100_00n, 110_00n);
  await receipt('BANK:4', 'A1', '2026-05-10', 'EUR', 7_00n);

  finance = await actor('finance');
  const cash = await addCashReceipt(
    db,
    company,
    { kind: 'cash', customerNumber: 'B1', currency: 'EUR', amount: 30_00n, date: '2026-04-03', collector: 'cyd' },
    finance,
  );
  await approveCashReceipt(db, cash.receiptId, await actor('treasury'));
  movements.push({ date: '2026-04-03', region: 'SOUTH', collector: 'cyd', amount: 30_00n });

  // The check behind BANK:2 comes back on the 5th: that day loses the money.
  await db.transaction((tx) => reverseReceipt(tx, company, returned, '2026-04-05', 'returned'));
  movements.push({ date: '2026-04-05', region: 'SOUTH', collector: 'ana', amount: -40_00n });

  const manager = await actor('credit_manager');
  for (const [region, collector, amount] of [
    ['NORTH', '*', 200_00n],
    ['*', 'ana', 100_00n],
    ['*', '*', 500_00n],
    ['NORTH', 'ana', 50_00n],
    ['*', 'dan', 20_00n],
  ] as const) {
    await setCollectionTarget(db, company, { month: '2026-04', region, collector, amount }, manager);
  }
});
afterAll(async () => {
  await db.close();
});

/** Groups this test's own movements the way the report should. */
function expected(
  by: readonly CollectionDimension[],
  period: 'day' | 'month',
  from: string,
  to: string,
  regions: readonly string[] | null = null,
): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const movement of movements) {
    if (movement.date < from || movement.date > to) continue;
    if (regions !== null && !regions.includes(movement.region)) continue;
    const key = [
      period === 'day' ? movement.date : movement.date.slice(0, 7),
      by.includes('region') ? movement.region : null,
      by.includes('collector') ? movement.collector : null,
    ].join('|');
    totals.set(key, (totals.get(key) ?? 0n) + movement.amount);
  }
  return totals;
}

function actual(rows: readonly CollectionsRow[]): Map<string, bigint> {
  return new Map(
    rows.filter((row) => row.collected !== 0n || row.target === null).map((row) => [
      [row.period, row.region, row.collector].join('|'),
      row.collected,
    ]),
  );
}

function find(rows: readonly CollectionsRow[], period: string, region: string | null, collector: string | null) {
  const row = rows.find((entry) => entry.period === period && entry.region === region && entry.collector === collector);
  if (!row) throw new Error(`no row ${period} ${region} ${collector}`);
  return row;
}

describe('collections report', () => {
  it('by region per day', async () => {
    const report = await collectionsReport(db, {
      company,
      from: '2026-04-02',
      to: '2026-05-31',
      by: ['region'],
      period: 'day',
      scope: unrestricted,
    });
    expect(actual(report.rows)).toEqual(expected(['region'], 'day', '2026-04-02', '2026-05-31'));
    // Month to date counts the 1st of April, which lies before the range.
    const north = find(report.rows, '2026-04-02', 'NORTH', null);
    const northToDate = [...expected(['region'], 'day', '2026-04-01', '2026-04-02').entries()]
      .filter(([key]) => key.includes('NORTH'))
      .reduce((sum, [, amount]) => sum + amount, 0n);
    expect(north.monthToDate).toBe(northToDate);
    expect(north.target).toBe(200_00n);
    expect(north.share).toBe('72.50');
    const south = find(report.rows, '2026-04-05', 'SOUTH', null);
    expect(south.collected).toBe(-40_00n);
    expect(south.monthToDate).toBe(40_00n + 30_00n - 40_00n);
    expect(south.target).toBeNull();
    const may = find(report.rows, '2026-05-10', 'NORTH', null);
    expect(may.monthToDate).toBe(7_00n);
    expect(may.target).toBeNull();
    // Totals per day measure month to date against the company target.
    const total = find(report.totals, '2026-04-05', null, null);
    expect(total.monthToDate).toBe(10_00n + 25_00n + 40_00n + 110_00n + 30_00n - 40_00n);
    expect(total.share).toBe('35.00');
  });

  it('by collector per month', async () => {
    const report = await collectionsReport(db, {
      company,
      from: '2026-04-01',
      to: '2026-05-31',
      by: ['collector'],
      period: 'month',
      scope: unrestricted,
    });
    expect(actual(report.rows)).toEqual(expected(['collector'], 'month', '2026-04-01', '2026-05-31'));
    const ana = find(report.rows, '2026-04', null, 'ana');
    expect(ana.collected).toBe(10_00n + 110_00n + 40_00n - 40_00n);
    expect(ana.target).toBe(100_00n);
    expect(ana.share).toBe('120.00');
    expect(ana.monthToDate).toBeNull();
    expect(find(report.rows, '2026-04', null, 'cyd').collected).toBe(30_00n);
    const dan = find(report.rows, '2026-04', null, 'dan');
    expect(dan).toMatchObject({ collected: 0n, target: 20_00n, share: '0.00' });
    expect(find(report.totals, '2026-04', null, null)).toMatchObject({ collected: 175_00n, target: 500_00n, share: '35.00' });
    expect(find(report.totals, '2026-05', null, null)).toMatchObject({ collected: 7_00n, target: null, share: null });
  });

  it('both dimensions and regional scope', async () => {
    const both = await collectionsReport(db, {
      company,
      from: '2026-04-01',
      to: '2026-04-30',
      by: ['region', 'collector'],
      period: 'month',
      scope: unrestricted,
    });
    expect(actual(both.rows)).toEqual(expected(['region', 'collector'], 'month', '2026-04-01', '2026-04-30'));
    expect(find(both.rows, '2026-04', 'NORTH', 'ana')).toMatchObject({ collected: 120_00n, target: 50_00n, share: '240.00' });

    const north = await collectionsReport(db, {
      company,
      from: '2026-04-01',
      to: '2026-04-30',
      by: ['region'],
      period: 'day',
      scope: { companyIds: null, regions: ['NORTH'] },
    });
    expect(actual(north.rows)).toEqual(expected(['region'], 'day', '2026-04-01', '2026-04-30', ['NORTH']));
    expect(north.totals.reduce((sum, row) => sum + row.collected, 0n)).toBe(10_00n + 25_00n + 110_00n);
  });

  it('invalid range or grouping', async () => {
    const base = { company, from: '2026-04-01', to: '2026-04-30', by: ['region'] as CollectionDimension[], period: 'day' as const, scope: unrestricted };
    await expect(collectionsReport(db, { ...base, from: '2026-05-01' })).rejects.toThrow(/after/);
    await expect(collectionsReport(db, { ...base, to: '2026-02-30' })).rejects.toThrow(/invalid to date/);
    await expect(collectionsReport(db, { ...base, by: [] })).rejects.toThrow(/choose region/);
  });
});

describe('collection targets', () => {
  it('targets listed and replaced', async () => {
    const manager = await actor('credit_manager');
    const updated = await setCollectionTarget(db, company, { month: '2026-04', region: 'NORTH', collector: '*', amount: 250_00n }, manager);
    expect(updated.amount).toBe(250_00n);
    const all = await listCollectionTargets(db, company, unrestricted, { from: '2026-04', to: '2026-04' });
    expect(all.find((target) => target.region === 'NORTH' && target.collector === '*')!.amount).toBe(250_00n);
    expect(all).toHaveLength(5);
    const south = await listCollectionTargets(db, company, { companyIds: null, regions: ['SOUTH'] });
    expect(south.every((target) => target.region === '*')).toBe(true);
    await setCollectionTarget(db, company, { month: '2026-04', region: 'NORTH', collector: '*', amount: 200_00n }, manager);
  });

  it('target needs permission and scope', async () => {
    const accountant = await actor('regional_accountant', ['NORTH']);
    await expect(
      setCollectionTarget(db, company, { month: '2026-04', region: 'NORTH', collector: '*', amount: 1n }, accountant),
    ).rejects.toThrow(/may not use collections.target/);
    const regionalManager = await actor('credit_manager', ['NORTH']);
    await expect(
      setCollectionTarget(db, company, { month: '2026-04', region: 'SOUTH', collector: '*', amount: 1n }, regionalManager),
    ).rejects.toThrow(/outside your scope/);
    await expect(
      setCollectionTarget(db, company, { month: '2026-13', region: 'NORTH', collector: '*', amount: 1n }, finance),
    ).rejects.toThrow(/YYYY-MM/);
  });
});
