import type { Scope } from '../auth/types.js';
import type { Queryable } from '../db/types.js';
import {
  listCustomersFromPositions,
  listCustomersWithBalances,
  type CustomerListPage,
  type CustomerListRequest,
} from '../ledger/customer-list.js';
import type { ColumnarAgingEngine } from './columnar-engine.js';
import { agingEngineOf } from './index.js';

/**
 * Lists customers with their balances: from the columnar engine's arrays
 * when the list is sorted by number or an amount, or filtered by the
 * overdue amount, and the columnar engine is in use, else in SQL. Both
 * give the same page.
 */
export async function listCustomers(db: Queryable, scope: Scope, request: CustomerListRequest): Promise<CustomerListPage> {
  // Sorted by name or region without the overdue filter, SQL pages the
  // customer table by its indexes and sums the page's customers only.
  const sort = request.sort ?? 'number';
  const inMemory = sort === 'balance' || sort === 'overdue' || sort === 'number' || request.overdueOnly === true;
  const engine = agingEngineOf(db);
  if (inMemory && engine && 'customerPositions' in engine) {
    const positions = await (engine as ColumnarAgingEngine).customerPositions(request.companyId, request.asOf);
    if (positions) return listCustomersFromPositions(db, scope, request, positions);
  }
  return listCustomersWithBalances(db, scope, request);
}
