/**
 * The ledger's rows read with plain selects, and open amounts computed
 * from them in JavaScript: the reference that tests check the SQL
 * services against.
 */
import type { Db, Queryable } from '../../src/db/types.js';
import { loadDemo } from '../../src/demo/generate.js';
import { reverseAllocation } from '../../src/ledger/index.js';

export interface RawCustomer {
  companyId: number;
  customerId: bigint;
  customerNumber: string;
  name: string;
  region: string | null;
  collector: string | null;
  creditSegment: string | null;
}

export interface RawItem {
  companyId: number;
  itemId: bigint;
  customerId: bigint;
  kind: string;
  documentNumber: string;
  documentDate: string;
  postingDate: string;
  dueDate: string;
  currency: string;
  amount: bigint;
  amountLocal: bigint;
}

export interface RawAllocation {
  companyId: number;
  allocationId: bigint;
  debitItemId: bigint;
  creditItemId: bigint;
  allocationDate: string;
  amount: bigint;
  creditAmount: bigint;
  amountLocal: bigint;
  creditAmountLocal: bigint;
  reversesAllocationId: bigint | null;
}

export interface RawLedger {
  customers: RawCustomer[];
  items: RawItem[];
  allocations: RawAllocation[];
}

export async function loadRawLedger(db: Queryable): Promise<RawLedger> {
  const customers = await db.query<Record<string, unknown>>(
    `select company_id, customer_id, customer_number, name, region, collector, credit_segment
     from customer order by company_id, customer_number`,
  );
  const items = await db.query<Record<string, unknown>>(
    `select company_id, item_id, customer_id, kind, document_number, document_date, posting_date,
            due_date, currency::text as currency, amount, amount_local
     from open_item order by item_id`,
  );
  const allocations = await db.query<Record<string, unknown>>(
    `select company_id, allocation_id, debit_item_id, credit_item_id, allocation_date, amount,
            credit_amount, amount_local, credit_amount_local, reverses_allocation_id
     from allocation order by allocation_id`,
  );
  return {
    customers: customers.rows.map((row) => ({
      companyId: row.company_id as number,
      customerId: row.customer_id as bigint,
      customerNumber: row.customer_number as string,
      name: row.name as string,
      region: row.region as string | null,
      collector: row.collector as string | null,
      creditSegment: row.credit_segment as string | null,
    })),
    items: items.rows.map((row) => ({
      companyId: row.company_id as number,
      itemId: row.item_id as bigint,
      customerId: row.customer_id as bigint,
      kind: row.kind as string,
      documentNumber: row.document_number as string,
      documentDate: row.document_date as string,
      postingDate: row.posting_date as string,
      dueDate: row.due_date as string,
      currency: row.currency as string,
      amount: row.amount as bigint,
      amountLocal: row.amount_local as bigint,
    })),
    allocations: allocations.rows.map((row) => ({
      companyId: row.company_id as number,
      allocationId: row.allocation_id as bigint,
      debitItemId: row.debit_item_id as bigint,
      creditItemId: row.credit_item_id as bigint,
      allocationDate: row.allocation_date as string,
      amount: row.amount as bigint,
      creditAmount: row.credit_amount as bigint,
      amountLocal: row.amount_local as bigint,
      creditAmountLocal: row.credit_amount_local as bigint,
      reversesAllocationId: row.reverses_allocation_id as bigint | null,
    })),
  };
}

export interface ReferenceItem extends RawItem {
  /** Open amount as of the date, in the item currency. */
  open: bigint;
  openLocal: bigint;
  /** Date of the item's last allocation on or before the date, or null. */
  lastAllocationDate: string | null;
}

/**
 * Lists each item of a company posted by `asOf` with its open amounts: the
 * amount minus the allocations that clear it, plus the allocations that
 * use it as the credit, counting those dated on or before `asOf`.
 */
export function referenceItems(raw: RawLedger, companyId: number, asOf: string): ReferenceItem[] {
  const items = new Map<bigint, ReferenceItem>();
  for (const item of raw.items) {
    if (item.companyId !== companyId || item.postingDate > asOf) continue;
    items.set(item.itemId, { ...item, open: item.amount, openLocal: item.amountLocal, lastAllocationDate: null });
  }
  for (const allocation of raw.allocations) {
    if (allocation.companyId !== companyId || allocation.allocationDate > asOf) continue;
    const debit = items.get(allocation.debitItemId);
    if (debit) {
      debit.open -= allocation.amount;
      debit.openLocal -= allocation.amountLocal;
      if (debit.lastAllocationDate === null || allocation.allocationDate > debit.lastAllocationDate) {
        debit.lastAllocationDate = allocation.allocationDate;
      }
    }
    const credit = items.get(allocation.creditItemId);
    if (credit) {
      credit.open += allocation.creditAmount;
      credit.openLocal += allocation.creditAmountLocal;
    }
  }
  return [...items.values()];
}

/**
 * Sums the balance (every open item) and the overdue amount (open debit
 * items due before `asOf`) per customer of a company, in local minor units.
 */
export function referenceBalances(
  raw: RawLedger,
  companyId: number,
  asOf: string,
): Map<bigint, { balance: bigint; overdue: bigint }> {
  const balances = new Map<bigint, { balance: bigint; overdue: bigint }>();
  for (const item of referenceItems(raw, companyId, asOf)) {
    const entry = balances.get(item.customerId) ?? { balance: 0n, overdue: 0n };
    entry.balance += item.openLocal;
    if (item.amount > 0n && item.dueDate < asOf) entry.overdue += item.openLocal;
    balances.set(item.customerId, entry);
  }
  return balances;
}

/**
 * Loads a small demo ledger of several companies and reverses a few of
 * its allocations dated 2025 on 2026-01-20, so that reopened items are
 * part of every check. Returns its rows.
 */
export async function loadReferenceLedger(db: Db): Promise<RawLedger> {
  await loadDemo(db, { customers: 60, items: 1800, endDate: '2026-03-31', seed: 11 });
  const allocations = await db.query<{ company_id: number; allocation_id: bigint }>(
    `select company_id, allocation_id from allocation
     where allocation_date <= '2025-12-31' order by allocation_id limit 6`,
  );
  for (const row of allocations.rows) {
    await reverseAllocation(db, row.company_id, row.allocation_id, '2026-01-20', 'paid by a bounced cheque');
  }
  return loadRawLedger(db);
}
