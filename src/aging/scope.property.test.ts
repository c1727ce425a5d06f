import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import type { Scope } from '../auth/types.js';
import { applyImport, getCompany, type ParsedLedger } from '../ledger/index.js';
import { agingItems, agingReport, defaultBucketLimits, type AgingRequest } from './index.js';

let db: TestDb;
let run = 0;

beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await db.close();
});

const regions = ['NORTH', 'SOUTH', 'EAST'] as const;
const asOf = '2026-04-30';

const customerArb = fc.record({
  region: fc.constantFrom<string | null>(...regions, null),
  items: fc.array(
    fc.record({
      // Credits (payments) are negative.
      amount: fc.bigInt({ min: -50_000n, max: 200_000n }).filter((amount) => amount !== 0n),
      dueDay: fc.integer({ min: 1, max: 28 }),
      dueMonth: fc.integer({ min: 1, max: 6 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
});

const ledgerArb = fc.record({
  companies: fc.tuple(
    fc.array(customerArb, { minLength: 1, maxLength: 5 }),
    fc.array(customerArb, { minLength: 1, maxLength: 5 }),
  ),
  // Which of the two companies the scope allows (null: no company limit).
  scopeCompanies: fc.option(fc.subarray([0, 1]), { nil: null }),
  scopeRegions: fc.option(fc.subarray([...regions]), { nil: null }),
});

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

describe('aging scope', () => {
  it('scoped total is the in-scope part of the unscoped report', async () => {
    await fc.assert(
      fc.asyncProperty(ledgerArb, async ({ companies, scopeCompanies, scopeRegions }) => {
        run += 1;
        const codes = [`PS${run}A`, `PS${run}B`];
        const ledgers: ParsedLedger[] = companies.map((customers, companyIndex) => ({
          company: { code: codes[companyIndex]!, name: codes[companyIndex]!, currency: 'USD' },
          customers: customers.map((customer, index) => ({
            customerNumber: `C${index}`,
            name: `Customer ${index}`,
            region: customer.region,
          })),
          items: customers.flatMap((customer, index) =>
            customer.items.map((item, itemIndex) => ({
              customerNumber: `C${index}`,
              kind: item.amount > 0n ? ('invoice' as const) : ('payment' as const),
              documentNumber: `D${index}-${itemIndex}`,
              erpKey: `D${index}-${itemIndex}`,
              documentDate: '2026-01-02',
              postingDate: '2026-01-02',
              dueDate: `2026-${pad(item.dueMonth)}-${pad(item.dueDay)}`,
              currency: 'USD',
              amount: item.amount,
            })),
          ),
          allocations: [],
          rowCount: customers.length,
        }));
        await applyImport(db, { kind: 'test', file: `scope-${run}`, sha256: `scope-${run}` }, ledgers);
        const companyIds = await Promise.all(codes.map(async (code) => (await getCompany(db, code)).companyId));
        const scope: Scope = {
          companyIds: scopeCompanies === null ? null : scopeCompanies.map((index) => companyIds[index]!),
          regions: scopeRegions,
        };
        const inScope = (companyIndex: number, region: string | null) =>
          (scope.companyIds === null || scope.companyIds.includes(companyIds[companyIndex]!)) &&
          (scope.regions === null || (region !== null && scope.regions.includes(region)));

        // Expected from the generated ledger alone: nothing is allocated, so every item is open.
        let expected = 0n;
        const expectedKeys = new Set<string>();
        companies.forEach((customers, companyIndex) =>
          customers.forEach((customer, index) => {
            if (!inScope(companyIndex, customer.region)) return;
            const balance = customer.items.reduce((total, item) => total + item.amount, 0n);
            expected += balance;
            expectedKeys.add(`${codes[companyIndex]}/C${index}`);
          }),
        );

        const request: AgingRequest = {
          companies: codes,
          asOf,
          basis: 'due',
          groupBy: 'customer',
          bucketLimits: defaultBucketLimits,
          currency: 'local',
        };
        const scoped = await agingReport(db, { ...request, scope });
        const unscoped = await agingReport(db, request);
        const regionOf = new Map<string, string | null>();
        companies.forEach((customers, companyIndex) =>
          customers.forEach((customer, index) => regionOf.set(`${codes[companyIndex]}/C${index}`, customer.region)),
        );
        const restricted = unscoped.rows
          .filter((row) => {
            const companyIndex = codes.indexOf(row.key.split('/')[0]!);
            return inScope(companyIndex, regionOf.get(row.key) ?? null);
          })
          .reduce((total, row) => total + row.total, 0n);

        const scopedTotal = scoped.totals.reduce((total, entry) => total + entry.total, 0n);
        expect(scopedTotal).toBe(restricted);
        expect(scopedTotal).toBe(expected);
        // With one company left in scope, rows are keyed by the bare customer number.
        const scopedCodes = codes.filter((_, index) => scope.companyIds === null || scope.companyIds.includes(companyIds[index]!));
        const prefix = scopedCodes.length === 1 ? `${scopedCodes[0]}/` : '';
        for (const row of scoped.rows) expect(expectedKeys.has(prefix + row.key)).toBe(true);

        const items = await agingItems(db, { ...request, scope, limit: 1000 });
        const itemTotal = items.items.reduce((total, item) => total + item.openAmountLocal, 0n);
        expect(itemTotal).toBe(expected);
      }),
      { numRuns: 25 },
    );
  });
});
