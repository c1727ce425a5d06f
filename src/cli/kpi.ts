import type { Command } from 'commander';
import { InputError } from '../shared/errors.js';
import {
  kpiGroupings,
  kpiMethods,
  kpiNames,
  kpiReport,
  kpiReportToJson,
  type KpiAmounts,
  type KpiGrouping,
  type KpiReport,
  type KpiRequest,
  type KpiRow,
} from '../kpi/index.js';
import { addDbOptions, parseCompanyCodes, withDb } from './context.js';
import {
  checkOutputOptions,
  outputFormats,
  writeOutput,
  type OutputCell,
  type OutputColumn,
  type OutputDocument,
  type OutputOptions,
} from './output.js';

interface KpiOptions {
  dataDir?: string;
  from: string;
  to: string;
  company?: string[];
  by?: string;
  format: string;
  output?: string;
}

const monthPattern = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Builds the KPI request from the command options, checking each. */
function kpiRequest(options: KpiOptions): KpiRequest {
  for (const option of ['from', 'to'] as const) {
    if (!monthPattern.test(options[option])) {
      throw new InputError(
        `invalid --${option} "${options[option]}": use a month as YYYY-MM`,
        'invalid_month',
        option,
      );
    }
  }
  if (options.from > options.to) {
    throw new InputError(`--from ${options.from} is after --to ${options.to}`, 'invalid_period', 'from');
  }
  if (options.by !== undefined && !(kpiGroupings as readonly string[]).includes(options.by)) {
    throw new InputError(
      `invalid --by "${options.by}": use one of ${kpiGroupings.join(', ')}`,
      'invalid_grouping',
      'by',
    );
  }
  const companies = parseCompanyCodes(options.company);
  return {
    companies,
    from: options.from,
    to: options.to,
    groupBy: options.by as KpiGrouping | undefined,
  };
}

const keyHeaders: Record<KpiGrouping, string> = {
  customer: 'Customer',
  group: 'Group',
  country: 'Country',
  region: 'Region',
  collector: 'Collector',
  currency: 'Item currency',
  company: 'Company',
};

const amountColumns: readonly { field: keyof KpiAmounts; header: string }[] = [
  { field: 'creditSales', header: 'Credit sales' },
  { field: 'creditNotes', header: 'Credit notes' },
  { field: 'netCreditSales', header: 'Net credit sales' },
  { field: 'openingAr', header: 'Opening AR' },
  { field: 'closingAr', header: 'Closing AR' },
  { field: 'currentAr', header: 'Current AR' },
  { field: 'overdueAr', header: 'Overdue AR' },
  { field: 'openCredits', header: 'Open credits' },
];

/** Cell text of a KPI that cannot be computed. The "Not computed" table gives the reasons. */
const notComputed = 'n/a';

function leadingColumns(groupBy: KpiGrouping | null): OutputColumn[] {
  const columns: OutputColumn[] = [{ key: 'month', header: 'Month', type: 'text' }];
  if (groupBy === 'customer') columns.push({ key: 'company', header: 'Company', type: 'text' });
  if (groupBy !== null) columns.push({ key: 'key', header: keyHeaders[groupBy], type: 'text' });
  if (groupBy === 'customer' || groupBy === 'company') {
    columns.push({ key: 'name', header: 'Name', type: 'text' });
  }
  columns.push({ key: 'currency', header: 'Currency', type: 'text' });
  return columns;
}

function leadingCells(groupBy: KpiGrouping | null, row: KpiRow, isTotal: boolean): OutputCell[] {
  const cells: OutputCell[] = [row.inProgress ? `${row.month}*` : row.month];
  if (groupBy === 'customer') cells.push(isTotal ? null : row.company);
  if (groupBy !== null) cells.push(isTotal ? 'Total' : (row.key ?? '(none)'));
  if (groupBy === 'customer' || groupBy === 'company') cells.push(isTotal ? null : row.name);
  cells.push(row.currency);
  return cells;
}

function kpiTable(report: KpiReport): OutputDocument['tables'][number] {
  const methodByKpi = new Map(kpiMethods.map((method) => [method.kpi, method]));
  const columns: OutputColumn[] = [
    ...leadingColumns(report.groupBy),
    ...amountColumns.map(({ field, header }) => ({ key: field, header, type: 'money' as const })),
    ...kpiNames.map((name) => {
      const method = methodByKpi.get(name)!;
      return { key: name, header: `${method.label} [${method.code}]`, type: 'decimal' as const };
    }),
  ];
  const cells = (row: KpiRow, isTotal: boolean): OutputCell[] => [
    ...leadingCells(report.groupBy, row, isTotal),
    ...amountColumns.map(({ field }) => ({ amount: row[field], exponent: row.exponent })),
    ...kpiNames.map((name) => row.kpis[name].value ?? notComputed),
  ];
  const grouped = report.groupBy !== null;
  const by = grouped ? ` by ${report.groupBy}` : '';
  const inProgress = [...report.rows, ...report.totals].some((row) => row.inProgress)
    ? '; * month not yet ended, so its sales are partial'
    : '';
  return {
    title: `KPIs ${report.from} to ${report.to}${by} (local currency, balances as of each month-end${inProgress})`,
    columns,
    rows: (grouped ? report.rows : report.totals).map((row) => cells(row, false)),
    ...(grouped ? { footer: report.totals.map((row) => cells(row, true)) } : {}),
  };
}

function legendTable(report: KpiReport): OutputDocument['tables'][number] {
  return {
    title: 'Methods',
    columns: [
      { key: 'code', header: 'Code', type: 'text' },
      { key: 'kpi', header: 'KPI', type: 'text' },
      { key: 'unit', header: 'Unit', type: 'text' },
      { key: 'description', header: 'Method', type: 'text' },
    ],
    rows: report.methods.map((method) => [method.code, method.label, method.unit, method.description]),
  };
}

/** Counts the values shown as n/a, by KPI and reason. */
function notComputedTable(report: KpiReport): OutputDocument['tables'][number] | null {
  const counts = new Map<string, { label: string; reason: string; count: number }>();
  for (const row of [...report.rows, ...report.totals]) {
    for (const name of kpiNames) {
      const { reason } = row.kpis[name];
      if (reason === null) continue;
      const id = `${name}\n${reason}`;
      const label = kpiMethods.find((method) => method.kpi === name)!.label;
      const entry = counts.get(id) ?? { label, reason, count: 0 };
      entry.count += 1;
      counts.set(id, entry);
    }
  }
  if (counts.size === 0) return null;
  return {
    title: `Not computed (${notComputed})`,
    columns: [
      { key: 'kpi', header: 'KPI', type: 'text' },
      { key: 'reason', header: 'Reason', type: 'text' },
      { key: 'rows', header: 'Rows', type: 'integer' },
    ],
    rows: [...counts.values()].map((entry) => [entry.label, entry.reason, entry.count]),
  };
}

/**
 * Lays out a KPI report: the month table (groups, then per-currency
 * totals as footer), the method legend and, when some value is n/a, the
 * reasons. JSON output is the report itself.
 */
export function kpiDocument(report: KpiReport): OutputDocument {
  const reasons = notComputedTable(report);
  return {
    tables: [kpiTable(report), legendTable(report), ...(reasons ? [reasons] : [])],
    json: kpiReportToJson(report),
  };
}

/** Registers `ardesk kpi`. */
export function registerKpiCommand(program: Command): void {
  addDbOptions(
    program
      .command('kpi')
      .description(
        'DSO (standard and countback), best possible DSO, average days delinquent, CEI and AR turnover per month',
      )
      .requiredOption('--from <month>', 'first month, YYYY-MM')
      .requiredOption('--to <month>', 'last month, YYYY-MM, inclusive')
      .option('--company <code...>', 'company codes, repeated or comma-separated (default: every company)')
      .option('--by <grouping>', `also report per ${kpiGroupings.join(', ')}`)
      .option('--format <format>', `output format: ${outputFormats.join(', ')}`, 'table')
      .option('--output <file>', 'write to this file instead of standard output (required for xlsx)'),
  ).action(async (options: KpiOptions) => {
    const request = kpiRequest(options);
    const output: OutputOptions = checkOutputOptions(options.format, options.output);
    await withDb(options, async (db) => {
      await writeOutput(kpiDocument(await kpiReport(db, request)), output);
    });
  });
}
