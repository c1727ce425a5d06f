import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { loadReferenceLedger, referenceBalances, type RawLedger } from '../../test/helpers/ledger-reference.js';
import { agingReport, defaultBucketLimits } from '../aging/index.js';
import { kpiReport } from '../kpi/report.js';
import { listCompanies, type Company } from '../ledger/index.js';
import { formatMinor } from '../shared/money.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let raw: RawLedger;
let companies: Company[];
let admin: Record<string, string>;
let regional: Record<string, string>;
let region: string;

const asOf = '2026-03-31';

beforeAll(async () => {
  db = await openTestDb();
  raw = await loadReferenceLedger(db);
  companies = await listCompanies(db);
  // The regional user sees the second company only, in one of its regions.
  region = raw.customers.find((customer) => customer.companyId === companies[1]!.companyId && customer.region !== null)!.region!;
  app = await buildApp(db, { logLevel: 'silent' });
  admin = bearer((await createTestUser(db, { role: 'admin' })).token);
  regional = bearer(
    (await createTestUser(db, { role: 'credit_manager', companies: [companies[1]!.code], regions: [region] })).token,
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

describe('GET /dashboard', () => {
  it('gives the aging and KPI figures of the first company by default', async () => {
    const company = companies[0]!;
    const { status, body } = await get(`/api/v1/dashboard?asOf=${asOf}`, admin);
    expect(status).toBe(200);
    const money = (amount: bigint) => formatMinor(amount, company.currencyExponent);
    const aging = await agingReport(db, {
      companies: [company.code],
      asOf,
      basis: 'due',
      groupBy: 'region',
      bucketLimits: defaultBucketLimits,
      currency: 'local',
    });
    const kpis = await kpiReport(db, { companies: [company.code], from: '2025-04', to: '2026-03' });
    const balances = [...referenceBalances(raw, company.companyId, asOf).values()];
    expect(body).toMatchObject({
      company: company.code,
      currency: company.currency,
      asOf,
      totalAr: money(aging.totals[0]!.total),
      overdue: money(balances.reduce((sum, entry) => sum + entry.overdue, 0n)),
      dso: kpis.totals.at(-1)!.kpis.dsoStandard.value,
      bestPossibleDso: kpis.totals.at(-1)!.kpis.bestPossibleDso.value,
      dsoMonth: '2026-03',
    });
    expect(body.buckets).toEqual(aging.buckets.map((bucket, index) => ({ ...bucket, amount: money(aging.totals[0]!.amounts[index]!) })));
    expect(body.byRegion).toEqual(
      aging.rows.map((row) => expect.objectContaining({ region: row.key, total: money(row.total), buckets: row.amounts.map(money) })),
    );
    expect(body.trend.map((point: { month: string }) => point.month)).toEqual(kpis.totals.map((row) => row.month));
    expect(body.topOverdue.length).toBe(10);
  });

  it('shows a regional user only the region', async () => {
    const company = companies[1]!;
    const { status, body } = await get(`/api/v1/dashboard?asOf=${asOf}`, regional);
    expect(status).toBe(200);
    expect(body.company).toBe(company.code);
    expect(body.byRegion.map((entry: { region: string }) => entry.region)).toEqual([region]);
    const inRegion = new Set(
      raw.customers.filter((customer) => customer.companyId === company.companyId && customer.region === region).map((customer) => customer.customerNumber),
    );
    expect(body.topOverdue.length).toBeGreaterThan(0);
    expect(body.topOverdue.every((customer: { customerNumber: string }) => inRegion.has(customer.customerNumber))).toBe(true);
    expect(body.totalAr).toBe(body.byRegion[0].total);
  });

  it('refuses a company outside the scope and rejects a bad date', async () => {
    const refused = await get(`/api/v1/dashboard?company=${companies[0]!.code}`, regional);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    const bad = await get('/api/v1/dashboard?asOf=2026-13-01', admin);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('asOf');
    expect((await get('/api/v1/dashboard?company=NOPE', admin)).status).toBe(404);
  });
});
