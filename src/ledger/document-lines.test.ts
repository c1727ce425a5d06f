import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { applyImport, getCompany, type OpenItemInput } from './index.js';
import { documentLines } from './document-lines.js';

let db: TestDb;
let companyId: number;
let customerId: bigint;
const ids = new Map<string, bigint>();

/** Invoice INV-9 in three instalments of 100.000 KWD; the first is paid. */
beforeAll(async () => {
  db = await openTestDb();
  const instalment = (number: number, due: string): OpenItemInput => ({
    customerNumber: 'K1',
    kind: 'invoice',
    documentNumber: 'INV-9',
    erpKey: `INV-9-${number}`,
    instalment: number,
    documentDate: '2026-01-01',
    postingDate: '2026-01-01',
    dueDate: due,
    currency: 'KWD',
    amount: 100_000n,
  });
  await applyImport(db, { kind: 'test', file: 'lines.csv', sha256: 'lines' }, [
    {
      company: { code: 'DL', currency: 'KWD' },
      customers: [{ customerNumber: 'K1', name: 'Gulf Trading' }],
      items: [
        instalment(3, '2026-03-31'),
        instalment(1, '2026-01-31'),
        instalment(2, '2026-02-28'),
        { ...instalment(1, '2026-01-15'), kind: 'payment', documentNumber: 'PAY-1', erpKey: 'PAY-1', amount: -100_000n },
      ],
      allocations: [{ creditErpKey: 'PAY-1', debitErpKey: 'INV-9-1', allocationDate: '2026-01-20', amount: 100_000n }],
      rowCount: 4,
    },
  ]);
  companyId = (await getCompany(db, 'DL')).companyId;
  const rows = await db.query<{ item_id: bigint; erp_key: string; customer_id: bigint }>('select item_id, erp_key, customer_id from open_item');
  for (const row of rows.rows) ids.set(row.erp_key, row.item_id);
  customerId = rows.rows[0]!.customer_id;
});
afterAll(async () => {
  await db.close();
});

describe('documentLines', () => {
  it('spreads an amount over open instalments', async () => {
    const lines = await documentLines(db, companyId, [customerId], [{ document: 'INV-9', amount: 150_500n }], '--pay');
    // The paid first instalment is skipped; the second gets all, the third the rest.
    expect(lines).toEqual([
      { itemId: ids.get('INV-9-2')!, amount: 100_000n },
      { itemId: ids.get('INV-9-3')!, amount: 50_500n },
    ]);
  });

  it('takes a source key as one item', async () => {
    const lines = await documentLines(db, companyId, [customerId], [{ document: 'INV-9-3', amount: 1_000n }], '--pay');
    expect(lines).toEqual([{ itemId: ids.get('INV-9-3')!, amount: 1_000n }]);
  });

  it('rejects more than is open', async () => {
    await expect(documentLines(db, companyId, [customerId], [{ document: 'INV-9', amount: 200_001n }], '--pay')).rejects.toThrow(
      '--pay INV-9: 200.001 is more than the 200.000 KWD still open on it',
    );
    await expect(documentLines(db, companyId, [customerId], [{ document: 'INV-9-1', amount: 1n }], '--pay')).rejects.toThrow(/0\.000 KWD still open/);
  });

  it('rejects unknown documents and credits', async () => {
    await expect(documentLines(db, companyId, [customerId], [{ document: 'INV-404', amount: 1n }], '--item')).rejects.toThrow(
      /--item INV-404: the customer has no invoice/,
    );
    await expect(documentLines(db, companyId, [customerId], [{ document: 'PAY-1', amount: 1n }], '--item')).rejects.toThrow(/no invoice or debit note/);
  });
});
