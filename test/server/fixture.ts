import type { Db } from '../../src/db/types.js';
import { applyImport, type ParsedLedger } from '../../src/ledger/index.js';

/** Customers of company KW01, numbered K001 ... K025. */
export const kuwaitCustomerCount = 25;

export function kuwaitCustomerNumber(index: number): string {
  return `K${String(index).padStart(3, '0')}`;
}

/**
 * Builds a small ledger of two companies for API tests: KW01 keeps its books in
 * KWD (three decimals) with 25 customers, US01 in USD. Amounts are chosen
 * so that a float would visibly lose digits (9,007,199,254,740,993 fils).
 */
export function fixtureLedgers(): ParsedLedger[] {
  const kuwait: ParsedLedger = {
    company: { code: 'KW01', name: 'Gulf Trading KSC', currency: 'KWD' },
    customers: [],
    items: [],
    allocations: [],
    rowCount: 0,
  };
  for (let index = 1; index <= kuwaitCustomerCount; index += 1) {
    const customerNumber = kuwaitCustomerNumber(index);
    kuwait.customers.push({
      customerNumber,
      name: index % 5 === 0 ? `Falcon Supplies ${index}` : `Customer ${index}`,
      country: index % 2 === 0 ? 'KW' : 'SA',
    });
    kuwait.items.push({
      customerNumber,
      kind: 'invoice',
      documentNumber: `INV-${index}`,
      erpKey: `INV-${index}`,
      documentDate: '2026-01-05',
      postingDate: '2026-01-05',
      // Due dates spread over Jan, Feb and Mar 2026 put items in several buckets.
      dueDate: `2026-0${1 + (index % 3)}-1${index % 10}`,
      currency: 'KWD',
      amount: BigInt(index) * 1_000_123n,
    });
  }
  kuwait.items.push(
    {
      customerNumber: kuwaitCustomerNumber(1),
      kind: 'invoice',
      documentNumber: 'INV-BIG',
      erpKey: 'INV-BIG',
      documentDate: '2025-06-30',
      postingDate: '2025-06-30',
      dueDate: '2025-07-30',
      currency: 'KWD',
      amount: 9_007_199_254_740_993n,
    },
    {
      customerNumber: kuwaitCustomerNumber(2),
      kind: 'payment',
      documentNumber: 'PAY-1',
      erpKey: 'PAY-1',
      documentDate: '2026-02-01',
      postingDate: '2026-02-01',
      dueDate: '2026-02-01',
      currency: 'KWD',
      amount: -1_500_000n,
    },
  );
  kuwait.allocations.push({
    erpKey: 'PAY-1/INV-2',
    creditErpKey: 'PAY-1',
    debitErpKey: 'INV-2',
    allocationDate: '2026-02-01',
    amount: 1_000_000n,
  });
  kuwait.rowCount = kuwait.items.length;

  const us: ParsedLedger = {
    company: { code: 'US01', name: 'Ardesk Inc', currency: 'USD' },
    customers: [{ customerNumber: 'U001', name: 'Acme Corp', country: 'US' }],
    items: [
      {
        customerNumber: 'U001',
        kind: 'invoice',
        documentNumber: 'US-INV-1',
        erpKey: 'US-INV-1',
        documentDate: '2026-02-10',
        postingDate: '2026-02-10',
        dueDate: '2026-03-12',
        currency: 'USD',
        amount: 123_456n,
      },
    ],
    allocations: [],
    rowCount: 1,
  };
  return [kuwait, us];
}

export async function loadFixture(db: Db): Promise<void> {
  await applyImport(db, { kind: 'test', file: 'fixture', sha256: 'fixture' }, fixtureLedgers());
}
