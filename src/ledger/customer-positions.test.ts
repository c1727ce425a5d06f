import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { loadReferenceLedger, referenceItems, type RawLedger } from '../../test/helpers/ledger-reference.js';
import { createColumnarAgingEngine } from '../aging/index.js';
import { unrestricted, type Scope } from '../auth/types.js';
import { listCompanies, type Company } from './index.js';
import {
  customerSortKeys,
  listCustomersFromPositions,
  listCustomersWithBalances,
  type CustomerListRequest,
} from './customer-list.js';

let db: TestDb;
let raw: RawLedger;
let companies: Company[];

beforeAll(async () => {
  db = await openTestDb();
  raw = await loadReferenceLedger(db);
  companies = await listCompanies(db);
}, 120_000);

afterAll(async () => {
  await db.close();
});

describe('customer list from in-memory positions', () => {
  it('gives the SQL path’s pages for any filter, sort and page', async () => {
    const engine = createColumnarAgingEngine(db);
    const regions = [...new Set(raw.customers.map((customer) => customer.region).filter((region) => region !== null))];
    const collectors = [...new Set(raw.customers.map((customer) => customer.collector).filter((value) => value !== null))];
    const segments = [...new Set(raw.customers.map((customer) => customer.creditSegment).filter((value) => value !== null))];
    expect(regions.length).toBeGreaterThan(1);
    // Due dates of invoices still open on that day, where "due before" and "due on" differ.
    const dueDates = [
      ...new Set(
        raw.items
          .filter((item) => item.kind === 'invoice')
          .filter((item) =>
            referenceItems(raw, item.companyId, item.dueDate).some(
              (entry) => entry.itemId === item.itemId && entry.openLocal > 0n,
            ),
          )
          .map((item) => item.dueDate),
      ),
    ].slice(0, 12);
    expect(dueDates.length).toBeGreaterThan(0);
    // Each filter on one request in five, so that most pages are full.
    const sometimes = <T,>(values: readonly T[]) =>
      fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.constantFrom(...values), weight: 1 });
    const requestArb = fc.record({
      company: fc.nat(companies.length - 1),
      asOf: fc.constantFrom('2026-03-31', '2025-11-15', '2024-01-01', ...dueDates),
      sort: fc.constantFrom(...customerSortKeys),
      dir: fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
      overdueOnly: fc.boolean(),
      region: sometimes(regions),
      collector: sometimes(collectors),
      segment: sometimes(segments),
      search: sometimes(['1', '0', 'a', 'CO', 'zz']),
      limit: fc.integer({ min: 1, max: 60 }),
      offset: fc.oneof(fc.constant(0), fc.nat(60)),
      scopeRegions: fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: fc.subarray(regions, { minLength: 1 }), weight: 1 }),
      otherCompanyOnly: fc.oneof({ arbitrary: fc.constant(false), weight: 5 }, { arbitrary: fc.constant(true), weight: 1 }),
    });
    await fc.assert(
      fc.asyncProperty(requestArb, async (generated) => {
        const company = companies[generated.company]!;
        const other = companies.find((entry) => entry.companyId !== company.companyId);
        const scope: Scope = {
          companyIds: generated.otherCompanyOnly && other ? [other.companyId] : null,
          regions: generated.scopeRegions,
        };
        const request: CustomerListRequest = {
          companyId: company.companyId,
          asOf: generated.asOf,
          sort: generated.sort,
          dir: generated.dir,
          overdueOnly: generated.overdueOnly,
          region: generated.region,
          collector: generated.collector,
          segment: generated.segment,
          search: generated.search,
          limit: generated.limit,
          offset: generated.offset,
        };
        const positions = await engine.customerPositions(company.companyId, generated.asOf);
        expect(positions).not.toBeNull();
        const fromMemory = await listCustomersFromPositions(db, scope, request, positions!);
        const fromSql = await listCustomersWithBalances(db, scope, request);
        expect(fromMemory).toEqual(fromSql);
      }),
      { numRuns: 120 },
    );
  });

  it('counts every customer of an unrestricted company', async () => {
    const engine = createColumnarAgingEngine(db);
    const company = companies[0]!;
    const positions = await engine.customerPositions(company.companyId, '2026-03-31');
    const page = await listCustomersFromPositions(db, unrestricted, {
      companyId: company.companyId,
      asOf: '2026-03-31',
      sort: 'balance',
      limit: 5,
      offset: 0,
    }, positions!);
    expect(page.total).toBe(raw.customers.filter((customer) => customer.companyId === company.companyId).length);
  });
});
