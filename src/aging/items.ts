import { scopeCondition } from '../auth/scope.js';
import { unrestricted } from '../auth/types.js';
import type { Queryable, SqlParam } from '../db/types.js';
import { InputError } from '../shared/errors.js';
import { buildBuckets } from './buckets.js';
import { checkRequest, resolveCompanies, scopeCompanies } from './request.js';
import { agingItemsSql } from './sql.js';
import type { AgingItem, AgingRequest } from './types.js';

export interface AgingItemsRequest extends AgingRequest {
  /** Grouping key of one report row; every row when undefined. */
  key?: string;
  /** Index into the report's buckets; every bucket when undefined. */
  bucket?: number;
  /** Page size, 1 to 10,000; 100 when undefined. */
  limit?: number;
  offset?: number;
}

interface ItemRow {
  company_code: string;
  item_id: bigint;
  customer_number: string;
  customer_name: string;
  key: string;
  kind: string;
  document_number: string;
  document_date: string;
  posting_date: string;
  due_date: string;
  days: number;
  item_currency: string;
  item_exponent: number;
  open_amount: bigint;
  local_currency: string;
  local_exponent: number;
  open_amount_local: bigint;
  bucket: number;
  disputed: boolean;
  total_count: bigint;
}

export const maxItemsPageSize = 10_000;

function checkPaging(request: AgingItemsRequest, bucketCount: number): { limit: number; offset: number } {
  const limit = request.limit ?? 100;
  const offset = request.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxItemsPageSize) {
    throw new InputError(`invalid limit "${limit}": use a whole number from 1 to ${maxItemsPageSize}`, 'invalid_paging', 'limit');
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new InputError(`invalid offset "${offset}": use a whole number from 0`, 'invalid_paging', 'offset');
  }
  const bucket = request.bucket;
  if (bucket !== undefined && (!Number.isInteger(bucket) || bucket < 0 || bucket >= bucketCount)) {
    throw new InputError(
      `invalid bucket "${bucket}": this report has buckets 0 to ${bucketCount - 1}`,
      'invalid_bucket',
      'bucket',
    );
  }
  return { limit, offset };
}

function toItem(row: ItemRow): AgingItem {
  return {
    companyCode: row.company_code,
    itemId: row.item_id,
    customerNumber: row.customer_number,
    customerName: row.customer_name,
    key: row.key,
    kind: row.kind,
    documentNumber: row.document_number,
    documentDate: row.document_date,
    postingDate: row.posting_date,
    dueDate: row.due_date,
    daysPastDue: Number(row.days),
    currency: row.item_currency,
    exponent: Number(row.item_exponent),
    openAmount: row.open_amount,
    localCurrency: row.local_currency,
    localExponent: Number(row.local_exponent),
    openAmountLocal: row.open_amount_local,
    bucket: Number(row.bucket),
    disputed: row.disputed,
  };
}

/**
 * Lists the open items behind an aging report row and/or bucket, one page
 * at a time, ordered by key, customer, due date and document number.
 * `total` counts every matching item, not just the page.
 */
export async function agingItems(
  db: Queryable,
  request: AgingItemsRequest,
): Promise<{ items: AgingItem[]; total: number }> {
  const checked = checkRequest(request);
  const bucketCount = buildBuckets(checked.bucketLimits, checked.basis, checked.ageCredits).length;
  const { limit, offset } = checkPaging(request, bucketCount);
  const companies = scopeCompanies(await resolveCompanies(db, checked.companies), checked.scope);
  const params: SqlParam[] = [checked.asOf, request.key ?? null, request.bucket ?? null];
  const customerCondition = (alias: string) => scopeCondition(checked.scope ?? unrestricted, alias, params);
  const filtered = agingItemsSql({ ...checked, companies, customerCondition });
  const result = await db.query<ItemRow>(
    `select a.*, ic.exponent as item_exponent, lc.exponent as local_exponent,
            count(*) over () as total_count
     from (${filtered}) a
     join currency ic on ic.code = a.item_currency
     join currency lc on lc.code = a.local_currency
     order by a.key, a.customer_number, a.company_code, a.due_date, a.document_number, a.item_id
     limit $${params.length + 1} offset $${params.length + 2}`,
    [...params, limit, offset],
  );
  const items = result.rows.map(toItem);
  if (items.length > 0) return { items, total: Number(result.rows[0]!.total_count) };
  if (offset === 0) return { items, total: 0 };
  const count = await db.query<{ total: bigint }>(`select count(*) as total from (${filtered}) a`, params);
  return { items, total: Number(count.rows[0]?.total ?? 0n) };
}
