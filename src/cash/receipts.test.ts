import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { actorForUser, getUser, type Actor, type Role } from '../auth/index.js';
import { applyImport, getCompany, itemOpenAmount, type Company } from '../ledger/index.js';
import { postReceipts } from './posting.js';
import { addCashReceipt, approveCashReceipt, getCashReceipt, listCashReceipts, rejectCashReceipt } from './receipts.js';

let db: TestDb;
let company: Company;
const ids = new Map<string, bigint>();
let eastAccountant: Actor;
let westAccountant: Actor;
let financeA: Actor;
let financeB: Actor;
let westManager: Actor;

async function actor(role: Role, regions?: string[]): Promise<Actor> {
  const user = await createTestUser(db, { role, regions });
  const found = await getUser(db, user.email);
  return actorForUser(db, found, 'token');
}

interface Counts {
  items: bigint;
  allocations: bigint;
  ok_events: bigint;
  pending: bigint;
}

async function counts(): Promise<Counts> {
  const result = await db.query<Counts>(
    `select (select count(*) from open_item)::bigint as items,
            (select count(*) from allocation)::bigint as allocations,
            (select count(*) from audit_event where outcome = 'ok')::bigint as ok_events,
            (select count(*) from cash_receipt where status = 'pending')::bigint as pending`,
  );
  return { ...result.rows[0]! };
}

async function deniedFor(entityId: string): Promise<number> {
  const result = await db.query<{ count: bigint }>(
    `select count(*)::bigint as count from audit_event where outcome = 'denied' and entity_id = $1`,
    [entityId],
  );
  return Number(result.rows[0]!.count);
}

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'receipts.csv', sha256: 'receipts' }, [
    {
      company: { code: 'RCP', currency: 'EUR' },
      customers: [
        { customerNumber: 'E1', name: 'East One', region: 'EAST', collector: 'ana' },
        { customerNumber: 'W1', name: 'West One', region: 'WEST', collector: 'ben' },
      ],
      items: [
        ['E1', 'INV-E1', 'EUR', 100_00n],
        ['E1', 'INV-E2', 'EUR', 80_00n],
        ['E1', 'INV-E3', 'EUR', 90_00n],
        ['E1', 'INV-EUSD', 'USD', 50_00n],
        ['W1', 'INV-W1', 'EUR', 70_00n],
      ].map(([customerNumber, key, currency, amount]) => ({
        customerNumber: customerNumber as string,
        kind: 'invoice' as const,
        documentNumber: key as string,
        erpKey: key as string,
        documentDate: '2026-01-05',
        postingDate: '2026-01-05',
        dueDate: '2026-02-04',
        currency: currency as string,
        amount: amount as bigint,
        amountLocal: amount as bigint,
        fxRate: '1',
      })),
      allocations: [],
      rowCount: 5,
    },
  ]);
  company = await getCompany(db, 'RCP');
  const rows = await db.query<{ item_id: bigint; erp_key: string }>('select item_id, erp_key from open_item');
  for (const row of rows.rows) ids.set(row.erp_key, row.item_id);
  eastAccountant = await actor('regional_accountant', ['EAST']);
  westAccountant = await actor('regional_accountant', ['WEST']);
  financeA = await actor('finance');
  financeB = await actor('finance');
  westManager = await actor('credit_manager', ['WEST']);
});
afterAll(async () => {
  await db.close();
});

describe('cash receipts', () => {
  it('maker cannot approve own receipt', async () => {
    const receipt = await addCashReceipt(
      db,
      company,
      {
        kind: 'cash',
        customerNumber: 'E1',
        currency: 'EUR',
        amount: 150_00n,
        date: '2026-03-02',
        reference: 'R-1',
        lines: [{ itemId: ids.get('INV-E1')!, amount: 60_00n }],
      },
      financeA,
    );
    expect(receipt.status).toBe('pending');
    expect(receipt.collector).toBe('ana');
    expect(receipt.allocated).toBe(60_00n);
    const before = await counts();
    await expect(approveCashReceipt(db, receipt.receiptId, financeA)).rejects.toThrow(/another person must approve/);
    await expect(rejectCashReceipt(db, receipt.receiptId, 'no', financeA)).rejects.toThrow(/another person/);
    expect(await counts()).toEqual(before);

    const openBefore = await itemOpenAmount(db, company.companyId, ids.get('INV-E1')!, '2026-03-02');
    const approved = await approveCashReceipt(db, receipt.receiptId, financeB);
    expect(approved.status).toBe('approved');
    expect(approved.decidedBy).toBe(financeB.email);
    const openAfter = await itemOpenAmount(db, company.companyId, ids.get('INV-E1')!, '2026-03-02');
    expect(openBefore - openAfter).toBe(60_00n);
    // The day before the receipt date the invoice is still fully open.
    expect(await itemOpenAmount(db, company.companyId, ids.get('INV-E1')!, '2026-03-01')).toBe(100_00n);
    const payment = await db.query<{ kind: string; amount: bigint; posting_date: string; item_id: bigint }>(
      'select kind, amount, posting_date, item_id from open_item where erp_key = $1',
      [`CASH:${receipt.receiptId}`],
    );
    expect(payment.rows).toEqual([{ kind: 'payment', amount: -150_00n, posting_date: '2026-03-02', item_id: approved.paymentItemId }]);
    const after = await counts();
    expect(after.items - before.items).toBe(1n);
    expect(after.allocations - before.allocations).toBe(1n);
    await expect(approveCashReceipt(db, receipt.receiptId, financeA)).rejects.toThrow(/another person/);
    const approver = await financeForAgain();
    await expect(approveCashReceipt(db, receipt.receiptId, approver)).rejects.toThrow(/already approved/);
  });

  it('command line maker compared by email', async () => {
    const cliUser: Actor = { ...financeA, userId: null, email: 'cli:clerk', via: 'cli' };
    const receipt = await addCashReceipt(
      db,
      company,
      { kind: 'transfer', customerNumber: 'E1', currency: 'EUR', amount: 5_00n, date: '2026-03-03' },
      cliUser,
    );
    await expect(approveCashReceipt(db, receipt.receiptId, cliUser)).rejects.toThrow(/another person/);
    expect(await deniedFor(receipt.receiptId.toString())).toBe(1);
    const other: Actor = { ...cliUser, email: 'cli:supervisor' };
    expect((await approveCashReceipt(db, receipt.receiptId, other)).status).toBe('approved');
  });

  it('rejection posts nothing', async () => {
    const receipt = await addCashReceipt(
      db,
      company,
      {
        kind: 'cash',
        customerNumber: 'E1',
        currency: 'EUR',
        amount: 20_00n,
        date: '2026-03-04',
        lines: [{ itemId: ids.get('INV-E2')!, amount: 20_00n }],
      },
      eastAccountant,
    );
    const before = await counts();
    const rejected = await rejectCashReceipt(db, receipt.receiptId, 'counted twice', financeA);
    expect(rejected.status).toBe('rejected');
    expect(rejected.decisionReason).toBe('counted twice');
    const after = await counts();
    expect(after.items).toBe(before.items);
    expect(after.allocations).toBe(before.allocations);
    expect(after.ok_events - before.ok_events).toBe(1n);
    expect(await itemOpenAmount(db, company.companyId, ids.get('INV-E2')!, '2026-12-31')).toBe(80_00n);
    await expect(approveCashReceipt(db, receipt.receiptId, financeB)).rejects.toThrow(/already rejected/);
  });

  it('failed approval writes nothing', async () => {
    const line = (amount: bigint) => [{ itemId: ids.get('INV-E3')!, amount }];
    const input = { kind: 'cash' as const, customerNumber: 'E1', currency: 'EUR', amount: 60_00n, date: '2026-03-05' };
    // Both fit the invoice on entry; together they would take it past zero.
    const first = await addCashReceipt(db, company, { ...input, lines: line(60_00n) }, eastAccountant);
    const second = await addCashReceipt(db, company, { ...input, lines: line(60_00n) }, eastAccountant);
    await approveCashReceipt(db, first.receiptId, financeA);
    const before = await counts();
    await expect(approveCashReceipt(db, second.receiptId, financeA)).rejects.toThrow(/exceed the open amount/);
    expect(await counts()).toEqual(before);
    expect((await getCashReceipt(db, second.receiptId)).status).toBe('pending');

    // A failure inside the posting itself: the receipt's key is already taken.
    const third = await addCashReceipt(db, company, { ...input, amount: 1_00n }, eastAccountant);
    const customer = await db.query<{ customer_id: bigint }>("select customer_id from customer where customer_number = 'E1'");
    await db.transaction((tx) =>
      postReceipts(tx, company, [
        {
          customerId: customer.rows[0]!.customer_id,
          erpKey: third.erpKey,
          documentNumber: 'x',
          date: '2026-03-05',
          currency: 'EUR',
          amount: 1n,
          allocations: [],
        },
      ]),
    );
    const beforeThird = await counts();
    await expect(approveCashReceipt(db, third.receiptId, financeA)).rejects.toThrow(/already posted/);
    expect(await counts()).toEqual(beforeThird);
    expect((await getCashReceipt(db, third.receiptId)).status).toBe('pending');
  });

  it('entry and approval stay in region', async () => {
    await expect(
      addCashReceipt(
        db,
        company,
        { kind: 'cash', customerNumber: 'W1', currency: 'EUR', amount: 1_00n, date: '2026-03-06' },
        eastAccountant,
      ),
    ).rejects.toThrow(/outside your scope/);
    const receipt = await addCashReceipt(
      db,
      company,
      { kind: 'cash', customerNumber: 'E1', currency: 'EUR', amount: 3_00n, date: '2026-03-06' },
      eastAccountant,
    );
    await expect(approveCashReceipt(db, receipt.receiptId, westManager)).rejects.toThrow(/outside your scope/);
    await expect(approveCashReceipt(db, receipt.receiptId, westAccountant)).rejects.toThrow(/may not use cash.approve/);
    const listed = await listCashReceipts(db, westAccountant, { companyId: company.companyId });
    expect(listed).toEqual([]);
    const east = await listCashReceipts(db, eastAccountant, { companyId: company.companyId, status: 'pending' });
    expect(east.map((entry) => entry.customerNumber)).toContain('E1');
    expect(east.every((entry) => entry.status === 'pending')).toBe(true);
  });

  it('lines checked on entry', async () => {
    const base = { kind: 'cash' as const, customerNumber: 'E1', currency: 'EUR', amount: 500_00n, date: '2026-03-07' };
    await expect(
      addCashReceipt(db, company, { ...base, lines: [{ itemId: ids.get('INV-W1')!, amount: 1_00n }] }, financeA),
    ).rejects.toThrow(/not an item of this customer/);
    await expect(
      addCashReceipt(db, company, { ...base, lines: [{ itemId: ids.get('INV-EUSD')!, amount: 1_00n }] }, financeA),
    ).rejects.toThrow(/in USD, the receipt in EUR/);
    await expect(
      addCashReceipt(db, company, { ...base, lines: [{ itemId: ids.get('INV-E2')!, amount: 80_01n }] }, financeA),
    ).rejects.toThrow(/exceed the open amount of 8000/);
    await expect(
      addCashReceipt(db, company, { ...base, amount: 10_00n, lines: [{ itemId: ids.get('INV-E2')!, amount: 10_01n }] }, financeA),
    ).rejects.toThrow(/more than the receipt/);
    await expect(
      addCashReceipt(db, company, { ...base, kind: 'check' as never }, financeA),
    ).rejects.toThrow(/check register/);
    await expect(addCashReceipt(db, company, { ...base, currency: 'USD' }, financeA)).rejects.toThrow(/no USD\/EUR rate/);
  });
});

/** A third finance user, for decisions after the first two have acted. */
async function financeForAgain(): Promise<Actor> {
  return actor('finance');
}
