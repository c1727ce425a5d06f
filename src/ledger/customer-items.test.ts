import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unrestricted, type Scope } from '../auth/types.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import {
  loadReferenceLedger,
  referenceItems,
  type RawCustomer,
  type RawLedger,
} from '../../test/helpers/ledger-reference.js';
import { daysBetween } from '../shared/dates.js';
import { customerItems, customerTimeline, getCustomer, type CustomerItem, type TimelineEvent } from './customer-items.js';
import { applyImport, reverseAllocation } from './index.js';

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
      const request = { companyId: customer.companyId, customerId: customer.customerId, scope: unrestricted };
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
    const { events } = await customerTimeline(db, {
      companyId: reversed.companyId,
      customerId: reversed.customerId,
      scope: unrestricted,
      limit: 1000,
      offset: 0,
    });
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
    const page = await customerTimeline(db, {
      companyId: busiest.companyId,
      customerId: busiest.customerId,
      scope: unrestricted,
      limit: 10,
      offset: count,
    });
    expect(page).toEqual({ total: count, events: [] });
  });
});

describe('customer timeline across regions', () => {
  /**
   * Company XR1: an EAST payment pays a WEST invoice, a credit note of a
   * customer without a region and an EAST payment both pay an EAST
   * invoice, and the cross-region allocation is reversed.
   */
  let companyId: number;
  const customerIds = new Map<string, bigint>();
  const itemIds = new Map<string, bigint>();

  beforeAll(async () => {
    const day = { documentDate: '2026-02-01', postingDate: '2026-02-01', dueDate: '2026-02-01', currency: 'USD' };
    await applyImport(db, { kind: 'test', file: 'timeline-regions', sha256: 'timeline-regions' }, [
      {
        company: { code: 'XR1', currency: 'USD' },
        customers: [
          { customerNumber: 'E1', name: 'East One', region: 'EAST' },
          { customerNumber: 'W1', name: 'West One', region: 'WEST' },
          { customerNumber: 'N1', name: 'No Region' },
        ],
        items: [
          { customerNumber: 'E1', kind: 'payment', documentNumber: 'E-PAY-1', erpKey: 'E-PAY-1', ...day, amount: -500n },
          { customerNumber: 'E1', kind: 'payment', documentNumber: 'E-PAY-2', erpKey: 'E-PAY-2', ...day, amount: -300n },
          { customerNumber: 'E1', kind: 'invoice', documentNumber: 'E-INV-1', erpKey: 'E-INV-1', ...day, amount: 1_000n },
          { customerNumber: 'W1', kind: 'invoice', documentNumber: 'W-INV-1', erpKey: 'W-INV-1', ...day, amount: 77_777n },
          { customerNumber: 'N1', kind: 'credit_note', documentNumber: 'N-CN-1', erpKey: 'N-CN-1', ...day, amount: -200n },
        ],
        allocations: [
          { creditErpKey: 'E-PAY-1', debitErpKey: 'W-INV-1', allocationDate: '2026-02-02', amount: 500n },
          { creditErpKey: 'E-PAY-2', debitErpKey: 'E-INV-1', allocationDate: '2026-02-03', amount: 300n },
          { creditErpKey: 'N-CN-1', debitErpKey: 'E-INV-1', allocationDate: '2026-02-04', amount: 200n },
        ],
        rowCount: 5,
      },
    ]);
    const company = await db.query<{ company_id: number }>(`select company_id from company where code = 'XR1'`);
    companyId = company.rows[0]!.company_id;
    const customers = await db.query<{ customer_id: bigint; customer_number: string }>(
      `select customer_id, customer_number from customer where company_id = $1`,
      [companyId],
    );
    for (const row of customers.rows) customerIds.set(row.customer_number, row.customer_id);
    const items = await db.query<{ item_id: bigint; document_number: string }>(
      `select item_id, document_number from open_item where company_id = $1`,
      [companyId],
    );
    for (const row of items.rows) itemIds.set(row.document_number, row.item_id);
    const crossRegion = await db.query<{ allocation_id: bigint }>(
      `select allocation_id from allocation where company_id = $1 and debit_item_id = $2`,
      [companyId, itemIds.get('W-INV-1')!],
    );
    await reverseAllocation(db, companyId, crossRegion.rows[0]!.allocation_id, '2026-02-05', 'payment of the wrong customer');
  });

  async function allocationsOf(customerNumber: string, scope: Scope): Promise<string[]> {
    const { events } = await customerTimeline(db, {
      companyId,
      customerId: customerIds.get(customerNumber)!,
      scope,
      limit: 100,
      offset: 0,
    });
    const name = (itemId: bigint | null, documentNumber: string | null) => {
      if (itemId === null && documentNumber === null) return 'hidden';
      return itemId === itemIds.get(documentNumber ?? '') ? documentNumber : `mismatch ${itemId} ${documentNumber}`;
    };
    return events
      .filter((event) => event.kind !== 'item')
      .map((event) => {
        const debit = name(event.debitItemId, event.debitDocumentNumber);
        const credit = name(event.creditItemId, event.creditDocumentNumber);
        return `${event.date} ${event.kind} ${debit} ${credit} ${event.amount} ${event.amountLocal}`;
      });
  }

  it('hides items of customers outside the regions', async () => {
    expect(await allocationsOf('E1', { companyIds: null, regions: ['EAST'] })).toEqual([
      '2026-02-05 reversal hidden E-PAY-1 -500 -500',
      '2026-02-04 allocation E-INV-1 hidden 200 200',
      '2026-02-03 allocation E-INV-1 E-PAY-2 300 300',
      '2026-02-02 allocation hidden E-PAY-1 500 500',
    ]);
    expect(await allocationsOf('W1', { companyIds: null, regions: ['WEST'] })).toEqual([
      '2026-02-05 reversal W-INV-1 hidden -500 -500',
      '2026-02-02 allocation W-INV-1 hidden 500 500',
    ]);
  });

  it('names the items inside the scope', async () => {
    const expected = [
      '2026-02-05 reversal W-INV-1 E-PAY-1 -500 -500',
      '2026-02-04 allocation E-INV-1 N-CN-1 200 200',
      '2026-02-03 allocation E-INV-1 E-PAY-2 300 300',
      '2026-02-02 allocation W-INV-1 E-PAY-1 500 500',
    ];
    expect(await allocationsOf('E1', unrestricted)).toEqual(expected);
    expect(await allocationsOf('E1', { companyIds: [companyId], regions: null })).toEqual(expected);
    expect(await allocationsOf('E1', { companyIds: [companyId], regions: ['EAST', 'WEST'] })).toEqual([
      '2026-02-05 reversal W-INV-1 E-PAY-1 -500 -500',
      '2026-02-04 allocation E-INV-1 hidden 200 200',
      '2026-02-03 allocation E-INV-1 E-PAY-2 300 300',
      '2026-02-02 allocation W-INV-1 E-PAY-1 500 500',
    ]);
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
