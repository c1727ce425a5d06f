import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import {
  loadReferenceLedger,
  referenceBalances,
  type RawCustomer,
  type RawLedger,
} from '../../test/helpers/ledger-reference.js';
import { agingReport, defaultBucketLimits } from '../aging/index.js';
import { unrestricted } from '../auth/types.js';
import { customerDso, paymentBehaviour } from '../kpi/behaviour.js';
import { customerItems, customerTimeline } from '../ledger/customer-items.js';
import { applyImport, listCompanies, type Company } from '../ledger/index.js';
import { formatMinor } from '../shared/money.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let raw: RawLedger;
let company: Company;
let other: Company;
let admin: Record<string, string>;
/** A user who sees one region of `company` only. */
let regional: Record<string, string>;
let region: string;

const asOf = '2026-03-31';

beforeAll(async () => {
  db = await openTestDb();
  raw = await loadReferenceLedger(db);
  [company, other] = (await listCompanies(db)) as [Company, Company];
  region = raw.customers.find((customer) => customer.companyId === company.companyId && customer.region !== null)!.region!;
  app = await buildApp(db, { logLevel: 'silent' });
  admin = bearer((await createTestUser(db, { role: 'admin' })).token);
  regional = bearer(
    (await createTestUser(db, { role: 'collector', companies: [company.code], regions: [region] })).token,
  );
}, 120_000);

afterAll(async () => {
  await app.close();
  await db.close();
});

async function get(url: string, headers: Record<string, string>) {
  const response = await app.inject({ method: 'GET', url, headers });
  return { status: response.statusCode, body: response.json() };
}

function customersOf(of: Company, inRegion?: string): RawCustomer[] {
  return raw.customers.filter(
    (customer) => customer.companyId === of.companyId && (inRegion === undefined || customer.region === inRegion),
  );
}

function money(amount: bigint, of: Company = company): string {
  return formatMinor(amount, of.currencyExponent);
}

describe('GET /customers', () => {
  it('lists balances and overdue amounts equal to the ledger rows', async () => {
    const { status, body } = await get(`/api/v1/customers?company=${company.code}&asOf=${asOf}&limit=1000`, admin);
    expect(status).toBe(200);
    const balances = referenceBalances(raw, company.companyId, asOf);
    const expected = customersOf(company).map((customer) => {
      const entry = balances.get(customer.customerId) ?? { balance: 0n, overdue: 0n };
      return {
        customerId: String(customer.customerId),
        customerNumber: customer.customerNumber,
        name: customer.name,
        region: customer.region,
        collector: customer.collector,
        segment: customer.creditSegment,
        balance: money(entry.balance),
        overdue: money(entry.overdue),
      };
    });
    expect(body).toMatchObject({ company: company.code, currency: company.currency, asOf, total: expected.length, offset: 0 });
    expect(body.customers).toEqual(expected.map((entry) => expect.objectContaining(entry)));
  });

  it('sorts by overdue amount, largest first, and pages', async () => {
    const url = `/api/v1/customers?company=${company.code}&asOf=${asOf}&sort=overdue&dir=desc`;
    const whole = (await get(`${url}&limit=1000`, admin)).body;
    const overdue = whole.customers.map((customer: { overdue: string }) => customer.overdue);
    const amounts = overdue.map((text: string) => BigInt(text.replace('.', '')));
    const descending = (a: bigint, b: bigint): number => {
      if (a === b) return 0;
      return a < b ? 1 : -1;
    };
    expect(amounts).toEqual([...amounts].sort(descending));
    const first = (await get(`${url}&limit=10`, admin)).body;
    const second = (await get(`${url}&limit=10&offset=10`, admin)).body;
    expect([...first.customers, ...second.customers]).toEqual(whole.customers.slice(0, 20));
  });

  it('keeps a regional user inside the region', async () => {
    const { status, body } = await get(`/api/v1/customers?asOf=${asOf}&limit=1000&sort=balance`, regional);
    expect(status).toBe(200);
    expect(body.company).toBe(company.code);
    expect(body.total).toBe(customersOf(company, region).length);
    expect(body.customers.length).toBe(body.total);
    expect(body.customers.every((customer: { region: string }) => customer.region === region)).toBe(true);
  });

  it('refuses a company outside the scope with 403', async () => {
    const { status, body } = await get(`/api/v1/customers?company=${other.code}`, regional);
    expect(status).toBe(403);
    expect(body.error.code).toBe('forbidden');
  });

  it.each([
    ['sort=balance_due', 'sort'],
    ['dir=up', 'dir'],
    ['asOf=2026-02-30', 'asOf'],
    ['overdueOnly=yes', 'overdueOnly'],
    ['limit=0', 'limit'],
  ])('rejects %s', async (query, field) => {
    const { status, body } = await get(`/api/v1/customers?company=${company.code}&${query}`, admin);
    expect(status).toBe(400);
    expect(body.error.field).toBe(field);
  });

  it('reports as of today without asOf', async () => {
    const { body } = await get(`/api/v1/customers?company=${company.code}&limit=1`, admin);
    expect(body.asOf).toBe(new Date().toISOString().slice(0, 10));
  });

  it('answers 401 without sign-in', async () => {
    const response = await app.inject({ method: 'GET', url: `/api/v1/customers?company=${company.code}` });
    expect(response.statusCode).toBe(401);
  });
});

describe('GET /customers/:customerId', () => {
  it('matches the services and the aging', async () => {
    const report = await agingReport(db, {
      companies: [company.code],
      asOf,
      basis: 'due',
      groupBy: 'customer',
      bucketLimits: defaultBucketLimits,
      currency: 'local',
    });
    const balances = referenceBalances(raw, company.companyId, asOf);
    for (const row of report.rows.slice(0, 8)) {
      const customer = customersOf(company).find((entry) => entry.customerNumber === row.key)!;
      const { status, body } = await get(`/api/v1/customers/${customer.customerId}?asOf=${asOf}`, admin);
      expect(status).toBe(200);
      const request = { companyId: company.companyId, customerId: customer.customerId, asOf };
      const dso = await customerDso(db, request);
      expect(body).toMatchObject({
        company: company.code,
        currency: company.currency,
        asOf,
        customer: { customerId: String(customer.customerId), customerNumber: customer.customerNumber, region: customer.region },
        balance: money(balances.get(customer.customerId)!.balance),
        overdue: money(balances.get(customer.customerId)!.overdue),
        creditLimit: null,
        dso: dso.value,
        dsoMethod: { code: 'DSO-STD', from: '2026-01-01', to: asOf, days: 90, creditSales: money(dso.creditSales) },
        paymentBehaviour: await paymentBehaviour(db, request),
      });
      expect(body.balance).toBe(money(row.total));
      expect(body.aging.buckets).toEqual(
        report.buckets.map((bucket, index) => ({ ...bucket, amount: money(row.amounts[index]!) })),
      );
    }
  });

  it('refuses another region, 404 for unknown', async () => {
    const outside = customersOf(company).find((customer) => customer.region !== region)!;
    const inside = customersOf(company, region)[0]!;
    for (const path of ['', '/items', '/timeline']) {
      const refused = await get(`/api/v1/customers/${outside.customerId}${path}`, regional);
      expect(refused.status, path).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect((await get(`/api/v1/customers/${inside.customerId}${path}`, regional)).status, path).toBe(200);
      expect((await get(`/api/v1/customers/987654321${path}`, admin)).status, path).toBe(404);
    }
  });

  it('rejects a wrong company or id', async () => {
    const customer = customersOf(company)[0]!;
    const wrongCompany = await get(`/api/v1/customers/${customer.customerId}?company=${other.code}`, admin);
    expect(wrongCompany.status).toBe(404);
    expect(wrongCompany.body.error.field).toBe('customerId');
    const notNumber = await get('/api/v1/customers/C-12', admin);
    expect(notNumber.status).toBe(400);
    expect(notNumber.body.error.field).toBe('customerId');
  });
});

describe('GET /customers/:customerId/items and /timeline', () => {
  it('pages the items and the timeline as the services do', async () => {
    const customer = customersOf(company)[0]!;
    const request = { companyId: company.companyId, customerId: customer.customerId };
    const items = await customerItems(db, { ...request, asOf, status: 'all', limit: 5, offset: 2 });
    const { body } = await get(`/api/v1/customers/${customer.customerId}/items?asOf=${asOf}&status=all&limit=5&offset=2`, admin);
    expect(body).toMatchObject({ company: company.code, asOf, total: items.total, limit: 5, offset: 2 });
    expect(body.items.map((item: { itemId: string }) => item.itemId)).toEqual(items.items.map((item) => String(item.itemId)));
    expect(body.items.map((item: { openAmountLocal: string }) => item.openAmountLocal)).toEqual(
      items.items.map((item) => money(item.openAmountLocal)),
    );

    const timeline = await customerTimeline(db, { ...request, scope: unrestricted, limit: 6, offset: 1 });
    const events = (await get(`/api/v1/customers/${customer.customerId}/timeline?limit=6&offset=1`, admin)).body;
    expect(events.total).toBe(timeline.total);
    expect(events.events.map((event: { date: string; kind: string }) => `${event.date} ${event.kind}`)).toEqual(
      timeline.events.map((event) => `${event.date} ${event.kind}`),
    );
  });
});

describe('GET /customers/:customerId/timeline across regions', () => {
  /** Company XR2, where a payment of an EAST customer pays an invoice of a WEST customer. */
  let east: { customerId: bigint; paymentId: bigint };
  let westInvoiceId: bigint;

  beforeAll(async () => {
    const day = { documentDate: '2026-02-01', postingDate: '2026-02-01', dueDate: '2026-02-01', currency: 'USD' };
    await applyImport(db, { kind: 'test', file: 'timeline-regions', sha256: 'timeline-regions' }, [
      {
        company: { code: 'XR2', currency: 'USD' },
        customers: [
          { customerNumber: 'E1', name: 'East One', region: 'EAST' },
          { customerNumber: 'W1', name: 'West One', region: 'WEST' },
        ],
        items: [
          { customerNumber: 'E1', kind: 'payment', documentNumber: 'E-PAY-1', erpKey: 'E-PAY-1', ...day, amount: -500n },
          { customerNumber: 'W1', kind: 'invoice', documentNumber: 'W-INV-1', erpKey: 'W-INV-1', ...day, amount: 77_777n },
        ],
        allocations: [{ creditErpKey: 'E-PAY-1', debitErpKey: 'W-INV-1', allocationDate: '2026-02-02', amount: 500n }],
        rowCount: 2,
      },
    ]);
    const items = await db.query<{ item_id: bigint; customer_id: bigint; document_number: string }>(
      `select i.item_id, i.customer_id, i.document_number
       from open_item i join company c on c.company_id = i.company_id where c.code = 'XR2'`,
    );
    const payment = items.rows.find((row) => row.document_number === 'E-PAY-1')!;
    east = { customerId: payment.customer_id, paymentId: payment.item_id };
    westInvoiceId = items.rows.find((row) => row.document_number === 'W-INV-1')!.item_id;
  });

  function allocationOf(body: { events: { kind: string }[] }) {
    return body.events.find((event) => event.kind === 'allocation');
  }

  it('hides the invoice from an EAST-only user', async () => {
    const eastOnly = bearer((await createTestUser(db, { role: 'regional_accountant', regions: ['EAST'] })).token);
    const { status, body } = await get(`/api/v1/customers/${east.customerId}/timeline`, eastOnly);
    expect(status).toBe(200);
    expect(allocationOf(body)).toMatchObject({
      date: '2026-02-02',
      debitItemId: null,
      debitDocumentNumber: null,
      creditItemId: String(east.paymentId),
      creditDocumentNumber: 'E-PAY-1',
      currency: 'USD',
      amount: '5.00',
      amountLocal: '5.00',
    });
  });

  it('names the invoice to an admin', async () => {
    const { status, body } = await get(`/api/v1/customers/${east.customerId}/timeline`, admin);
    expect(status).toBe(200);
    expect(allocationOf(body)).toMatchObject({
      debitItemId: String(westInvoiceId),
      debitDocumentNumber: 'W-INV-1',
      creditItemId: String(east.paymentId),
      creditDocumentNumber: 'E-PAY-1',
      amount: '5.00',
    });
  });
});
