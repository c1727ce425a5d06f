import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { applyImport, balanceAsOf, getCompany, itemOpenAmount, type Company } from '../ledger/index.js';
import { postReceipts, reverseReceipt } from './posting.js';

let db: TestDb;
let company: Company;
let customerId: bigint;
const ids = new Map<string, bigint>();

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'posting.csv', sha256: 'posting' }, [{
      company: { code: 'PST', currency: 'EUR' },
      customers: [{ customerNumber: 'C1', name: 'Delta Foods' }],
      items: ['INV-1', 'INV-2'].map((key, index) => ({
        customerNumber: 'C1',
        kind: 'invoice' as const,
        documentNumber: key,
        erpKey: key,
        documentDate: '2026-01-05',
        postingDate: '2026-01-05',
        dueDate: '2026-02-04',
        currency: 'EUR',
        amount: index === 0 ? 100_00n : 250_50n,
      })),
      allocations: [],
      rowCount: 2,
    }]);
  company = await getCompany(db, 'PST');
  const rows = await db.query<{ item_id: bigint; erp_key: string; customer_id: bigint }>(
    'select item_id, erp_key, customer_id from open_item',
  );
  for (const row of rows.rows) ids.set(row.erp_key, row.item_id);
  customerId = rows.rows[0]!.customer_id;
});
afterAll(async () => {
  await db.close();
});

describe('postReceipts', () => {
  it('posts a payment that clears the items it names', async () => {
    const [posted] = await db.transaction((tx) =>
      postReceipts(tx, company, [
        {
          customerId,
          erpKey: 'BANK:1',
          documentNumber: 'STMT-1/1',
          date: '2026-03-02',
          currency: 'EUR',
          amount: 400_00n,
          allocations: [
            { itemId: ids.get('INV-1')!, amount: 100_00n },
            { itemId: ids.get('INV-2')!, amount: 250_50n },
          ],
        },
      ]),
    );
    expect(posted!.allocated).toBe(350_50n);
    expect(await itemOpenAmount(db, company.companyId, ids.get('INV-1')!, '2026-03-02')).toBe(0n);
    expect(await itemOpenAmount(db, company.companyId, ids.get('INV-2')!, '2026-03-02')).toBe(0n);
    // The rest stays on the customer as unapplied cash.
    expect(await balanceAsOf(db, company.companyId, '2026-03-02')).toBe(-49_50n);
  });

  it('rejects the same receipt twice and writes nothing', async () => {
    const before = await db.query<{ count: bigint }>('select count(*)::bigint as count from open_item');
    await expect(
      db.transaction((tx) =>
        postReceipts(tx, company, [
          { customerId, erpKey: 'BANK:1', documentNumber: 'x', date: '2026-03-03', currency: 'EUR', amount: 1n, allocations: [] },
        ]),
      ),
    ).rejects.toThrow(/already posted/);
    const after = await db.query<{ count: bigint }>('select count(*)::bigint as count from open_item');
    expect(after.rows[0]!.count).toBe(before.rows[0]!.count);
  });

  it('rejects allocations above the receipt', async () => {
    await expect(
      db.transaction((tx) =>
        postReceipts(tx, company, [
          {
            customerId,
            erpKey: 'BANK:2',
            documentNumber: 'x',
            date: '2026-03-03',
            currency: 'EUR',
            amount: 10n,
            allocations: [{ itemId: ids.get('INV-1')!, amount: 11n }],
          },
        ]),
      ),
    ).rejects.toThrow(/exceed/);
  });
});

describe('reverseReceipt', () => {
  it('reopens the items from the return date and keeps earlier balances', async () => {
    const payment = await db.query<{ item_id: bigint }>("select item_id from open_item where erp_key = 'BANK:1'");
    const paymentId = payment.rows[0]!.item_id;
    const before = await balanceAsOf(db, company.companyId, '2026-03-10');
    const result = await db.transaction((tx) => reverseReceipt(tx, company, paymentId, '2026-03-11', 'check returned'));
    expect(result.reversedAllocationIds).toHaveLength(2);
    expect(await balanceAsOf(db, company.companyId, '2026-03-10')).toBe(before);
    expect(await balanceAsOf(db, company.companyId, '2026-03-11')).toBe(350_50n);
    expect(await itemOpenAmount(db, company.companyId, ids.get('INV-2')!, '2026-03-11')).toBe(250_50n);
    expect(await itemOpenAmount(db, company.companyId, paymentId, '2026-03-11')).toBe(0n);
    await expect(db.transaction((tx) => reverseReceipt(tx, company, paymentId, '2026-03-12', 'again'))).rejects.toThrow(
      /already reversed/,
    );
  });
});
