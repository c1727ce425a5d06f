import type { Db } from '../../src/db/types.js';
import { applyImport, type ParsedLedger } from '../../src/ledger/index.js';

/** A customer of the region fixture with the open amount of its one invoice. */
export interface RegionCustomer {
  company: string;
  customerNumber: string;
  region: string | null;
  /** Open amount in minor units as of `regionAsOf`. */
  open: bigint;
}

/** As-of date at which every fixture invoice is open and past due. */
export const regionAsOf = '2026-03-31';

/**
 * Builds two companies whose customers sit in regions EAST and WEST, and
 * one customer without a region. Company NR1 keeps its books in USD,
 * SR1 in EUR. Every customer has one invoice with an amount of its own,
 * and customer E1 of NR1 has a payment allocated against it.
 */
export function regionLedgers(): { ledgers: ParsedLedger[]; customers: RegionCustomer[] } {
  const customers: RegionCustomer[] = [];
  const ledger = (code: string, currency: string, regions: (string | null)[]): ParsedLedger => {
    const parsed: ParsedLedger = {
      company: { code, name: `${code} Trading`, currency },
      customers: [],
      items: [],
      allocations: [],
      rowCount: 0,
    };
    regions.forEach((region, index) => {
      const customerNumber = `${region?.[0] ?? 'X'}${index + 1}`;
      const amount = BigInt((index + 1) * 100_000 + (code === 'NR1' ? 17 : 29));
      parsed.customers.push({ customerNumber, name: `${code} ${region ?? 'no region'} ${index + 1}`, region });
      parsed.items.push({
        customerNumber,
        kind: 'invoice',
        documentNumber: `${code}-INV-${index + 1}`,
        erpKey: `${code}-INV-${index + 1}`,
        documentDate: '2026-01-05',
        postingDate: '2026-01-05',
        dueDate: `2026-0${1 + (index % 3)}-15`,
        currency,
        amount,
      });
      customers.push({ company: code, customerNumber, region, open: amount });
    });
    parsed.rowCount = parsed.items.length;
    return parsed;
  };
  const north = ledger('NR1', 'USD', ['EAST', 'EAST', 'WEST', 'WEST', 'EAST', null]);
  const south = ledger('SR1', 'EUR', ['EAST', 'WEST', 'WEST']);
  // A partial payment of E1's invoice in NR1.
  north.items.push({
    customerNumber: 'E1',
    kind: 'payment',
    documentNumber: 'NR1-PAY-1',
    erpKey: 'NR1-PAY-1',
    documentDate: '2026-02-01',
    postingDate: '2026-02-01',
    dueDate: '2026-02-01',
    currency: 'USD',
    amount: -40_000n,
  });
  north.allocations.push({
    creditErpKey: 'NR1-PAY-1',
    debitErpKey: 'NR1-INV-1',
    allocationDate: '2026-02-01',
    amount: 40_000n,
  });
  north.rowCount = north.items.length;
  const e1 = customers.find((customer) => customer.company === 'NR1' && customer.customerNumber === 'E1')!;
  e1.open -= 40_000n;
  return { ledgers: [north, south], customers };
}

export async function loadRegionFixture(db: Db): Promise<RegionCustomer[]> {
  const { ledgers, customers } = regionLedgers();
  await applyImport(db, { kind: 'test', file: 'regions', sha256: 'regions' }, ledgers);
  return customers;
}
