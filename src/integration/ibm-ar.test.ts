import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, sampleDataDir, type TestDb } from '../../test/helpers/db.js';
import { FileRowError } from '../shared/errors.js';
import { balanceAsOf, getCompany } from '../ledger/index.js';
import { parseIbmAr } from './ibm-ar.js';
import { importIbmAr } from './index.js';

const header =
  'countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,Disputed,SettledDate,PaperlessBill,DaysToSettle,DaysLate\r\n';
const options = { file: 'ibm.csv', company: 'MAIN', currency: 'USD', exponent: 2 };

function rowError(text: string): FileRowError {
  try {
    parseIbmAr(text, options);
  } catch (error) {
    if (error instanceof FileRowError) return error;
    throw error;
  }
  throw new Error('expected a FileRowError');
}

describe('parseIbmAr', () => {
  it('builds an invoice, a payment and an allocation per row', () => {
    const ledger = parseIbmAr(
      `${header}391,0379-NEVHP,4/6/2013,0000611365,1/2/2013,2/1/2013,55.94,Yes,1/15/2013,Paper,13,0\r\n`,
      options,
    );
    expect(ledger.customers).toEqual([
      { customerNumber: '0379-NEVHP', name: '0379-NEVHP', country: '391', region: '391' },
    ]);
    expect(ledger.items.map((item) => [item.kind, item.erpKey, item.postingDate, item.dueDate, item.amount, item.disputed ?? false])).toEqual([
      ['invoice', '0000611365', '2013-01-02', '2013-02-01', 5594n, true],
      ['payment', 'PAY/0000611365', '2013-01-15', '2013-01-15', -5594n, false],
    ]);
    expect(ledger.allocations).toEqual([
      {
        erpKey: 'ALLOC/0000611365',
        creditErpKey: 'PAY/0000611365',
        debitErpKey: '0000611365',
        allocationDate: '2013-01-15',
        amount: 5594n,
      },
    ]);
  });

  it.each([
    ['a repeated invoice number', '391,A,1/1/2013,0001,1/2/2013,2/1/2013,1.00,No,1/15/2013,Paper,13,0\r\n391,B,1/1/2013,0001,1/3/2013,2/2/2013,2.00,No,1/15/2013,Paper,12,0', 3, 'invoiceNumber', '0001'],
    ['a day-first date', '391,A,1/1/2013,0001,13/2/2013,2/1/2013,1.00,No,1/15/2013,Paper,13,0', 2, 'InvoiceDate', '13/2/2013'],
    ['a settlement before the invoice', '391,A,1/1/2013,0001,1/20/2013,2/19/2013,1.00,No,1/15/2013,Paper,0,0', 2, 'SettledDate', '1/15/2013'],
    ['an amount with three decimals', '391,A,1/1/2013,0001,1/2/2013,2/1/2013,1.005,No,1/15/2013,Paper,13,0', 2, 'InvoiceAmount', '1.005'],
    ['an unknown disputed flag', '391,A,1/1/2013,0001,1/2/2013,2/1/2013,1.00,Maybe,1/15/2013,Paper,13,0', 2, 'Disputed', 'Maybe'],
    ['a customer in two countries', '391,A,1/1/2013,0001,1/2/2013,2/1/2013,1.00,No,1/15/2013,Paper,13,0\r\n406,A,1/1/2013,0002,1/2/2013,2/1/2013,1.00,No,1/15/2013,Paper,13,0', 3, 'countryCode', '406'],
  ])('rejects %s', (_name, rows, line, column, value) => {
    const error = rowError(`${header}${rows}\r\n`);
    expect([error.file, error.line, error.column, error.value]).toEqual(['ibm.csv', line, column, value]);
  });

  it('rejects a header without a column', () => {
    const error = rowError(header.replace('SettledDate,', ''));
    expect([error.line, error.column]).toEqual([1, 'SettledDate']);
  });
});

const dir = sampleDataDir();

describe.skipIf(!dir)('IBM ledger file', () => {
  const fileName = 'WA_Fn-UseC_-Accounts-Receivable.csv';
  let db: TestDb;
  let file: string;
  let raw: Record<string, string>[];

  /** Cents of a decimal text, computed without the importer's parser. */
  function cents(text: string): bigint {
    const [whole, fraction = ''] = text.split('.');
    return BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
  }

  function isoFromUs(text: string): string {
    const [month, day, year] = text.split('/');
    return `${year}-${month!.padStart(2, '0')}-${day!.padStart(2, '0')}`;
  }

  beforeAll(async () => {
    db = await openTestDb();
    file = join(dir!, 'ibm-watson-ar-late-payments', fileName);
    const lines = readFileSync(file, 'utf8').split('\r\n').filter((line) => line !== '');
    const names = lines[0]!.split(',');
    raw = lines.slice(1).map((line) => {
      const cells = line.split(',');
      return Object.fromEntries(names.map((name, index) => [name, cells[index]!]));
    });
  });

  afterAll(async () => {
    await db.close();
  });

  async function state() {
    const result = await db.query(
      `select (select count(*) from open_item) as items,
              (select sum(amount)::text from open_item) as total,
              (select count(*) from allocation) as allocations,
              (select count(*) from customer) as customers,
              (select count(*) from import_batch) as batches`,
    );
    return result.rows[0];
  }

  it('imports every row as invoice and payment', async () => {
    const results = await importIbmAr(db, file, { company: 'IBM' });
    expect(results).toHaveLength(1);
    expect(results[0]!.rows).toBe(raw.length);
    expect(results[0]!.itemsInserted).toBe(raw.length * 2);
    expect(results[0]!.allocationsInserted).toBe(raw.length);

    const company = await getCompany(db, 'IBM');
    expect(company.currency).toBe('USD');
    const sums = await db.query<{ kind: string; count: bigint; total: string; disputed: bigint }>(
      `select kind, count(*) as count, sum(amount)::text as total,
              count(*) filter (where disputed) as disputed
       from open_item where company_id = $1 group by kind order by kind`,
      [company.companyId],
    );
    const rawTotal = raw.reduce((sum, row) => sum + cents(row.InvoiceAmount!), 0n);
    const rawDisputed = raw.filter((row) => row.Disputed === 'Yes').length;
    expect(sums.rows).toEqual([
      { kind: 'invoice', count: BigInt(raw.length), total: rawTotal.toString(), disputed: BigInt(rawDisputed) },
      { kind: 'payment', count: BigInt(raw.length), total: (-rawTotal).toString(), disputed: 0n },
    ]);
    const allocated = await db.query<{ total: string }>(
      `select sum(amount)::text as total from allocation where company_id = $1`,
      [company.companyId],
    );
    expect(allocated.rows[0]!.total).toBe(rawTotal.toString());
  });

  it('keeps invoice numbers as text', async () => {
    const company = await getCompany(db, 'IBM');
    const stored = await db.query<{ document_number: string; customer_number: string; country: string }>(
      `select i.document_number, c.customer_number, c.country
       from open_item i join customer c using (company_id, customer_id)
       where i.company_id = $1 and i.kind = 'invoice'`,
      [company.companyId],
    );
    const byNumber = new Map(stored.rows.map((row) => [row.document_number, row]));
    const withZero = raw.filter((row) => row.invoiceNumber!.startsWith('0'));
    expect(withZero.length).toBeGreaterThan(0);
    for (const row of raw) {
      const match = byNumber.get(row.invoiceNumber!);
      expect(match?.customer_number).toBe(row.customerID);
      expect(match?.country).toBe(row.countryCode);
    }
    expect(stored.rows.filter((row) => row.document_number.startsWith('0'))).toHaveLength(withZero.length);
  });

  it('matches open balances computed from the raw rows', async () => {
    const company = await getCompany(db, 'IBM');
    for (const asOf of ['2012-06-30', '2013-03-31', '2013-12-31', '2014-12-31']) {
      const expected = raw
        .filter((row) => isoFromUs(row.InvoiceDate!) <= asOf && isoFromUs(row.SettledDate!) > asOf)
        .reduce((sum, row) => sum + cents(row.InvoiceAmount!), 0n);
      expect(await balanceAsOf(db, company.companyId, asOf)).toBe(expected);
    }
  });

  it('changes nothing on a second import', async () => {
    const before = await state();
    const results = await importIbmAr(db, file, { company: 'IBM' });
    expect(results[0]!.itemsInserted).toBe(0);
    expect(results[0]!.itemsSkipped).toBe(raw.length * 2);
    expect(results[0]!.allocationsInserted).toBe(0);
    expect(results[0]!.importId).toBeNull();
    expect(await state()).toEqual(before);
  });
});
