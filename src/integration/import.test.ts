import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { FileRowError } from '../shared/errors.js';
import { getCompany, listCustomers, setFxRate } from '../ledger/index.js';
import { importIbmAr, importMappedFile, type ImportMapping } from './index.js';

let db: TestDb;
let dir: string;

beforeAll(async () => {
  db = await openTestDb();
  dir = await mkdtemp(join(tmpdir(), 'ardesk-import-'));
});

afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

async function ledgerState() {
  const result = await db.query(
    `select (select count(*) from company) as companies,
            (select count(*) from customer) as customers,
            (select count(*) from open_item) as items,
            (select coalesce(sum(amount), 0)::text from open_item) as total,
            (select count(*) from allocation) as allocations,
            (select count(*) from import_batch) as batches,
            (select count(*) from aging_snapshot) as snapshots,
            (select count(*) from aging_snapshot_line) as snapshot_lines,
            (select count(*) from payment_term) as payment_terms,
            (select count(*) from fx_rate) as fx_rates`,
  );
  return result.rows[0];
}

async function writeFixture(name: string, content: Uint8Array | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function caught(run: Promise<unknown>): Promise<FileRowError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof FileRowError) return error;
    throw error;
  }
  throw new Error('expected a FileRowError');
}

function nameMapping(encoding: NonNullable<ImportMapping['file']>['encoding']): ImportMapping {
  return {
    file: { encoding },
    customer: { number: 'customer', name: 'name' },
    item: { documentNumber: 'document', kind: { fixed: 'invoice' }, postingDate: 'date', dueDate: 'due' },
    amount: { column: 'amount' },
  };
}

/** Builds a one-row CSV file whose customer name is given as raw bytes. */
function csvWithName(nameBytes: number[], document: string): Buffer {
  return Buffer.concat([
    Buffer.from('customer,name,document,date,due,amount\r\n'),
    Buffer.from(`${document},`),
    Buffer.from(nameBytes),
    Buffer.from(`,${document},2024-01-05,2024-02-04,10.00\r\n`),
  ]);
}

async function customerName(company: string, customerNumber: string): Promise<string | undefined> {
  const { companyId } = await getCompany(db, company);
  const customers = await listCustomers(db, companyId, { search: customerNumber });
  return customers.find((customer) => customer.customerNumber === customerNumber)?.name;
}

describe('encodings', () => {
  it.each([
    ['latin1', [0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72], 'Müller', 'ENC1'],
    ['iso-8859-1', [0x47, 0x72, 0xf6, 0xdf, 0x65], 'Größe', 'ENC2'],
    ['windows-1252', [0x8c, 0x75, 0x76, 0x72, 0x65, 0x20, 0x80], 'Œuvre €', 'ENC3'],
    ['cp852', [0x4b, 0x6f, 0x76, 0xa0, 0x63, 0x73, 0x20, 0x9d, 0xa2, 0x64, 0xab], 'Kovács Łódź', 'ENC4'],
  ] as const)('decodes %s', async (encoding, bytes, expected, company) => {
    const file = await writeFixture(`${company}.csv`, csvWithName([...bytes], company));
    await importMappedFile(db, file, { mapping: nameMapping(encoding), company });
    expect(await customerName(company, company)).toBe(expected);
  });

  it('decodes UTF-16LE with a byte order mark', async () => {
    const text = '\uFEFFcustomer,name,document,date,due,amount\r\nENC5,Šárka,ENC5,2024-01-05,2024-02-04,10.00\r\n';
    const file = await writeFixture('utf16.csv', Buffer.from(text, 'utf16le'));
    await importMappedFile(db, file, { mapping: nameMapping('utf-16le'), company: 'ENC5' });
    expect(await customerName('ENC5', 'ENC5')).toBe('Šárka');
  });

  it('rejects Latin-1 bytes read as UTF-8', async () => {
    const before = await ledgerState();
    const file = await writeFixture('latin1-as-utf8.csv', csvWithName([0x4d, 0xfc, 0x6c], 'ENC6'));
    const error = await caught(importMappedFile(db, file, { mapping: nameMapping('utf-8'), company: 'ENC6' }));
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/not valid UTF-8/);
    expect(await ledgerState()).toEqual(before);
  });
});

describe('XLSX', () => {
  const mapping: ImportMapping = {
    file: { sheet: 'Open items', skipLines: 1 },
    dateFormat: 'D.M.YYYY',
    customer: { number: 'Customer', name: 'Name' },
    item: {
      documentNumber: 'Document',
      kind: { bySign: { debit: 'invoice', credit: 'credit_note' } },
      postingDate: 'Posting date',
      dueDate: 'Due date',
      currency: { column: 'Currency' },
    },
    amount: { column: 'Amount', roundToMinorUnit: true },
  };

  async function writeWorkbook(name: string, rows: unknown[][]): Promise<string> {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Cover').addRow(['not the data']);
    const sheet = workbook.addWorksheet('Open items');
    sheet.addRow(['Open items as of 31.01.2024']);
    sheet.addRow(['Customer', 'Name', 'Document', 'Posting date', 'Due date', 'Currency', 'Amount']);
    for (const row of rows) sheet.addRow(row);
    const path = join(dir, name);
    await workbook.xlsx.writeFile(path);
    return path;
  }

  it('reads typed cells and text cells', async () => {
    const file = await writeWorkbook('open-items.xlsx', [
      ['000123', 'Nordwind GmbH', 1930571429, new Date(Date.UTC(2024, 0, 5)), new Date(Date.UTC(2024, 1, 4)), 'EUR', 1234.5],
      ['000123', 'Nordwind GmbH', 'CN-7', '06.01.2024', '06.01.2024', 'EUR', -0.1 - 0.2],
    ]);
    const results = await importMappedFile(db, file, { mapping, company: 'XL01', currency: 'EUR' });
    expect(results[0]!.itemsInserted).toBe(2);
    const { companyId } = await getCompany(db, 'XL01');
    const items = await db.query<{ document_number: string; posting_date: string; due_date: string; amount: bigint; kind: string; source_line: number }>(
      `select document_number, posting_date, due_date, amount, kind, source_line from open_item
       where company_id = $1 order by source_line`,
      [companyId],
    );
    expect(items.rows).toEqual([
      { document_number: '1930571429', posting_date: '2024-01-05', due_date: '2024-02-04', amount: 123450n, kind: 'invoice', source_line: 3 },
      { document_number: 'CN-7', posting_date: '2024-01-06', due_date: '2024-01-06', amount: -30n, kind: 'credit_note', source_line: 4 },
    ]);
    expect(await customerName('XL01', '000123')).toBe('Nordwind GmbH');
  });

  it('names the sheet row of a bad cell', async () => {
    const before = await ledgerState();
    const file = await writeWorkbook('bad.xlsx', [
      ['000124', 'Ok', 'D1', '05.01.2024', '04.02.2024', 'EUR', 10],
      ['000125', 'Bad', 'D2', '05.01.2024', '04.02.2024', 'EUR', 'n/a'],
    ]);
    const error = await caught(importMappedFile(db, file, { mapping, company: 'XL02', currency: 'EUR' }));
    expect([error.line, error.column, error.value]).toEqual([4, 'Amount', 'n/a']);
    expect(await ledgerState()).toEqual(before);
  });

  it('rejects a missing sheet', async () => {
    const file = await writeWorkbook('sheet.xlsx', []);
    const error = await caught(
      importMappedFile(db, file, { mapping: { ...mapping, file: { sheet: 'Items' } }, company: 'XL03' }),
    );
    expect(error.value).toBe('Items');
    expect(error.message).toMatch(/Cover, Open items/);
  });
});

describe('bad input leaves the database unchanged', () => {
  const mapping: ImportMapping = {
    customer: { number: 'customer' },
    item: { documentNumber: 'document', kind: { fixed: 'invoice' }, postingDate: 'date', dueDate: 'due' },
    amount: { column: 'amount' },
  };
  const good = 'customer,document,date,due,amount\nB1,G1,2024-01-05,2024-02-04,10.00\nB1,G2,2024-01-06,2024-02-05,20.00\n';

  it.each([
    ['a bad date', 'B1,G3,2024-13-01,2024-02-05,1.00', 4, 'date', '2024-13-01'],
    ['a bad amount', 'B1,G3,2024-01-07,2024-02-05,1.0.0', 4, 'amount', '1.0.0'],
  ])('rejects %s', async (_name, badRow, line, column, value) => {
    const before = await ledgerState();
    const file = await writeFixture(`bad-${column}.csv`, `${good}${badRow}\n`);
    const error = await caught(importMappedFile(db, file, { mapping, company: 'BAD1' }));
    expect([error.file, error.line, error.column, error.value]).toEqual([file, line, column, value]);
    expect(await ledgerState()).toEqual(before);
  });

  it('rejects a missing column', async () => {
    const before = await ledgerState();
    const file = await writeFixture('missing-column.csv', good.replace('due', 'due_date'));
    const error = await caught(importMappedFile(db, file, { mapping, company: 'BAD1' }));
    expect([error.file, error.line, error.column, error.value]).toEqual([file, 1, 'due', '']);
    expect(await ledgerState()).toEqual(before);
  });

  it('rejects a foreign currency without a rate', async () => {
    const foreign: ImportMapping = {
      ...mapping,
      item: { ...mapping.item, currency: { fixed: 'CAD' } },
    };
    const before = await ledgerState();
    const file = await writeFixture('foreign.csv', good);
    const error = await caught(importMappedFile(db, file, { mapping: foreign, company: 'FX01', currency: 'USD' }));
    expect([error.line, error.column, error.value]).toEqual([2, 'amount', '10.00']);
    expect(error.message).toMatch(/no CAD\/USD rate on or before 2024-01-05/);
    expect(await ledgerState()).toEqual(before);

    await setFxRate(db, 'CAD', 'USD', '2024-01-01', '0.74');
    await importMappedFile(db, file, { mapping: foreign, company: 'FX01', currency: 'USD' });
    const { companyId } = await getCompany(db, 'FX01');
    const local = await db.query<{ total: string }>(
      `select sum(amount_local)::text as total from open_item where company_id = $1`,
      [companyId],
    );
    // 10.00 and 20.00 CAD at 0.74 are 7.40 and 14.80 USD.
    expect(local.rows[0]!.total).toBe('2220');
  });

  it('rejects an unquoted delimiter in an amount', async () => {
    const before = await ledgerState();
    const file = await writeFixture('unquoted-comma.csv', `${good}B1,G3,2024-01-07,2024-02-05,1,234.50\n`);
    const error = await caught(importMappedFile(db, file, { mapping, company: 'BAD1' }));
    expect([error.file, error.line, error.column, error.value]).toEqual([file, 4, 'column 6', '234.50']);
    expect(await ledgerState()).toEqual(before);
  });

  it('accepts blank cells past the header', async () => {
    const file = await writeFixture('trailing-delimiter.csv', good.replaceAll('\n', ',\n').replace('amount,', 'amount'));
    const [result] = await importMappedFile(db, file, { mapping, company: 'TRAIL1' });
    expect(result!.itemsInserted).toBe(good.trim().split('\n').length - 1);
  });

  it('rejects a NUL byte in the last of 20,000 rows', async () => {
    const rows = Array.from(
      { length: 19_999 },
      (_, index) => `N${index % 50},NUL${index},2024-01-05,2024-02-04,${(index % 97) + 1}.25`,
    );
    const text = `customer,document,date,due,amount\n${rows.join('\n')}\nN1,NUL\u0000LAST,2024-01-05,2024-02-04,5.00\n`;
    const before = await ledgerState();
    const file = await writeFixture('nul.csv', text);
    const error = await caught(importMappedFile(db, file, { mapping, company: 'BAD2' }));
    expect([error.file, error.line, error.column, error.value]).toEqual([file, 20_001, 'document', 'NUL\\x00LAST']);
    expect(await ledgerState()).toEqual(before);
  });

  it('rejects an XLSX workbook read as CSV', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Open items').addRow(['customer', 'document', 'date', 'due', 'amount']);
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
    const before = await ledgerState();
    const named = await writeFixture('workbook.csv', bytes);
    const mappedError = await caught(importMappedFile(db, named, { mapping, company: 'BAD3' }));
    expect([mappedError.line, mappedError.column]).toEqual([1, '(file)']);
    expect(mappedError.message).toContain('ZIP archive');
    const ibmError = await caught(importIbmAr(db, named, { company: 'BAD3' }));
    expect([ibmError.line, ibmError.column]).toEqual([1, '(file)']);
    expect(await ledgerState()).toEqual(before);
  });

  it('rejects a NUL byte in an IBM ledger row', async () => {
    const header =
      'countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,Disputed,SettledDate,PaperlessBill,DaysToSettle,DaysLate';
    const row = '391,1111-AA\u0000AAA,4/6/2013,0000000101,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0';
    const before = await ledgerState();
    const file = await writeFixture('ibm-nul.csv', `${header}\r\n${row}\r\n`);
    const error = await caught(importIbmAr(db, file, { company: 'BAD4' }));
    expect([error.line, error.column, error.value]).toEqual([2, 'customerID', '1111-AA\\x00AAA']);
    expect(await ledgerState()).toEqual(before);
  });
});
