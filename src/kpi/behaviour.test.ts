import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { loadReferenceLedger, referenceItems, type RawLedger } from '../../test/helpers/ledger-reference.js';
import { customerAging } from '../aging/customer.js';
import { agingReport, defaultBucketLimits, type AgingBasis } from '../aging/index.js';
import { applyImport, getCompany, listCompanies, type Company, type ParsedLedger } from '../ledger/index.js';
import { daysBetween } from '../shared/dates.js';
import { formatRatio } from '../shared/money.js';
import { customerDso, paymentBehaviour, periodStart } from './behaviour.js';
import { kpiReport } from './report.js';

let db: TestDb;
let raw: RawLedger;
let companies: Company[];

/**
 * A hand-checked customer of company HAND (USD): two invoices paid, one
 * late and one early, and one open.
 */
const handLedger: ParsedLedger = {
  company: { code: 'HAND', name: 'Hand Checked Ltd', currency: 'USD' },
  customers: [{ customerNumber: 'H1', name: 'Hand One' }],
  items: [
    { customerNumber: 'H1', kind: 'invoice', documentNumber: 'I1', erpKey: 'I1', documentDate: '2026-01-01', postingDate: '2026-01-01', dueDate: '2026-01-31', currency: 'USD', amount: 100_000n },
    { customerNumber: 'H1', kind: 'invoice', documentNumber: 'I2', erpKey: 'I2', documentDate: '2026-02-01', postingDate: '2026-02-01', dueDate: '2026-03-03', currency: 'USD', amount: 300_000n },
    { customerNumber: 'H1', kind: 'invoice', documentNumber: 'I3', erpKey: 'I3', documentDate: '2026-03-15', postingDate: '2026-03-15', dueDate: '2026-04-14', currency: 'USD', amount: 50_000n },
    { customerNumber: 'H1', kind: 'payment', documentNumber: 'P1', erpKey: 'P1', documentDate: '2026-02-10', postingDate: '2026-02-10', dueDate: '2026-02-10', currency: 'USD', amount: -100_000n },
    { customerNumber: 'H1', kind: 'payment', documentNumber: 'P2', erpKey: 'P2', documentDate: '2026-03-01', postingDate: '2026-03-01', dueDate: '2026-03-01', currency: 'USD', amount: -300_000n },
  ],
  allocations: [
    { creditErpKey: 'P1', debitErpKey: 'I1', allocationDate: '2026-02-10', amount: 100_000n },
    { creditErpKey: 'P2', debitErpKey: 'I2', allocationDate: '2026-03-01', amount: 300_000n },
  ],
  rowCount: 5,
};

beforeAll(async () => {
  db = await openTestDb();
  raw = await loadReferenceLedger(db);
  companies = await listCompanies(db);
  await applyImport(db, { kind: 'test', file: 'hand', sha256: 'hand' }, [handLedger]);
}, 120_000);

afterAll(async () => {
  await db.close();
});

function customersOf(company: Company) {
  return raw.customers.filter((customer) => customer.companyId === company.companyId);
}

describe('periodStart', () => {
  it.each([
    ['2026-03-31', 3, '2026-01-01'],
    ['2026-05-15', 3, '2026-02-16'],
    ['2026-05-31', 3, '2026-03-01'],
    ['2024-02-29', 12, '2023-03-01'],
    ['2026-01-10', 12, '2025-01-11'],
  ])('the period of %s over %i months starts on %s', (asOf, months, start) => {
    expect(periodStart(asOf, months)).toBe(start);
  });
});

describe('customer DSO', () => {
  it('is the hand-computed figure', async () => {
    const company = await getCompany(db, 'HAND');
    const customerId = (await db.query<{ customer_id: bigint }>(`select customer_id from customer where customer_number = 'H1'`)).rows[0]!.customer_id;
    const dso = await customerDso(db, { companyId: company.companyId, customerId, asOf: '2026-03-31' });
    // 500.00 open ÷ 4,500.00 sales of January to March × 90 days.
    expect(dso).toMatchObject({ value: '10.00', from: '2026-01-01', to: '2026-03-31', days: 90, closingAr: 50_000n, creditSales: 450_000n, reason: null });
    const noSales = await customerDso(db, { companyId: company.companyId, customerId, asOf: '2026-07-31' });
    expect(noSales).toMatchObject({ value: null, creditSales: 0n, reason: 'no credit sales in the period' });
  });

  it('equals closing AR and credit sales of the KPI report by customer', async () => {
    let checked = 0;
    for (const company of companies) {
      const report = await kpiReport(db, { companies: [company.code], from: '2026-01', to: '2026-03', groupBy: 'customer' });
      for (const customer of customersOf(company)) {
        const rows = report.rows.filter((row) => row.key === customer.customerNumber);
        const sales = rows.reduce((sum, row) => sum + row.creditSales, 0n);
        const closing = rows.find((row) => row.month === '2026-03')?.closingAr ?? 0n;
        const dso = await customerDso(db, { companyId: company.companyId, customerId: customer.customerId, asOf: '2026-03-31' });
        expect(dso.creditSales, customer.customerNumber).toBe(sales);
        expect(dso.closingAr, customer.customerNumber).toBe(closing);
        expect(dso.value, customer.customerNumber).toBe(sales > 0n ? formatRatio(closing * 90n, sales, 2) : null);
        if (dso.value !== null) checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe('payment behaviour', () => {
  it('is the hand-computed figure', async () => {
    const company = await getCompany(db, 'HAND');
    const customerId = (await db.query<{ customer_id: bigint }>(`select customer_id from customer where customer_number = 'H1'`)).rows[0]!.customer_id;
    const behaviour = await paymentBehaviour(db, { companyId: company.companyId, customerId, asOf: '2026-03-31' });
    // I1: 40 days to pay, 10 late. I2: 28 days to pay, on time. I3 is open.
    expect(behaviour).toEqual({
      from: '2025-04-01',
      to: '2026-03-31',
      invoicesPaid: 2,
      averageDaysToPay: '34.00',
      averageDaysLate: '2.50',
      paidLatePercent: '50.00',
    });
    // Before I2 was paid only I1 counts.
    const february = await paymentBehaviour(db, { companyId: company.companyId, customerId, asOf: '2026-02-28' });
    expect(february).toMatchObject({ invoicesPaid: 1, averageDaysToPay: '40.00', averageDaysLate: '10.00', paidLatePercent: '100.00' });
    // Twelve months later neither payment falls in the period.
    const later = await paymentBehaviour(db, { companyId: company.companyId, customerId, asOf: '2027-03-31' });
    expect(later).toMatchObject({ invoicesPaid: 0, averageDaysToPay: null, averageDaysLate: null, paidLatePercent: null });
  });

  it('equals the figures computed from the ledger rows', async () => {
    const asOf = '2026-03-31';
    const from = '2025-04-01';
    let withPayments = 0;
    for (const company of companies) {
      const items = referenceItems(raw, company.companyId, asOf);
      for (const customer of customersOf(company)) {
        const paid = items.filter(
          (item) =>
            item.customerId === customer.customerId &&
            item.kind === 'invoice' &&
            item.open === 0n &&
            item.lastAllocationDate !== null &&
            item.lastAllocationDate >= from,
        );
        const count = BigInt(paid.length);
        let daysToPay = 0n;
        let lateWeighted = 0n;
        let weight = 0n;
        let late = 0n;
        for (const item of paid) {
          const daysLate = daysBetween(item.dueDate, item.lastAllocationDate!);
          daysToPay += BigInt(daysBetween(item.documentDate, item.lastAllocationDate!));
          lateWeighted += item.amountLocal * BigInt(Math.max(daysLate, 0));
          weight += item.amountLocal;
          if (daysLate > 0) late += 1n;
        }
        const behaviour = await paymentBehaviour(db, { companyId: company.companyId, customerId: customer.customerId, asOf });
        expect(behaviour, customer.customerNumber).toEqual({
          from,
          to: asOf,
          invoicesPaid: paid.length,
          averageDaysToPay: count > 0n ? formatRatio(daysToPay, count, 2) : null,
          averageDaysLate: weight > 0n ? formatRatio(lateWeighted, weight, 2) : null,
          paidLatePercent: count > 0n ? formatRatio(late * 100n, count, 2) : null,
        });
        if (late > 0n && late < count) withPayments += 1;
      }
    }
    // Enough customers paid some invoices late and some on time.
    expect(withPayments).toBeGreaterThan(5);
  });
});

describe('customer aging', () => {
  const cases: { asOf: string; basis: AgingBasis; limits: readonly number[] }[] = [
    { asOf: '2026-03-31', basis: 'due', limits: defaultBucketLimits },
    { asOf: '2025-11-15', basis: 'due', limits: defaultBucketLimits },
    { asOf: '2026-02-10', basis: 'document', limits: [0, 15, 45] },
  ];

  for (const { asOf, basis, limits } of cases) {
    it(`equals the aging report's customer rows as of ${asOf} by ${basis} date`, async () => {
      let nonZero = 0;
      for (const company of companies) {
        const report = await agingReport(db, {
          companies: [company.code],
          asOf,
          basis,
          groupBy: 'customer',
          bucketLimits: limits,
          currency: 'local',
        });
        const rows = new Map(report.rows.map((row) => [row.key, row]));
        for (const customer of customersOf(company)) {
          const aging = await customerAging(db, {
            companyId: company.companyId,
            customerId: customer.customerId,
            asOf,
            basis,
            bucketLimits: limits,
          });
          expect(aging.buckets).toEqual(report.buckets);
          const row = rows.get(customer.customerNumber);
          expect(aging.amounts, customer.customerNumber).toEqual(row?.amounts ?? report.buckets.map(() => 0n));
          expect(aging.total).toBe(row?.total ?? 0n);
          if (row) nonZero += 1;
        }
      }
      expect(nonZero).toBeGreaterThan(10);
    });
  }
});
