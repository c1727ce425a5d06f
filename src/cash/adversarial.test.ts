import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import { actorForUser, cliActor, getUser, type Actor, type Role } from '../auth/index.js';
import type { ParsedBankFile } from '../bank/statement.js';
import { applyImport, getCompany, itemOpenAmount, type Company } from '../ledger/index.js';
import { addBankAccount } from './accounts.js';
import { applyCash } from './apply.js';
import { confirmMatch } from './review.js';
import { reverseReceipt } from './posting.js';
import { addCashReceipt, approveCashReceipt } from './receipts.js';
import { storeBankFile } from './statements.js';

let db: TestDb;
let company: Company;
let maker: Actor;
let approverA: Actor;
let approverB: Actor;
const itemIds = new Map<string, bigint>();
const onPostgres = testEngine === 'postgres';

async function actor(role: Role, regions?: string[]): Promise<Actor> {
  const user = await createTestUser(db, { role, regions });
  return actorForUser(db, await getUser(db, user.email), 'token');
}

beforeAll(async () => {
  db = await openTestDb();
  const invoices = ['INV-1', 'INV-2', 'INV-3', 'INV-4', 'INV-5', 'INV-6'];
  await applyImport(db, { kind: 'test', file: 'adversarial.csv', sha256: 'adversarial' }, [
    {
      company: { code: 'ADV', currency: 'EUR' },
      customers: [{ customerNumber: 'A1', name: 'Adria Bau GmbH', region: 'EAST' }],
      items: invoices.map((erpKey, index) => ({
        customerNumber: 'A1',
        kind: 'invoice' as const,
        // Long enough for the matcher to read them as document numbers.
        documentNumber: `RE-2026-0070${index + 1}`,
        erpKey,
        documentDate: '2026-02-01',
        postingDate: '2026-02-01',
        dueDate: '2026-03-01',
        currency: 'EUR',
        amount: 100_00n,
      })),
      allocations: [],
      rowCount: invoices.length,
    },
  ]);
  company = await getCompany(db, 'ADV');
  const rows = await db.query<{ item_id: bigint; erp_key: string }>('select item_id, erp_key from open_item where company_id = $1', [company.companyId]);
  for (const row of rows.rows) itemIds.set(row.erp_key, row.item_id);
  maker = await actor('regional_accountant', ['EAST']);
  approverA = await actor('finance');
  approverB = await actor('treasury');
  await addBankAccount(db, company, { bank: 'Adria Bank', accountNumber: 'AT00ADV0001', currency: 'EUR' }, cliActor());
});
afterAll(async () => {
  await db.close();
});

/**
 * Runs `work` while another transaction locks `table` against writes.
 * Every writer that `work` starts then reads before any of them writes,
 * which is the race two simultaneous requests can hit.
 */
async function racing<T>(table: string, work: () => Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked = () => {};
  const holding = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holder = db.transaction(async (tx) => {
    await tx.query(`lock table ${table} in exclusive mode`);
    locked();
    await gate;
  });
  await holding;
  const settled = Promise.allSettled(work());
  await new Promise((resolve) => setTimeout(resolve, 500));
  release();
  await holder;
  return settled;
}

async function enter(item: string, date: string): Promise<bigint> {
  const receipt = await addCashReceipt(
    db,
    company,
    { kind: 'cash', customerNumber: 'A1', currency: 'EUR', amount: 100_00n, date, lines: [{ itemId: itemIds.get(item)!, amount: 100_00n }] },
    maker,
  );
  return receipt.receiptId;
}

function oneStatement(id: string, amount: string, remittance = 'Rechnung RE-2026-00704', more: string[] = []): ParsedBankFile {
  return {
    file: `${id}.xml`,
    type: 'camt053',
    warnings: [],
    statements: [
      {
        account: 'AT00ADV0001',
        currency: 'EUR',
        statementId: id,
        openingBalance: null,
        closingBalance: null,
        openingDate: '2026-03-10',
        closingDate: '2026-03-10',
        line: 1,
        entries: [remittance, ...more].map((text, index) => ({
          bookingDate: '2026-03-10',
          valueDate: '2026-03-10',
          amount,
          reference: null,
          remittance: text,
          counterpartyName: 'Adria Bau GmbH',
          counterpartyAccount: null,
          bankCode: null,
          line: index + 2,
        })),
      },
    ],
  };
}

describe('regional cash against the ledger history', () => {
  // Approval checks the open amount over all dates only, so a receipt dated inside the span a reversed payment still covered pays the item twice on those days.
  it('approval rejects overpayment on receipt date', async () => {
    const first = await enter('INV-1', '2026-03-01');
    const approved = await approveCashReceipt(db, first, approverA);
    await db.transaction((tx) => reverseReceipt(tx, company, approved.paymentItemId!, '2026-03-20', 'returned'));
    const second = await enter('INV-1', '2026-03-10');
    await approveCashReceipt(db, second, approverA).catch(() => undefined);
    // Whatever approval decides, the item may never be paid past zero on any day.
    expect(await itemOpenAmount(db, company.companyId, itemIds.get('INV-1')!, '2026-03-10')).toBeGreaterThanOrEqual(0n);
    expect(await itemOpenAmount(db, company.companyId, itemIds.get('INV-1')!, '2026-03-15')).toBeGreaterThanOrEqual(0n);
  });
});

describe('matching against items paid later', () => {
  // The matcher reads open amounts as of the booking date, but posting counts allocations of every date, so one credit for an item paid later makes the whole run fail.
  it('run survives an item paid later', async () => {
    const later = await enter('INV-5', '2026-04-01');
    await approveCashReceipt(db, later, approverA);
    const stored = await storeBankFile(db, oneStatement('LATE-1', '100.00', 'Rechnung RE-2026-00705', ['Rechnung RE-2026-00706']), { sha256: 'late' }, cliActor());
    const entryIds = stored.newCredits.get(company.companyId) ?? [];
    expect(entryIds).toHaveLength(2);
    const result = await applyCash(db, company, cliActor(), { entryIds }).catch((error: unknown) => String(error));
    expect(typeof result).not.toBe('string');
    // The credit naming INV-6 is unaffected by INV-5 and should be posted.
    expect(await itemOpenAmount(db, company.companyId, itemIds.get('INV-6')!, '2026-03-10')).toBe(0n);
    expect(await itemOpenAmount(db, company.companyId, itemIds.get('INV-5')!, '2026-04-01')).toBeGreaterThanOrEqual(0n);
  });
});

describe('confirming a split over a group', () => {
  // The automatic path posts one payment item per customer whose items it pays, but a confirmed split posts the whole payment on the payer and allocates it to the other member's invoice.
  it('posts the member share on the member', async () => {
    await applyImport(db, { kind: 'test', file: 'group.csv', sha256: 'group' }, [
      {
        company: { code: 'ADV', currency: 'EUR' },
        customers: [
          { customerNumber: 'P1', name: 'Gruppe Holding AG', region: 'EAST', groupNumber: 'G9' },
          { customerNumber: 'M1', name: 'Gruppe Werk GmbH', region: 'EAST', groupNumber: 'G9' },
        ],
        items: [
          {
            customerNumber: 'M1',
            kind: 'invoice',
            documentNumber: 'RE-2026-09901',
            erpKey: 'G-M1',
            documentDate: '2026-02-01',
            postingDate: '2026-02-01',
            dueDate: '2026-03-01',
            currency: 'EUR',
            amount: 55_00n,
          },
        ],
        allocations: [],
        rowCount: 1,
      },
    ]);

    const file = oneStatement('GRP-1', '55.00', 'Sammelzahlung');
    file.statements[0]!.entries[0]!.counterpartyName = 'Niemand';
    const stored = await storeBankFile(db, file, { sha256: 'grp' }, cliActor());
    const entryIds = stored.newCredits.get(company.companyId) ?? [];
    await applyCash(db, company, cliActor(), { entryIds });

    const ids = await db.query<{ customer_number: string; customer_id: bigint; item_id: bigint | null }>(
      `select c.customer_number, c.customer_id, i.item_id from customer c
       left join open_item i on i.company_id = c.company_id and i.customer_id = c.customer_id and i.erp_key = 'G-M1'
       where c.customer_number in ('P1', 'M1')`,
    );
    const parent = ids.rows.find((row) => row.customer_number === 'P1')!;
    const member = ids.rows.find((row) => row.customer_number === 'M1')!;
    await confirmMatch(db, company, entryIds[0]!, approverA, { customerId: parent.customer_id, lines: [{ itemId: member.item_id!, amount: 55_00n }] });

    const payers = await db.query<{ customer_id: bigint }>(
      `select p.customer_id from allocation a join open_item p on p.company_id = a.company_id and p.item_id = a.credit_item_id
       where a.debit_item_id = $1`,
      [member.item_id!.toString()],
    );
    expect(payers.rows.map((row) => row.customer_id)).toEqual([member.customer_id]);
  });
});

describe.skipIf(!onPostgres)('concurrent writers on PostgreSQL', () => {
  // Both approvals write the ledger, which serialises them, so the second reads the first's allocation.
  it('approves one of two full payments', async () => {
    const first = await enter('INV-2', '2026-03-02');
    const second = await enter('INV-2', '2026-03-02');
    const outcomes = await racing('allocation', () => [approveCashReceipt(db, first, approverA), approveCashReceipt(db, second, approverB)]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(await itemOpenAmount(db, company.companyId, itemIds.get('INV-2')!, '2026-12-31')).toBe(0n);
  });

  // Each approver locks the receipt row, so the second approval waits and then finds it approved.
  it('approves one receipt once concurrently', async () => {
    const receipt = await enter('INV-3', '2026-03-03');
    const outcomes = await racing('allocation', () => [approveCashReceipt(db, receipt, approverA), approveCashReceipt(db, receipt, approverB)]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const payments = await db.query<{ count: bigint }>(`select count(*)::bigint as count from open_item where erp_key = $1`, [`CASH:${receipt}`]);
    expect(payments.rows[0]!.count).toBe(1n);
    expect(await itemOpenAmount(db, company.companyId, itemIds.get('INV-3')!, '2026-12-31')).toBe(0n);
  });

  // The entry row is locked for the decision, so the second confirmation waits and then finds the credit posted.
  it('confirms one credit once concurrently', async () => {
    const stored = await storeBankFile(db, oneStatement('CONF-1', '7.77', 'Spende', []), { sha256: 'conf' }, cliActor());
    const entryIds = stored.newCredits.get(company.companyId) ?? [];
    await applyCash(db, company, cliActor(), { entryIds });
    const status = await db.query<{ status: string }>('select status from bank_entry where entry_id = $1', [entryIds[0]!.toString()]);
    expect(['review', 'suspense']).toContain(status.rows[0]!.status);
    const customer = await db.query<{ customer_id: bigint }>(`select customer_id from customer where customer_number = 'A1'`);
    const confirm = () => confirmMatch(db, company, entryIds[0]!, approverA, { customerId: customer.rows[0]!.customer_id, lines: [] });
    const outcomes = await racing('open_item', () => [confirm(), confirm()]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const payments = await db.query<{ count: bigint }>('select count(*)::bigint as count from open_item where erp_key = $1', [`BANK:${entryIds[0]}`]);
    expect(payments.rows[0]!.count).toBe(1n);
  });

  // The stored-before check and the insert are not serialised, so the second import hits the unique key instead of skipping.
  it('skips a statement imported concurrently', async () => {
    const file = oneStatement('DUP-1', '10.00');
    const outcomes = await racing('bank_entry', () => [
      storeBankFile(db, file, { sha256: 'a' }, cliActor()),
      storeBankFile(db, file, { sha256: 'b' }, cliActor()),
    ]);
    const failures = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => String((outcome as PromiseRejectedResult).reason));
    expect(failures).toEqual([]);
    const stored = await db.query<{ count: bigint }>(`select count(*)::bigint as count from bank_statement where statement_ref = 'DUP-1'`);
    expect(stored.rows[0]!.count).toBe(1n);
  });

  // Two runs load the same new credits outside their transactions, so the second fails on the proposal's primary key with a raw database error.
  it('concurrent runs raise no database error', async () => {
    const stored = await storeBankFile(db, oneStatement('RUN-1', '100.00'), { sha256: 'run' }, cliActor());
    const entryIds = stored.newCredits.get(company.companyId) ?? [];
    const outcomes = await racing('cash_match', () => [applyCash(db, company, cliActor(), { entryIds }), applyCash(db, company, cliActor(), { entryIds })]);
    const failures = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => String((outcome as PromiseRejectedResult).reason));
    expect(failures).toEqual([]);
    const payments = await db.query<{ count: bigint }>(
      `select count(*)::bigint as count from open_item where company_id = $1 and erp_key = any($2::text[])`,
      [company.companyId, entryIds.map((id) => `BANK:${id}`)],
    );
    expect(payments.rows[0]!.count).toBeLessThanOrEqual(1n);
  });
});
