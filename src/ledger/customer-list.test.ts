import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { agingReport, defaultBucketLimits } from '../aging/index.js';
import { unrestricted, type Scope } from '../auth/types.js';
import { listCompanies, type Company } from './index.js';
import { customerBalances } from './customer-items.js';
import {
  customerSortKeys,
  listCustomersWithBalances,
  type CustomerListRequest,
  type CustomerSortKey,
  type CustomerWithBalance,
} from './customer-list.js';
import { loadReferenceLedger, referenceBalances, referenceItems, type RawLedger } from '../../test/helpers/ledger-reference.js';

let db: TestDb;
let companies: Company[];
let raw: RawLedger;

/** The end of the ledger, a mid-month date and a date on which an open invoice falls due. */
const asOfDates = ['2026-03-31', '2025-11-15'];

beforeAll(async () => {
  db = await openTestDb();
  raw = await loadReferenceLedger(db);
  companies = await listCompanies(db);
  const dueToday = raw.items.find((item) => {
    if (item.kind !== 'invoice' || item.dueDate > '2026-03-31') return false;
    const open = referenceItems(raw, item.companyId, item.dueDate).find((entry) => entry.itemId === item.itemId);
    return open !== undefined && open.openLocal > 0n;
  });
  asOfDates.push(dueToday!.dueDate);
}, 120_000);

afterAll(async () => {
  await db.close();
});

function request(company: Company, asOf: string, extra: Partial<CustomerListRequest> = {}): CustomerListRequest {
  return { companyId: company.companyId, asOf, limit: 1000, offset: 0, ...extra };
}

/** Every customer of the company inside the scope, by customer number. */
function referenceCustomers(company: Company, asOf: string, scope: Scope = unrestricted) {
  const balances = referenceBalances(raw, company.companyId, asOf);
  return raw.customers
    .filter((customer) => customer.companyId === company.companyId)
    .filter((customer) => scope.regions === null || (customer.region !== null && scope.regions.includes(customer.region)))
    .map((customer) => ({ ...customer, ...(balances.get(customer.customerId) ?? { balance: 0n, overdue: 0n }) }));
}

function compareText(a: string | null, b: string | null, dir: 'asc' | 'desc'): number {
  // PostgreSQL puts nulls last going up and first going down: in both
  // directions null is the largest value.
  if (a === b) return 0;
  if (a === null) return dir === 'asc' ? 1 : -1;
  if (b === null) return dir === 'asc' ? -1 : 1;
  const order = a < b ? -1 : 1;
  return dir === 'asc' ? order : -order;
}

function compareAmounts(a: bigint, b: bigint, dir: 'asc' | 'desc'): number {
  if (a === b) return 0;
  const order = a < b ? -1 : 1;
  return dir === 'asc' ? order : -order;
}

function sortReference<T extends { customerNumber: string; name: string; region: string | null; balance: bigint; overdue: bigint }>(
  rows: T[],
  sort: CustomerSortKey,
  dir: 'asc' | 'desc',
): T[] {
  const key = (a: T, b: T): number => {
    switch (sort) {
      case 'number':
        return 0;
      case 'name':
        return compareText(a.name, b.name, dir);
      case 'region':
        return compareText(a.region, b.region, dir);
      case 'balance':
        return compareAmounts(a.balance, b.balance, dir);
      case 'overdue':
        return compareAmounts(a.overdue, b.overdue, dir);
    }
  };
  return [...rows].sort((a, b) => key(a, b) || compareText(a.customerNumber, b.customerNumber, dir));
}

function summary(rows: readonly { customerNumber: string; balance: bigint; overdue: bigint }[]) {
  return rows.map((row) => `${row.customerNumber} ${row.balance} ${row.overdue}`);
}

async function allPages(company: Company, asOf: string, extra: Partial<CustomerListRequest>, pageSize: number) {
  const pages: CustomerWithBalance[] = [];
  let total = -1;
  for (let offset = 0; total < 0 || offset < total; offset += pageSize) {
    const page = await listCustomersWithBalances(db, unrestricted, request(company, asOf, { ...extra, limit: pageSize, offset }));
    total = page.total;
    pages.push(...page.customers);
  }
  return pages;
}

describe('customer balances', () => {
  it('has a ledger with open, overdue and credit balances', () => {
    const balances = [...referenceBalances(raw, companies[0]!.companyId, '2026-03-31').values()];
    expect(companies.length).toBeGreaterThan(1);
    expect(balances.some((entry) => entry.overdue > 0n)).toBe(true);
    expect(balances.some((entry) => entry.balance < 0n)).toBe(true);
    expect(raw.allocations.some((allocation) => allocation.amountLocal < 0n)).toBe(true);
  });

  it('equal the items minus allocations, on both query paths', async () => {
    for (const asOf of asOfDates) {
      for (const company of companies) {
        const expected = summary(referenceCustomers(company, asOf));
        const byNumber = await listCustomersWithBalances(db, unrestricted, request(company, asOf));
        expect(byNumber.total).toBe(expected.length);
        expect(summary(byNumber.customers)).toEqual(expected);
        // Sorting by an amount takes the path that computes every customer.
        const byBalance = await listCustomersWithBalances(db, unrestricted, request(company, asOf, { sort: 'balance' }));
        expect(summary(byBalance.customers).sort()).toEqual([...expected].sort());
      }
    }
  });

  it('equal the aging by customer', async () => {
    for (const asOf of asOfDates) {
      for (const company of companies) {
        const report = await agingReport(db, {
          companies: [company.code],
          asOf,
          basis: 'due',
          groupBy: 'customer',
          bucketLimits: defaultBucketLimits,
          currency: 'local',
        });
        const list = await listCustomersWithBalances(db, unrestricted, request(company, asOf));
        const listed = new Map(list.customers.map((customer) => [customer.customerNumber, customer]));
        const unapplied = report.buckets.length - 1;
        for (const row of report.rows) {
          const overdue = row.amounts.slice(1, unapplied).reduce((sum, amount) => sum + amount, 0n);
          expect(listed.get(row.key), row.key).toMatchObject({ balance: row.total, overdue });
        }
        // Customers without a row in the aging have nothing open.
        const aged = new Set(report.rows.map((row) => row.key));
        for (const customer of list.customers) {
          if (!aged.has(customer.customerNumber)) expect(customer).toMatchObject({ balance: 0n, overdue: 0n });
        }
      }
    }
  });

  it('gives zeros to a customer without items', async () => {
    const company = companies[0]!;
    const balances = await customerBalances(db, company.companyId, [999_999_999n], '2026-03-31');
    expect(balances.get(999_999_999n)).toEqual({ balance: 0n, overdue: 0n });
  });
});

describe('customer list sorting and paging', () => {
  const asOf = '2026-03-31';

  for (const sort of customerSortKeys) {
    for (const dir of ['asc', 'desc'] as const) {
      it(`sorts by ${sort} ${dir}, and pages of 7 add up to the whole list`, async () => {
        const company = companies[0]!;
        const expected = summary(sortReference(referenceCustomers(company, asOf), sort, dir));
        const whole = await listCustomersWithBalances(db, unrestricted, request(company, asOf, { sort, dir }));
        expect(summary(whole.customers)).toEqual(expected);
        expect(summary(await allPages(company, asOf, { sort, dir }, 7))).toEqual(expected);
      });
    }
  }

  it('gives the total with an empty page past the end', async () => {
    const company = companies[0]!;
    const count = referenceCustomers(company, asOf).length;
    for (const sort of ['number', 'overdue'] as const) {
      const page = await listCustomersWithBalances(db, unrestricted, request(company, asOf, { sort, offset: count + 5 }));
      expect(page).toEqual({ total: count, customers: [] });
    }
  });
});

describe('customer list filters', () => {
  const asOf = '2026-03-31';

  it('filters by region, collector and segment', async () => {
    const company = companies[0]!;
    const all = referenceCustomers(company, asOf);
    const sample = all.find((customer) => customer.region !== null && customer.collector !== null && customer.creditSegment !== null)!;
    const cases: [Partial<CustomerListRequest>, (customer: (typeof all)[number]) => boolean][] = [
      [{ region: sample.region! }, (customer) => customer.region === sample.region],
      [{ collector: sample.collector! }, (customer) => customer.collector === sample.collector],
      [{ segment: sample.creditSegment! }, (customer) => customer.creditSegment === sample.creditSegment],
      [
        { region: sample.region!, segment: sample.creditSegment! },
        (customer) => customer.region === sample.region && customer.creditSegment === sample.creditSegment,
      ],
    ];
    for (const [filter, keep] of cases) {
      const expected = summary(all.filter(keep));
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all.length);
      for (const sort of ['number', 'overdue'] as const) {
        const page = await listCustomersWithBalances(db, unrestricted, request(company, asOf, { ...filter, sort }));
        expect(page.total).toBe(expected.length);
        expect(summary(page.customers).sort()).toEqual([...expected].sort());
      }
    }
  });

  it('searches the number and the name ignoring case', async () => {
    const company = companies[0]!;
    const all = referenceCustomers(company, asOf);
    const word = all[3]!.name.split(' ')[0]!;
    const byName = all.filter((customer) => customer.name.toLowerCase().includes(word.toLowerCase()));
    const page = await listCustomersWithBalances(db, unrestricted, request(company, asOf, { search: word.toUpperCase() }));
    expect(page.customers.map((customer) => customer.customerNumber)).toEqual(byName.map((customer) => customer.customerNumber));

    const number = all[5]!.customerNumber;
    const byNumber = await listCustomersWithBalances(db, unrestricted, request(company, asOf, { search: number }));
    expect(byNumber.customers.map((customer) => customer.customerNumber)).toContain(number);
    expect(byNumber.customers.every((customer) => customer.customerNumber.includes(number) || customer.name.includes(number))).toBe(true);
  });

  it('treats % and _ in the search as plain characters', async () => {
    const company = companies[0]!;
    const page = await listCustomersWithBalances(db, unrestricted, request(company, asOf, { search: '%' }));
    expect(page).toEqual({ total: 0, customers: [] });
    const underscore = await listCustomersWithBalances(db, unrestricted, request(company, asOf, { search: '_' }));
    expect(underscore.total).toBe(0);
  });

  it('keeps only overdue customers', async () => {
    for (const asOfDate of asOfDates) {
      for (const company of companies) {
        const expected = sortReference(
          referenceCustomers(company, asOfDate).filter((customer) => customer.overdue > 0n),
          'number',
          'asc',
        );
        const page = await listCustomersWithBalances(db, unrestricted, request(company, asOfDate, { overdueOnly: true }));
        expect(page.total).toBe(expected.length);
        expect(summary(page.customers)).toEqual(summary(expected));
      }
    }
  });
});

describe('customer list scope', () => {
  const asOf = '2026-03-31';

  it('never returns a customer of another region', async () => {
    const company = companies[0]!;
    const regions = [...new Set(referenceCustomers(company, asOf).map((customer) => customer.region))].filter(
      (region): region is string => region !== null,
    );
    expect(regions.length).toBeGreaterThan(1);
    const scope: Scope = { companyIds: [company.companyId], regions: [regions[0]!] };
    const expected = summary(referenceCustomers(company, asOf, scope));
    for (const sort of customerSortKeys) {
      for (const overdueOnly of [false, true]) {
        const page = await listCustomersWithBalances(db, scope, request(company, asOf, { sort, overdueOnly }));
        expect(page.customers.every((customer) => customer.region === regions[0])).toBe(true);
        if (!overdueOnly) {
          expect(page.total).toBe(expected.length);
          expect(summary(page.customers).sort()).toEqual([...expected].sort());
        }
      }
    }
    // Asking for another region inside a one-region scope finds nobody.
    const other = await listCustomersWithBalances(db, scope, request(company, asOf, { region: regions[1]! }));
    expect(other).toEqual({ total: 0, customers: [] });
  });

  it('returns nothing for a company outside the scope', async () => {
    const [first, second] = companies;
    const scope: Scope = { companyIds: [second!.companyId], regions: null };
    for (const sort of ['number', 'balance'] as const) {
      expect(await listCustomersWithBalances(db, scope, request(first!, asOf, { sort }))).toEqual({ total: 0, customers: [] });
    }
  });
});
