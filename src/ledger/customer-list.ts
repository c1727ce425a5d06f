import { inScope, scopeCondition } from '../auth/scope.js';
import type { Scope } from '../auth/types.js';
import type { Queryable, SqlParam } from '../db/types.js';
import type { IsoDate } from '../shared/dates.js';
import { openItemsAsOfSql } from './balances.js';
import { customerBalances, customerColumnsSql, customerFromRow, type CustomerBalance } from './customer-items.js';
import type { CustomerRow } from './customers.js';

export const customerSortKeys = ['number', 'name', 'balance', 'overdue', 'region'] as const;
export type CustomerSortKey = (typeof customerSortKeys)[number];

export interface CustomerListRequest {
  companyId: number;
  /** Date of the balances and overdue amounts. */
  asOf: IsoDate;
  /** Text found in the customer number or name, ignoring case. */
  search?: string;
  region?: string;
  collector?: string;
  /** The customer's credit segment. */
  segment?: string;
  /** Only customers with an overdue amount above zero. */
  overdueOnly?: boolean;
  /** Number when omitted. */
  sort?: CustomerSortKey;
  /** Ascending when omitted. */
  dir?: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export type CustomerWithBalance = CustomerRow & CustomerBalance;

/**
 * Every customer's balance and overdue amount as of a date, held in memory
 * by the columnar aging engine. Amounts are float64 minor units, exact
 * integers. Arrays are by customer position, ordered by customer id.
 */
export interface CustomerPositions {
  customerIds: readonly number[];
  customerNumbers: readonly string[];
  regions: readonly (string | null)[];
  /** Customer positions in customer number order. */
  numberOrder: Int32Array;
  balance: Float64Array;
  overdue: Float64Array;
  /** Customer positions sorted by each sort key and direction asked for so far. */
  orders: Map<string, Int32Array>;
}

/**
 * Returns the customer positions sorted by an amount or by number, ties
 * by customer number in the same direction, computed once per key.
 */
function sortedPositions(positions: CustomerPositions, sort: 'balance' | 'overdue' | 'number', dir: 'asc' | 'desc'): Int32Array {
  const cacheKey = `${sort}:${dir}`;
  const cached = positions.orders.get(cacheKey);
  if (cached) return cached;
  const count = positions.customerIds.length;
  const rank = new Int32Array(count);
  positions.numberOrder.forEach((customer, index) => {
    rank[customer] = index;
  });
  const direction = dir === 'asc' ? 1 : -1;
  const order = Int32Array.from(positions.numberOrder);
  if (sort === 'number') {
    if (dir === 'desc') order.reverse();
  } else {
    const amounts = sort === 'balance' ? positions.balance : positions.overdue;
    order.sort((a, b) => direction * (amounts[a]! - amounts[b]! || rank[a]! - rank[b]!));
  }
  positions.orders.set(cacheKey, order);
  return order;
}

export interface CustomerListPage {
  /** Customers matching the filters, over all pages. */
  total: number;
  customers: CustomerWithBalance[];
}

/** Escapes the LIKE wildcards of user text, with backslash as the escape character. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/** Builds the where clause on customer `c` for the company, the scope and the filters. */
function filterSql(scope: Scope, request: CustomerListRequest, params: SqlParam[]): string {
  params.push(request.companyId);
  const conditions = [`c.company_id = $${params.length}`, scopeCondition(scope, 'c', params)];
  if (request.search !== undefined && request.search !== '') {
    params.push(likePattern(request.search));
    conditions.push(`(c.customer_number ilike $${params.length} or c.name ilike $${params.length})`);
  }
  const exact: [string | undefined, string][] = [
    [request.region, 'c.region'],
    [request.collector, 'c.collector'],
    [request.segment, 'c.credit_segment'],
  ];
  for (const [value, column] of exact) {
    if (value === undefined || value === '') continue;
    params.push(value);
    conditions.push(`${column} = $${params.length}`);
  }
  return conditions.join(' and ');
}

const sortColumns: Record<CustomerSortKey, string> = {
  number: 'customer_number',
  name: 'name',
  region: 'region',
  balance: 'balance',
  overdue: 'overdue',
};

/**
 * Builds the order by clause on relation `alias`. Ties are broken by customer
 * number in the same direction. Regions without a value sort last going
 * up and first going down, as PostgreSQL orders nulls by default.
 */
function orderSql(alias: string, sort: CustomerSortKey, dir: 'asc' | 'desc'): string {
  const keys = sort === 'number' ? ['customer_number'] : [sortColumns[sort], 'customer_number'];
  return keys.map((key) => `${alias}.${key} ${dir}`).join(', ');
}

/**
 * Lists a company's customers inside the scope with their balance and
 * overdue amount as of a date, filtered, sorted and paged in SQL.
 *
 * Sorted by number, name or region without `overdueOnly`, the page is
 * chosen from the customer table alone and the amounts are computed for
 * its customers only. Sorting by an amount or keeping only overdue
 * customers needs the amounts of every customer, computed in one
 * statement from the ledger's open amounts as of the date.
 */
export async function listCustomersWithBalances(
  db: Queryable,
  scope: Scope,
  request: CustomerListRequest,
): Promise<CustomerListPage> {
  const sort = request.sort ?? 'number';
  const dir = request.dir ?? 'asc';
  if (sort === 'balance' || sort === 'overdue' || request.overdueOnly === true) {
    return listByAmounts(db, scope, request, sort, dir);
  }
  const params: SqlParam[] = [];
  const where = filterSql(scope, request, params);
  const countParams = [...params];
  params.push(request.limit, request.offset);
  const [count, page] = await Promise.all([
    db.query<{ total: number }>(`select count(*)::integer as total from customer c where ${where}`, countParams),
    db.query<Record<string, unknown>>(
      `select ${customerColumnsSql}
       from customer c
       where ${where}
       order by ${orderSql('c', sort, dir)}
       limit $${params.length - 1} offset $${params.length}`,
      params,
    ),
  ]);
  const customers = page.rows.map(customerFromRow);
  const balances = await customerBalances(
    db,
    request.companyId,
    customers.map((customer) => customer.customerId),
    request.asOf,
  );
  return {
    total: count.rows[0]?.total ?? 0,
    customers: customers.map((customer) => ({ ...customer, ...balances.get(customer.customerId)! })),
  };
}

async function listByAmounts(
  db: Queryable,
  scope: Scope,
  request: CustomerListRequest,
  sort: CustomerSortKey,
  dir: 'asc' | 'desc',
): Promise<CustomerListPage> {
  // filterSql binds the company id first, as $1.
  const params: SqlParam[] = [];
  const where = filterSql(scope, request, params);
  params.push(request.asOf);
  const asOf = `$${params.length}::date`;
  params.push(request.limit, request.offset);
  const overdueOnly = request.overdueOnly === true ? 'where f.overdue > 0' : '';
  const result = await db.query<Record<string, unknown>>(
    `with amounts as (
       select o.customer_id,
              sum(o.open_amount_local) as balance,
              coalesce(sum(o.open_amount_local) filter (where o.amount > 0 and o.due_date < ${asOf}), 0) as overdue
       from (${openItemsAsOfSql('$1', asOf)}) o
       where o.open_amount_local <> 0
       group by o.customer_id
     ),
     f as (
       select ${customerColumnsSql}, coalesce(p.balance, 0) as balance, coalesce(p.overdue, 0) as overdue
       from customer c
       left join amounts p on p.customer_id = c.customer_id
       where ${where}
     ),
     kept as (select * from f ${overdueOnly})
     select t.total, page.*, page.balance::text as balance_text, page.overdue::text as overdue_text
     from (select count(*)::integer as total from kept) t
     left join lateral (
       select * from kept k
       order by ${orderSql('k', sort, dir)}
       limit $${params.length - 1} offset $${params.length}
     ) page on true`,
    params,
  );
  const total = (result.rows[0]?.total as number | undefined) ?? 0;
  const customers = result.rows
    .filter((row) => row.customer_id !== null)
    .map((row) => ({
      ...customerFromRow(row),
      balance: BigInt(row.balance_text as string),
      overdue: BigInt(row.overdue_text as string),
    }));
  return { total, customers };
}

/**
 * Lists customers sorted by an amount, or only the overdue ones, from
 * positions held in memory: the same page as listCustomersWithBalances
 * without summing the ledger in SQL. Text filters (search, collector,
 * segment) still select customers in SQL, so they match exactly as
 * there; the page's master data is read for its customers only.
 */
export async function listCustomersFromPositions(
  db: Queryable,
  scope: Scope,
  request: CustomerListRequest,
  positions: CustomerPositions,
): Promise<CustomerListPage> {
  const sort = request.sort ?? 'number';
  const dir = request.dir ?? 'asc';
  let selected: Set<number> | null = null;
  const textFilters = [request.search, request.collector, request.segment].some(
    (value) => value !== undefined && value !== '',
  );
  if (textFilters) {
    const params: SqlParam[] = [];
    const where = filterSql(scope, request, params);
    const result = await db.query<{ customer_id: bigint }>(`select c.customer_id from customer c where ${where}`, params);
    selected = new Set(result.rows.map((row) => Number(row.customer_id)));
  }
  const companyAllowed = scope.companyIds === null || scope.companyIds.includes(request.companyId);
  const keep = (customer: number): boolean => {
    const region = positions.regions[customer] ?? null;
    if (!inScope(scope, request.companyId, region)) return false;
    if (request.region !== undefined && request.region !== '' && region !== request.region) return false;
    if (selected !== null && !selected.has(positions.customerIds[customer]!)) return false;
    return request.overdueOnly !== true || positions.overdue[customer]! > 0;
  };
  if (sort === 'name' || sort === 'region') {
    // Name and region orders stay in SQL: only the overdue filter brought the list here.
    const candidates = companyAllowed ? positions.numberOrder.filter(keep) : new Int32Array(0);
    return listCustomersByIds(db, request, sort, dir, [...candidates], positions);
  }
  const candidates: number[] = [];
  if (companyAllowed) {
    for (const customer of sortedPositions(positions, sort, dir)) {
      if (keep(customer)) candidates.push(customer);
    }
  }
  const page = candidates.slice(request.offset, request.offset + request.limit);
  const customers = await customersByIds(db, request.companyId, page.map((customer) => positions.customerIds[customer]!));
  return {
    total: candidates.length,
    customers: page.map((customer) => ({
      ...customers.get(positions.customerIds[customer]!)!,
      balance: BigInt(positions.balance[customer]!),
      overdue: BigInt(positions.overdue[customer]!),
    })),
  };
}

/** Reads the master data of customers by id. */
async function customersByIds(db: Queryable, companyId: number, ids: readonly number[]): Promise<Map<number, CustomerRow>> {
  if (ids.length === 0) return new Map();
  const result = await db.query<Record<string, unknown>>(
    `select ${customerColumnsSql} from customer c where c.company_id = $1 and c.customer_id = any($2::bigint[])`,
    [companyId, ids.map(String)],
  );
  return new Map(result.rows.map((row) => [Number(row.customer_id as bigint), customerFromRow(row)]));
}

/** Orders the candidates by name or region in SQL and pages them there. */
async function listCustomersByIds(
  db: Queryable,
  request: CustomerListRequest,
  sort: CustomerSortKey,
  dir: 'asc' | 'desc',
  candidates: readonly number[],
  positions: CustomerPositions,
): Promise<CustomerListPage> {
  const ids = candidates.map((customer) => String(positions.customerIds[customer]!));
  const result = await db.query<Record<string, unknown>>(
    `select ${customerColumnsSql} from customer c
     where c.company_id = $1 and c.customer_id = any($2::bigint[])
     order by ${orderSql('c', sort, dir)}
     limit $3 offset $4`,
    [request.companyId, ids, request.limit, request.offset],
  );
  const positionOf = new Map(candidates.map((customer) => [positions.customerIds[customer]!, customer]));
  return {
    total: candidates.length,
    customers: result.rows.map((row) => {
      const customer = positionOf.get(Number(row.customer_id as bigint))!;
      return {
        ...customerFromRow(row),
        balance: BigInt(positions.balance[customer]!),
        overdue: BigInt(positions.overdue[customer]!),
      };
    }),
  };
}
