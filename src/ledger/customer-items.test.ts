import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import {
  loadReferenceLedger,
  referenceItems,
  type RawCustomer,
  type RawLedger,
} from '../../test/helpers/ledger-reference.js';
import { daysBetween } from '../shared/dates.js';
import { customerItems, customerTimeline, getCustomer, type CustomerItem, type TimelineEvent } from './customer-items.js';

let db: TestDb;
let raw: RawLedger;
/** The customer with the most items, and one whose allocation was reversed. */
let busiest: RawCustomer;
let reversed: RawCustomer;

beforeAll(async () => {
  db = await openTestDb();
  raw = await loadReferenceLedger(db);
  const itemCounts = new Map<bigint, number>();
  for (const item of raw.items) itemCounts.set(item.customerId, (itemCounts.get(item.customerId) ?? 0) + 1);
  busiest = [...raw.customers].sort((a, b) => (itemCounts.get(b.customerId) ?? 0) - (itemCounts.get(a.customerId) ?? 0))[0]!;
  const reversal = raw.allocations.find((allocation) => allocation.reversesAllocationId !== null)!;
  const debit = raw.items.find((item) => item.itemId === reversal.debitItemId)!;
  reversed = raw.customers.find((customer) => customer.customerId === debit.customerId)!;
}, 120_000);

afterAll(async () => {
  await db.close();
});

function itemSummary(item: Pick<CustomerItem, 'itemId' | 'openAmount' | 'openAmountLocal' | 'daysPastDue'>): string {
  return `${item.itemId} ${item.openAmount} ${item.openAmountLocal} ${item.daysPastDue}`;
}

/** Compares two values for a descending sort. */
function descending<T extends bigint | string | number>(a: T, b: T): number {
  if (a === b) return 0;
  return a < b ? 1 : -1;
}

/** Lists the customer's items as of a date from the ledger rows, newest first. */
function expectedItems(customer: RawCustomer, asOf: string, status: 'open' | 'all'): string[] {
  return referenceItems(raw, customer.companyId, asOf)
    .filter((item) => item.customerId === customer.customerId)
    .filter((item) => status === 'all' || item.open !== 0n || item.openLocal !== 0n)
    .sort((a, b) => descending(a.postingDate, b.postingDate) || descending(a.itemId, b.itemId))
    .map((item) =>
      itemSummary({ itemId: item.itemId, openAmount: item.open, openAmountLocal: item.openLocal, daysPastDue: daysBetween(item.dueDate, asOf) }),
    );
}

describe('customer items', () => {
  for (const asOf of ['2026-03-31', '2025-10-31']) {
    for (const status of ['open', 'all'] as const) {
      it(`lists the ${status} items as of ${asOf}, newest first, in pages`, async () => {
        for (const customer of [busiest, reversed]) {
          const expected = expectedItems(customer, asOf, status);
          const request = { companyId: customer.companyId, customerId: customer.customerId, asOf, status };
          const whole = await customerItems(db, { ...request, limit: 1000, offset: 0 });
          expect(whole.total).toBe(expected.length);
          expect(whole.items.map(itemSummary)).toEqual(expected);
          const pages: CustomerItem[] = [];
          for (let offset = 0; offset < expected.length + 3; offset += 3) {
            const page = await customerItems(db, { ...request, limit: 3, offset });
            expect(page.total).toBe(expected.length);
            pages.push(...page.items);
          }
          expect(pages.map(itemSummary)).toEqual(expected);
        }
      });
    }
  }

  it('has open and closed items to tell apart', () => {
    expect(expectedItems(busiest, '2026-03-31', 'open').length).toBeGreaterThan(0);
    expect(expectedItems(busiest, '2026-03-31', 'all').length).toBeGreaterThan(expectedItems(busiest, '2026-03-31', 'open').length);
  });
});

/** Lists every entry of the customer's history from the ledger rows, newest first. */
function expectedTimeline(customer: RawCustomer): string[] {
  const own = new Set(raw.items.filter((item) => item.customerId === customer.customerId).map((item) => item.itemId));
  const entries = [
    ...raw.items
      .filter((item) => own.has(item.itemId))
      .map((item) => ({ date: item.postingDate, rank: 0, id: item.itemId, text: `item ${item.itemId} ${item.amount}` })),
    ...raw.allocations
      .filter((allocation) => own.has(allocation.debitItemId) || own.has(allocation.creditItemId))
      .map((allocation) => {
        const kind = allocation.reversesAllocationId === null ? 'allocation' : 'reversal';
        return {
          date: allocation.allocationDate,
          rank: kind === 'allocation' ? 1 : 2,
          id: allocation.allocationId,
          text: `${kind} ${allocation.allocationId} ${allocation.amount}`,
        };
      }),
  ];
  entries.sort((a, b) => descending(a.date, b.date) || descending(a.rank, b.rank) || descending(a.id, b.id));
  return entries.map((entry) => `${entry.date} ${entry.text}`);
}

function eventSummary(event: TimelineEvent): string {
  const id = event.kind === 'item' ? event.itemId : event.allocationId;
  return `${event.date} ${event.kind} ${id} ${event.amount}`;
}

describe('customer timeline', () => {
  it('lists items, allocations and reversals newest first, in pages', async () => {
    for (const customer of [busiest, reversed]) {
      const expected = expectedTimeline(customer);
      const request = { companyId: customer.companyId, customerId: customer.customerId };
      const whole = await customerTimeline(db, { ...request, limit: 1000, offset: 0 });
      expect(whole.total).toBe(expected.length);
      expect(whole.events.map(eventSummary)).toEqual(expected);
      const pages: TimelineEvent[] = [];
      for (let offset = 0; offset < expected.length; offset += 4) {
        pages.push(...(await customerTimeline(db, { ...request, limit: 4, offset })).events);
      }
      expect(pages.map(eventSummary)).toEqual(expected);
    }
  });

  it('names both items of an allocation and the allocation a reversal undoes', async () => {
    const { events } = await customerTimeline(db, { companyId: reversed.companyId, customerId: reversed.customerId, limit: 1000, offset: 0 });
    const reversal = events.find((event) => event.kind === 'reversal')!;
    const original = raw.allocations.find((allocation) => allocation.allocationId === reversal.reversesAllocationId)!;
    const documentOf = (itemId: bigint) => raw.items.find((item) => item.itemId === itemId)!.documentNumber;
    expect(reversal).toMatchObject({
      debitItemId: original.debitItemId,
      creditItemId: original.creditItemId,
      debitDocumentNumber: documentOf(original.debitItemId),
      creditDocumentNumber: documentOf(original.creditItemId),
      amount: -original.amount,
      amountLocal: -original.amountLocal,
      reason: 'paid by a bounced cheque',
    });
  });

  it('is empty past the last page, with the total', async () => {
    const count = expectedTimeline(busiest).length;
    const page = await customerTimeline(db, { companyId: busiest.companyId, customerId: busiest.customerId, limit: 10, offset: count });
    expect(page).toEqual({ total: count, events: [] });
  });
});

describe('getCustomer', () => {
  it('finds a customer with its company, and rejects an unknown id', async () => {
    expect(await getCustomer(db, busiest.customerId)).toMatchObject({
      companyId: busiest.companyId,
      customerNumber: busiest.customerNumber,
      name: busiest.name,
      region: busiest.region,
    });
    await expect(getCustomer(db, 987_654_321n)).rejects.toThrow(/customer 987654321 not found/);
  });
});
