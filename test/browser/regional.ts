import type { ParsedLedger } from '../../src/ledger/index.js';

/**
 * Builds a company whose customers are in two regions, for scope tests: NORTH
 * customers N001-N003, SOUTH customers S001-S002, each with one invoice.
 */
export function regionalLedger(): ParsedLedger {
  const customers = [
    { customerNumber: 'N001', name: 'North Trading 1', region: 'NORTH', amount: 150_000n, due: '2026-02-10' },
    { customerNumber: 'N002', name: 'North Trading 2', region: 'NORTH', amount: 275_050n, due: '2026-03-20' },
    { customerNumber: 'N003', name: 'North Trading 3', region: 'NORTH', amount: 99_999n, due: '2026-04-30' },
    { customerNumber: 'S001', name: 'South Supplies 1', region: 'SOUTH', amount: 510_000n, due: '2026-01-31' },
    { customerNumber: 'S002', name: 'South Supplies 2', region: 'SOUTH', amount: 42_000n, due: '2026-03-15' },
  ];
  return {
    company: { code: 'RG01', name: 'Regional Sales GmbH', currency: 'EUR' },
    customers: customers.map(({ customerNumber, name, region }) => ({ customerNumber, name, region, country: 'DE' })),
    items: customers.map((customer) => ({
      customerNumber: customer.customerNumber,
      kind: 'invoice' as const,
      documentNumber: `RG-${customer.customerNumber}`,
      erpKey: `RG-${customer.customerNumber}`,
      documentDate: '2026-01-02',
      postingDate: '2026-01-02',
      dueDate: customer.due,
      currency: 'EUR',
      amount: customer.amount,
    })),
    allocations: [],
    rowCount: customers.length,
  };
}
