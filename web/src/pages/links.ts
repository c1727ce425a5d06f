import { queryString } from '../api.js';

/** Aging page settings that live in its address. */
export interface AgingParams {
  company?: string;
  asOf?: string;
  basis?: string;
  by?: string;
  buckets?: string;
  key?: string;
  bucket?: number;
}

/** Address of the aging page; an empty `key` (customers without a region, say) is kept. */
export function agingHref(params: AgingParams): string {
  const { key, ...rest } = params;
  const search = queryString({ ...rest });
  if (key === undefined) return `/aging${search}`;
  const keyParam = `key=${encodeURIComponent(key)}`;
  return `/aging${search ? `${search}&${keyParam}` : `?${keyParam}`}`;
}

/** Address of a customer page; `asOf` keeps the date the link was followed from. */
export function customerHref(customerId: string, company: string, asOf?: string): string {
  return `/customers/${customerId}${queryString({ company, asOf })}`;
}

/** Bucket limits as the `buckets` parameter: the closing day of each bounded bucket. */
export function bucketLimitsText(buckets: { from: number | null; to: number | null }[]): string {
  return buckets
    .map((bucket) => bucket.to)
    .filter((to): to is number => to !== null)
    .join(',');
}
