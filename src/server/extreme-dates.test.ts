import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { loadReferenceLedger, referenceBalances, type RawLedger } from '../../test/helpers/ledger-reference.js';
import { periodStart } from '../kpi/behaviour.js';
import { listCompanies, type Company } from '../ledger/index.js';
import { formatMinor } from '../shared/money.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let raw: RawLedger;
let company: Company;
let admin: Record<string, string>;

beforeAll(async () => {
  db = await openTestDb();
  raw = await loadReferenceLedger(db);
  company = (await listCompanies(db))[0]!;
  app = await buildApp(db, { logLevel: 'silent' });
  admin = bearer((await createTestUser(db, { role: 'admin' })).token);
}, 120_000);

afterAll(async () => {
  await app.close();
  await db.close();
});

describe('dates at the ends of the calendar', () => {
  it('gives the dashboard as of 9999-12-31 with twelve months of trend', async () => {
    const response = await app.inject({ method: 'GET', url: `/api/v1/dashboard?company=${company.code}&asOf=9999-12-31`, headers: admin });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ totalAr: string; trend: { month: string }[] }>();
    expect(body.trend.map((point) => point.month)).toEqual(
      Array.from({ length: 12 }, (_, index) => `9999-${String(index + 1).padStart(2, '0')}`),
    );
    let total = 0n;
    for (const balance of referenceBalances(raw, company.companyId, '9999-12-31').values()) total += balance.balance;
    expect(body.totalAr).toBe(formatMinor(total, company.currencyExponent));
  });

  it('gives the dashboard as of 0001-01-01 without months before it', async () => {
    const response = await app.inject({ method: 'GET', url: `/api/v1/dashboard?company=${company.code}&asOf=0001-01-01`, headers: admin });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ totalAr: string; trend: unknown[] }>();
    expect(body.trend).toEqual([]);
    expect(body.totalAr).toBe(formatMinor(0n, company.currencyExponent));
  });

  it('gives a customer page as of 0001-01-01', async () => {
    const customer = raw.customers.find((entry) => entry.companyId === company.companyId)!;
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/customers/${customer.customerId}?company=${company.code}&asOf=0001-01-01`,
      headers: admin,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ balance: string }>().balance).toBe(formatMinor(0n, company.currencyExponent));
  });

  it('cuts a period that would start before 0001-01-01', () => {
    expect(periodStart('0001-02-15', 3)).toBe('0001-01-01');
    expect(periodStart('2026-03-31', 3)).toBe('2026-01-01');
  });
});
