import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
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

export function registerStatementCommand(program: Command): void {
  addDbOptions(
    program
      .command('statement')
      .description("a customer's statement of account: opening balance, every entry of the period, closing balance and aging")
      .argument('<customer>', 'customer number')
      .requiredOption('--from <date>', 'first day of the period, YYYY-MM-DD')
      .requiredOption('--to <date>', 'last day of the period, YYYY-MM-DD')
      .option('--company <code>', 'company code (needed when the customer number exists in several companies)')
      .option('--format <format>', `output format: ${statementFormats.join(', ')}`, 'table')
      .option('--output <file>', 'write to this file instead of standard output (required for pdf and xlsx)'),
  ).action(async (customerNumber: string, options: StatementOptions) => {
    const { request, format } = statementCommand(customerNumber, options);
    await withDb(options, async (db) => {
      await writeStatement(await customerStatement(db, request), format, options.output);
    });
  });
}
