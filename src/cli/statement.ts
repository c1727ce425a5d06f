import { mkdir, writeFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { cliActor } from '../auth/actor.js';
import {
  runStatementBatch,
  type StatementBatchResult,
  type StatementOutcome,
  type StatementSelection,
} from '../collections/statement-batch.js';
import { listCompanies } from '../ledger/companies.js';
import { createMailer, mailSettings, type Mailer } from '../mail/mailer.js';
import {
  checkStatementPeriod,
  customerStatement,
  lineTypeLabel,
  statementToJson,
  statementWorkbook,
  writeStatementPdfFile,
  type CustomerStatement,
  type StatementAging,
  type StatementRequest,
} from '../collections/index.js';
import { InputError } from '../shared/errors.js';
import { addDbOptions, withDb } from './context.js';
import { formatJson, formatTable, type OutputColumn, type OutputDocument, type OutputTable } from './output.js';

const statementFormats = ['table', 'json', 'pdf', 'xlsx'] as const;
type StatementFormat = (typeof statementFormats)[number];

interface StatementOptions {
  dataDir?: string;
  from: string;
  to: string;
  company?: string;
  format: string;
  output?: string;
}

/** Checks every option before the database is opened. */
function statementCommand(customerNumber: string, options: StatementOptions): { request: StatementRequest; format: StatementFormat } {
  checkStatementPeriod(options.from, options.to, { from: '--from', to: '--to' });
  const format = options.format as StatementFormat;
  if (!statementFormats.includes(format)) {
    throw new InputError(
      `invalid --format "${options.format}": use one of ${statementFormats.join(', ')}`,
      'invalid_format',
      'format',
    );
  }
  if ((format === 'pdf' || format === 'xlsx') && !options.output) {
    throw new InputError(`the ${format} format writes a file: add --output FILE.${format}`, 'missing_output', 'output');
  }
  return {
    request: { company: options.company, customerNumber, from: options.from, to: options.to },
    format,
  };
}

const lineColumns: OutputColumn[] = [
  { key: 'date', header: 'Date', type: 'text' },
  { key: 'type', header: 'Type', type: 'text' },
  { key: 'document', header: 'Document', type: 'text' },
  { key: 'dueDate', header: 'Due date', type: 'text' },
  { key: 'description', header: 'Description', type: 'text' },
  { key: 'debit', header: 'Debit', type: 'money' },
  { key: 'credit', header: 'Credit', type: 'money' },
  { key: 'balance', header: 'Balance', type: 'money' },
];

function agingTable(title: string, aging: StatementAging, exponent: number): OutputTable {
  return {
    title,
    columns: [
      ...aging.buckets.map((bucket, index) => ({ key: `bucket${index}`, header: bucket.label, type: 'money' as const })),
      { key: 'total', header: 'Total', type: 'money' },
    ],
    rows: [[...aging.amounts, aging.total].map((amount) => ({ amount, exponent }))],
  };
}

/** Lays out the statement as text tables: per currency the lines, then its aging; then the local totals. */
export function statementDocument(statement: CustomerStatement): OutputDocument {
  const { company, customer, totals } = statement;
  const heading = `${company.name}: statement of account of ${customer.customerNumber} ${customer.name}, ${statement.from} to ${statement.to}`;
  const tables: OutputTable[] = [];
  for (const section of statement.sections) {
    const money = (amount: bigint) => ({ amount, exponent: section.exponent });
    tables.push({
      title: tables.length === 0 ? `${heading}\n\nAccount in ${section.currency}` : `Account in ${section.currency}`,
      columns: lineColumns,
      rows: [
        [statement.from, '', '', '', 'Opening balance', null, null, money(section.openingBalance)],
        ...section.lines.map((line) => [
          line.date,
          lineTypeLabel(line.type),
          line.documentNumber,
          line.dueDate,
          line.description,
          line.amount > 0n ? money(line.amount) : null,
          line.amount < 0n ? money(-line.amount) : null,
          money(line.balance),
        ]),
      ],
      footer: [[statement.to, '', '', '', 'Closing balance', null, null, money(section.closingBalance)]],
    });
    tables.push(agingTable(`Aging as of ${statement.to} by due date, ${section.currency}`, section.aging, section.exponent));
  }
  tables.push({
    title: `${tables.length === 0 ? `${heading}\n\n` : ''}All currencies in ${totals.currency}`,
    columns: [
      { key: 'label', header: '', type: 'text' },
      { key: 'amount', header: totals.currency, type: 'money' },
    ],
    rows: [
      ['Opening balance', { amount: totals.openingBalance, exponent: totals.exponent }],
      ['Movement', { amount: totals.movement, exponent: totals.exponent }],
      ['Closing balance', { amount: totals.closingBalance, exponent: totals.exponent }],
    ],
  });
  tables.push(agingTable(`Aging as of ${statement.to} by due date, ${totals.currency}`, totals.aging, totals.exponent));
  return { tables, json: statementToJson(statement) };
}

async function writeText(text: string, output: string | undefined): Promise<void> {
  if (!output) {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(output, text, 'utf8');
  } catch (error) {
    throw new InputError(`failed to write ${output}: ${(error as Error).message}`, 'output_not_writable', 'output');
  }
}

async function writeStatement(statement: CustomerStatement, format: StatementFormat, output: string | undefined): Promise<void> {
  if (format === 'pdf') {
    await writeStatementPdfFile(statement, output!);
    return;
  }
  if (format === 'xlsx') {
    try {
      await statementWorkbook(statement).xlsx.writeFile(output!);
    } catch (error) {
      throw new InputError(`failed to write ${output}: ${(error as Error).message}`, 'output_not_writable', 'output');
    }
    return;
  }
  const document = statementDocument(statement);
  await writeText(format === 'json' ? formatJson(document) : formatTable(document), output);
}

interface BatchOptions {
  batch?: boolean;
  resume?: boolean;
  region?: string;
  customers?: string;
  email?: boolean;
  smtp?: string;
  fromAddress?: string;
  outputDir?: string;
}

/** Checks the batch options before the database is opened. */
function batchSelection(options: StatementOptions & BatchOptions): StatementSelection {
  checkStatementPeriod(options.from, options.to, { from: '--from', to: '--to' });
  if (options.region !== undefined && options.customers !== undefined) {
    throw new InputError('--region and --customers select in different ways: give one of them', 'invalid_parameter', 'customers');
  }
  if (!options.email && !options.outputDir) {
    throw new InputError('--batch needs --email, --output-dir DIR or both', 'missing_parameter', 'email');
  }
  if (!options.email && (options.smtp !== undefined || options.fromAddress !== undefined)) {
    throw new InputError('--smtp and --from-address only apply with --email', 'invalid_parameter', 'email');
  }
  if (options.customers !== undefined) {
    return { kind: 'customers', customerNumbers: options.customers.split(',').map((number) => number.trim()) };
  }
  if (options.region !== undefined) return { kind: 'region', region: options.region };
  return { kind: 'active' };
}

/**
 * Draws a progress bar on stderr while a batch runs, only when stderr is
 * a terminal, so logs and pipes get no bar.
 */
function batchProgress(): { update(done: number, total: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'statements [{bar}] {value}/{total} {eta_formatted}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

const outcomeColumns: OutputColumn[] = [
  { key: 'customerNumber', header: 'Customer', type: 'text' },
  { key: 'name', header: 'Name', type: 'text' },
  { key: 'status', header: 'Status', type: 'text' },
  { key: 'to', header: 'Mailed to', type: 'text' },
  { key: 'closingBalance', header: 'Closing balance', type: 'money' },
  { key: 'detail', header: 'File or error', type: 'text' },
];

/** Lays out a batch as one table of outcomes, with the counts in the title. */
export function batchDocument(result: StatementBatchResult): OutputDocument {
  const exponent = result.company.currencyExponent;
  const row = (outcome: StatementOutcome) => [
    outcome.customerNumber,
    outcome.customerName,
    outcome.status,
    outcome.to,
    outcome.closingBalance === null ? null : { amount: outcome.closingBalance, exponent },
    outcome.file ?? outcome.error,
  ];
  const counts = `${result.total} customers: ${result.sent} sent, ${result.failed} failed, ${result.skipped} skipped, ${result.written} written`;
  return {
    tables: [
      {
        title: `Statements of ${result.company.code}, ${result.from} to ${result.to}, closing balances in ${result.company.currency}. ${counts}`,
        columns: outcomeColumns,
        rows: result.outcomes.map(row),
      },
    ],
  };
}

async function companyCode(db: Parameters<typeof listCompanies>[0], named: string | undefined): Promise<string> {
  if (named) return named;
  const companies = await listCompanies(db);
  if (companies.length === 1) return companies[0]!.code;
  throw new InputError(`--batch needs --company CODE: the ledger has ${companies.length} companies`, 'missing_parameter', 'company');
}

async function runBatchCommand(options: StatementOptions & BatchOptions): Promise<void> {
  const selection = batchSelection(options);
  const mailer: Mailer | undefined = options.email ? createMailer(mailSettings({ url: options.smtp, from: options.fromAddress })) : undefined;
  const progress = batchProgress();
  try {
    if (options.outputDir) await mkdir(options.outputDir, { recursive: true });
    const result = await withDb(options, async (db) =>
      runStatementBatch(
        db,
        { company: await companyCode(db, options.company), from: options.from, to: options.to, selection },
        { mailer, printDir: options.outputDir, resume: options.resume, onOutcome: (_outcome, done, total) => progress.update(done, total) },
        cliActor(),
      ),
    );
    progress.stop();
    process.stdout.write(formatTable(batchDocument(result)));
    if (result.failed > 0) process.exitCode = 1;
  } finally {
    progress.stop();
    mailer?.close();
  }
}

export function registerStatementCommand(program: Command): void {
  addDbOptions(
    program
      .command('statement')
      .description("a customer's statement of account: opening balance, every entry of the period, closing balance and aging")
      .argument('[customer]', 'customer number (leave out with --batch)')
      .requiredOption('--from <date>', 'first day of the period, YYYY-MM-DD')
      .requiredOption('--to <date>', 'last day of the period, YYYY-MM-DD')
      .option('--company <code>', 'company code (needed when the customer number exists in several companies)')
      .option('--format <format>', `output format: ${statementFormats.join(', ')}`, 'table')
      .option('--output <file>', 'write to this file instead of standard output (required for pdf and xlsx)')
      .option('--batch', 'statements of many customers as PDF: mailed with --email, else written to --output-dir')
      .option('--region <region>', 'with --batch: only the customers of this region')
      .option('--customers <numbers>', 'with --batch: only these customer numbers, comma-separated')
      .option('--email', "with --batch: mail each statement to the customer's statements contact")
      .option('--resume', 'with --batch --email: leave out the customers whose statement of the period was mailed before')
      .option('--smtp <url>', 'with --email: mail server, smtp://host:port (default $ARDESK_SMTP_URL)')
      .option('--from-address <address>', 'with --email: sender address (default $ARDESK_MAIL_FROM)')
      .option('--output-dir <dir>', 'with --batch: folder for the PDFs not mailed (customers without a contact, or all without --email)'),
  ).action(async (customerNumber: string | undefined, options: StatementOptions & BatchOptions) => {
    if (options.batch) {
      if (customerNumber !== undefined) {
        throw new InputError(`--batch takes no customer number ("${customerNumber}"): use --customers ${customerNumber}`, 'invalid_parameter', 'customer');
      }
      await runBatchCommand(options);
      return;
    }
    if (customerNumber === undefined) {
      throw new InputError('missing customer number: ardesk statement CUSTOMER --from D --to D, or add --batch', 'missing_parameter', 'customer');
    }
    const { request, format } = statementCommand(customerNumber, options);
    await withDb(options, async (db) => {
      await writeStatement(await customerStatement(db, request), format, options.output);
    });
  });
}
