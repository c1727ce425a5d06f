import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { cliActor } from '../auth/actor.js';
import type { Actor } from '../auth/types.js';
import { applyImport, getCompany } from '../ledger/index.js';
import { itemOpenAmount } from '../ledger/balances.js';
import type { Company } from '../ledger/types.js';
import { disputeEvents, disputedAmounts, listDisputes, openDispute, resolveDispute, reviewDispute } from './disputes.js';

let db: TestDb;
let company: Company;
const customers = new Map<string, bigint>();
const items = new Map<string, bigint>();
const actor = cliActor();

beforeAll(async () => {
  db = await openTestDb();
  const invoice = (customer: string, document: string, amount: bigint) => ({
    customerNumber: customer,
    kind: 'invoice' as const,
    documentNumber: document,
    erpKey: document,
    documentDate: '2026-02-01',
    postingDate: '2026-02-01',
    dueDate: '2026-02-28',
    currency: 'USD',
    amount,
  });
  await applyImport(db, { kind: 'test', file: 'disputes.csv', sha256: 'disputes' }, [
    {
      company: { code: 'DSP', currency: 'USD' },
      customers: [
        { customerNumber: 'D1', name: 'Dispute One', region: 'EAST' },
        { customerNumber: 'D2', name: 'Dispute Two', region: 'WEST' },
      ],
      items: [
        invoice('D1', 'INV-D1', 1_000_00n),
        invoice('D2', 'INV-D2', 400_00n),
        { ...invoice('D1', 'PAY-D1', -250_00n), kind: 'payment' as const, documentDate: '2026-03-01', postingDate: '2026-03-01', dueDate: '2026-03-01' },
      ],
      allocations: [{ creditErpKey: 'PAY-D1', debitErpKey: 'INV-D1', allocationDate: '2026-03-01', amount: 250_00n }],
      rowCount: 3,
    },
  ]);
  company = await getCompany(db, 'DSP');
  const rows = await db.query<{ customer_number: string; customer_id: bigint; item_id: bigint; document_number: string }>(
    'select c.customer_number, c.customer_id, i.item_id, i.document_number from customer c join open_item i using (company_id, customer_id) where c.company_id = $1',
    [company.companyId],
  );
  for (const row of rows.rows) {
    customers.set(row.customer_number, row.customer_id);
    items.set(row.document_number, row.item_id);
  }
});
afterAll(async () => {
  await db.close();
});

async function counts() {
  const one = async (sql: string) => (await db.query<{ n: bigint }>(sql)).rows[0]!.n;
  return [
    await one('select count(*) as n from dispute'),
    await one('select count(*) as n from dispute_item'),
    await one('select count(*) as n from dispute_event'),
    await one("select count(*) as n from audit_event where entity = 'dispute'"),
  ];
}

describe('disputes', () => {
  it('refuses an amount above the open amount and leaves no row', async () => {
    const invoiceId = items.get('INV-D1')!;
    const open = await itemOpenAmount(db, company.companyId, invoiceId, '2026-03-02');
    expect(open).toBe(1_000_00n - 250_00n);
    const before = await counts();
    await expect(
      openDispute(
        db,
        company.companyId,
        { customerId: customers.get('D1')!, reason: 'price', department: 'sales', date: '2026-03-02', items: [{ itemId: invoiceId, amount: open + 1n }] },
        actor,
      ),
    ).rejects.toMatchObject({ code: 'amount_exceeds_open', field: 'items' });
    expect(await counts()).toEqual(before);
  });

  it('holds disputed amounts apart until the resolution date', async () => {
    const invoiceId = items.get('INV-D1')!;
    const open = await itemOpenAmount(db, company.companyId, invoiceId, '2026-03-02');
    const dispute = await openDispute(
      db,
      company.companyId,
      { customerId: customers.get('D1')!, reason: 'quality', department: 'logistics', date: '2026-03-02', items: [{ itemId: invoiceId, amount: open }] },
      actor,
    );
    expect(dispute.status).toBe('open');
    // The whole open amount is in dispute: a second dispute on the item has no room left.
    await expect(
      openDispute(
        db,
        company.companyId,
        { customerId: customers.get('D1')!, reason: 'price', department: 'sales', date: '2026-03-03', items: [{ itemId: invoiceId, amount: 1n }] },
        actor,
      ),
    ).rejects.toMatchObject({ code: 'amount_exceeds_open' });

    await reviewDispute(db, company.companyId, dispute.disputeId, { date: '2026-03-05', note: 'goods inspected' }, actor);
    await expect(
      resolveDispute(db, company.companyId, dispute.disputeId, { date: '2026-03-10', resolution: 'credit_note' }, actor),
    ).rejects.toMatchObject({ field: 'creditNoteReference' });
    const resolved = await resolveDispute(
      db,
      company.companyId,
      dispute.disputeId,
      { date: '2026-03-10', resolution: 'credit_note', creditNoteReference: 'CN-77' },
      actor,
    );
    expect([resolved.status, resolved.resolution, resolved.creditNoteReference, resolved.resolvedDate]).toEqual([
      'resolved',
      'credit_note',
      'CN-77',
      '2026-03-10',
    ]);
    await expect(reviewDispute(db, company.companyId, dispute.disputeId, { date: '2026-03-11' }, actor)).rejects.toMatchObject({
      code: 'illegal_transition',
    });

    expect((await disputedAmounts(db, company.companyId, '2026-03-01')).get(invoiceId)).toBeUndefined();
    expect((await disputedAmounts(db, company.companyId, '2026-03-02')).get(invoiceId)).toBe(750_00n);
    expect((await disputedAmounts(db, company.companyId, '2026-03-09')).get(invoiceId)).toBe(750_00n);
    expect((await disputedAmounts(db, company.companyId, '2026-03-10')).get(invoiceId)).toBeUndefined();

    const events = await disputeEvents(db, company.companyId, dispute.disputeId);
    expect(events.map((event) => [event.date, event.fromStatus, event.toStatus, event.actor])).toEqual([
      ['2026-03-02', null, 'open', actor.email],
      ['2026-03-05', 'open', 'in_review', actor.email],
      ['2026-03-10', 'in_review', 'resolved', actor.email],
    ]);
    const audit = await db.query<{ action: string }>(
      "select action from audit_event where entity = 'dispute' and entity_id = $1 order by event_id",
      [dispute.disputeId.toString()],
    );
    expect(audit.rows.map((row) => row.action)).toEqual(['dispute.open', 'dispute.in_review', 'dispute.resolved']);
  });

  it('keeps a regional user to the customers of their regions', async () => {
    const east: Actor = { userId: null, email: 'east@example.test', role: 'collector', scope: { companyIds: null, regions: ['EAST'] }, via: 'cli' };
    const before = await counts();
    await expect(
      openDispute(
        db,
        company.companyId,
        { customerId: customers.get('D2')!, reason: 'price', department: 'billing', date: '2026-03-02', items: [{ itemId: items.get('INV-D2')!, amount: 1_00n }] },
        east,
      ),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect(await counts()).toEqual(before);
    const listed = await listDisputes(db, company.companyId, east.scope);
    expect(listed.every((dispute) => dispute.customerNumber === 'D1')).toBe(true);
    const treasury: Actor = { ...east, role: 'treasury', scope: { companyIds: null, regions: null } };
    await expect(
      openDispute(
        db,
        company.companyId,
        { customerId: customers.get('D2')!, reason: 'price', department: 'billing', date: '2026-03-02', items: [{ itemId: items.get('INV-D2')!, amount: 1_00n }] },
        treasury,
      ),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });
});
