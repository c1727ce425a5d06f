import { cliActor } from '../auth/actor.js';
import type { Command } from 'commander';
import {
  addMonths,
  isIsoDate,
  makeDate,
  monthEnd,
  type IsoDate,
} from '../shared/dates.js';
import { InputError } from '../shared/errors.js';
import { formatMinor, formatMinorGrouped } from '../shared/money.js';
import { listCompanies } from '../ledger/index.js';
import {
  agingGroupings,
  agingItems,
  agingReport,
  agingReportToJson,
  buildBuckets,
  parseBucketLimits,
  takeSnapshot,
  type AgingBasis,
  type AgingGrouping,
  type AgingItem,
  type AgingReport,
  type AgingRequest,
} from '../aging/index.js';
import type { Db } from '../db/types.js';
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

const defaultBuckets = '0,30,60,90,120,180,365';

interface AgingOptions {
  dataDir?: string;
  asOf?: string;
  company?: string[];
  basis: string;
  by: string;
  buckets: string;
  currency: string;
  ageCredits?: boolean;
  format: string;
  output?: string;
  items?: boolean;
  key?: string;
  bucket?: string;
  limit: string;
  offset: string;
}

interface SnapshotOptions {
  dataDir?: string;
  asOf?: string;
  company?: string;
  monthEndsFrom?: string;
  basis: string;
  buckets: string;
}

/** Today's calendar date on this machine's clock and time zone. */
function today(): IsoDate {
  const now = new Date();
  return makeDate(now.getFullYear(), now.getMonth() + 1, now.getDate())!;
}

function parseAsOf(text: string | undefined): IsoDate {
  if (text === undefined) return today();
  if (!isIsoDate(text)) {
    throw new InputError(`invalid --as-of "${text}": use a date as YYYY-MM-DD`, 'invalid_date', 'asOf');
  }
  return text;
}

function parseBasis(text: string): AgingBasis {
  if (text !== 'due' && text !== 'document') {
    throw new InputError(`invalid --basis "${text}": use due or document`, 'invalid_basis', 'basis');
  }
  return text;
}

function parseWholeNumber(text: string, option: string, minimum: number): number {
  if (!/^\d+$/.test(text) || Number(text) < minimum) {
    throw new InputError(`invalid ${option} "${text}": use a whole number from ${minimum}`, 'invalid_number', option.slice(2));
  }
  return Number(text);
}

/** Builds the aging request from the command options, checking each. */
function agingRequest(options: AgingOptions): AgingRequest {
  const asOf = parseAsOf(options.asOf);
  const basis = parseBasis(options.basis);
  if (!(agingGroupings as readonly string[]).includes(options.by)) {
    throw new InputError(`invalid --by "${options.by}": use one of ${agingGroupings.join(', ')}`, 'invalid_grouping', 'by');
  }
  if (options.currency !== 'local' && options.currency !== 'transaction') {
    throw new InputError(`invalid --currency "${options.currency}": use local or transaction`, 'invalid_currency_mode', 'currency');
  }
  const companies = parseCompanyCodes(options.company);
  return {
    companies,
    asOf,
    basis,
    groupBy: options.by as AgingGrouping,
    bucketLimits: parseBucketLimits(options.buckets),
    currency: options.currency,
    ageCredits: options.ageCredits ?? false,
  };
}

const keyHeaders: Record<AgingGrouping, string> = {
  customer: 'Customer',
  group: 'Group',
  country: 'Country',
  region: 'Region',
  collector: 'Collector',
  currency: 'Item currency',
  company: 'Company',
};

const namedGroupings: readonly AgingGrouping[] = ['customer', 'group', 'company', 'currency'];

/** Lays out an aging report as one table: key, name, currency, buckets, total, items. */
export function agingDocument(report: AgingReport): OutputDocument {
  const named = namedGroupings.includes(report.groupBy);
  const columns: OutputColumn[] = [
    { key: 'key', header: keyHeaders[report.groupBy], type: 'text' },
    ...(named ? [{ key: 'name', header: 'Name', type: 'text' } as const] : []),
    { key: 'currency', header: 'Currency', type: 'text' },
    ...report.buckets.map((bucket, index) => ({ key: `bucket${index}`, header: bucket.label, type: 'money' as const })),
    { key: 'disputed', header: 'Disputed (in buckets)', type: 'money' },
    { key: 'total', header: 'Total', type: 'money' },
    { key: 'items', header: 'Items', type: 'integer' },
  ];
  const leading = (key: string, name: string | null, currency: string): OutputCell[] =>
    named ? [key, name, currency] : [key, currency];
  const rows = report.rows.map((row) => [
    ...leading(row.key, row.name, row.currency),
    ...row.amounts.map((amount) => ({ amount, exponent: row.exponent })),
    { amount: row.disputed, exponent: row.exponent },
    { amount: row.total, exponent: row.exponent },
    row.itemCount,
  ]);
  const footer = report.totals.map((total) => {
    const itemCount = report.rows
      .filter((row) => row.currency === total.currency)
      .reduce((sum, row) => sum + row.itemCount, 0);
    return [
      ...leading('Total', null, total.currency),
      ...total.amounts.map((amount) => ({ amount, exponent: total.exponent })),
      { amount: total.disputed, exponent: total.exponent },
      { amount: total.total, exponent: total.exponent },
      itemCount,
    ];
  });
  const basis = report.basis === 'due' ? 'due date' : 'document date';
  return {
    tables: [
      {
        title: `Aging as of ${report.asOf} by ${report.groupBy} (${basis} basis, currency ${report.currency})`,
        columns,
        rows,
        footer,
      },
    ],
    json: agingReportToJson(report),
  };
}

/** Lays out drill-down items as one table. */
export function agingItemsDocument(
  items: AgingItem[],
  total: number,
  context: { asOf: IsoDate; basis: AgingBasis; bucketLabels: string[] },
): OutputDocument {
  const columns: OutputColumn[] = [
    { key: 'company', header: 'Company', type: 'text' },
    { key: 'customer', header: 'Customer', type: 'text' },
    { key: 'name', header: 'Name', type: 'text' },
    { key: 'kind', header: 'Kind', type: 'text' },
    { key: 'document', header: 'Document', type: 'text' },
    { key: 'documentDate', header: 'Document date', type: 'text' },
    { key: 'dueDate', header: 'Due date', type: 'text' },
    {
      key: 'daysPastDue',
      header: context.basis === 'due' ? 'Days past due' : 'Days since document',
      type: 'integer',
    },
    { key: 'bucket', header: 'Bucket', type: 'text' },
    { key: 'currency', header: 'Currency', type: 'text' },
    { key: 'openAmount', header: 'Open amount', type: 'money' },
    { key: 'localCurrency', header: 'Local currency', type: 'text' },
    { key: 'openAmountLocal', header: 'Open local amount', type: 'money' },
  ];
  const rows: OutputCell[][] = items.map((item) => [
    item.companyCode,
    item.customerNumber,
    item.customerName,
    item.kind,
    item.documentNumber,
    item.documentDate,
    item.dueDate,
    item.daysPastDue,
    context.bucketLabels[item.bucket] ?? String(item.bucket),
    item.currency,
    { amount: item.openAmount, exponent: item.exponent },
    item.localCurrency,
    { amount: item.openAmountLocal, exponent: item.localExponent },
  ]);
  const document: OutputDocument = {
    tables: [{ title: `Open items as of ${context.asOf}: ${items.length} of ${total}`, columns, rows }],
  };
  const table = document.tables[0]!;
  document.json = {
    asOf: context.asOf,
    total,
    items: rows.map((cells) =>
      Object.fromEntries(
        table.columns.map((column, index) => {
          const cell = cells[index] ?? null;
          return [column.key, typeof cell === 'object' && cell !== null ? formatMinor(cell.amount, cell.exponent) : cell];
        }),
      ),
    ),
  };
  return document;
}

interface AgingCommand {
  request: AgingRequest;
  output: OutputOptions;
  /** Set for --items. */
  items?: { key?: string; bucket?: number; limit: number; offset: number };
}

/** Checks every option before the database is opened. */
function agingCommand(options: AgingOptions): AgingCommand {
  const request = agingRequest(options);
  const output = checkOutputOptions(options.format, options.output);
  if (!options.items) {
    if (options.key !== undefined || options.bucket !== undefined) {
      throw new InputError('--key and --bucket select open items: add --items', 'missing_items', 'items');
    }
    return { request, output };
  }
  const bucketCount = buildBuckets(request.bucketLimits, request.basis, request.ageCredits ?? false).length;
  const bucket = options.bucket === undefined ? undefined : parseWholeNumber(options.bucket, '--bucket', 0);
  if (bucket !== undefined && bucket >= bucketCount) {
    throw new InputError(`invalid --bucket "${bucket}": this report has buckets 0 to ${bucketCount - 1}`, 'invalid_bucket', 'bucket');
  }
  return {
    request,
    output,
    items: {
      key: options.key,
      bucket,
      limit: parseWholeNumber(options.limit, '--limit', 1),
      offset: parseWholeNumber(options.offset, '--offset', 0),
    },
  };
}

async function runAging(db: Db, command: AgingCommand): Promise<void> {
  const { request, output } = command;
  if (!command.items) {
    await writeOutput(agingDocument(await agingReport(db, request)), output);
    return;
  }
  const { offset } = command.items;
  const { items, total } = await agingItems(db, { ...request, ...command.items });
  const labels = buildBuckets(request.bucketLimits, request.basis, request.ageCredits ?? false).map((entry) => entry.label);
  await writeOutput(agingItemsDocument(items, total, { asOf: request.asOf, basis: request.basis, bucketLabels: labels }), output);
  if (offset + items.length < total) {
    process.stderr.write(
      `ardesk: showing items ${offset + 1} to ${offset + items.length} of ${total}; add --offset ${offset + items.length} for the next page\n`,
    );
  }
}

/** Month-end dates from the end of `fromMonth` up to and including `asOf`. */
export function monthEndsBetween(fromMonth: string, asOf: IsoDate): IsoDate[] {
  if (!/^\d{4}-\d{2}$/.test(fromMonth) || !isIsoDate(`${fromMonth}-01`)) {
    throw new InputError(`invalid --month-ends-from "${fromMonth}": use a month as YYYY-MM`, 'invalid_month', 'monthEndsFrom');
  }
  if (`${fromMonth}-01` > asOf) {
    throw new InputError(`--month-ends-from ${fromMonth} is after the as-of date ${asOf}`, 'invalid_month', 'monthEndsFrom');
  }
  const dates: IsoDate[] = [];
  for (let month = fromMonth; monthEnd(month) <= asOf; month = addMonths(month, 1)) {
    dates.push(monthEnd(month));
  }
  return dates;
}

interface SnapshotCommand {
  dates: IsoDate[];
  company?: string;
  basis: AgingBasis;
  bucketLimits: number[];
}

/** Checks every option before the database is opened. */
function snapshotCommand(options: SnapshotOptions): SnapshotCommand {
  const asOf = parseAsOf(options.asOf);
  const dates = options.monthEndsFrom ? monthEndsBetween(options.monthEndsFrom, asOf) : [];
  if (!dates.includes(asOf)) dates.push(asOf);
  return {
    dates,
    company: options.company,
    basis: parseBasis(options.basis),
    bucketLimits: parseBucketLimits(options.buckets),
  };
}

async function runSnapshot(db: Db, command: SnapshotCommand): Promise<void> {
  const { dates, basis, bucketLimits } = command;
  const companies = command.company ? [command.company] : (await listCompanies(db)).map((company) => company.code);
  if (companies.length === 0) {
    throw new InputError('there are no companies to take a snapshot of: import a ledger first', 'no_companies', 'company');
  }
  for (const company of companies) {
    for (const date of dates) {
      const snapshot = await takeSnapshot(db, { company, asOf: date, basis, bucketLimits }, cliActor());
      const state = snapshot.created ? 'stored' : 'already stored';
      process.stdout.write(
        `${company}  ${date}  ${state}: ${snapshot.lineCount} lines, total ${formatMinorGrouped(snapshot.totalLocal, snapshot.exponent)} ${snapshot.currency}\n`,
      );
    }
  }
}

/** Registers `ardesk aging` and `ardesk snapshot`. */
export function registerAgingCommands(program: Command): void {
  addDbOptions(
    program
      .command('aging')
      .description('Age open items as of a date, or list the items behind a row or bucket with --items')
      .option('--as-of <date>', 'report date, YYYY-MM-DD (default: today)')
      .option('--company <code...>', 'company codes, repeated or comma-separated (default: every company)')
      .option('--basis <basis>', 'age by due or document date', 'due')
      .option('--by <grouping>', `rows by ${agingGroupings.join(', ')}`, 'customer')
      .option('--buckets <days>', 'ascending bucket limits in days past due', defaultBuckets)
      .option('--currency <mode>', 'local (company currency) or transaction (item currency)', 'local')
      .option('--age-credits', 'age unapplied payments and credit notes by their own dates instead of a separate column')
      .option('--format <format>', `output format: ${outputFormats.join(', ')}`, 'table')
      .option('--output <file>', 'write to this file instead of standard output (required for xlsx)')
      .option('--items', 'list the open items behind the report')
      .option('--key <key>', 'with --items: only the items of this row key (such as a customer number)')
      .option('--bucket <index>', 'with --items: only this bucket, counted from 0 (not due)')
      .option('--limit <count>', 'with --items: page size', '1000')
      .option('--offset <count>', 'with --items: items to skip', '0'),
  ).action(async (options: AgingOptions) => {
    const command = agingCommand(options);
    await withDb(options, (db) => runAging(db, command));
  });

  addDbOptions(
    program
      .command('snapshot')
      .description('Store the aging by customer and bucket as of a date, for trends and roll rates')
      .option('--as-of <date>', 'snapshot date, YYYY-MM-DD (default: today)')
      .option('--company <code>', 'company code (default: every company)')
      .option('--month-ends-from <month>', 'also store every month-end from this month (YYYY-MM) to the as-of date')
      .option('--basis <basis>', 'age by due or document date', 'due')
      .option('--buckets <days>', 'ascending bucket limits in days past due', defaultBuckets),
  ).action(async (options: SnapshotOptions) => {
    const command = snapshotCommand(options);
    await withDb(options, (db) => runSnapshot(db, command));
  });
}
