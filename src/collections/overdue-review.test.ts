import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { ForbiddenError } from '../auth/errors.js';
import { unrestricted, type Actor } from '../auth/types.js';
import { applyImport, getCompany, type OpenItemInput } from '../ledger/index.js';
import { InputError } from '../shared/errors.js';
import { listActivities } from './activities.js';
import { openDispute } from './disputes.js';
import { overdueReviewPdfBuffer } from './overdue-review-pdf.js';
import { addReviewAction, completeReviewAction, createOverdueReview, listOverdueReviews, loadOverdueReview, type OverdueReview } from './overdue-review.js';
import { addPromise } from './promises.js';

let db: TestDb;
let companyId: number;
let first: OverdueReview;
let second: OverdueReview;

const manager: Actor = { userId: null, email: 'manager@example.com', role: 'credit_manager', scope: unrestricted, via: 'cli' };

function item(customerNumber: string, documentNumber: string, date: string, due: string, amount: bigint): OpenItemInput {
  return {
    customerNumber,
    kind: amount < 0n ? 'payment' : 'invoice',
    documentNumber,
    erpKey: documentNumber,
    documentDate: date,
    postingDate: date,
    dueDate: due,
    currency: 'KWD',
    amount,
  };
}

async function customerId(number: string): Promise<bigint> {
  const result = await db.query<{ customer_id: bigint }>('select customer_id from customer where company_id = $1 and customer_number = $2', [companyId, number]);
  return result.rows[0]!.customer_id;
}

async function itemId(documentNumber: string): Promise<bigint> {
  const result = await db.query<{ item_id: bigint }>('select item_id from open_item where company_id = $1 and document_number = $2', [companyId, documentNumber]);
  return result.rows[0]!.item_id;
}

async function pdfText(review: OverdueReview): Promise<string> {
  const parser = new PDFParse({ data: await overdueReviewPdfBuffer(review) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'review', sha256: 'review' }, [
    {
      company: { code: 'RV01', name: 'Review Books', currency: 'KWD' },
      customers: [
        { customerNumber: 'N1', name: 'Northern Lights Trading', region: 'North' },
        { customerNumber: 'N2', name: 'Nomad Supplies', region: 'North' },
        { customerNumber: 'N3', name: 'Nile Foods', region: 'North' },
        { customerNumber: 'S1', name: 'Southern Star', region: 'South' },
      ],
      items: [
        item('N1', 'N1-1', '2026-01-29', '2026-02-28', 1_000_000n),
        item('N1', 'N1-2', '2026-03-31', '2026-04-30', 500_000n),
        item('N2', 'N2-1', '2026-02-13', '2026-03-15', 200_000n),
        item('N2', 'N2-P', '2026-04-10', '2026-04-10', -200_000n),
        item('N1', 'N1-P', '2026-05-05', '2026-05-05', -400_000n),
        item('N3', 'N3-1', '2026-04-15', '2026-05-15', 300_000n),
        item('S1', 'S1-1', '2026-01-01', '2026-01-31', 999_000n),
      ],
      allocations: [
        { erpKey: 'A-N2', creditErpKey: 'N2-P', debitErpKey: 'N2-1', allocationDate: '2026-04-10', amount: 200_000n },
        { erpKey: 'A-N1', creditErpKey: 'N1-P', debitErpKey: 'N1-1', allocationDate: '2026-05-05', amount: 400_000n },
      ],
      rowCount: 7,
    },
  ]);
  companyId = (await getCompany(db, 'RV01')).companyId;
  const n1 = await customerId('N1');
  await openDispute(db, companyId, { customerId: n1, reason: 'quality', department: 'sales', date: '2026-06-01', items: [{ itemId: await itemId('N1-1'), amount: 100_000n }] }, manager);
  await addPromise(db, companyId, { customerId: await customerId('N3'), currency: 'KWD', amount: 300_000n, promiseDate: '2026-06-20', promisedDate: '2026-07-15' }, manager);
  first = await createOverdueReview(db, { company: 'RV01', region: 'North', date: '2026-03-31' }, manager);
  second = await createOverdueReview(db, { company: 'RV01', region: 'North', date: '2026-06-30' }, manager);
}, 120_000);

afterAll(async () => {
  await db.close();
});

describe('overdue review', () => {
  it('lists the overdue of the region on the first review', () => {
    // N1: N1-1 1,000.000 due 2026-02-28; N1-2 is not yet due. N2: N2-1 200.000. N3: not due. S1 is South.
    expect(first.previous).toBeNull();
    expect(first.customers.map((customer) => [customer.customerNumber, customer.status, customer.overdue])).toEqual([
      ['N1', 'listed', 1_000_000n],
      ['N2', 'listed', 200_000n],
    ]);
    expect(first.totals.overdue).toBe(1_200_000n);
    expect(first.totals.previousOverdue).toBeNull();
    expect(first.totals.change).toBeNull();
    expect(first.customers[0]!.change).toBeNull();
    // N1's balance includes the not yet due N1-2.
    expect(first.customers[0]!.balance).toBe(1_500_000n);
  });

  it('shows the change since the previous review', () => {
    expect(second.previous).toEqual({ reviewId: first.reviewId, date: '2026-03-31' });
    const rows = second.customers.map((customer) => [customer.customerNumber, customer.status, customer.overdue, customer.previousOverdue, customer.change]);
    expect(rows).toEqual([
      // 600.000 left of N1-1 after the payment, plus N1-2 now overdue: 1,100.000, up 100.000.
      ['N1', 'listed', 1_100_000n, 1_000_000n, 100_000n],
      // N3-1 fell due on 2026-05-15.
      ['N3', 'new', 300_000n, null, 300_000n],
      // N2 paid on 2026-04-10.
      ['N2', 'gone', 0n, 200_000n, -200_000n],
    ]);
    expect(second.totals.overdue).toBe(1_400_000n);
    expect(second.totals.previousOverdue).toBe(1_200_000n);
    // +100.000 + 300.000 - 200.000
    expect(second.totals.change).toBe(200_000n);
  });

  it('carries disputes, promises and exposure per customer', () => {
    const n1 = second.customers.find((customer) => customer.customerNumber === 'N1')!;
    const n3 = second.customers.find((customer) => customer.customerNumber === 'N3')!;
    expect(n1.disputed).toBe(100_000n);
    expect(n1.disputes.map((dispute) => dispute.amount)).toEqual([100_000n]);
    expect(n3.promises.map((promise) => [promise.amount, promise.promisedDate])).toEqual([[300_000n, '2026-07-15']]);
    // No checks were received: the net exposure is the balance.
    expect(n1.checkCover).toBe(0n);
    expect(n1.netExposure).toBe(1_100_000n);
    // The first review predates the dispute and the promise.
    expect(first.customers[0]!.disputes).toEqual([]);
  });

  it('rejects a second review of the region on one day', async () => {
    await expect(createOverdueReview(db, { company: 'RV01', region: 'North', date: '2026-06-30' }, manager)).rejects.toThrow(InputError);
  });

  it('rejects a region outside the scope and a role without the permission', async () => {
    const south: Actor = { ...manager, scope: { companyIds: null, regions: ['South'] } };
    await expect(createOverdueReview(db, { company: 'RV01', region: 'North', date: '2026-07-31' }, south)).rejects.toThrow(ForbiddenError);
    await expect(loadOverdueReview(db, second.reviewId, south.scope)).rejects.toThrow(ForbiddenError);
    expect(await listOverdueReviews(db, south.scope)).toEqual([]);
    const collector: Actor = { ...manager, role: 'collector' };
    await expect(createOverdueReview(db, { company: 'RV01', region: 'North', date: '2026-07-31' }, collector)).rejects.toThrow(ForbiddenError);
  });

  it('turns an action into a follow-up activity', async () => {
    const action = await addReviewAction(
      db,
      second.reviewId,
      { customerNumber: 'N1', text: 'Call the CFO about N1-1', owner: 'ana@example.com', due: '2026-07-10' },
      manager,
    );
    expect(action.status).toBe('open');
    const followUps = await listActivities(db, companyId, unrestricted, { followUpDate: '2026-07-10' });
    expect(followUps.map((activity) => [activity.activityId, activity.kind, activity.customerNumber, activity.note, activity.date])).toEqual([
      [action.activityId, 'meeting', 'N1', 'Call the CFO about N1-1', '2026-06-30'],
    ]);
    const done = await completeReviewAction(db, action.actionId, { date: '2026-07-09' }, manager);
    expect([done.status, done.doneDate, done.doneBy]).toEqual(['done', '2026-07-09', 'manager@example.com']);
    await expect(completeReviewAction(db, action.actionId, { date: '2026-07-09' }, manager)).rejects.toThrow(InputError);
  });

  it('rejects an action on a customer not reviewed or due before the review', async () => {
    const base = { text: 'Visit', owner: 'ana@example.com', due: '2026-07-10' };
    await expect(addReviewAction(db, second.reviewId, { ...base, customerNumber: 'S1' }, manager)).rejects.toThrow(/not on review/);
    await expect(addReviewAction(db, second.reviewId, { ...base, customerNumber: 'N3', due: '2026-06-01' }, manager)).rejects.toThrow(/before the review date/);
    await expect(addReviewAction(db, second.reviewId, { ...base, customerNumber: 'N3', owner: 'ana' }, manager)).rejects.toThrow(/invalid owner/);
  });

  it('writes the pack with the region, totals and every customer', async () => {
    const review = await loadOverdueReview(db, second.reviewId, unrestricted);
    const text = await pdfText(review);
    expect(text).toContain('Overdue review: region North');
    expect(text).toContain('1,400.000 KWD');
    expect(text).toContain('1,200.000 KWD');
    expect(text).toContain('+200.000 KWD');
    for (const name of ['Northern Lights Trading', 'Nile Foods', 'Nomad Supplies']) expect(text).toContain(name);
    expect(text).not.toContain('Southern Star');
    expect(text).toContain('Call the CFO about N1-1');
  });
});
