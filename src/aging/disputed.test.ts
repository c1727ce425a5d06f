import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { unrestricted, type Actor } from '../auth/types.js';
import { disputedAmounts, openDispute, resolveDispute } from '../collections/disputes.js';
import { applyImport, getCompany, type OpenItemInput } from '../ledger/index.js';
import { createColumnarAgingEngine } from './columnar-engine.js';
import { snapshotAging, takeSnapshot } from './snapshots.js';
import { sqlAgingReport } from './sql-engine.js';
import type { AgingRequest } from './types.js';

let db: TestDb;
let companyId: number;
const actor: Actor = { userId: null, email: 'credit@example.com', role: 'credit_manager', scope: unrestricted, via: 'cli' };

function invoice(customerNumber: string, documentNumber: string, date: string, amount: bigint, extra: Partial<OpenItemInput> = {}): OpenItemInput {
  return {
    customerNumber,
    kind: 'invoice',
    documentNumber,
    erpKey: documentNumber,
    documentDate: date,
    postingDate: date,
    dueDate: date.replace(/-01$/, '-28'),
    currency: 'KWD',
    amount,
    ...extra,
  };
}

async function itemId(documentNumber: string): Promise<{ itemId: bigint; customerId: bigint }> {
  const result = await db.query<{ item_id: bigint; customer_id: bigint }>(
    'select item_id, customer_id from open_item where company_id = $1 and document_number = $2',
    [companyId, documentNumber],
  );
  return { itemId: result.rows[0]!.item_id, customerId: result.rows[0]!.customer_id };
}

async function dispute(documentNumber: string, date: string, amount: bigint): Promise<bigint> {
  const { itemId: id, customerId } = await itemId(documentNumber);
  const opened = await openDispute(
    db,
    companyId,
    { customerId, reason: 'price', department: 'sales', date, items: [{ itemId: id, amount }] },
    actor,
  );
  return opened.disputeId;
}

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'disputed', sha256: 'disputed' }, [
    {
      company: { code: 'DS01', name: 'Dispute Books', currency: 'KWD' },
      customers: [
        { customerNumber: 'A', name: 'Alpha Trading', region: 'North' },
        { customerNumber: 'B', name: 'Beta Stores', region: 'South' },
      ],
      items: [
        invoice('A', 'INV-1', '2026-01-01', 1_000_000n),
        { ...invoice('A', 'PAY-1', '2026-02-15', -400_000n), kind: 'payment', dueDate: '2026-02-15' },
        invoice('A', 'INV-2', '2026-01-01', 500_000n, { disputed: true }),
        invoice('A', 'INV-3', '2026-02-01', 300_000n),
        invoice('B', 'INV-4', '2026-01-01', 10_000n, { currency: 'USD', amountLocal: 30_001n, fxRate: '0.30001' }),
        invoice('B', 'INV-5', '2026-01-01', 200_000n),
      ],
      allocations: [{ erpKey: 'AL-1', creditErpKey: 'PAY-1', debitErpKey: 'INV-1', allocationDate: '2026-02-15', amount: 400_000n }],
      rowCount: 6,
    },
  ]);
  companyId = (await getCompany(db, 'DS01')).companyId;
  // INV-1: 250.000 of the 600.000 still open after the payment.
  await dispute('INV-1', '2026-03-01', 250_000n);
  // INV-3: opened after 2026-03-31, so not disputed on that day.
  await dispute('INV-3', '2026-04-10', 300_000n);
  // INV-4: half of USD 100.00.
  await dispute('INV-4', '2026-02-01', 5_000n);
  // INV-5: rejected on 2026-03-15, so disputed on 2026-03-01 only.
  const rejected = await dispute('INV-5', '2026-01-15', 200_000n);
  await resolveDispute(db, companyId, rejected, { date: '2026-03-15', resolution: 'rejected' }, actor);
}, 120_000);

afterAll(async () => {
  await db.close();
});

function request(asOf: string, currency: 'local' | 'transaction' = 'local'): AgingRequest {
  return { companies: ['DS01'], asOf, basis: 'due', groupBy: 'customer', bucketLimits: [0, 30, 60], currency };
}

describe('aging disputed column', () => {
  const engines = [
    ['sql', () => ({ report: (r: AgingRequest) => sqlAgingReport(db, r) })],
    ['columnar', () => createColumnarAgingEngine(db)],
  ] as const;

  for (const [name, make] of engines) {
    it(`counts open disputes on the day (${name})`, async () => {
      const report = await make().report(request('2026-03-31'));
      const byKey = new Map(report.rows.map((row) => [row.key, row]));
      // A: 250.000 of INV-1 + all of flagged INV-2 (500.000); INV-3's dispute opens later.
      expect(byKey.get('A')!.disputed).toBe(750_000n);
      // B: USD 50.00 of 100.00 is half of the local 30.001, 15.0005, rounded away from zero to 15.001.
      expect(byKey.get('B')!.disputed).toBe(15_001n);
      expect(report.totals[0]!.disputed).toBe(765_001n);
      // The buckets keep the disputed amounts: A's total is 600 + 500 + 300.
      expect(byKey.get('A')!.total).toBe(1_400_000n);
    });

    it(`counts a dispute resolved later (${name})`, async () => {
      const report = await make().report(request('2026-03-01'));
      const byKey = new Map(report.rows.map((row) => [row.key, row]));
      expect(byKey.get('A')!.disputed).toBe(750_000n);
      // 15.001 of INV-4 and all 200.000 of INV-5, rejected only on 2026-03-15.
      expect(byKey.get('B')!.disputed).toBe(215_001n);
    });

    it(`keeps item currencies apart (${name})`, async () => {
      const report = await make().report(request('2026-03-31', 'transaction'));
      const usd = report.rows.find((row) => row.key === 'B' && row.currency === 'USD')!;
      const kwd = report.rows.find((row) => row.key === 'B' && row.currency === 'KWD')!;
      expect(usd.disputed).toBe(5_000n);
      expect(kwd.disputed).toBe(0n);
    });
  }

  it('agrees with the dispute amounts per item', async () => {
    // The other way: the disputes module's per-item amounts (item currency)
    // plus the open amount of the flagged item.
    const perItem = await disputedAmounts(db, companyId, '2026-03-31');
    let fromDisputes = 0n;
    for (const [id, amount] of perItem) {
      const currency = await db.query<{ currency: string }>('select currency from open_item where company_id = $1 and item_id = $2', [companyId, id]);
      if (currency.rows[0]!.currency === 'KWD') fromDisputes += amount;
    }
    const flaggedOpen = 500_000n;
    const report = await sqlAgingReport(db, request('2026-03-31', 'transaction'));
    const kwdDisputed = report.rows.filter((row) => row.currency === 'KWD').reduce((sum, row) => sum + row.disputed, 0n);
    expect(kwdDisputed).toBe(fromDisputes + flaggedOpen);
  });

  it('reads disputed amounts into a snapshot report', async () => {
    await takeSnapshot(db, { company: 'DS01', asOf: '2026-03-31' }, actor);
    const report = await snapshotAging(db, { company: 'DS01', asOf: '2026-03-31' });
    expect(report.rows.map((row) => [row.key, row.disputed])).toEqual([
      ['A', 750_000n],
      ['B', 15_001n],
    ]);
  });
});
