import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { allocate, applyImport, getCompany, type ParsedLedger } from '../ledger/index.js';
import {
  agingReport,
  defaultBucketLimits,
  listSnapshots,
  snapshotAging,
  takeSnapshot,
  unappliedSnapshotBucket,
} from './index.js';

let db: TestDb;

const ledger: ParsedLedger = {
  company: { code: 'SN01', currency: 'EUR' },
  customers: [
    { customerNumber: 'S1', name: 'Snap One' },
    { customerNumber: 'S2', name: 'Snap Two' },
  ],
  items: [
    {
      customerNumber: 'S1',
      kind: 'invoice',
      documentNumber: 'SI-1',
      erpKey: 'SI-1',
      documentDate: '2025-12-11',
      postingDate: '2025-12-11',
      dueDate: '2026-01-10',
      currency: 'EUR',
      amount: 30_000n,
    },
    {
      customerNumber: 'S1',
      kind: 'credit_note',
      documentNumber: 'SC-1',
      erpKey: 'SC-1',
      documentDate: '2026-01-20',
      postingDate: '2026-01-20',
      dueDate: '2026-01-20',
      currency: 'EUR',
      amount: -5_000n,
    },
    {
      customerNumber: 'S2',
      kind: 'invoice',
      documentNumber: 'SI-2',
      erpKey: 'SI-2',
      documentDate: '2025-10-01',
      postingDate: '2025-10-01',
      dueDate: '2025-10-31',
      currency: 'EUR',
      amount: 100_000n,
    },
  ],
  allocations: [],
  rowCount: 3,
};

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'snapshots.test', sha256: 's' }, [ledger]);
});
afterAll(async () => {
  await db.close();
});

describe('aging snapshots', () => {
  it('stores the aging by customer and bucket', async () => {
    const snapshot = await takeSnapshot(db, { company: 'SN01', asOf: '2026-01-31' });
    expect(snapshot).toMatchObject({ created: true, isMonthEnd: true, currency: 'EUR', exponent: 2 });
    const company = await getCompany(db, 'SN01');
    const lines = await db.query<{ customer_number: string; bucket: number; amount_local: bigint; item_count: number }>(
      `select c.customer_number, l.bucket, l.amount_local, l.item_count
       from aging_snapshot_line l join customer c on c.company_id = l.company_id and c.customer_id = l.customer_id
       where l.company_id = $1 and l.snapshot_id = $2 order by 1, 2`,
      [company.companyId, snapshot.snapshotId],
    );
    // S1: 300.00 due 2026-01-10 is 21 days past due; the 50.00 credit note
    // is unapplied. S2: 1,000.00 due 2025-10-31 is 92 days past due.
    expect(lines.rows).toEqual([
      { customer_number: 'S1', bucket: unappliedSnapshotBucket, amount_local: -5_000n, item_count: 1 },
      { customer_number: 'S1', bucket: 1, amount_local: 30_000n, item_count: 1 },
      { customer_number: 'S2', bucket: 4, amount_local: 100_000n, item_count: 1 },
    ]);
    expect(snapshot.totalLocal).toBe(125_000n);
    expect(snapshot.lineCount).toBe(3);
  });

  it('stores the same snapshot once', async () => {
    const first = await takeSnapshot(db, { company: 'SN01', asOf: '2026-01-31' });
    const second = await takeSnapshot(db, { company: 'SN01', asOf: '2026-01-31', basis: 'due', bucketLimits: defaultBucketLimits });
    expect(first.created).toBe(false);
    expect(second.snapshotId).toBe(first.snapshotId);
    const count = await db.query<{ n: bigint }>(`select count(*) as n from aging_snapshot where as_of = '2026-01-31'`);
    expect(count.rows[0]!.n).toBe(1n);
  });

  it('reads a snapshot back as the aging of that day', async () => {
    const stored = await snapshotAging(db, { company: 'SN01', asOf: '2026-01-31' });
    const live = await agingReport(db, {
      companies: ['SN01'],
      asOf: '2026-01-31',
      basis: 'due',
      groupBy: 'customer',
      bucketLimits: defaultBucketLimits,
      currency: 'local',
    });
    expect(stored).toEqual(live);
    expect(stored.rows.map((row) => [row.key, row.name, row.total])).toEqual([
      ['S1', 'Snap One', 25_000n],
      ['S2', 'Snap Two', 100_000n],
    ]);
  });

  it('keeps stored figures after a backdated allocation', async () => {
    const company = await getCompany(db, 'SN01');
    await allocate(db, company.companyId, {
      creditErpKey: 'SC-1',
      debitErpKey: 'SI-1',
      allocationDate: '2026-01-25',
      amount: 5_000n,
    });
    const stored = await snapshotAging(db, { company: 'SN01', asOf: '2026-01-31' });
    expect(stored.rows[0]!.amounts[1]).toBe(30_000n);
    const live = await agingReport(db, {
      companies: ['SN01'],
      asOf: '2026-01-31',
      basis: 'due',
      groupBy: 'customer',
      bucketLimits: defaultBucketLimits,
      currency: 'local',
    });
    expect(live.rows[0]!.amounts[1]).toBe(25_000n);
  });

  it('flags month-ends and lists by filter', async () => {
    const midMonth = await takeSnapshot(db, { company: 'SN01', asOf: '2026-02-15' });
    expect(midMonth.isMonthEnd).toBe(false);
    await takeSnapshot(db, { company: 'SN01', asOf: '2026-01-31', bucketLimits: [0, 90] });
    const all = await listSnapshots(db, { company: 'SN01' });
    expect(all.map((entry) => [entry.asOf, entry.bucketLimits.join(',')])).toEqual([
      ['2026-01-31', '0,30,60,90,120,180,365'],
      ['2026-01-31', '0,90'],
      ['2026-02-15', '0,30,60,90,120,180,365'],
    ]);
    const monthEnds = await listSnapshots(db, { company: 'SN01', monthEndOnly: true, from: '2026-01-01', to: '2026-01-31' });
    expect(monthEnds).toHaveLength(2);
    expect(monthEnds.every((entry) => entry.isMonthEnd)).toBe(true);
  });

  it('reads snapshots with other bucket limits', async () => {
    const stored = await snapshotAging(db, { company: 'SN01', asOf: '2026-01-31', bucketLimits: [0, 90] });
    expect(stored.buckets.map((bucket) => bucket.label)).toEqual(['Not due', '1-90', 'Over 90', 'Unapplied credits']);
    // Taken after the backdated allocation: S1 has 250.00 left, 21 days past due.
    expect(stored.rows.map((row) => row.amounts)).toEqual([
      [0n, 25_000n, 0n, 0n],
      [0n, 0n, 100_000n, 0n],
    ]);
  });

  it('reports a missing snapshot', async () => {
    await expect(snapshotAging(db, { company: 'SN01', asOf: '2025-12-31' })).rejects.toThrow(
      /no aging snapshot of SN01 as of 2025-12-31/,
    );
    await expect(takeSnapshot(db, { company: 'NOPE', asOf: '2025-12-31' })).rejects.toThrow(/company "NOPE" not found/);
    await expect(takeSnapshot(db, { company: 'SN01', asOf: '2025-02-30' })).rejects.toThrow(/invalid as-of date/);
  });
});
