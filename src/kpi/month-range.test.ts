import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { ensureCompany } from '../ledger/index.js';
import { kpiReport } from './index.js';
import { addMonths } from '../shared/dates.js';

let db: TestDb;

beforeAll(async () => {
  db = await openTestDb();
  await ensureCompany(db, { code: 'RNG1', currency: 'USD' });
});

afterAll(async () => {
  await db.close();
});

describe('KPI month range', () => {
  it('ends at 9999-12', async () => {
    const report = await kpiReport(db, { from: '9999-11', to: '9999-12' });
    expect(report.totals.map((row) => row.month)).toEqual(['9999-11', '9999-12']);
  });

  it('starts at 0001-02', async () => {
    const report = await kpiReport(db, { from: '0001-02', to: '0001-03' });
    expect(report.totals.map((row) => row.month)).toEqual(['0001-02', '0001-03']);
  });

  it('rejects 0001-01 as first month', async () => {
    await expect(kpiReport(db, { from: '0001-01', to: '0001-02' })).rejects.toThrow(/0001-02 or later/);
  });

  it('marks months not yet ended', async () => {
    const thisMonth = new Date().toISOString().slice(0, 7);
    const lastMonth = addMonths(thisMonth, -1);
    const report = await kpiReport(db, { from: lastMonth, to: thisMonth });
    expect(report.totals.map((row) => [row.month, row.inProgress])).toEqual([
      [lastMonth, false],
      [thisMonth, true],
    ]);
  });
});
