import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { loadRegionFixture, regionAsOf, type RegionCustomer } from '../../test/server/regions.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let customers: RegionCustomer[];
/** A regional accountant of EAST in company NR1. */
let eastInNorth: Record<string, string>;
/** A regional accountant of EAST in every company. */
let eastEverywhere: Record<string, string>;
let admin: Record<string, string>;

beforeAll(async () => {
  db = await openTestDb();
  customers = await loadRegionFixture(db);
  app = await buildApp(db, { logLevel: 'silent' });
  eastInNorth = bearer((await createTestUser(db, { role: 'regional_accountant', companies: ['NR1'], regions: ['EAST'] })).token);
  eastEverywhere = bearer((await createTestUser(db, { role: 'regional_accountant', regions: ['EAST'] })).token);
  admin = bearer((await createTestUser(db, { role: 'admin' })).token);
});
afterAll(async () => {
  await app.close();
  await db.close();
});

async function get(url: string, headers: Record<string, string>) {
  const response = await app.inject({ method: 'GET', url, headers });
  return { status: response.statusCode, body: response.json() };
}

function east(company: string): RegionCustomer[] {
  return customers.filter((customer) => customer.company === company && customer.region === 'EAST');
}

function sum(list: readonly RegionCustomer[]): bigint {
  return list.reduce((total, customer) => total + customer.open, 0n);
}

/** Minor units of a decimal string with two places, such as "1000.17". */
function cents(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
  return negative ? -value : value;
}

async function deniedEvents(): Promise<number> {
  const result = await db.query<{ count: bigint }>(`select count(*) as count from audit_event where outcome = 'denied'`);
  return Number(result.rows[0]!.count);
}

describe('regional accountant scope', () => {
  it('aging shows only EAST customers', async () => {
    const { status, body } = await get(`/api/v1/aging?company=NR1&asOf=${regionAsOf}`, eastInNorth);
    expect(status).toBe(200);
    const keys = (body.rows as { key: string }[]).map((row) => row.key).sort();
    expect(keys).toEqual(east('NR1').map((customer) => customer.customerNumber).sort());
    expect(cents(body.total.total)).toBe(sum(east('NR1')));
  });

  it('aging without company stays in NR1', async () => {
    const { status, body } = await get(`/api/v1/aging?asOf=${regionAsOf}`, eastInNorth);
    expect(status).toBe(200);
    expect(body.currency).toBe('USD');
    expect(cents(body.total.total)).toBe(sum(east('NR1')));
  });

  it('aging over all companies shows EAST of each', async () => {
    const { status, body } = await get(`/api/v1/aging?asOf=${regionAsOf}&by=company`, eastEverywhere);
    expect(status).toBe(200);
    const totals = Object.fromEntries(
      (body.rows as { key: string; total: string }[]).map((row) => [row.key, cents(row.total)]),
    );
    expect(totals).toEqual({ NR1: sum(east('NR1')), SR1: sum(east('SR1')) });
  });

  it('aging by region has no other region', async () => {
    const { body } = await get(`/api/v1/aging?company=NR1&asOf=${regionAsOf}&by=region`, eastInNorth);
    expect((body.rows as { key: string }[]).map((row) => row.key)).toEqual(['EAST']);
  });

  it('aging items list only EAST items', async () => {
    const { status, body } = await get(`/api/v1/aging/items?company=NR1&asOf=${regionAsOf}&limit=100`, eastInNorth);
    expect(status).toBe(200);
    const numbers = new Set((body.items as { customerNumber: string }[]).map((item) => item.customerNumber));
    expect([...numbers].sort()).toEqual(east('NR1').map((customer) => customer.customerNumber).sort());
    expect(body.total).toBe(east('NR1').length);
    const open = (body.items as { openAmountLocal: string }[]).reduce((total, item) => total + cents(item.openAmountLocal), 0n);
    expect(open).toBe(sum(east('NR1')));
  });

  it('aging items of a WEST key are empty', async () => {
    const { status, body } = await get(`/api/v1/aging/items?company=NR1&asOf=${regionAsOf}&key=W3`, eastInNorth);
    expect(status).toBe(200);
    expect(body.total).toBe(0);
    expect(body.items).toEqual([]);
  });

  it('kpi closing AR is the EAST total', async () => {
    const { status, body } = await get('/api/v1/kpi?from=2026-03&to=2026-03&company=NR1&by=customer', eastInNorth);
    expect(status).toBe(200);
    const totals = body.totals as { closingAr: string }[];
    expect(totals).toHaveLength(1);
    expect(cents(totals[0]!.closingAr)).toBe(sum(east('NR1')));
    const keys = new Set((body.rows as { key: string }[]).map((row) => row.key));
    expect([...keys].sort()).toEqual(east('NR1').map((customer) => customer.customerNumber).sort());
  });

  it('kpi without company covers NR1 only', async () => {
    const { body } = await get('/api/v1/kpi?from=2026-03&to=2026-03', eastInNorth);
    expect((body.companies as { code: string }[]).map((company) => company.code)).toEqual(['NR1']);
  });

  it('customers lists only EAST customers', async () => {
    const { status, body } = await get('/api/v1/customers?company=NR1&limit=100', eastInNorth);
    expect(status).toBe(200);
    const numbers = (body.customers as { customerNumber: string }[]).map((customer) => customer.customerNumber).sort();
    expect(numbers).toEqual(east('NR1').map((customer) => customer.customerNumber).sort());
    expect(body.total).toBe(east('NR1').length);
  });

  it('aging export has only EAST customers', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/exports/aging.xlsx?company=NR1&asOf=${regionAsOf}`,
      headers: eastInNorth,
    });
    expect(response.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(response.rawPayload as unknown as ArrayBuffer);
    const texts: string[] = [];
    workbook.eachSheet((sheet) =>
      sheet.eachRow((row) => row.eachCell((cell) => texts.push(String(cell.text)))),
    );
    const numbers = customers.filter((customer) => customer.company === 'NR1').map((customer) => customer.customerNumber);
    const shown = numbers.filter((number) => texts.includes(number)).sort();
    expect(shown).toEqual(east('NR1').map((customer) => customer.customerNumber).sort());
  });

  it('aging export of another company is 403', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/exports/aging.xlsx?company=SR1&asOf=${regionAsOf}`,
      headers: eastInNorth,
    });
    expect(response.statusCode).toBe(403);
  });

  it('companies lists only NR1', async () => {
    const { body } = await get('/api/v1/companies', eastInNorth);
    expect((body.companies as { code: string }[]).map((company) => company.code)).toEqual(['NR1']);
  });

  it('admin still sees every customer', async () => {
    const { body } = await get(`/api/v1/aging?company=NR1&asOf=${regionAsOf}`, admin);
    expect(cents(body.total.total)).toBe(sum(customers.filter((customer) => customer.company === 'NR1')));
  });
});

describe('company outside scope', () => {
  it.each([
    ['/api/v1/aging?company=SR1&asOf=2026-03-31'],
    ['/api/v1/aging?company=NR1,SR1&asOf=2026-03-31'],
    ['/api/v1/aging/items?company=SR1&asOf=2026-03-31'],
    ['/api/v1/kpi?from=2026-03&to=2026-03&company=SR1'],
    ['/api/v1/customers?company=SR1'],
  ])('%s is 403 with an audit entry', async (url) => {
    const before = await deniedEvents();
    const { status, body } = await get(url, eastInNorth);
    expect(status).toBe(403);
    expect(body.error.code).toBe('forbidden');
    expect(body.error.message).not.toMatch(/\d{4,}/);
    expect(await deniedEvents()).toBe(before + 1);
    const last = await db.query<{ entity: string; entity_id: string; actor_via: string }>(
      `select entity, entity_id, actor_via from audit_event order by event_id desc limit 1`,
    );
    expect(last.rows[0]).toEqual({ entity: 'company', entity_id: 'SR1', actor_via: 'token' });
  });
});
