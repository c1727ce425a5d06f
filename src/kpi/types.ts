import type { Scope } from '../auth/types.js';
import type { IsoDate } from '../shared/dates.js';
import { agingGroupings, type AgingGrouping } from '../aging/types.js';

/** KPIs group by the same customer attributes as the aging. */
export const kpiGroupings = agingGroupings;
export type KpiGrouping = AgingGrouping;

export interface KpiRequest {
  /** Company codes to include; all companies when empty or undefined. */
  companies?: string[];
  /** First month, `YYYY-MM`. */
  from: string;
  /** Last month, `YYYY-MM`, inclusive. */
  to: string;
  /** Also report each month per group; totals per currency are always given. */
  groupBy?: KpiGrouping;
  /** Only companies and customers inside this scope; the whole ledger when undefined. */
  scope?: Scope;
}

/** Names of the KPIs, in report order. */
export const kpiNames = [
  'dsoStandard',
  'dsoCountback',
  'bestPossibleDso',
  'averageDaysDelinquent',
  'collectionEffectivenessIndex',
  'arTurnover',
  'arTurnoverAnnualised',
] as const;
export type KpiName = (typeof kpiNames)[number];

/**
 * One KPI figure: a decimal string with two places, rounded half away
 * from zero, or null with the reason it cannot be computed.
 */
export interface KpiValue {
  value: string | null;
  /** Code of the method in the report's legend. */
  method: string;
  reason: string | null;
}

/** An entry of the legend: how a KPI is computed and in what unit. */
export interface KpiMethod {
  code: string;
  kpi: KpiName;
  label: string;
  unit: 'days' | 'percent' | 'times';
  description: string;
}

/** Amounts of one month, in minor units of the local currency. */
export interface KpiAmounts {
  /** Invoices and debit notes posted in the month. */
  creditSales: bigint;
  /** Credit notes posted in the month, negative as in the ledger. */
  creditNotes: bigint;
  /** Credit sales plus credit notes. */
  netCreditSales: bigint;
  /** Closing AR of the previous month-end. */
  openingAr: bigint;
  /** Every open item as of the month-end, credits netted. */
  closingAr: bigint;
  /** Open debit items due on or after the month-end (not yet due). */
  currentAr: bigint;
  /** Open debit items due before the month-end. */
  overdueAr: bigint;
  /** Open credit items (unapplied payments, open credit notes), negative. */
  openCredits: bigint;
}

export interface KpiRow extends KpiAmounts {
  month: string;
  monthEnd: IsoDate;
  daysInMonth: number;
  /**
   * True when the month had not ended before the day the report ran: its sales
   * are partial, so DSO and CEI for it read high.
   */
  inProgress: boolean;
  /** Company code when grouping by customer or company, else null. */
  company: string | null;
  /** Value of the grouping (customer number, region ...), null on totals and where the value is missing. */
  key: string | null;
  /** Display name of the key, such as the customer name. */
  name: string | null;
  /** Local currency of the amounts. */
  currency: string;
  exponent: number;
  kpis: Record<KpiName, KpiValue>;
}

export interface KpiReport {
  from: string;
  to: string;
  groupBy: KpiGrouping | null;
  /** Codes and local currencies of the companies included. */
  companies: { code: string; currency: string }[];
  /** Maximum months of credit sales the countback DSO walks through. */
  countbackMaxMonths: number;
  methods: KpiMethod[];
  /** One row per group, currency and month; empty without groupBy. */
  rows: KpiRow[];
  /** One row per local currency and month over all companies and groups. */
  totals: KpiRow[];
}
