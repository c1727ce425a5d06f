import type { Scope } from '../auth/types.js';
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
  /**
   * Age open credit items (unapplied payments, open credit notes) by their
   * own dates. When false or undefined they go to a last "Unapplied
   * credits" column instead.
   */
  ageCredits?: boolean;
  /** Only companies and customers inside this scope; the whole ledger when undefined. */
  scope?: Scope;
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
  /**
   * Part of the total in dispute as of the report date, included in the
   * buckets: the open amount of items flagged disputed, plus the amounts
   * of disputes opened on or before the date and not resolved by then,
   * each capped at the item's open amount.
   */
  disputed: bigint;
  itemCount: number;
}

export interface AgingTotal {
  currency: string;
  exponent: number;
  amounts: bigint[];
  total: bigint;
  /** Disputed part of the total, as in each row. */
  disputed: bigint;
}

export interface AgingReport {
  asOf: IsoDate;
  basis: AgingBasis;
  groupBy: AgingGrouping;
  /**
   * The currency code of every amount; "local" when the companies keep
   * their books in different currencies; "transaction" in that mode.
   */
  currency: string;
  buckets: AgingBucket[];
  rows: AgingRow[];
  /** One total per currency; a single entry unless currency is "transaction". */
  totals: AgingTotal[];
}

/** One open item behind an aging row or bucket (the drill-down). */
export interface AgingItem {
  companyCode: string;
  itemId: bigint;
  customerNumber: string;
  customerName: string;
  /** The item's grouping key in the request that selected it. */
  key: string;
  kind: string;
  documentNumber: string;
  documentDate: IsoDate;
  postingDate: IsoDate;
  dueDate: IsoDate;
  /** As-of date minus the due date, or minus the document date on that basis. */
  daysPastDue: number;
  currency: string;
  exponent: number;
  /** Open amount in the item's currency, signed (credits negative). */
  openAmount: bigint;
  localCurrency: string;
  localExponent: number;
  openAmountLocal: bigint;
  /** Index into the report's buckets. */
  bucket: number;
  disputed: boolean;
}

/**
 * The aging computation behind every aging report. The first engine runs
 * set-based SQL; another (such as an in-memory columnar one) can replace
 * it without changing callers.
 */
export interface AgingEngine {
  report(request: AgingRequest): Promise<AgingReport>;
}
