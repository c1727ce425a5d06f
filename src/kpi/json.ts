import { formatMinor } from '../shared/money.js';
import type { KpiAmounts, KpiMethod, KpiName, KpiReport, KpiRow, KpiValue } from './types.js';

type AmountsJson = Record<keyof KpiAmounts, string>;

export interface KpiRowJson extends AmountsJson {
  month: string;
  monthEnd: string;
  daysInMonth: number;
  inProgress: boolean;
  company: string | null;
  key: string | null;
  name: string | null;
  currency: string;
  kpis: Record<KpiName, KpiValue>;
}

export interface KpiReportJson {
  from: string;
  to: string;
  groupBy: string | null;
  companies: { code: string; currency: string }[];
  countbackMaxMonths: number;
  methods: KpiMethod[];
  rows: KpiRowJson[];
  totals: KpiRowJson[];
}

const amountFields: readonly (keyof KpiAmounts)[] = [
  'creditSales',
  'creditNotes',
  'netCreditSales',
  'openingAr',
  'closingAr',
  'currentAr',
  'overdueAr',
  'openCredits',
];

function rowToJson(row: KpiRow): KpiRowJson {
  const amounts = Object.fromEntries(
    amountFields.map((field) => [field, formatMinor(row[field], row.exponent)]),
  ) as AmountsJson;
  return {
    month: row.month,
    monthEnd: row.monthEnd,
    daysInMonth: row.daysInMonth,
    inProgress: row.inProgress,
    company: row.company,
    key: row.key,
    name: row.name,
    currency: row.currency,
    ...amounts,
    kpis: row.kpis,
  };
}

/**
 * Converts a KPI report to plain JSON values: amounts become decimal
 * strings in their currency's exponent (`1200.50`), so no bigint remains.
 */
export function kpiReportToJson(report: KpiReport): KpiReportJson {
  return {
    from: report.from,
    to: report.to,
    groupBy: report.groupBy,
    companies: report.companies,
    countbackMaxMonths: report.countbackMaxMonths,
    methods: report.methods,
    rows: report.rows.map(rowToJson),
    totals: report.totals.map(rowToJson),
  };
}
