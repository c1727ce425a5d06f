import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { kpiReport } from '../kpi/index.js';
import { applyImport, type OpenItemInput } from '../ledger/index.js';
import { agingReport, defaultBucketLimits, type AgingRequest } from './index.js';

// Each item fits an int8 column, but their sum does not.
const largest = 2n ** 63n - 1n;
const amounts = [largest, largest - 5n, 12_345n];
const expectedTotal = amounts.reduce((sum, amount) => sum + amount, 0n);

let db: TestDb;

function request(groupBy: AgingRequest['groupBy']): AgingRequest {
  return { asOf: '2024-03-31', basis: 'due', bucketLimits: [...defaultBucketLimits], currency: 'local', groupBy };
}

beforeAll(async () => {
  db = await openTestDb();
  const items: OpenItemInput[] = amounts.map((amount, index) => ({
    customerNumber: `C${index + 1}`,
    kind: 'invoice',
    documentNumber: `INV-${index + 1}`,
    erpKey: `INV-${index + 1}`,
    documentDate: '2024-01-10',
    postingDate: '2024-01-10',
    dueDate: '2024-02-09',
    currency: 'USD',
    amount,
  }));
  await applyImport(db, { kind: 'test', file: 'int8-sums.test', sha256: 'x' }, [
    {
      company: { code: 'BIG1', currency: 'USD' },
      customers: amounts.map((_, index) => ({ customerNumber: `C${index + 1}`, name: `Customer ${index + 1}` })),
      items,
      allocations: [],
      rowCount: items.length,
    },
  ]);
});

afterAll(async () => {
  await db.close();
});

describe('sums beyond int8', () => {
  it('ages by company', async () => {
    expect(expectedTotal > largest).toBe(true);
    const report = await agingReport(db, request('company'));
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]!.total).toBe(expectedTotal);
    // 2024-02-09 to 2024-03-31 is 51 days past due: the 31-60 bucket.
    expect(report.rows[0]!.amounts[2]).toBe(expectedTotal);
    expect(report.totals[0]!.total).toBe(expectedTotal);
  });

  it('ages by currency', async () => {
    const report = await agingReport(db, request('currency'));
    expect(report.rows[0]!.total).toBe(expectedTotal);
  });

  it('reports KPIs', async () => {
    const report = await kpiReport(db, { from: '2024-01', to: '2024-02' });
    const january = report.totals.find((row) => row.month === '2024-01');
    expect(january?.closingAr).toBe(expectedTotal);
    expect(january?.creditSales).toBe(expectedTotal);
  });
});
