import type { Queryable } from '../../src/db/types.js';
import type { OpenItemInput } from '../../src/ledger/index.js';

/**
 * Returns an invoice for import, posted on 2026-01-05, whose document
 * number and ERP key are `INV-<customer>`, so one invoice per customer.
 */
export function testInvoice(customerNumber: string, dueDate: string, amount: bigint, currency: string): OpenItemInput {
  return {
    customerNumber,
    kind: 'invoice',
    documentNumber: `INV-${customerNumber}`,
    erpKey: `INV-${customerNumber}`,
    documentDate: '2026-01-05',
    postingDate: '2026-01-05',
    dueDate,
    currency,
    amount,
  };
}

/** Returns every customer's id as a decimal string, keyed by customer number. */
export async function customerIdsByNumber(db: Queryable): Promise<Map<string, string>> {
  const rows = await db.query<{ customer_number: string; customer_id: bigint }>('select customer_number, customer_id from customer');
  return new Map(rows.rows.map((row) => [row.customer_number, row.customer_id.toString()]));
}
