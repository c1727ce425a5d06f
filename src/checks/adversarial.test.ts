import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import { cliActor } from '../auth/actor.js';
import { addBankAccount } from '../cash/accounts.js';
import { postReceipts } from '../cash/posting.js';
import { applyImport, getCompany, itemOpenAmount, type Company } from '../ledger/index.js';
import { addCheck, addDepositSlip, checkExposure, clearCheck, depositCheck, returnCheck, type CheckInput } from './index.js';

let db: TestDb;
let company: Company;
let accountId: number;
const actor = cliActor();
const customers = new Map<string, bigint>();
const items = new Map<string, bigint>();
const onPostgres = testEngine === 'postgres';
let counter = 0;

beforeAll(async () => {
  db = await openTestDb();
  const invoices = ['INV-A', 'INV-B', 'INV-C', 'INV-D'];
  await applyImport(db, { kind: 'test', file: 'checks-adversarial.csv', sha256: 'checks-adversarial' }, [
    {
      company: { code: 'CKA', currency: 'EUR' },
      customers: invoices.map((key) => ({ customerNumber: `C-${key}`, name: `Customer ${key}`, region: 'EAST' })),
      items: invoices.map((key) => ({
        customerNumber: `C-${key}`,
        kind: 'invoice' as const,
        documentNumber: key,
        erpKey: key,
        documentDate: '2026-01-05',
        postingDate: '2026-01-05',
        dueDate: '2026-02-04',
        currency: 'EUR',
        amount: 100_00n,
      })),
      allocations: [],
      rowCount: invoices.length,
    },
  ]);
  company = await getCompany(db, 'CKA');
  const rows = await db.query<{ item_id: bigint; erp_key: string; customer_id: bigint }>('select item_id, erp_key, customer_id from open_item');
  for (const row of rows.rows) {
    items.set(row.erp_key, row.item_id);
    customers.set(row.erp_key, row.customer_id);
  }
  accountId = (await addBankAccount(db, company, { bank: 'House Bank', accountNumber: 'EU-CKA-1', currency: 'EUR' }, actor)).bankAccountId;
});
afterAll(async () => {
  await db.close();
});

/** Builds a check of the customer owning `item`, meant to pay it in full. */
function checkFor(item: string, extra: Partial<CheckInput> = {}): CheckInput {
  counter += 1;
  return {
    customerId: customers.get(item)!,
    drawer: `Drawer ${item}`,
    drawerBank: 'Drawer Bank',
    checkNumber: `N-${counter}`,
    currency: 'EUR',
    amount: 100_00n,
    issueDate: '2026-01-15',
    maturityDate: '2026-02-02',
    receivedDate: '2026-01-20',
    lines: [{ itemId: items.get(item)!, amount: 100_00n }],
    ...extra,
  };
}

describe('clearing against the ledger history', () => {
  // Clearing caps each line at the open amount on the clearing day only. A payment dated later already covers the item, so posting fails as an over-allocation and the check cannot clear.
  it('clears despite a later-dated payment', async () => {
    const check = await addCheck(db, company, checkFor('INV-A'), actor);
    await depositCheck(db, check.checkId, { bankAccountId: accountId, date: '2026-02-05' }, actor);
    await db.transaction((tx) =>
      postReceipts(tx, company, [
        {
          customerId: customers.get('INV-A')!,
          erpKey: 'ERP-PAY-A',
          documentNumber: 'ERP-PAY-A',
          date: '2026-03-15',
          currency: 'EUR',
          amount: 100_00n,
          allocations: [{ itemId: items.get('INV-A')!, amount: 100_00n }],
        },
      ]),
    );
    const cleared = await clearCheck(db, check.checkId, { date: '2026-02-10' }, actor);
    expect(cleared.status).toBe('cleared');
    expect(await itemOpenAmount(db, company.companyId, items.get('INV-A')!, '2026-03-31')).toBeGreaterThanOrEqual(0n);
  });
});

describe('exposure as of an earlier day', () => {
  // The cover reads each check's status today, so a check cleared later is no cover on a day it was still deposited and the exposure of that day rises after the fact.
  it('counts later-cleared check as cover', async () => {
    const check = await addCheck(db, company, checkFor('INV-B'), actor);
    await depositCheck(db, check.checkId, { bankAccountId: accountId, date: '2026-02-05' }, actor);
    const before = await checkExposure(db, company, { companyIds: null, regions: null }, '2026-02-20', customers.get('INV-B'));
    expect(before[0]!.checkCover).toBe(100_00n);
    await clearCheck(db, check.checkId, { date: '2026-03-01' }, actor);
    const after = await checkExposure(db, company, { companyIds: null, regions: null }, '2026-02-20', customers.get('INV-B'));
    expect(after[0]!.openBalance).toBe(100_00n);
    expect(after[0]!.checkCover).toBe(100_00n);
    expect(after[0]!.netExposure).toBe(0n);
  });
});

describe('returns', () => {
  it('returns a check only once', async () => {
    const check = await addCheck(db, company, checkFor('INV-C'), actor);
    await depositCheck(db, check.checkId, { bankAccountId: accountId, date: '2026-02-05' }, actor);
    await clearCheck(db, check.checkId, { date: '2026-02-10' }, actor);
    await returnCheck(db, check.checkId, { date: '2026-02-20', reason: 'insufficient_funds' }, actor);
    await expect(returnCheck(db, check.checkId, { date: '2026-02-21', reason: 'signature' }, actor)).rejects.toMatchObject({ code: 'illegal_transition' });
    expect(await itemOpenAmount(db, company.companyId, items.get('INV-C')!, '2026-02-15')).toBe(0n);
    expect(await itemOpenAmount(db, company.companyId, items.get('INV-C')!, '2026-02-20')).toBe(100_00n);
  });
});

describe('deposit slips', () => {
  // A cash line's receipt id is stored without any check, so a slip can name a receipt that does not exist.
  it('rejects unknown cash receipt on slip', async () => {
    await expect(
      addDepositSlip(
        db,
        company,
        { bankAccountId: accountId, date: '2026-02-06', checkIds: [], cash: [{ amount: 50_00n, currency: 'EUR', reference: 'till', cashReceiptId: 999_999n }] },
        actor,
      ),
    ).rejects.toThrow(/receipt/);
  });
});

describe.skipIf(!onPostgres)('concurrent writers on PostgreSQL', () => {
  // The duplicate-number check reads before the insert, so a registration racing another one in flight hits the unique index with a raw database error instead of duplicate_check.
  it('rejects racing duplicate check number', async () => {
    const input = checkFor('INV-D', { checkNumber: 'SAME-1', lines: [] });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted = () => {};
    const holding = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    // Another registration of the same number, inserted and not yet committed.
    const other = db.transaction(async (tx) => {
      await tx.query(
        `insert into customer_check (company_id, check_id, customer_id, drawer, drawer_bank, check_number, currency,
           amount, issue_date, maturity_date, received_date, status)
         values ($1, nextval('check_id_seq'), $2, 'Other', 'Drawer Bank', 'SAME-1', 'EUR', 1, '2026-01-15', '2026-02-02', '2026-01-20', 'received')`,
        [company.companyId, customers.get('INV-D')!.toString()],
      );
      inserted();
      await gate;
    });
    await holding;
    const attempt = addCheck(db, company, input, actor).then(
      () => null,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await other;
    expect(await attempt).toMatchObject({ code: 'duplicate_check' });
  });

  it('deposits a check once concurrently', async () => {
    const check = await addCheck(db, company, checkFor('INV-D', { lines: [] }), actor);
    const slip = () => addDepositSlip(db, company, { bankAccountId: accountId, date: '2026-02-06', checkIds: [check.checkId] }, actor);
    const outcomes = await Promise.allSettled([slip(), slip()]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const slips = await db.query<{ count: bigint }>('select count(*)::bigint as count from deposit_slip where total = $1 and slip_date = $2', [100_00n, '2026-02-06']);
    expect(slips.rows[0]!.count).toBe(1n);
  });
});
