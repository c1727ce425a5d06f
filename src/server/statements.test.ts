import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { startLocalSmtp, type LocalSmtp } from '../../test/helpers/smtp.js';
import { cliActor } from '../auth/actor.js';
import { setContact } from '../collections/contacts.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import type { StatementJson } from '../collections/index.js';
import { applyImport, balanceAsOf, getCompany, type OpenItemInput } from '../ledger/index.js';
import { formatMinor } from '../shared/money.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let admin: Record<string, string>;
/** A collector whose scope is region South of KW03. */
let regional: Record<string, string>;

function item(
  customerNumber: string,
  kind: OpenItemInput['kind'],
  documentNumber: string,
  date: string,
  currency: string,
  amount: bigint,
  amountLocal?: bigint,
): OpenItemInput {
  return {
    customerNumber,
    kind,
    documentNumber,
    erpKey: documentNumber,
    documentDate: date,
    postingDate: date,
    dueDate: date.replace(/-(\d\d)-/, (_, month: string) => `-${String(Number(month) + 1).padStart(2, '0')}-`),
    currency,
    amount,
    ...(amountLocal === undefined ? {} : { amountLocal, fxRate: '0.3' }),
  };
}

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'statements-api', sha256: 'statements-api' }, [
    {
      company: { code: 'KW03', name: 'Jahra Foods', currency: 'KWD' },
      customers: [
        { customerNumber: 'N-1', name: 'North Market', region: 'North' },
        { customerNumber: 'S-1', name: 'South Market', region: 'South' },
      ],
      items: [
        item('N-1', 'invoice', 'N-INV-1', '2026-01-10', 'KWD', 5_000_250n),
        item('N-1', 'invoice', 'N-INV-2', '2026-02-10', 'USD', 123_456n, 37_037n),
        item('N-1', 'payment', 'N-PAY-1', '2026-02-20', 'KWD', -1_000_000n),
        item('S-1', 'invoice', 'S-INV-1', '2026-02-05', 'KWD', 999n),
      ],
      allocations: [
        { erpKey: 'NA1', creditErpKey: 'N-PAY-1', debitErpKey: 'N-INV-1', allocationDate: '2026-02-20', amount: 1_000_000n },
      ],
      rowCount: 4,
    },
    {
      company: { code: 'EU03', name: 'Other Books', currency: 'EUR' },
      customers: [{ customerNumber: 'E-1', name: 'Elsewhere', region: 'South' }],
      items: [item('E-1', 'invoice', 'E-INV-1', '2026-02-05', 'EUR', 10_000n)],
      allocations: [],
      rowCount: 1,
    },
  ]);
  app = await buildApp(db, { logLevel: 'silent' });
  admin = bearer((await createTestUser(db, { role: 'admin' })).token);
  regional = bearer((await createTestUser(db, { role: 'collector', companies: ['KW03'], regions: ['South'] })).token);
}, 120_000);

afterAll(async () => {
  await app.close();
  await db.close();
});

const query = 'company=KW03&from=2026-02-01&to=2026-02-28';

async function get(url: string, headers: Record<string, string>) {
  return app.inject({ method: 'GET', url: `/api/v1${url}`, headers });
}

describe('GET /statements/:customerNumber', () => {
  it('answers JSON whose closing balances are the ledger balances', async () => {
    const response = await get(`/statements/N-1?${query}`, admin);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json<StatementJson>();
    expect(Object.keys(body)).toEqual(['company', 'customer', 'from', 'to', 'sections', 'totals']);
    expect(body.sections.map((section) => [section.currency, section.openingBalance, section.closingBalance])).toEqual([
      ['KWD', '5000.250', '4000.250'],
      ['USD', '0.00', '1234.56'],
    ]);
    const company = await getCompany(db, 'KW03');
    const customer = await db.query<{ customer_id: bigint }>(
      `select customer_id from customer where company_id = $1 and customer_number = 'N-1'`,
      [company.companyId],
    );
    const ledger = await balanceAsOf(db, company.companyId, '2026-02-28', { customerId: customer.rows[0]!.customer_id });
    expect(body.totals.closingBalance).toBe(formatMinor(ledger, 3));
    expect(body.totals.closingBalance).toBe('4037.287');
  });

  it('answers a PDF with a file name and extractable text', async () => {
    const response = await get(`/statements/N-1?${query}&format=pdf`, admin);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="statement-KW03-N-1-2026-02-01-2026-02-28.pdf"',
    );
    const parser = new PDFParse({ data: new Uint8Array(response.rawPayload) });
    const { text } = await parser.getText();
    await parser.destroy();
    expect(text).toContain('North Market');
    expect(text).toContain('N-PAY-1');
    expect(text).toMatch(/Closing balance 4,000\.250/);
    expect(text).toContain('4,037.287 KWD');
  });

  it('answers an XLSX workbook with a sheet per currency', async () => {
    const response = await get(`/statements/N-1?${query}&format=xlsx`, admin);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="statement-KW03-N-1-2026-02-01-2026-02-28.xlsx"',
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(response.rawPayload as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['KWD', 'USD', 'Total KWD']);
    const closing: unknown[] = [];
    workbook.getWorksheet('USD')!.eachRow((row) => {
      if (row.getCell(2).value === 'Closing balance') closing.push(row.getCell(10).value);
    });
    expect(closing).toEqual([1234.56]);
  });

  it('refuses a regional user a customer of another region and records the denial', async () => {
    const response = await get(`/statements/N-1?${query}`, regional);
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('forbidden');
    const company = await getCompany(db, 'KW03');
    const denied = await db.query<{ entity: string; company_id: number; action: string }>(
      `select e.entity, e.company_id, e.action from audit_event e
       join customer c on c.company_id = e.company_id and c.customer_id::text = e.entity_id
       where e.outcome = 'denied' and c.customer_number = 'N-1'`,
    );
    expect(denied.rows).toEqual([{ entity: 'customer', company_id: company.companyId, action: 'read' }]);
  });

  it('serves the regional user a customer of their region, and refuses another company', async () => {
    const allowed = await get(`/statements/S-1?${query}`, regional);
    expect(allowed.statusCode, allowed.body).toBe(200);
    expect(allowed.json<StatementJson>().sections[0]!.closingBalance).toBe('0.999');
    const otherCompany = await get(`/statements/E-1?company=EU03&from=2026-02-01&to=2026-02-28`, regional);
    expect(otherCompany.statusCode).toBe(403);
    // Without a company the customer is found, and its company is outside the scope.
    const unnamed = await get(`/statements/E-1?from=2026-02-01&to=2026-02-28`, regional);
    expect(unnamed.statusCode).toBe(403);
  });

  it.each([
    ['from after to', '/statements/N-1?company=KW03&from=2026-03-01&to=2026-02-28', 400, 'invalid_period'],
    ['an invalid date', '/statements/N-1?company=KW03&from=2026-02-30&to=2026-03-31', 400, null],
    ['an unknown customer', `/statements/NOPE?${query}`, 404, 'not_found'],
    ['an unknown company', '/statements/N-1?company=ZZ&from=2026-02-01&to=2026-02-28', 404, 'not_found'],
    ['an unknown format', `/statements/N-1?${query}&format=csv`, 400, null],
  ])('rejects %s', async (_name, url, status, code) => {
    const response = await get(url, admin);
    expect(response.statusCode).toBe(status);
    if (code !== null) expect(response.json().error.code).toBe(code);
  });

  it('is described in the OpenAPI document', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(response.statusCode).toBe(200);
    const operation = response.json().paths['/api/v1/statements/{customerNumber}']?.get;
    expect(operation?.parameters.map((parameter: { name: string }) => parameter.name).sort()).toEqual(
      ['company', 'customerNumber', 'format', 'from', 'to'],
    );
  });

  it('answers 401 without credentials', async () => {
    const response = await get(`/statements/N-1?${query}`, {});
    expect(response.statusCode).toBe(401);
  });
});

describe('POST /statements/batch', () => {
  let smtp: LocalSmtp;
  const saved = { url: process.env.ARDESK_SMTP_URL, from: process.env.ARDESK_MAIL_FROM };

  beforeAll(async () => {
    smtp = await startLocalSmtp();
    process.env.ARDESK_SMTP_URL = smtp.url;
    process.env.ARDESK_MAIL_FROM = 'ar@jahra.example';
    const company = await getCompany(db, 'KW03');
    const ids = await db.query<{ customer_id: bigint; customer_number: string }>('select customer_id, customer_number from customer where company_id = $1', [company.companyId]);
    const idOf = (number: string) => ids.rows.find((row) => row.customer_number === number)!.customer_id;
    await setContact(db, company.companyId, { customerId: idOf('N-1'), purpose: 'statements', email: 'ap@north.example' }, cliActor());
    await setContact(db, company.companyId, { customerId: idOf('S-1'), purpose: 'collections', email: 'gone@south.example' }, cliActor());
    smtp.rejectedRecipients.add('gone@south.example');
  });

  afterAll(async () => {
    await smtp.close();
    for (const [key, value] of [['ARDESK_SMTP_URL', saved.url], ['ARDESK_MAIL_FROM', saved.from]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  interface BatchBody {
    total: number;
    sent: number;
    failed: number;
    skipped: number;
    outcomes: { customerNumber: string; status: string; closingBalance: string | null; error: string | null }[];
  }

  const batch = (headers: Record<string, string>, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/v1/statements/batch', headers, payload: { company: 'KW03', from: '2026-02-01', to: '2026-02-28', ...payload } });

  it('mails each statement and lists the refused one as failed', async () => {
    const response = await batch(admin, {});
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<BatchBody>();
    expect([body.total, body.sent, body.failed, body.skipped]).toEqual([2, 1, 1, 0]);
    // N-1: 5,000.250 - 1,000.000 in KWD plus USD 1,234.56 at 37.037 KWD.
    expect(body.outcomes.map((outcome) => [outcome.customerNumber, outcome.status, outcome.closingBalance])).toEqual([
      ['N-1', 'sent', formatMinor(5_000_250n - 1_000_000n + 37_037n, 3)],
      ['S-1', 'failed', '0.999'],
    ]);
    expect(smtp.messages.map((message) => message.envelopeTo)).toEqual([['ap@north.example']]);
    const parser = new PDFParse({ data: smtp.messages[0]!.parsed.attachments[0]!.content });
    const text = (await parser.getText()).text;
    await parser.destroy();
    expect(text).toContain('North Market');
  });

  it('keeps a regional collector to their region', async () => {
    const response = await batch(regional, { customers: ['N-1', 'S-1'] });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<BatchBody>();
    expect(body.outcomes.map((outcome) => [outcome.customerNumber, outcome.status])).toEqual([
      ['N-1', 'failed'],
      ['S-1', 'failed'],
    ]);
    expect(body.outcomes[0]!.error).toBe('customer "N-1" not found in company KW03');
  });

  it('refuses a role that does not send statements', async () => {
    const auditor = bearer((await createTestUser(db, { role: 'auditor' })).token);
    expect((await batch(auditor, {})).statusCode).toBe(403);
  });

  it('names a selection given two ways', async () => {
    const response = await batch(admin, { region: 'North', customers: ['N-1'] });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { field: string } }>().error.field).toBe('customers');
  });
});
