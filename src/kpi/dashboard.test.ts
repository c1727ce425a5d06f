import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { loadReferenceLedger, referenceBalances, type RawLedger } from '../../test/helpers/ledger-reference.js';
import { agingReport, defaultBucketLimits } from '../aging/index.js';
import { unrestricted, type Scope } from '../auth/types.js';
import { listCompanies, type Company } from '../ledger/index.js';
import { formatRatio } from '../shared/money.js';
import { dashboard } from './dashboard.js';
import { kpiReport } from './report.js';
import { monthlyTrend } from './trend.js';

let db: TestDb;
let raw: RawLedger;
let company: Company;
let region: string;

beforeAll(async () => {
  db = await openTestDb();
  raw = await loadReferenceLedger(db);
  company = (await listCompanies(db))[0]!;
  region = raw.customers.find((customer) => customer.companyId === company.companyId && customer.region !== null)!.region!;
}, 120_000);

afterAll(async () => {
  await db.close();
});

/** Balances of the company's customers from the ledger rows, limited to a region when given. */
function reference(asOf: string, inRegion?: string) {
  const balances = referenceBalances(raw, company.companyId, asOf);
  return raw.customers
    .filter((customer) => customer.companyId === company.companyId)
    .filter((customer) => inRegion === undefined || customer.region === inRegion)
    .map((customer) => ({ ...customer, ...(balances.get(customer.customerId) ?? { balance: 0n, overdue: 0n }) }));
}

/** Compares two values for a descending sort. */
function descending<T extends bigint | string>(a: T, b: T): number {
  if (a === b) return 0;
  return a < b ? 1 : -1;
}

/** Lists the ten largest overdue amounts, with ties by customer number descending as the list sorts them. */
function topOverdue(rows: ReturnType<typeof reference>) {
  return rows
    .filter((row) => row.overdue > 0n)
    .sort((a, b) => descending(a.overdue, b.overdue) || descending(a.customerNumber, b.customerNumber))
    .slice(0, 10)
    .map((row) => `${row.customerNumber} ${row.overdue} ${row.balance}`);
}

describe('monthlyTrend', () => {
  it('equals the KPI report totals, whole and inside a region', async () => {
    const scopes: Scope[] = [unrestricted, { companyIds: [company.companyId], regions: [region] }];
    for (const scope of scopes) {
      const trend = await monthlyTrend(db, { company, from: '2025-01', to: '2026-04', scope });
      const report = await kpiReport(db, { companies: [company.code], from: '2025-01', to: '2026-04', scope });
      expect(trend.length).toBe(16);
      expect(trend).toEqual(
        report.totals.map((row) => {
          const kpis = {
            dsoStandard: row.kpis.dsoStandard,
            bestPossibleDso: row.kpis.bestPossibleDso,
            averageDaysDelinquent: row.kpis.averageDaysDelinquent,
            collectionEffectivenessIndex: row.kpis.collectionEffectivenessIndex,
            arTurnover: row.kpis.arTurnover,
            arTurnoverAnnualised: row.kpis.arTurnoverAnnualised,
          };
          return {
            month: row.month,
            monthEnd: row.monthEnd,
            inProgress: row.inProgress,
            creditSales: row.creditSales,
            creditNotes: row.creditNotes,
            netCreditSales: row.netCreditSales,
            openingAr: row.openingAr,
            closingAr: row.closingAr,
            currentAr: row.currentAr,
            overdueAr: row.overdueAr,
            openCredits: row.openCredits,
            kpis,
          };
        }),
      );
      expect(trend.some((month) => month.openCredits < 0n && month.overdueAr > 0n)).toBe(true);
    }
  });
});

describe('dashboard', () => {
  it('matches the aging and the ledger rows', async () => {
    const asOf = '2026-03-31';
    const figures = await dashboard(db, { company, asOf, scope: unrestricted });
    const aging = await agingReport(db, {
      companies: [company.code],
      asOf,
      basis: 'due',
      groupBy: 'customer',
      bucketLimits: defaultBucketLimits,
      currency: 'local',
    });
    const total = aging.totals[0]!;
    expect(figures.buckets).toEqual(aging.buckets.map((bucket, index) => ({ ...bucket, amount: total.amounts[index] })));
    expect(figures.totalAr).toBe(total.total);

    const rows = reference(asOf);
    const totalAr = rows.reduce((sum, row) => sum + row.balance, 0n);
    const overdue = rows.reduce((sum, row) => sum + row.overdue, 0n);
    expect(figures.totalAr).toBe(totalAr);
    expect(figures.overdue).toBe(overdue);
    expect(overdue).toBeGreaterThan(0n);
    expect(figures.overduePercent).toBe(formatRatio(overdue * 100n, totalAr, 2));
    expect(figures.topOverdue.map((row) => `${row.customerNumber} ${row.overdue} ${row.balance}`)).toEqual(topOverdue(rows));

    const regions = new Map<string | null, bigint>();
    for (const row of rows) regions.set(row.region, (regions.get(row.region) ?? 0n) + row.balance);
    for (const entry of figures.byRegion) {
      expect(entry.total, String(entry.region)).toBe(regions.get(entry.region));
      expect(entry.amounts.reduce((sum, amount) => sum + amount, 0n)).toBe(entry.total);
    }
    expect(figures.byRegion.reduce((sum, entry) => sum + entry.overdue, 0n)).toBe(overdue);
  });

  it('has the DSO trend of the KPI report', async () => {
    const figures = await dashboard(db, { company, asOf: '2026-03-31', scope: unrestricted });
    const kpis = await kpiReport(db, { companies: [company.code], from: '2025-04', to: '2026-03' });
    expect(figures.trend).toEqual(
      kpis.totals.map((row) => ({
        month: row.month,
        dso: row.kpis.dsoStandard.value,
        bestPossibleDso: row.kpis.bestPossibleDso.value,
        inProgress: false,
      })),
    );
    expect(figures.trend.length).toBe(12);
    expect(figures.dsoMonth).toBe('2026-03');
    expect(figures.dso).toBe(kpis.totals.at(-1)!.kpis.dsoStandard.value);
    expect(figures.dso).not.toBeNull();
  });

  it('takes the headline DSO from the last month ended by a mid-month date', async () => {
    const figures = await dashboard(db, { company, asOf: '2026-03-15', scope: unrestricted });
    const kpis = await kpiReport(db, { companies: [company.code], from: '2026-02', to: '2026-02' });
    expect(figures.trend.at(-1)).toMatchObject({ month: '2026-03', inProgress: true });
    expect(figures.trend.at(-2)).toMatchObject({ month: '2026-02', inProgress: false });
    expect(figures.dsoMonth).toBe('2026-02');
    expect(figures.dso).toBe(kpis.totals[0]!.kpis.dsoStandard.value);
    expect(figures.bestPossibleDso).toBe(kpis.totals[0]!.kpis.bestPossibleDso.value);
  });

  it('stays inside a region scope', async () => {
    const asOf = '2026-03-31';
    const scope: Scope = { companyIds: [company.companyId], regions: [region] };
    const figures = await dashboard(db, { company, asOf, scope });
    const rows = reference(asOf, region);
    expect(figures.byRegion.map((entry) => entry.region)).toEqual([region]);
    expect(figures.totalAr).toBe(rows.reduce((sum, row) => sum + row.balance, 0n));
    expect(figures.overdue).toBe(rows.reduce((sum, row) => sum + row.overdue, 0n));
    expect(figures.topOverdue.map((row) => `${row.customerNumber} ${row.overdue} ${row.balance}`)).toEqual(topOverdue(rows));

    const byRegion = await kpiReport(db, { companies: [company.code], from: '2025-04', to: '2026-03', groupBy: 'region' });
    const regionRows = byRegion.rows.filter((row) => row.key === region);
    expect(figures.trend.map((point) => point.dso)).toEqual(regionRows.map((row) => row.kpis.dsoStandard.value));
    const all = await dashboard(db, { company, asOf, scope: unrestricted });
    expect(figures.totalAr).toBeLessThan(all.totalAr);
  });

  it('is empty for a company outside the scope', async () => {
    const scope: Scope = { companyIds: [company.companyId + 1000], regions: null };
    const figures = await dashboard(db, { company, asOf: '2026-03-31', scope });
    expect(figures).toMatchObject({ totalAr: 0n, overdue: 0n, overduePercent: null, topOverdue: [], byRegion: [] });
  });
});
