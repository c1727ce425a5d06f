import type { Queryable } from '../db/types.js';
import type { CustomerInput } from './types.js';

const batchSize = 5000;

/**
 * Inserts the customers not yet known to the company and returns the id
 * of every customer number given. Existing customers keep their master
 * data: a later import never overwrites what a user may have edited.
 */
export async function ensureCustomers(
  db: Queryable,
  companyId: number,
  customers: readonly CustomerInput[],
): Promise<Map<string, bigint>> {
  const unique = new Map<string, CustomerInput>();
  for (const customer of customers) {
    if (!unique.has(customer.customerNumber)) {
      unique.set(customer.customerNumber, customer);
    }
  }
  const ids = new Map<string, bigint>();
  const all = [...unique.values()];
  for (let start = 0; start < all.length; start += batchSize) {
    const batch = all.slice(start, start + batchSize);
    const column = (pick: (customer: CustomerInput) => string | null | undefined) =>
      batch.map((customer) => pick(customer) ?? null);
    await db.query(
      `insert into customer (company_id, customer_id, customer_number, name,
         group_number, country, region, collector, sales_rep, payment_terms,
         credit_segment)
       select $1, nextval('customer_id_seq'), t.*
       from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                   $7::text[], $8::text[], $9::text[], $10::text[]) as t
       on conflict (company_id, customer_number) do nothing`,
      [
        companyId,
        column((c) => c.customerNumber),
        column((c) => c.name),
        column((c) => c.groupNumber),
        column((c) => c.country),
        column((c) => c.region),
        column((c) => c.collector),
        column((c) => c.salesRep),
        column((c) => c.paymentTerms),
        column((c) => c.creditSegment),
      ],
    );
    const result = await db.query<{ customer_id: bigint; customer_number: string }>(
      `select customer_id, customer_number from customer
       where company_id = $1 and customer_number = any($2::text[])`,
      [companyId, column((c) => c.customerNumber)],
    );
    for (const row of result.rows) ids.set(row.customer_number, row.customer_id);
  }
  return ids;
}

export interface CustomerRow {
  customerId: bigint;
  customerNumber: string;
  name: string;
  groupNumber: string | null;
  country: string | null;
  region: string | null;
  collector: string | null;
  salesRep: string | null;
  paymentTerms: string | null;
  creditSegment: string | null;
}

/** Lists a company's customers by number, one page at a time, only of `regions` when given. */
export async function listCustomers(
  db: Queryable,
  companyId: number,
  options: { search?: string; limit?: number; offset?: number; regions?: readonly string[] | null } = {},
): Promise<CustomerRow[]> {
  const result = await db.query<Record<string, unknown>>(
    `select customer_id, customer_number, name, group_number, country, region,
            collector, sales_rep, payment_terms, credit_segment
     from customer
     where company_id = $1
       and ($2::text is null or customer_number ilike $2 or name ilike $2)
       and ($5::text[] is null or region = any($5::text[]))
     order by customer_number
     limit $3 offset $4`,
    [
      companyId,
      options.search ? `%${options.search}%` : null,
      options.limit ?? 100,
      options.offset ?? 0,
      options.regions ?? null,
    ],
  );
  return result.rows.map((row) => ({
    customerId: row.customer_id as bigint,
    customerNumber: row.customer_number as string,
    name: row.name as string,
    groupNumber: row.group_number as string | null,
    country: row.country as string | null,
    region: row.region as string | null,
    collector: row.collector as string | null,
    salesRep: row.sales_rep as string | null,
    paymentTerms: row.payment_terms as string | null,
    creditSegment: row.credit_segment as string | null,
  }));
}

/** Counts a company's customers that `listCustomers` would page through. */
export async function countCustomers(
  db: Queryable,
  companyId: number,
  options: { search?: string; regions?: readonly string[] | null } = {},
): Promise<number> {
  const result = await db.query<{ count: bigint }>(
    `select count(*)::bigint as count
     from customer
     where company_id = $1
       and ($2::text is null or customer_number ilike $2 or name ilike $2)
       and ($3::text[] is null or region = any($3::text[]))`,
    [companyId, options.search ? `%${options.search}%` : null, options.regions ?? null],
  );
  return Number(result.rows[0]?.count ?? 0n);
}
