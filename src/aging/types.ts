import type { IsoDate } from '../shared/dates.js';

export type AgingBasis = 'due' | 'document';

export const agingGroupings = [
  'customer',
  'group',
  'country',
  'region',
  'collector',
  'currency',
  'company',
] as const;
export type AgingGrouping = (typeof agingGroupings)[number];

/** Default bucket limits in days: not due, 1-30, ..., 181-365, over 365. */
export const defaultBucketLimits: readonly number[] = [0, 30, 60, 90, 120, 180, 365];

export interface AgingRequest {
  /** Company codes to include; all companies when empty or undefined. */
  companies?: string[];
  asOf: IsoDate;
  basis: AgingBasis;
  groupBy: AgingGrouping;
  /** Ascending day limits; the first is the end of "not due" (usually 0). */
  bucketLimits: readonly number[];
  /** Local: company currency. Transaction: each item's own currency. */
  currency: 'local' | 'transaction';
}

export interface AgingBucket {
  label: string;
  /** Days past due, inclusive; null for open-ended or the unapplied column. */
  from: number | null;
  to: number | null;
}

export interface AgingRow {
  key: string;
  /** Display name of the key, such as the customer name. */
  name: string | null;
  currency: string;
  exponent: number;
  /** One amount per bucket, in minor units, the unapplied column last. */
  amounts: bigint[];
  total: bigint;
  itemCount: number;
}

export interface AgingTotal {
  currency: string;
  exponent: number;
  amounts: bigint[];
  total: bigint;
}

export interface AgingReport {
  asOf: IsoDate;
  basis: AgingBasis;
  groupBy: AgingGrouping;
  /** The currency code of every amount, or "transaction". */
  currency: string;
  buckets: AgingBucket[];
  rows: AgingRow[];
  /** One total per currency; a single entry unless currency is "transaction". */
  totals: AgingTotal[];
}
