import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import {
  applyImport,
  balanceAsOf,
  getCompany,
  reverseAllocation,
  setFxRate,
  type OpenItemInput,
  type ParsedLedger,
} from '../ledger/index.js';
import {
  agingItems,
  agingReport,
  agingReportToJson,
  defaultBucketLimits,
  type AgingReport,
  type AgingRequest,
} from './index.js';

let db: TestDb;

// Bucket indexes with the default limits 0,30,60,90,120,180,365.
const notDue = 0;
const days1to30 = 1;
const days31to60 = 2;
const days61to90 = 3;
const days181to365 = 6;
const over365 = 7;
const unapplied = 8;

function item(
  customerNumber: string,
  erpKey: string,
  kind: OpenItemInput['kind'],
  amount: bigint,
  documentDate: string,
  dueDate: string,
  extra: Partial<OpenItemInput> = {},
): OpenItemInput {
  return {
    customerNumber,
    kind,
    documentNumber: erpKey,
    erpKey,
    documentDate,
    postingDate: documentDate,
    dueDate,
    currency: 'EUR',
    amount,
    ...extra,
  };
}

function euroLedger(): ParsedLedger {
  return {
    company: { code: 'AG01', currency: 'EUR' },
    customers: [
      { customerNumber: 'C1', name: 'Paid Later GmbH', country: 'DE', groupNumber: 'C1' },
      { customerNumber: 'C2', name: 'Due Today GmbH', country: 'DE', groupNumber: 'C1' },
      { customerNumber: 'C3', name: 'Advance SARL', country: 'FR' },
      { customerNumber: 'C4', name: 'Instalment SARL', country: 'FR' },
      { customerNumber: 'C5', name: 'Credit Note SpA', country: 'IT' },
      { customerNumber: 'C6', name: 'Boundary Ltd' },
      { customerNumber: 'C7', name: 'Reversal Ltd', country: 'IT' },
      { customerNumber: 'C8', name: 'Dollar Inc', country: 'US' },
    ],
    items: [
      // C1: paid on 2026-03-15, after the as-of date 2026-02-28.
      item('C1', 'INV-A', 'invoice', 100_000n, '2026-01-01', '2026-01-31'),
      item('C1', 'PAY-A', 'payment', -100_000n, '2026-03-15', '2026-03-15'),
      // C2: due on the as-of date itself.
      item('C2', 'INV-B', 'invoice', 50_000n, '2026-01-29', '2026-02-28'),
      // C3: an advance received before the invoice it later pays.
      item('C3', 'ADV-C', 'advance', -30_000n, '2026-01-05', '2026-01-05'),
      item('C3', 'INV-C', 'invoice', 80_000n, '2026-01-20', '2026-02-19'),
      // C4: one invoice in three instalments, a payment applied oldest first.
      item('C4', 'INV-D/1', 'invoice', 20_000n, '2025-10-01', '2025-11-01', { documentNumber: 'INV-D', instalment: 1 }),
      item('C4', 'INV-D/2', 'invoice', 20_000n, '2025-10-01', '2025-12-01', { documentNumber: 'INV-D', instalment: 2 }),
      item('C4', 'INV-D/3', 'invoice', 20_000n, '2025-10-01', '2026-01-01', { documentNumber: 'INV-D', instalment: 3 }),
      item('C4', 'PAY-D', 'payment', -30_000n, '2026-01-15', '2026-01-15'),
      // C5: a credit note of 500.00 of which 200.00 is applied.
      item('C5', 'INV-E', 'invoice', 200_000n, '2025-12-16', '2026-01-15'),
      item('C5', 'CN-E', 'credit_note', -50_000n, '2026-01-20', '2026-01-20'),
      // C6: 30, 31, 365 and 366 days past due on 2026-02-28.
      item('C6', 'INV-F30', 'invoice', 1_000n, '2025-12-30', '2026-01-29'),
      item('C6', 'INV-F31', 'invoice', 2_000n, '2025-12-29', '2026-01-28'),
      item('C6', 'INV-F365', 'invoice', 3_000n, '2025-01-29', '2025-02-28'),
      item('C6', 'INV-F366', 'invoice', 4_000n, '2025-01-28', '2025-02-27'),
      // C7: paid on 2026-02-10; the allocation is reversed later in the tests.
      item('C7', 'INV-G', 'invoice', 70_000n, '2026-01-01', '2026-01-31'),
      item('C7', 'PAY-G', 'payment', -70_000n, '2026-02-10', '2026-02-10'),
      // C8: 100.00 USD at 0.9 = 90.00 EUR.
      item('C8', 'INV-H', 'invoice', 10_000n, '2026-01-10', '2026-02-09', { currency: 'USD' }),
    ],
    allocations: [
      { erpKey: 'A-A', creditErpKey: 'PAY-A', debitErpKey: 'INV-A', allocationDate: '2026-03-15', amount: 100_000n },
      { erpKey: 'A-C', creditErpKey: 'ADV-C', debitErpKey: 'INV-C', allocationDate: '2026-01-20', amount: 30_000n },
      { erpKey: 'A-D1', creditErpKey: 'PAY-D', debitErpKey: 'INV-D/1', allocationDate: '2026-01-15', amount: 20_000n },
      { erpKey: 'A-D2', creditErpKey: 'PAY-D', debitErpKey: 'INV-D/2', allocationDate: '2026-01-15', amount: 10_000n },
      { erpKey: 'A-E', creditErpKey: 'CN-E', debitErpKey: 'INV-E', allocationDate: '2026-01-25', amount: 20_000n },
      { erpKey: 'A-G', creditErpKey: 'PAY-G', debitErpKey: 'INV-G', allocationDate: '2026-02-10', amount: 70_000n },
    ],
    rowCount: 18,
  };
}

function foreignLedgers(): ParsedLedger[] {
  return [
    {
      company: { code: 'AG02', currency: 'EUR', name: 'Second Euro Company' },
      // The same customer number as in AG01: 10.00 due 2026-02-27, 1 day past due on 2026-02-28.
      customers: [{ customerNumber: 'C1', name: 'Paid Later GmbH', country: 'AT' }],
      items: [item('C1', 'AINV-1', 'invoice', 1_000n, '2026-01-28', '2026-02-27')],
      allocations: [],
      rowCount: 1,
    },
    {
      company: { code: 'KW01', currency: 'KWD' },
      customers: [{ customerNumber: 'K1', name: 'Gulf Trading', country: 'KW' }],
      // 1,234.567 KWD due 2026-02-10: 18 days past due on 2026-02-28.
      items: [item('K1', 'KINV-1', 'invoice', 1_234_567n, '2026-01-11', '2026-02-10', { currency: 'KWD' })],
      allocations: [],
      rowCount: 1,
    },
    {
      company: { code: 'JP01', currency: 'JPY' },
      customers: [{ customerNumber: 'J1', name: 'Osaka Boeki', country: 'JP' }],
      // 150,000 JPY due 2026-03-31: not yet due on 2026-02-28.
      items: [item('J1', 'JINV-1', 'invoice', 150_000n, '2026-03-01', '2026-03-31', { currency: 'JPY', postingDate: '2026-02-20', documentDate: '2026-02-20' })],
      allocations: [],
      rowCount: 1,
    },
  ];
}

function request(overrides: Partial<AgingRequest> = {}): AgingRequest {
  return {
    companies: ['AG01'],
    asOf: '2026-02-28',
    basis: 'due',
    groupBy: 'customer',
    bucketLimits: defaultBucketLimits,
    currency: 'local',
    ...overrides,
  };
}

/** Amounts per bucket from sparse [bucket, amount] pairs. */
function amounts(pairs: [number, bigint][], bucketCount = 9): bigint[] {
  const result = new Array<bigint>(bucketCount).fill(0n);
  for (const [bucket, amount] of pairs) result[bucket] = result[bucket]! + amount;
  return result;
}

function row(report: AgingReport, key: string, currency?: string) {
  return report.rows.find((entry) => entry.key === key && (!currency || entry.currency === currency));
}

beforeAll(async () => {
  db = await openTestDb();
  await setFxRate(db, 'USD', 'EUR', '2026-01-01', '0.9');
  await applyImport(db, { kind: 'test', file: 'aging.test', sha256: 'a' }, [euroLedger(), ...foreignLedgers()]);
});
afterAll(async () => {
  await db.close();
});

describe('aging report edge cases', () => {
  it('keeps an invoice paid after the as-of date open', async () => {
    const before = await agingReport(db, request());
    // Due 2026-01-31, 28 days past due on 2026-02-28.
    expect(row(before, 'C1')?.amounts).toEqual(amounts([[days1to30, 100_000n]]));
    const after = await agingReport(db, request({ asOf: '2026-03-15' }));
    expect(row(after, 'C1')).toBeUndefined();
  });

  it('treats an item due on the as-of date as not due', async () => {
    const onDueDate = await agingReport(db, request());
    expect(row(onDueDate, 'C2')?.amounts).toEqual(amounts([[notDue, 50_000n]]));
    const dayAfter = await agingReport(db, request({ asOf: '2026-03-01' }));
    expect(row(dayAfter, 'C2')?.amounts).toEqual(amounts([[days1to30, 50_000n]]));
  });

  it('shows an advance before its invoice as unapplied', async () => {
    const early = await agingReport(db, request({ asOf: '2026-01-10' }));
    expect(row(early, 'C3')?.amounts).toEqual(amounts([[unapplied, -30_000n]]));
    // Aged by its own due date 2026-01-05: 5 days.
    const aged = await agingReport(db, request({ asOf: '2026-01-10', ageCredits: true }));
    expect(row(aged, 'C3')?.amounts).toEqual(amounts([[days1to30, -30_000n]], 8));
    // 800.00 less the 300.00 advance, due 2026-02-19: 9 days on 2026-02-28.
    const later = await agingReport(db, request());
    expect(row(later, 'C3')?.amounts).toEqual(amounts([[days1to30, 50_000n]]));
  });

  it('ages instalments left after oldest-first payment', async () => {
    const report = await agingReport(db, request());
    // Instalment 1 is paid; 100.00 of instalment 2 (due 2025-12-01, 89
    // days) and all of instalment 3 (due 2026-01-01, 58 days) are open.
    expect(row(report, 'C4')?.amounts).toEqual(
      amounts([
        [days61to90, 10_000n],
        [days31to60, 20_000n],
      ]),
    );
    expect(row(report, 'C4')?.itemCount).toBe(2);
  });

  it('splits a partly applied credit note', async () => {
    const report = await agingReport(db, request());
    // Invoice 2,000.00 less 200.00 due 2026-01-15 (44 days); 300.00 of
    // the credit note is unapplied.
    expect(row(report, 'C5')?.amounts).toEqual(
      amounts([
        [days31to60, 180_000n],
        [unapplied, -30_000n],
      ]),
    );
    expect(row(report, 'C5')?.total).toBe(150_000n);
    // Aged by its due date 2026-01-20 (39 days), the credit note nets in.
    const aged = await agingReport(db, request({ ageCredits: true }));
    expect(row(aged, 'C5')?.amounts).toEqual(amounts([[days31to60, 150_000n]], 8));
  });

  it('puts 30 and 31 days in different buckets', async () => {
    const report = await agingReport(db, request());
    expect(row(report, 'C6')?.amounts).toEqual(
      amounts([
        [days1to30, 1_000n],
        [days31to60, 2_000n],
        [days181to365, 3_000n],
        [over365, 4_000n],
      ]),
    );
  });

  it('ages by document date on that basis', async () => {
    const report = await agingReport(db, request({ basis: 'document' }));
    // INV-B is dated 2026-01-29: 30 days old on 2026-02-28.
    expect(row(report, 'C2')?.amounts).toEqual(amounts([[days1to30, 50_000n]]));
    expect(report.buckets[0]!.label).toBe('Up to 0');
  });

  it('labels the default buckets', async () => {
    const report = await agingReport(db, request());
    expect(report.buckets.map((bucket) => bucket.label)).toEqual([
      'Not due', '1-30', '31-60', '61-90', '91-120', '121-180', '181-365', 'Over 365', 'Unapplied credits',
    ]);
    expect(report.buckets[1]).toEqual({ label: '1-30', from: 1, to: 30 });
    expect(report.buckets[7]).toEqual({ label: 'Over 365', from: 366, to: null });
    expect(report.buckets[8]).toEqual({ label: 'Unapplied credits', from: null, to: null });
  });

  it('keeps bucket totals equal to the balance', async () => {
    const company = await getCompany(db, 'AG01');
    for (const asOf of ['2026-01-10', '2026-02-28', '2026-03-15']) {
      for (const ageCredits of [false, true]) {
        const report = await agingReport(db, request({ asOf, ageCredits }));
        const total = report.totals[0]!;
        expect(total.amounts.reduce((sum, amount) => sum + amount, 0n)).toBe(total.total);
        expect(total.total).toBe(await balanceAsOf(db, company.companyId, asOf));
      }
    }
  });

  it('reopens a reversed item from the reversal date only', async () => {
    const before = await agingReport(db, request({ asOf: '2026-02-15' }));
    expect(row(before, 'C7')).toBeUndefined();
    const company = await getCompany(db, 'AG01');
    const allocation = await db.query<{ allocation_id: bigint }>(
      `select allocation_id from allocation where company_id = $1 and erp_key = 'A-G'`,
      [company.companyId],
    );
    await reverseAllocation(db, company.companyId, allocation.rows[0]!.allocation_id, '2026-02-20', 'returned check');
    expect(await agingReport(db, request({ asOf: '2026-02-15' }))).toEqual(before);
    const after = await agingReport(db, request());
    expect(row(after, 'C7')?.amounts).toEqual(
      amounts([
        [days1to30, 70_000n],
        [unapplied, -70_000n],
      ]),
    );
  });
});

describe('aging report currencies', () => {
  it('ages KWD with three decimals and JPY with none', async () => {
    const report = await agingReport(db, request({ companies: ['KW01', 'JP01'] }));
    expect(report.currency).toBe('local');
    expect(row(report, 'KW01/K1')).toMatchObject({ currency: 'KWD', exponent: 3 });
    expect(row(report, 'KW01/K1')?.amounts).toEqual(amounts([[days1to30, 1_234_567n]]));
    expect(row(report, 'JP01/J1')).toMatchObject({ currency: 'JPY', exponent: 0 });
    expect(row(report, 'JP01/J1')?.amounts).toEqual(amounts([[notDue, 150_000n]]));
    expect(report.totals.map((total) => total.currency)).toEqual(['JPY', 'KWD']);
  });

  it('writes JSON with one total per currency', async () => {
    const json = agingReportToJson(await agingReport(db, request({ companies: ['KW01', 'JP01'] })));
    expect(json.total).toBeNull();
    expect(json.rows.find((entry) => entry.key === 'KW01/K1')?.amounts[days1to30]).toBe('1234.567');
    expect(json.rows.find((entry) => entry.key === 'KW01/K1')?.amounts[notDue]).toBe('0.000');
    expect(json.rows.find((entry) => entry.key === 'JP01/J1')?.total).toBe('150000');
    expect(json.totals).toEqual([
      { currency: 'JPY', amounts: ['150000', '0', '0', '0', '0', '0', '0', '0', '0'], total: '150000', disputed: '0' },
      {
        currency: 'KWD',
        amounts: ['0.000', '1234.567', '0.000', '0.000', '0.000', '0.000', '0.000', '0.000', '0.000'],
        total: '1234.567',
        disputed: '0.000',
      },
    ]);
  });

  it('writes JSON with a single total for one currency', async () => {
    const json = agingReportToJson(await agingReport(db, request({ companies: ['KW01'] })));
    expect(json.currency).toBe('KWD');
    expect(json.total?.total).toBe('1234.567');
    expect(json.totals).toBeUndefined();
  });

  it('splits rows by transaction currency', async () => {
    const local = await agingReport(db, request());
    // 100.00 USD at 0.9: 90.00 EUR, 19 days past due.
    expect(row(local, 'C8', 'EUR')?.amounts).toEqual(amounts([[days1to30, 9_000n]]));
    const transaction = await agingReport(db, request({ currency: 'transaction' }));
    expect(transaction.currency).toBe('transaction');
    expect(row(transaction, 'C8', 'USD')?.amounts).toEqual(amounts([[days1to30, 10_000n]]));
    expect(row(transaction, 'C8', 'EUR')).toBeUndefined();
    expect(transaction.totals.map((total) => total.currency)).toEqual(['EUR', 'USD']);
  });

  it('never adds up different local currencies', async () => {
    const report = await agingReport(db, request({ companies: [], groupBy: 'company' }));
    expect(report.rows.map((entry) => [entry.key, entry.currency, entry.name])).toEqual([
      ['AG01', 'EUR', 'AG01'],
      ['AG02', 'EUR', 'Second Euro Company'],
      ['JP01', 'JPY', 'JP01'],
      ['KW01', 'KWD', 'KW01'],
    ]);
    expect(row(report, 'AG02')!.total).toBe(1_000n);
    expect(report.totals.map((total) => [total.currency, total.total])).toEqual([
      ['EUR', row(report, 'AG01')!.total + 1_000n],
      ['JPY', 150_000n],
      ['KWD', 1_234_567n],
    ]);
  });

  it('keeps one customer number of two companies apart', async () => {
    const both = await agingReport(db, request({ companies: ['AG01', 'AG02'] }));
    // 1,000.00 from AG01 (28 days) and 10.00 from AG02 (1 day).
    expect(row(both, 'C1')).toBeUndefined();
    expect(row(both, 'AG01/C1')).toMatchObject({ currency: 'EUR', total: 100_000n, itemCount: 1 });
    expect(row(both, 'AG02/C1')).toMatchObject({ currency: 'EUR', total: 1_000n, itemCount: 1 });
    expect(row(both, 'AG01/C1')?.amounts).toEqual(amounts([[days1to30, 100_000n]]));
    expect(both.totals).toHaveLength(1);
    expect(both.totals[0]!.total).toBe(both.rows.reduce((sum, entry) => sum + entry.total, 0n));
    const byCountry = await agingReport(db, request({ companies: ['AG01', 'AG02'], groupBy: 'country' }));
    expect(row(byCountry, 'AT')?.total).toBe(1_000n);
    expect(row(byCountry, 'DE')?.total).toBe(150_000n);
  });

  it('lists items of several companies', async () => {
    const all = await agingItems(db, request({ companies: ['AG01', 'AG02'] }));
    expect(
      all.items
        .filter((entry) => entry.customerNumber === 'C1')
        .map((entry) => [entry.key, entry.companyCode, entry.documentNumber, entry.daysPastDue, entry.localCurrency]),
    ).toEqual([
      ['AG01/C1', 'AG01', 'INV-A', 28, 'EUR'],
      ['AG02/C1', 'AG02', 'AINV-1', 1, 'EUR'],
    ]);
    const one = await agingItems(db, { ...request({ companies: ['AG01', 'AG02'] }), key: 'AG02/C1' });
    expect(one.items.map((entry) => entry.documentNumber)).toEqual(['AINV-1']);
  });
});

describe('aging report groupings', () => {
  it('groups by country', async () => {
    const report = await agingReport(db, request({ groupBy: 'country' }));
    // DE: C1 1,000.00 + C2 500.00. Blank: C6 100.00.
    expect(row(report, 'DE')?.total).toBe(150_000n);
    expect(row(report, '')?.total).toBe(10_000n);
    expect(row(report, 'DE')?.name).toBeNull();
  });

  it('groups by customer group with a fallback', async () => {
    const report = await agingReport(db, request({ groupBy: 'group' }));
    expect(row(report, 'C1')).toMatchObject({ name: 'Paid Later GmbH', total: 150_000n, itemCount: 2 });
    expect(row(report, 'C2')).toBeUndefined();
    expect(row(report, 'C6')?.total).toBe(10_000n);
  });

  it('names customer rows', async () => {
    const report = await agingReport(db, request());
    expect(row(report, 'C5')?.name).toBe('Credit Note SpA');
  });

  it('groups by currency', async () => {
    const report = await agingReport(db, request({ groupBy: 'currency' }));
    expect(row(report, 'USD')).toMatchObject({ currency: 'EUR', total: 9_000n, name: 'US dollar' });
  });

  it('rejects an unknown company', async () => {
    await expect(agingReport(db, request({ companies: ['NOPE'] }))).rejects.toThrow(/company "NOPE" not found/);
  });

  it('rejects bad bucket limits', async () => {
    await expect(agingReport(db, request({ bucketLimits: [30, 0] }))).rejects.toThrow(/strictly ascending/);
  });
});

describe('aging drill-down', () => {
  it('lists the items behind a bucket', async () => {
    const { items, total } = await agingItems(db, { ...request(), key: 'C4' });
    expect(total).toBe(2);
    expect(items.map((entry) => [entry.documentNumber, entry.dueDate, entry.daysPastDue, entry.openAmount, entry.bucket])).toEqual([
      ['INV-D', '2025-12-01', 89, 10_000n, days61to90],
      ['INV-D', '2026-01-01', 58, 20_000n, days31to60],
    ]);
  });

  it('filters one bucket across rows', async () => {
    const { items } = await agingItems(db, { ...request(), bucket: unapplied });
    expect(items.map((entry) => [entry.customerNumber, entry.kind, entry.openAmount])).toEqual([
      ['C5', 'credit_note', -30_000n],
      ['C7', 'payment', -70_000n],
    ]);
  });

  it('reports both amounts of a foreign item', async () => {
    const { items } = await agingItems(db, { ...request(), key: 'C8' });
    expect(items[0]).toMatchObject({
      currency: 'USD',
      openAmount: 10_000n,
      localCurrency: 'EUR',
      openAmountLocal: 9_000n,
      daysPastDue: 19,
    });
  });

  it('pages with a total count', async () => {
    const first = await agingItems(db, { ...request(), limit: 3 });
    const rest = await agingItems(db, { ...request(), limit: 100, offset: 3 });
    const past = await agingItems(db, { ...request(), limit: 5, offset: 1000 });
    expect(first.items).toHaveLength(3);
    expect(first.total).toBe(3 + rest.items.length);
    expect(past).toEqual({ items: [], total: first.total });
  });

  it('rejects a bucket the report lacks', async () => {
    await expect(agingItems(db, { ...request(), bucket: 9 })).rejects.toThrow(/buckets 0 to 8/);
  });
});
