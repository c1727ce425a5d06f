import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, sampleDataDir, type TestDb } from '../../test/helpers/db.js';
import { multipartBody } from '../../test/server/multipart.js';
import { balanceAsOf, getCompany } from '../ledger/index.js';
import { parseDate } from '../shared/dates.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let auth: Record<string, string>;

beforeAll(async () => {
  db = await openTestDb();
  app = await buildApp(db, { logLevel: 'silent' });
  auth = bearer((await createTestUser(db, { role: 'admin' })).token);
});
afterAll(async () => {
  await app.close();
  await db.close();
});

/** Rows of a CSV of KWD invoices and one payment, with three decimals. */
const csvRows = [
  ['C100', 'Alpha Trading', 'DOC-1', '2026-01-10', '2026-02-09', '1234.567'],
  ['C100', 'Alpha Trading', 'DOC-2', '2026-01-20', '2026-02-19', '10.005'],
  ['C200', 'Beta Contracting', 'DOC-3', '2026-01-15', '2026-03-16', '999999999.999'],
  ['C200', 'Beta Contracting', 'DOC-4', '2026-02-01', '2026-02-01', '-500.000'],
];
const csvText =
  'customer,name,document,posted,due,amount\n' + csvRows.map((row) => row.join(',')).join('\n') + '\n';

const mapping = {
  customer: { number: 'customer', name: 'name' },
  item: {
    documentNumber: 'document',
    kind: { bySign: { debit: 'invoice', credit: 'payment' } },
    postingDate: 'posted',
    dueDate: 'due',
  },
  amount: { column: 'amount' },
};

/** Parses "-1234.567" into minor units without the code under test. */
function minorUnits(text: string, exponent: number): bigint {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole!) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0'));
  return negative ? -value : value;
}

async function uploadCsv(fields: Record<string, string>, content = csvText, fileName = 'open-items.csv') {
  const { payload, headers } = multipartBody(fields, [{ name: 'file', fileName, content }]);
  return app.inject({ method: 'POST', url: '/api/v1/imports/csv', payload, headers: { ...headers, ...auth } });
}

async function uploadFolders(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('ardesk-upload-'));
}

describe('CSV upload', () => {
  it('imports every row and removes the temp file', async () => {
    const foldersBefore = await uploadFolders();
    const response = await uploadCsv({
      mapping: JSON.stringify(mapping),
      company: 'IMP1',
      currency: 'KWD',
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.file).toBe('open-items.csv');
    expect(body.companies).toHaveLength(1);
    expect(body.companies[0]).toMatchObject({
      company: 'IMP1',
      rows: csvRows.length,
      itemsInserted: csvRows.length,
      itemsSkipped: 0,
    });
    expect(body.companies[0].importId).toMatch(/^\d+$/);
    expect(await uploadFolders()).toEqual(foldersBefore);
  });

  it('stores the exact amounts', async () => {
    const company = await getCompany(db, 'IMP1');
    expect(company.currency).toBe('KWD');
    const expected = csvRows.reduce((sum, row) => sum + minorUnits(row[5]!, 3), 0n);
    expect(await balanceAsOf(db, company.companyId, '2026-12-31')).toBe(expected);
  });

  it('lists the imported customers', async () => {
    const response = await app.inject({ url: '/api/v1/customers?company=IMP1', headers: auth });
    const numbers = response.json().customers.map((customer: { customerNumber: string }) => customer.customerNumber);
    expect(numbers).toEqual([...new Set(csvRows.map((row) => row[0]))].sort());
  });

  it('skips every row the second time', async () => {
    const response = await uploadCsv({ mapping: JSON.stringify(mapping), company: 'IMP1', currency: 'KWD' });
    expect(response.statusCode).toBe(200);
    expect(response.json().companies[0]).toMatchObject({
      itemsInserted: 0,
      itemsSkipped: csvRows.length,
      importId: null,
    });
  });

  it('bad row names file, line and column', async () => {
    const company = await getCompany(db, 'IMP1');
    const balanceBefore = await balanceAsOf(db, company.companyId, '2026-12-31');
    const bad = `${csvText}C300,Gamma,DOC-9,2026-02-30,2026-03-01,5.000\nC300,Gamma,DOC-10,2026-02-03,2026-03-03,6.000\n`;
    const response = await uploadCsv(
      { mapping: JSON.stringify(mapping), company: 'IMP1', currency: 'KWD' },
      bad,
      'bad rows.csv',
    );
    expect(response.statusCode).toBe(400);
    const error = response.json().error;
    expect(error.field).toBe('posted');
    expect(error.message).toContain('bad rows.csv');
    expect(error.message).toContain(`line ${csvRows.length + 2}`);
    expect(error.message).toContain('2026-02-30');
    expect(error.message).not.toContain(tmpdir());
    expect(await balanceAsOf(db, company.companyId, '2026-12-31')).toBe(balanceBefore);
  });

  it.each([
    ['missing', {}],
    ['not JSON', { mapping: '{customer:' }],
    ['a path string', { mapping: JSON.stringify('/etc/passwd') }],
    ['an invalid mapping', { mapping: JSON.stringify({ customer: {} }) }],
  ])('rejects a mapping that is %s', async (_case, fields) => {
    const response = await uploadCsv({ ...fields, company: 'IMP2', currency: 'KWD' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.field).toBe('mapping');
    const companies = await app.inject({ url: '/api/v1/companies', headers: auth });
    expect(companies.json().companies.map((company: { code: string }) => company.code)).not.toContain('IMP2');
  });

  it('rejects a NUL byte with 400', async () => {
    const response = await uploadCsv(
      { mapping: JSON.stringify(mapping), company: 'IMP4', currency: 'KWD' },
      csvText.replace('DOC-2', 'DOC\u00002'),
    );
    expect(response.statusCode).toBe(400);
    const error = response.json().error;
    expect(error.field).toBe('document');
    expect(error.message).toContain('line 3');
  });

  it('rejects an empty file with 400', async () => {
    const response = await uploadCsv({ mapping: JSON.stringify(mapping), company: 'IMP4', currency: 'KWD' }, '');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.field).toBe('(header)');
  });

  it('rejects a request without a file', async () => {
    const { payload, headers } = multipartBody({ mapping: JSON.stringify(mapping) }, []);
    const response = await app.inject({ method: 'POST', url: '/api/v1/imports/csv', payload, headers: { ...headers, ...auth } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.field).toBe('file');
  });

  it('rejects a JSON request', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/imports/csv',
      headers: auth,
      payload: { mapping },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_content_type', field: 'file' });
  });

  it('rejects a file over the size limit', async () => {
    const small = await buildApp(db, { logLevel: 'silent', maxUploadBytes: 100 });
    try {
      const { payload, headers } = multipartBody({ mapping: JSON.stringify(mapping), company: 'IMP3' }, [
        { name: 'file', fileName: 'big.csv', content: csvText.repeat(10) },
      ]);
      const response = await small.inject({ method: 'POST', url: '/api/v1/imports/csv', payload, headers: { ...headers, ...auth } });
      expect(response.statusCode).toBe(413);
      expect(response.json().error.code).toBe('payload_too_large');
    } finally {
      await small.close();
    }
  });
});

describe('IBM AR upload', () => {
  const header =
    'countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,Disputed,SettledDate,PaperlessBill,DaysToSettle,DaysLate';
  const lines = [
    '391,1111-AAAAA,4/6/2013,0000000101,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper,13,0',
    '406,2222-BBBBB,3/3/2012,0000000102,1/26/2013,2/25/2013,61.74,Yes,3/3/2013,Electronic,36,6',
  ];

  it('imports invoices, payments and allocations', async () => {
    const { payload, headers } = multipartBody({ company: 'IBM1' }, [
      { name: 'file', fileName: 'ar.csv', content: [header, ...lines].join('\r\n') + '\r\n' },
    ]);
    const response = await app.inject({ method: 'POST', url: '/api/v1/imports/ibm-ar', payload, headers: { ...headers, ...auth } });
    expect(response.statusCode).toBe(200);
    expect(response.json().companies[0]).toMatchObject({
      company: 'IBM1',
      rows: lines.length,
      itemsInserted: lines.length * 2,
      allocationsInserted: lines.length,
    });
    const company = await getCompany(db, 'IBM1');
    // Between 1/26 and 3/3/2013 only the second invoice is open.
    expect(await balanceAsOf(db, company.companyId, '2013-02-01')).toBe(6174n);
    expect(await balanceAsOf(db, company.companyId, '2013-03-03')).toBe(0n);
  });
});

const sampleDir = sampleDataDir();

describe.skipIf(!sampleDir)('IBM AR sample upload', () => {
  it('matches totals computed from the file', async () => {
    const fileName = 'WA_Fn-UseC_-Accounts-Receivable.csv';
    const content = await readFile(join(sampleDir!, 'ibm-watson-ar-late-payments', fileName));
    const rows = content
      .toString('utf8')
      .split(/\r?\n/)
      .slice(1)
      .filter((line) => line.trim() !== '')
      .map((line) => line.split(','));
    const { payload, headers } = multipartBody({ company: 'IBMS' }, [
      { name: 'file', fileName, content },
    ]);
    const response = await app.inject({ method: 'POST', url: '/api/v1/imports/ibm-ar', payload, headers: { ...headers, ...auth } });
    expect(response.statusCode).toBe(200);
    expect(response.json().companies[0]).toMatchObject({
      rows: rows.length,
      itemsInserted: rows.length * 2,
      allocationsInserted: rows.length,
    });

    // Open on a day: invoiced on or before it and settled after it.
    const asOf = '2013-06-30';
    let expected = 0n;
    for (const row of rows) {
      const invoiceDate = parseDate(row[4]!, 'M/D/YYYY')!;
      const settledDate = parseDate(row[8]!, 'M/D/YYYY')!;
      if (invoiceDate <= asOf && settledDate > asOf) expected += minorUnits(row[6]!, 2);
    }
    const company = await getCompany(db, 'IBMS');
    expect(await balanceAsOf(db, company.companyId, asOf)).toBe(expected);
  });
});
