import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import {
  allocate,
  applyImport,
  balanceAsOf,
  getCompany,
  type ItemKind,
  type OpenItemInput,
  type ParsedLedger,
} from '../ledger/index.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { kpiReport, kpiReportToJson, type KpiName, type KpiRow } from './index.js';

let db: TestDb;

function item(
  erpKey: string,
  customerNumber: string,
  kind: ItemKind,
  postingDate: string,
  dueDate: string,
  amount: bigint,
  currency = 'USD',
): OpenItemInput {
  return {
    customerNumber,
    kind,
    documentNumber: erpKey,
    erpKey,
    documentDate: postingDate,
    postingDate,
    dueDate,
    currency,
    amount,
  };
}

/**
 * US01 (USD): customer A in EMEA, customer B in AMER. Amounts in cents.
 * The open items at each month-end are listed with the expected figures.
 */
function usLedger(): ParsedLedger {
  return {
    company: { code: 'US01', currency: 'USD' },
    customers: [
      { customerNumber: 'A', name: 'Alpha', region: 'EMEA' },
      { customerNumber: 'B', name: 'Beta', region: 'AMER' },
    ],
    items: [
      item('INV-A1', 'A', 'invoice', '2025-12-10', '2026-01-09', 60_000n),
      item('INV-A2', 'A', 'invoice', '2026-01-15', '2026-02-14', 90_000n),
      item('INV-B1', 'B', 'invoice', '2026-01-20', '2026-03-21', 28_000n),
      item('DN-B1', 'B', 'debit_note', '2026-01-20', '2026-02-28', 2_000n),
      item('PAY-A1', 'A', 'payment', '2026-01-25', '2026-01-25', -60_000n),
      item('CN-B1', 'B', 'credit_note', '2026-01-28', '2026-01-28', -5_000n),
      item('PAY-B0', 'B', 'payment', '2026-01-30', '2026-01-30', -10_000n),
      item('INV-A3', 'A', 'invoice', '2026-02-10', '2026-03-12', 40_000n),
      item('PAY-A2', 'A', 'payment', '2026-02-20', '2026-02-20', -50_000n),
      item('PAY-A3', 'A', 'payment', '2026-03-15', '2026-03-15', -40_000n),
      item('INV-B2', 'B', 'invoice', '2026-04-10', '2026-05-10', 90_000n),
      item('PAY-A4', 'A', 'payment', '2026-04-20', '2026-04-20', -25_000n),
    ],
    allocations: [
      { erpKey: 'A1', creditErpKey: 'PAY-A1', debitErpKey: 'INV-A1', allocationDate: '2026-01-25', amount: 60_000n },
      { erpKey: 'B1', creditErpKey: 'CN-B1', debitErpKey: 'INV-B1', allocationDate: '2026-01-28', amount: 5_000n },
    ],
    rowCount: 12,
  };
}

/** Later clearings, entered one by one as a user would. */
const usAllocations = [
  { creditErpKey: 'PAY-B0', debitErpKey: 'INV-B1', allocationDate: '2026-02-05', amount: 10_000n },
  { creditErpKey: 'PAY-A2', debitErpKey: 'INV-A2', allocationDate: '2026-02-20', amount: 50_000n },
  { creditErpKey: 'PAY-A3', debitErpKey: 'INV-A3', allocationDate: '2026-03-15', amount: 40_000n },
  { creditErpKey: 'PAY-A4', debitErpKey: 'INV-A2', allocationDate: '2026-04-20', amount: 25_000n },
];

/** KW01 (KWD, 3 decimals): amounts in fils. */
function kwLedger(): ParsedLedger {
  return {
    company: { code: 'KW01', currency: 'KWD' },
    customers: [{ customerNumber: 'K', name: 'Gulf Trading', region: 'GCC' }],
    items: [
      item('INV-K0', 'K', 'invoice', '2026-05-20', '2026-06-19', 200_250n, 'KWD'),
      item('INV-K1', 'K', 'invoice', '2026-06-05', '2026-07-05', 1_000_500n, 'KWD'),
      item('PAY-K1', 'K', 'payment', '2026-06-25', '2026-06-25', -533_250n, 'KWD'),
    ],
    allocations: [
      { erpKey: 'K0', creditErpKey: 'PAY-K1', debitErpKey: 'INV-K0', allocationDate: '2026-06-25', amount: 200_250n },
      { erpKey: 'K1', creditErpKey: 'PAY-K1', debitErpKey: 'INV-K1', allocationDate: '2026-06-25', amount: 333_000n },
    ],
    rowCount: 3,
  };
}

/** OLD1 (EUR): one invoice of 1,000.00 from January 2020, never paid. */
function oldLedger(): ParsedLedger {
  return {
    company: { code: 'OLD1', currency: 'EUR' },
    customers: [{ customerNumber: 'O', name: 'Old Debt' }],
    items: [item('INV-O1', 'O', 'invoice', '2020-01-15', '2020-02-14', 100_000n, 'EUR')],
    allocations: [],
    rowCount: 1,
  };
}

beforeAll(async () => {
  db = await openTestDb();
  const source = { kind: 'test', file: 'kpi-fixture', sha256: 'none' };
  await applyImport(db, source, [usLedger(), kwLedger(), oldLedger()]);
  const us = await getCompany(db, 'US01');
  for (const allocation of usAllocations) await allocate(db, us.companyId, allocation);
});
afterAll(async () => {
  await db.close();
});

function kpi(row: KpiRow | undefined, name: KpiName): string | null {
  if (!row) throw new Error('row missing');
  return row.kpis[name].value;
}

function rowOf(rows: readonly KpiRow[], month: string, key: string | null = null): KpiRow {
  const row = rows.find((candidate) => candidate.month === month && candidate.key === key);
  if (!row) throw new Error(`no row for ${month} ${String(key)}`);
  return row;
}

describe('kpiReport on a hand-built ledger', () => {
  it('computes January by hand', async () => {
    const report = await kpiReport(db, { companies: ['US01'], from: '2026-01', to: '2026-04' });
    const jan = rowOf(report.totals, '2026-01');
    // Opening (2025-12-31): INV-A1 600.00 open.
    expect(jan.openingAr).toBe(60_000n);
    // Sales: INV-A2 900.00 + INV-B1 280.00 + DN-B1 20.00 = 1,200.00.
    expect(jan.creditSales).toBe(120_000n);
    expect(jan.creditNotes).toBe(-5_000n);
    expect(jan.netCreditSales).toBe(115_000n);
    // Closing: INV-A2 900.00 + INV-B1 (280.00 - 50.00) + DN-B1 20.00
    // - PAY-B0 100.00 unapplied = 1,050.00. All debits are not yet due.
    expect(jan.closingAr).toBe(105_000n);
    expect(jan.currentAr).toBe(115_000n);
    expect(jan.overdueAr).toBe(0n);
    expect(jan.openCredits).toBe(-10_000n);
    // 1,050 / 1,200 x 31 = 27.125, rounded half away from zero.
    expect(kpi(jan, 'dsoStandard')).toBe('27.13');
    // Closing AR fits in January's sales: same as standard.
    expect(kpi(jan, 'dsoCountback')).toBe('27.13');
    // 1,150 / 1,200 x 31 = 29.7083.
    expect(kpi(jan, 'bestPossibleDso')).toBe('29.71');
    // (1,050 - 1,150) / 1,200 x 31 = -2.5833.
    expect(kpi(jan, 'averageDaysDelinquent')).toBe('-2.58');
    // (600 + 1,200 - 1,050) / (600 + 1,200 - 1,150) x 100 = 750 / 650 x 100.
    expect(kpi(jan, 'collectionEffectivenessIndex')).toBe('115.38');
    // 1,150 / ((600 + 1,050) / 2) = 1,150 / 825 = 1.3939; x 12 = 16.7273.
    expect(kpi(jan, 'arTurnover')).toBe('1.39');
    expect(kpi(jan, 'arTurnoverAnnualised')).toBe('16.73');
  });

  it('computes February with countback into January', async () => {
    const report = await kpiReport(db, { companies: ['US01'], from: '2026-02', to: '2026-02' });
    const feb = rowOf(report.totals, '2026-02');
    expect(feb.openingAr).toBe(105_000n);
    // Sales: INV-A3 400.00.
    expect(feb.creditSales).toBe(40_000n);
    // Closing: INV-A2 400.00 overdue (due 02-14), INV-A3 400.00 +
    // INV-B1 130.00 + DN-B1 20.00 not yet due (DN-B1 is due on 02-28,
    // the month-end itself: 0 days past due).
    expect(feb.closingAr).toBe(95_000n);
    expect(feb.currentAr).toBe(55_000n);
    expect(feb.overdueAr).toBe(40_000n);
    expect(feb.openCredits).toBe(0n);
    // 950 / 400 x 28 = 66.50.
    expect(kpi(feb, 'dsoStandard')).toBe('66.50');
    // 950 - 400 (Feb, 28 days) = 550 left; 550 / 1,200 x 31 = 14.2083
    // of January: 28 + 14.2083 = 42.2083.
    expect(kpi(feb, 'dsoCountback')).toBe('42.21');
    // 550 / 400 x 28 = 38.50; (950 - 550) / 400 x 28 = 28.00.
    expect(kpi(feb, 'bestPossibleDso')).toBe('38.50');
    expect(kpi(feb, 'averageDaysDelinquent')).toBe('28.00');
    // (1,050 + 400 - 950) / (1,050 + 400 - 550) x 100 = 500 / 900 x 100.
    expect(kpi(feb, 'collectionEffectivenessIndex')).toBe('55.56');
    // 400 / ((1,050 + 950) / 2) = 0.40; x 12 = 4.80.
    expect(kpi(feb, 'arTurnover')).toBe('0.40');
    expect(kpi(feb, 'arTurnoverAnnualised')).toBe('4.80');
  });

  it('returns null ratios for a month without sales', async () => {
    const report = await kpiReport(db, { companies: ['US01'], from: '2026-03', to: '2026-03' });
    const mar = rowOf(report.totals, '2026-03');
    expect(mar.creditSales).toBe(0n);
    // Closing: INV-A2 400.00 + INV-B1 130.00 + DN-B1 20.00, all overdue.
    expect(mar.closingAr).toBe(55_000n);
    expect(mar.currentAr).toBe(0n);
    for (const name of ['dsoStandard', 'bestPossibleDso', 'averageDaysDelinquent'] as const) {
      expect(mar.kpis[name].value).toBeNull();
      expect(mar.kpis[name].reason).toBe('no credit sales in the month');
    }
    // 550 left: March has no sales (31 days), February 400 (28 days),
    // then 150 / 1,200 x 31 = 3.875 of January: 62.875.
    expect(kpi(mar, 'dsoCountback')).toBe('62.88');
    // (950 + 0 - 550) / (950 + 0 - 0) x 100 = 42.105.
    expect(kpi(mar, 'collectionEffectivenessIndex')).toBe('42.11');
    // No net sales: turnover 0.
    expect(kpi(mar, 'arTurnover')).toBe('0.00');
  });

  it('computes April with a countback over three months', async () => {
    const report = await kpiReport(db, { companies: ['US01'], from: '2026-04', to: '2026-04' });
    const apr = rowOf(report.totals, '2026-04');
    // Closing: INV-A2 150.00 + INV-B1 130.00 + DN-B1 20.00 overdue,
    // INV-B2 900.00 not yet due: 1,200.00. Sales 900.00, 30 days.
    expect(apr.closingAr).toBe(120_000n);
    expect(apr.creditSales).toBe(90_000n);
    // 1,200 / 900 x 30 = 40.00.
    expect(kpi(apr, 'dsoStandard')).toBe('40.00');
    // 1,200 - 900 = 300 after April (30 days); March no sales (31);
    // 300 / 400 x 28 = 21 of February: 82.00.
    expect(kpi(apr, 'dsoCountback')).toBe('82.00');
    expect(kpi(apr, 'bestPossibleDso')).toBe('30.00');
    expect(kpi(apr, 'averageDaysDelinquent')).toBe('10.00');
    // (550 + 900 - 1,200) / (550 + 900 - 900) x 100 = 250 / 550 x 100.
    expect(kpi(apr, 'collectionEffectivenessIndex')).toBe('45.45');
    // 900 / ((550 + 1,200) / 2) = 1.0286; x 12 = 12.3429.
    expect(kpi(apr, 'arTurnover')).toBe('1.03');
    expect(kpi(apr, 'arTurnoverAnnualised')).toBe('12.34');
  });

  it('agrees with the ledger balance at each month-end', async () => {
    const report = await kpiReport(db, { companies: ['US01'], from: '2025-12', to: '2026-06' });
    const us = await getCompany(db, 'US01');
    expect(report.totals.map((row) => row.month)).toEqual([
      '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06',
    ]);
    for (const row of report.totals) {
      expect(row.closingAr).toBe(await balanceAsOf(db, us.companyId, row.monthEnd));
      expect(row.closingAr).toBe(row.currentAr + row.overdueAr + row.openCredits);
    }
  });

  it('reports an empty month without division by zero', async () => {
    const report = await kpiReport(db, { companies: ['US01'], from: '2025-11', to: '2025-11' });
    const nov = rowOf(report.totals, '2025-11');
    expect(nov.closingAr).toBe(0n);
    expect(kpi(nov, 'dsoStandard')).toBeNull();
    // No AR needs no days of sales.
    expect(kpi(nov, 'dsoCountback')).toBe('0.00');
    expect(nov.kpis.collectionEffectivenessIndex.reason).toMatch(/not positive/);
    expect(nov.kpis.arTurnover.reason).toBe('average AR is not positive');
  });
});

describe('kpiReport grouped by region', () => {
  it('computes each region by hand', async () => {
    const report = await kpiReport(db, {
      companies: ['US01'],
      from: '2026-01',
      to: '2026-03',
      groupBy: 'region',
    });
    expect(report.groupBy).toBe('region');
    expect([...new Set(report.rows.map((row) => row.key))]).toEqual(['AMER', 'EMEA']);

    const emeaJan = rowOf(report.rows, '2026-01', 'EMEA');
    // EMEA is customer A: opening INV-A1 600.00; sales INV-A2 900.00;
    // closing INV-A2 900.00, not yet due.
    expect(emeaJan.openingAr).toBe(60_000n);
    expect(emeaJan.closingAr).toBe(90_000n);
    expect(kpi(emeaJan, 'dsoStandard')).toBe('31.00');
    // (600 + 900 - 900) / (600 + 900 - 900) x 100.
    expect(kpi(emeaJan, 'collectionEffectivenessIndex')).toBe('100.00');
    // 900 / ((600 + 900) / 2) = 1.20.
    expect(kpi(emeaJan, 'arTurnover')).toBe('1.20');

    const amerJan = rowOf(report.rows, '2026-01', 'AMER');
    // AMER is customer B: sales 280.00 + 20.00, credit note -50.00,
    // closing 230.00 + 20.00 - 100.00 unapplied = 150.00, current 250.00.
    expect(amerJan.creditSales).toBe(30_000n);
    expect(amerJan.netCreditSales).toBe(25_000n);
    expect(amerJan.closingAr).toBe(15_000n);
    expect(amerJan.currentAr).toBe(25_000n);
    // 150 / 300 x 31 = 15.50; 250 / 300 x 31 = 25.833; -100 / 300 x 31.
    expect(kpi(amerJan, 'dsoStandard')).toBe('15.50');
    expect(kpi(amerJan, 'bestPossibleDso')).toBe('25.83');
    expect(kpi(amerJan, 'averageDaysDelinquent')).toBe('-10.33');
    // (0 + 300 - 150) / (0 + 300 - 250) x 100 = 300.
    expect(kpi(amerJan, 'collectionEffectivenessIndex')).toBe('300.00');
    // 250 / ((0 + 150) / 2) = 3.333; x 12 = 40.
    expect(kpi(amerJan, 'arTurnover')).toBe('3.33');
    expect(kpi(amerJan, 'arTurnoverAnnualised')).toBe('40.00');

    const emeaMar = rowOf(report.rows, '2026-03', 'EMEA');
    // Opening INV-A2 400.00 + INV-A3 400.00; closing INV-A2 400.00.
    expect(emeaMar.openingAr).toBe(80_000n);
    expect(emeaMar.closingAr).toBe(40_000n);
    // March no sales (31 days), then all of A's February sales of 400.00 (28).
    expect(kpi(emeaMar, 'dsoCountback')).toBe('59.00');
    // (800 - 400) / (800 - 0) x 100.
    expect(kpi(emeaMar, 'collectionEffectivenessIndex')).toBe('50.00');

    const amerMar = rowOf(report.rows, '2026-03', 'AMER');
    // 150.00 open: March and February without sales (31 + 28), then
    // 150 / 300 x 31 = 15.5 of January.
    expect(kpi(amerMar, 'dsoCountback')).toBe('74.50');
    expect(kpi(amerMar, 'collectionEffectivenessIndex')).toBe('0.00');
  });

  it('keeps totals equal to the sum of the regions', async () => {
    const report = await kpiReport(db, {
      companies: ['US01'],
      from: '2026-01',
      to: '2026-04',
      groupBy: 'region',
    });
    const ungrouped = await kpiReport(db, { companies: ['US01'], from: '2026-01', to: '2026-04' });
    expect(report.totals).toEqual(ungrouped.totals);
    for (const total of report.totals) {
      const regions = report.rows.filter((row) => row.month === total.month);
      const sum = (field: 'closingAr' | 'creditSales' | 'currentAr' | 'openingAr') =>
        regions.reduce((acc, row) => acc + row[field], 0n);
      expect(sum('closingAr')).toBe(total.closingAr);
      expect(sum('creditSales')).toBe(total.creditSales);
      expect(sum('currentAr')).toBe(total.currentAr);
      expect(sum('openingAr')).toBe(total.openingAr);
    }
  });

  it('groups by customer with company and name', async () => {
    const report = await kpiReport(db, {
      companies: ['US01', 'KW01'],
      from: '2026-06',
      to: '2026-06',
      groupBy: 'customer',
    });
    const keys = report.rows.map((row) => `${row.company}/${row.key}/${row.name}`);
    // In June every customer still has a balance. Rows are sorted by
    // currency, then company and customer number.
    expect(keys).toEqual(['KW01/K/Gulf Trading', 'US01/A/Alpha', 'US01/B/Beta']);
    const alpha = report.rows.find((row) => row.key === 'A');
    // INV-A2: 900.00 - 500.00 - 250.00.
    expect(alpha?.closingAr).toBe(15_000n);
  });
});

describe('kpiReport currencies', () => {
  it('handles a 3-decimal currency', async () => {
    const report = await kpiReport(db, { companies: ['KW01'], from: '2026-06', to: '2026-06' });
    const jun = rowOf(report.totals, '2026-06');
    expect(jun.currency).toBe('KWD');
    expect(jun.exponent).toBe(3);
    // Opening INV-K0 200.250; sales INV-K1 1,000.500; closing
    // 1,000.500 - 333.000 = 667.500, not yet due.
    expect(jun.openingAr).toBe(200_250n);
    expect(jun.creditSales).toBe(1_000_500n);
    expect(jun.closingAr).toBe(667_500n);
    // 667.500 / 1,000.500 x 30 = 20.01499.
    expect(kpi(jun, 'dsoStandard')).toBe('20.01');
    expect(kpi(jun, 'dsoCountback')).toBe('20.01');
    // 1,000.500 / ((200.250 + 667.500) / 2) = 2.30596; x 12 = 27.6716.
    expect(kpi(jun, 'arTurnover')).toBe('2.31');
    expect(kpi(jun, 'arTurnoverAnnualised')).toBe('27.67');
    const json = kpiReportToJson(report);
    expect(json.totals[0]!.closingAr).toBe('667.500');
    expect(json.totals[0]!.creditSales).toBe('1000.500');
    expect(json.totals[0]!.openingAr).toBe('200.250');
  });

  it('never sums across local currencies', async () => {
    const both = await kpiReport(db, { companies: ['US01', 'KW01'], from: '2026-04', to: '2026-06' });
    expect(both.totals.map((row) => `${row.currency} ${row.month}`)).toEqual([
      'KWD 2026-04', 'KWD 2026-05', 'KWD 2026-06',
      'USD 2026-04', 'USD 2026-05', 'USD 2026-06',
    ]);
    const usOnly = await kpiReport(db, { companies: ['US01'], from: '2026-04', to: '2026-06' });
    const kwOnly = await kpiReport(db, { companies: ['KW01'], from: '2026-04', to: '2026-06' });
    expect(both.totals.filter((row) => row.currency === 'USD')).toEqual(usOnly.totals);
    expect(both.totals.filter((row) => row.currency === 'KWD')).toEqual(kwOnly.totals);
  });

  it('covers every company when none is named', async () => {
    const report = await kpiReport(db, { from: '2026-06', to: '2026-06' });
    expect(report.companies.map((company) => company.code).sort()).toEqual(['KW01', 'OLD1', 'US01']);
    expect(report.totals.map((row) => row.currency)).toEqual(['EUR', 'KWD', 'USD']);
    // OLD1's invoice of 1,000.00 stays open.
    expect(rowOf(report.totals, '2026-06').closingAr).toBe(100_000n);
  });
});

describe('countback limit', () => {
  it('looks back at most 36 months', async () => {
    const report = await kpiReport(db, { companies: ['OLD1'], from: '2022-12', to: '2023-01' });
    const dec = rowOf(report.totals, '2022-12');
    // The 36 months up to December 2022 start in January 2020, whose
    // sales equal the AR: all of 2020 (366), 2021 (365) and 2022 (365).
    expect(kpi(dec, 'dsoCountback')).toBe('1096.00');
    expect(dec.kpis.dsoCountback.method).toBe('DSO-CB36');
    // (1,000 + 0 - 1,000) / (1,000 + 0 - 0) x 100.
    expect(kpi(dec, 'collectionEffectivenessIndex')).toBe('0.00');
    const jan = rowOf(report.totals, '2023-01');
    expect(kpi(jan, 'dsoCountback')).toBeNull();
    expect(jan.kpis.dsoCountback.reason).toBe(
      'closing AR exceeds the credit sales of the last 36 months',
    );
  });
});

describe('kpiReport output and input checks', () => {
  it('names a legend entry for every method used', async () => {
    const report = await kpiReport(db, { from: '2026-01', to: '2026-02', groupBy: 'company' });
    const codes = new Set(report.methods.map((method) => method.code));
    expect(report.rows.length).toBeGreaterThan(0);
    for (const row of [...report.rows, ...report.totals]) {
      for (const value of Object.values(row.kpis)) expect(codes).toContain(value.method);
    }
    const json = JSON.parse(JSON.stringify(kpiReportToJson(report))) as { rows: unknown[] };
    expect(json.rows).toHaveLength(report.rows.length);
  });

  it('rejects invalid months and companies', async () => {
    await expect(kpiReport(db, { from: '2026-13', to: '2026-12' })).rejects.toThrow(InputError);
    await expect(kpiReport(db, { from: '2026-05', to: '2026-04' })).rejects.toThrow(/after/);
    await expect(
      kpiReport(db, { from: '2026-01', to: '2026-01', companies: ['NONE'] }),
    ).rejects.toThrow(NotFoundError);
    await expect(
      kpiReport(db, { from: '2026-01', to: '2026-01', groupBy: 'planet' as never }),
    ).rejects.toThrow(/invalid grouping/);
  });
});
