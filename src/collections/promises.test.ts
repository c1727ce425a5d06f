import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { cliActor } from '../auth/actor.js';
import { applyImport, getCompany } from '../ledger/index.js';
import type { Company } from '../ledger/types.js';
import { addDays } from '../shared/dates.js';
import { brokenPromiseCounts, addPromise, defaultGraceDays, evaluatePromises, listPromises, promiseGraceDays } from './promises.js';

let db: TestDb;
let company: Company;
const customers = new Map<string, bigint>();
const items = new Map<string, bigint>();
const actor = cliActor();

function invoice(customer: string, document: string, amount: bigint) {
  return {
    customerNumber: customer,
    kind: 'invoice' as const,
    documentNumber: document,
    erpKey: document,
    documentDate: '2026-02-01',
    postingDate: '2026-02-01',
    dueDate: '2026-02-28',
    currency: 'USD',
    amount,
  };
}

function payment(customer: string, document: string, date: string, amount: bigint) {
  return { ...invoice(customer, document, -amount), kind: 'payment' as const, documentDate: date, postingDate: date, dueDate: date };
}

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'promises.csv', sha256: 'promises' }, [
    {
      company: { code: 'PRM', currency: 'USD' },
      customers: ['K1', 'K2', 'K3', 'K4'].map((number) => ({ customerNumber: number, name: `Customer ${number}` })),
      items: [
        invoice('K1', 'INV-K1', 1_000_00n),
        payment('K1', 'PAY-K1', '2026-03-11', 1_000_00n),
        invoice('K2', 'INV-K2', 500_00n),
        payment('K2', 'PAY-K2', '2026-03-14', 500_00n),
        invoice('K3', 'INV-K3', 800_00n),
        payment('K3', 'PAY-K3', '2026-03-05', 300_00n),
        invoice('K4', 'INV-K4A', 600_00n),
        invoice('K4', 'INV-K4B', 600_00n),
        payment('K4', 'PAY-K4B', '2026-03-05', 600_00n),
        payment('K4', 'PAY-K4A', '2026-03-08', 600_00n),
      ],
      allocations: [
        { creditErpKey: 'PAY-K1', debitErpKey: 'INV-K1', allocationDate: '2026-03-11', amount: 1_000_00n },
        { creditErpKey: 'PAY-K2', debitErpKey: 'INV-K2', allocationDate: '2026-03-14', amount: 500_00n },
        { creditErpKey: 'PAY-K3', debitErpKey: 'INV-K3', allocationDate: '2026-03-05', amount: 300_00n },
        { creditErpKey: 'PAY-K4B', debitErpKey: 'INV-K4B', allocationDate: '2026-03-05', amount: 600_00n },
        { creditErpKey: 'PAY-K4A', debitErpKey: 'INV-K4A', allocationDate: '2026-03-08', amount: 600_00n },
      ],
      rowCount: 10,
    },
  ]);
  company = await getCompany(db, 'PRM');
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

const promised = '2026-03-10';

describe('promises to pay', () => {
  it('decides promises from payments and allocations, once', async () => {
    const grace = await promiseGraceDays(db, company.companyId);
    expect(grace).toBe(defaultGraceDays);
    const graceEnd = addDays(promised, grace);
    const base = { currency: 'USD', promiseDate: '2026-03-01', promisedDate: promised };
    const k1 = await addPromise(db, company.companyId, { ...base, customerId: customers.get('K1')!, amount: 1_000_00n }, actor);
    const k2 = await addPromise(db, company.companyId, { ...base, customerId: customers.get('K2')!, amount: 500_00n }, actor);
    const k3 = await addPromise(db, company.companyId, { ...base, customerId: customers.get('K3')!, amount: 800_00n }, actor);
    // Promised against INV-K4A only: the payment allocated to INV-K4B on 03-05 does not count.
    const k4 = await addPromise(
      db,
      company.companyId,
      { ...base, customerId: customers.get('K4')!, amount: 600_00n, items: [{ itemId: items.get('INV-K4A')!, amount: 600_00n }] },
      actor,
    );

    // 03-06: nothing is paid on INV-K4A yet and no grace has passed.
    const early = await evaluatePromises(db, company, '2026-03-06', actor);
    expect(early.kept.map((p) => p.promiseId)).toEqual([]);
    expect(early.broken.map((p) => p.promiseId)).toEqual([]);

    // 03-12: K1 paid on 03-11, one day into the grace; K4's item paid on 03-08.
    expect(addDays(promised, 1)).toBe('2026-03-11');
    const mid = await evaluatePromises(db, company, '2026-03-12', actor);
    expect(mid.kept.map((p) => [p.promiseId, p.decidedDate, p.paidAmount])).toEqual([
      [k1.promiseId, '2026-03-11', 1_000_00n],
      [k4.promiseId, '2026-03-08', 600_00n],
    ]);
    expect(mid.broken).toEqual([]);

    // 03-20: K2 paid after the grace ended; K3 paid 300.00 of 800.00.
    const late = await evaluatePromises(db, company, '2026-03-20', actor);
    expect(late.kept).toEqual([]);
    expect(late.broken.map((p) => [p.promiseId, p.decidedDate, p.paidAmount, p.evaluatedAsOf])).toEqual([
      [k2.promiseId, graceEnd, 0n, '2026-03-20'],
      [k3.promiseId, graceEnd, 300_00n, '2026-03-20'],
    ]);
    expect(graceEnd < '2026-03-14').toBe(true);

    const snapshot = async () => ({
      rows: await db.query('select * from promise_to_pay where company_id = $1 order by promise_id', [company.companyId]),
      audit: await db.query<{ n: bigint }>('select count(*) as n from audit_event'),
    });
    const before = await snapshot();
    const again = await evaluatePromises(db, company, '2026-03-20', actor);
    expect([again.kept.length, again.broken.length]).toEqual([0, 0]);
    const after = await snapshot();
    expect(after.rows.rows).toEqual(before.rows.rows);
    expect(after.audit.rows[0]!.n).toBe(before.audit.rows[0]!.n);

    const statuses = await listPromises(db, company.companyId, actor.scope);
    expect(statuses.map((p) => [p.customerNumber, p.status])).toEqual([
      ['K1', 'kept'],
      ['K2', 'broken'],
      ['K3', 'broken'],
      ['K4', 'kept'],
    ]);

    const counts = await brokenPromiseCounts(db, company.companyId, '2026-03-20');
    expect([...counts.entries()].sort()).toEqual([
      [customers.get('K2')!, 1],
      [customers.get('K3')!, 1],
    ]);
    // Twelve months on, the day of the break has left the window.
    expect((await brokenPromiseCounts(db, company.companyId, addDays(graceEnd, 365))).size).toBe(0);
    expect((await brokenPromiseCounts(db, company.companyId, addDays(graceEnd, 364))).size).toBe(2);
  });

  it('leaves no row when a promise is refused inside its transaction', async () => {
    const count = async () => (await db.query<{ n: bigint }>('select count(*) as n from promise_to_pay')).rows[0]!.n;
    const audits = async () => (await db.query<{ n: bigint }>("select count(*) as n from audit_event where entity = 'promise'")).rows[0]!.n;
    const before = [await count(), await audits()];
    await expect(
      addPromise(
        db,
        company.companyId,
        {
          customerId: customers.get('K1')!,
          currency: 'USD',
          amount: 600_00n,
          promiseDate: '2026-04-01',
          promisedDate: '2026-04-10',
          items: [{ itemId: items.get('INV-K4A')!, amount: 600_00n }],
        },
        actor,
      ),
    ).rejects.toThrow(/another customer/);
    expect([await count(), await audits()]).toEqual(before);
  });
});
