import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, sampleDataDir, type TestDb } from '../../test/helpers/db.js';
import { dayNumber, parseRawIbm, type RawInvoice } from '../../test/helpers/ibm-raw.js';
import { importIbmAr } from '../integration/index.js';
import { agingItems, agingReport, defaultBucketLimits, snapshotAging, takeSnapshot, type AgingRequest } from './index.js';

const dir = sampleDataDir();
const monthEnds = ['2012-03-31', '2012-06-30', '2012-12-31', '2013-06-30', '2013-12-31'];

/**
 * Computes the expected aging per country in cents from the raw rows. An
 * invoice is open on D when InvoiceDate <= D < SettledDate, and its
 * bucket index is the number of limits below D - DueDate.
 */
function expectedByCountry(
  invoices: RawInvoice[],
  asOf: string,
  limits: readonly number[] = defaultBucketLimits,
): Map<string, bigint[]> {
  const rows = new Map<string, bigint[]>();
  for (const invoice of invoices) {
    if (!(invoice.invoiceDate <= asOf && asOf < invoice.settledDate)) continue;
    const days = dayNumber(asOf) - dayNumber(invoice.dueDate);
    const bucket = limits.filter((limit) => limit < days).length;
    const amounts = rows.get(invoice.country) ?? new Array<bigint>(limits.length + 2).fill(0n);
    amounts[bucket] = amounts[bucket]! + invoice.cents;
    rows.set(invoice.country, amounts);
  }
  return rows;
}

function request(asOf: string, overrides: Partial<AgingRequest> = {}): AgingRequest {
  return {
    companies: ['IBM'],
    asOf,
    basis: 'due',
    groupBy: 'country',
    bucketLimits: defaultBucketLimits,
    currency: 'local',
    ...overrides,
  };
}

describe.skipIf(!dir)('aging of the IBM late-payment ledger', () => {
  let db: TestDb;
  let invoices: RawInvoice[];

  beforeAll(async () => {
    db = await openTestDb();
    const file = join(dir!, 'ibm-watson-ar-late-payments', 'WA_Fn-UseC_-Accounts-Receivable.csv');
    invoices = parseRawIbm(await readFile(file, 'utf8'));
    await importIbmAr(db, file, { company: 'IBM', currency: 'USD' });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('reads all 2,466 invoices from the file', () => {
    expect(invoices).toHaveLength(2466);
  });

  it.each(monthEnds)('ages by country as of %s', async (asOf) => {
    const expected = expectedByCountry(invoices, asOf);
    expect(expected.size).toBe(5);
    const report = await agingReport(db, request(asOf));
    expect(new Map(report.rows.map((row) => [row.key, row.amounts]))).toEqual(expected);
    const total = new Array<bigint>(defaultBucketLimits.length + 2).fill(0n);
    for (const amounts of expected.values()) amounts.forEach((amount, index) => (total[index] = total[index]! + amount));
    expect(report.totals).toHaveLength(1);
    expect(report.totals[0]!.amounts).toEqual(total);
    expect(report.totals[0]!.total).toBe(total.reduce((sum, amount) => sum + amount, 0n));
  });

  it.each(monthEnds)('ages by country in weekly buckets as of %s', async (asOf) => {
    // Every invoice is due 30 days after it is issued and settles within
    // months, so short buckets spread the open amounts over more columns.
    const limits = [-21, -14, -7, 0, 7, 14, 21, 30, 45];
    const expected = expectedByCountry(invoices, asOf, limits);
    const report = await agingReport(db, request(asOf, { bucketLimits: limits }));
    expect(new Map(report.rows.map((row) => [row.key, row.amounts]))).toEqual(expected);
  });

  it('counts the open invoices behind the report', async () => {
    const asOf = '2013-06-30';
    const open = invoices.filter((invoice) => invoice.invoiceDate <= asOf && asOf < invoice.settledDate);
    const { total } = await agingItems(db, { ...request(asOf), limit: 1 });
    expect(total).toBe(open.length);
    const overdue = open.filter((invoice) => invoice.dueDate < asOf && invoice.country === '391').length;
    const items = await agingItems(db, { ...request(asOf), key: '391', limit: 10_000 });
    expect(items.items.filter((item) => item.daysPastDue > 0)).toHaveLength(overdue);
  });

  it('ages by customer on the document date basis', async () => {
    const asOf = '2012-12-31';
    const expected = new Map<string, bigint>();
    for (const invoice of invoices) {
      if (!(invoice.invoiceDate <= asOf && asOf < invoice.settledDate)) continue;
      // Invoices are due 30 days after the invoice date, so over 30 days
      // old means past the 1-30 bucket on the document basis.
      if (dayNumber(asOf) - dayNumber(invoice.invoiceDate) <= 30) continue;
      expected.set(invoice.customer, (expected.get(invoice.customer) ?? 0n) + invoice.cents);
    }
    const report = await agingReport(db, request(asOf, { groupBy: 'customer', basis: 'document' }));
    const older = new Map(
      report.rows
        .map((row) => [row.key, row.amounts.slice(2).reduce((sum, amount) => sum + amount, 0n)] as const)
        .filter(([, amount]) => amount !== 0n),
    );
    expect(older).toEqual(expected);
  });

  it('stores a month-end snapshot with the same totals', async () => {
    const asOf = '2012-12-31';
    const snapshot = await takeSnapshot(db, { company: 'IBM', asOf });
    const expected = [...expectedByCountry(invoices, asOf).values()].flat().reduce((sum, amount) => sum + amount, 0n);
    expect(snapshot.totalLocal).toBe(expected);
    const stored = await snapshotAging(db, { company: 'IBM', asOf });
    expect(stored.totals[0]!.total).toBe(expected);
  });
});
