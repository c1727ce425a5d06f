import type { Command } from 'commander';
import {
  checkMonth,
  checkPeriod,
  collectionsReport,
  listCollectionTargets,
  parseDimensions,
  setCollectionTarget,
  type CollectionsReport,
  type CollectionsRow,
} from '../cash/collections.js';
import {
  addCashReceipt,
  approveCashReceipt,
  cashReceiptKinds,
  cashReceiptStatuses,
  listCashReceipts,
  rejectCashReceipt,
  type CashReceiptKind,
  type CashReceiptLineInput,
  type CashReceiptStatus,
} from '../cash/receipts.js';
import type { Queryable } from '../db/types.js';
import { currencyExponent, getCompany, type Company } from '../ledger/index.js';
import { documentLines } from '../ledger/document-lines.js';
import { InputError } from '../shared/errors.js';
import { AmountFormatError, formatMinor, parseDecimal } from '../shared/money.js';
import { collectionsToJson, receiptToJson } from '../server/routes/cash-receipts.js';
import { addDbOptions, withDb } from './context.js';
import { actorFor, companyFor, findCustomerId } from './options.js';
import { checkOutputOptions, outputFormats, writeOutput, type OutputCell, type OutputDocument } from './output.js';

const asOption = ['--as <email>', 'act as this user, with their role and scope (maker-checker needs two people)'] as const;
const formatOption = ['--format <format>', `output format: ${outputFormats.join(', ')}`, 'table'] as const;
const outputOption = ['--output <file>', 'write to this file instead of standard output (required for xlsx)'] as const;

function amountOption(text: string, exponent: number, option: string): bigint {
  try {
    return parseDecimal(text, exponent);
  } catch (error) {
    if (error instanceof AmountFormatError) {
      throw new InputError(`invalid ${option} "${text}": ${error.message}`, 'invalid_amount', option.replace(/^--/, ''));
    }
    throw error;
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Resolves `--pay ITEM=AMOUNT` options: ITEM is the source key of one item
 * or a document number, whose open instalments share the amount.
 */
async function payLines(
  db: Queryable,
  company: Company,
  customerNumber: string,
  pays: readonly string[],
  exponent: number,
): Promise<CashReceiptLineInput[]> {
  const customerId = await findCustomerId(db, company, customerNumber);
  const requests = pays.map((pay) => {
    const match = /^(.+)=([^=]+)$/.exec(pay);
    if (!match) throw new InputError(`invalid --pay "${pay}": use ITEM=AMOUNT, such as INV-17=250.00`, 'invalid_line', 'pay');
    return { document: match[1]!, amount: amountOption(match[2]!, exponent, '--pay') };
  });
  return documentLines(db, company.companyId, [customerId], requests, '--pay');
}

interface ReceiptAddOptions {
  company?: string;
  customer: string;
  kind: string;
  amount: string;
  currency?: string;
  date: string;
  collector?: string;
  reference?: string;
  note?: string;
  pay?: string[];
  as?: string;
  dataDir?: string;
}

function registerReceiptCommands(cash: Command): void {
  const receipt = cash.command('receipt').description('cash and transfer receipts, posted once a second person approves them');
  addDbOptions(
    receipt
      .command('add')
      .description('enter a receipt; it waits for another person to approve it')
      .option('--company <code>', 'company code (default: the only company)')
      .requiredOption('--customer <number>', 'customer number')
      .option('--kind <kind>', `${cashReceiptKinds.join(' or ')}`, 'cash')
      .requiredOption('--amount <amount>', 'amount as a decimal, such as 1250.00')
      .option('--currency <code>', 'currency of the amount (default: the company currency)')
      .requiredOption('--date <date>', 'receipt date, YYYY-MM-DD')
      .option('--collector <name>', "collector credited (default: the customer's collector)")
      .option('--reference <text>', 'slip or transfer reference')
      .option('--note <text>', 'note')
      .option('--pay <item=amount>', 'an item the receipt pays, by source key or document number (repeatable)', collect)
      .option(...asOption),
  ).action(async (options: ReceiptAddOptions) => {
    await withDb(options, async (db) => {
      const actor = await actorFor(db, options.as);
      const company = await companyFor(db, options.company);
      const currency = (options.currency ?? company.currency).toUpperCase();
      const exponent = await currencyExponent(db, currency).catch(() => {
        throw new InputError(`invalid --currency "${options.currency}": use an ISO 4217 code`, 'invalid_currency', 'currency');
      });
      const entered = await addCashReceipt(
        db,
        company,
        {
          kind: options.kind as CashReceiptKind,
          customerNumber: options.customer,
          currency,
          amount: amountOption(options.amount, exponent, '--amount'),
          date: options.date,
          ...(options.collector === undefined ? {} : { collector: options.collector }),
          reference: options.reference ?? null,
          note: options.note ?? null,
          lines: await payLines(db, company, options.customer, options.pay ?? [], exponent),
        },
        actor,
      );
      console.log(
        `cash receipt ${entered.receiptId} entered for ${entered.customerNumber}: ` +
          `${formatMinor(entered.amount, entered.currencyExponent)} ${entered.currency}, ` +
          `${formatMinor(entered.allocated, entered.currencyExponent)} applied; pending approval by another person`,
      );
    });
  });

  addDbOptions(
    receipt
      .command('list')
      .description('list receipts, newest first')
      .option('--company <code>', 'only this company')
      .option('--status <status>', `only ${cashReceiptStatuses.join(', ')}`)
      .option(...formatOption)
      .option(...outputOption)
      .option(...asOption),
  ).action(async (options: { company?: string; status?: string; format: string; output?: string; as?: string; dataDir?: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    if (options.status !== undefined && !(cashReceiptStatuses as readonly string[]).includes(options.status)) {
      throw new InputError(`invalid --status "${options.status}": use one of ${cashReceiptStatuses.join(', ')}`, 'invalid_status', 'status');
    }
    await withDb(options, async (db) => {
      const actor = await actorFor(db, options.as);
      const company = options.company ? await getCompany(db, options.company) : null;
      const receipts = await listCashReceipts(db, actor, {
        companyId: company?.companyId,
        status: options.status as CashReceiptStatus | undefined,
      });
      const money = (amount: bigint, exponent: number): OutputCell => ({ amount, exponent });
      await writeOutput(
        {
          tables: [
            {
              title: 'Cash receipts',
              columns: [
                { key: 'id', header: 'Id', type: 'text' },
                { key: 'company', header: 'Company', type: 'text' },
                { key: 'date', header: 'Date', type: 'text' },
                { key: 'kind', header: 'Kind', type: 'text' },
                { key: 'customer', header: 'Customer', type: 'text' },
                { key: 'region', header: 'Region', type: 'text' },
                { key: 'collector', header: 'Collector', type: 'text' },
                { key: 'currency', header: 'Currency', type: 'text' },
                { key: 'amount', header: 'Amount', type: 'money' },
                { key: 'allocated', header: 'Applied', type: 'money' },
                { key: 'status', header: 'Status', type: 'text' },
                { key: 'enteredBy', header: 'Entered by', type: 'text' },
                { key: 'decidedBy', header: 'Decided by', type: 'text' },
              ],
              rows: receipts.map((entry) => [
                entry.receiptId.toString(),
                entry.companyCode,
                entry.date,
                entry.kind,
                entry.customerNumber,
                entry.region,
                entry.collector,
                entry.currency,
                money(entry.amount, entry.currencyExponent),
                money(entry.allocated, entry.currencyExponent),
                entry.status,
                entry.enteredBy,
                entry.decidedBy,
              ]),
            },
          ],
          json: { receipts: receipts.map(receiptToJson) },
        },
        output,
      );
    });
  });

  addDbOptions(
    receipt
      .command('approve <id>')
      .description('approve a pending receipt and post it; the person who entered it cannot')
      .option(...asOption),
  ).action(async (id: string, options: { as?: string; dataDir?: string }) => {
    const receiptId = receiptIdOf(id);
    await withDb(options, async (db) => {
      const approved = await approveCashReceipt(db, receiptId, await actorFor(db, options.as));
      console.log(
        `cash receipt ${approved.receiptId} approved and posted as payment ${approved.erpKey} on ${approved.date}`,
      );
    });
  });

  addDbOptions(
    receipt
      .command('reject <id>')
      .description('reject a pending receipt; nothing is posted')
      .option('--reason <text>', 'why it is rejected')
      .option(...asOption),
  ).action(async (id: string, options: { reason?: string; as?: string; dataDir?: string }) => {
    const receiptId = receiptIdOf(id);
    await withDb(options, async (db) => {
      const rejected = await rejectCashReceipt(db, receiptId, options.reason ?? null, await actorFor(db, options.as));
      console.log(`cash receipt ${rejected.receiptId} rejected`);
    });
  });
}

function receiptIdOf(text: string): bigint {
  if (!/^\d{1,18}$/.test(text)) throw new InputError(`invalid receipt id "${text}": use the number "cash receipt list" shows`, 'invalid_id', 'id');
  return BigInt(text);
}

function collectionsDocument(report: CollectionsReport): OutputDocument {
  const money = (amount: bigint | null): OutputCell => (amount === null ? null : { amount, exponent: report.currencyExponent });
  const isDay = report.period === 'day';
  const columns = [
    { key: 'period', header: isDay ? 'Day' : 'Month', type: 'text' as const },
    ...(report.by.includes('region') ? [{ key: 'region', header: 'Region', type: 'text' as const }] : []),
    ...(report.by.includes('collector') ? [{ key: 'collector', header: 'Collector', type: 'text' as const }] : []),
    { key: 'collected', header: `Collected (${report.currency})`, type: 'money' as const },
    ...(isDay ? [{ key: 'monthToDate', header: 'Month to date', type: 'money' as const }] : []),
    { key: 'target', header: 'Target', type: 'money' as const },
    { key: 'share', header: 'Share %', type: 'decimal' as const },
  ];
  const cells = (row: CollectionsRow, total: boolean): OutputCell[] => [
    row.period,
    ...(report.by.includes('region') ? [total ? 'total' : row.region] : []),
    ...(report.by.includes('collector') ? [total && !report.by.includes('region') ? 'total' : total ? '' : row.collector] : []),
    money(row.collected),
    ...(isDay ? [money(row.monthToDate)] : []),
    money(row.target),
    row.share,
  ];
  return {
    tables: [
      {
        title: `Collections of ${report.company}, ${report.from} to ${report.to}`,
        columns,
        rows: report.rows.map((row) => cells(row, false)),
        footer: report.totals.map((row) => cells(row, true)),
      },
    ],
    json: collectionsToJson(report),
  };
}

interface CollectionsOptions {
  from?: string;
  to?: string;
  by: string;
  period: string;
  company?: string;
  format: string;
  output?: string;
  as?: string;
  dataDir?: string;
}

/**
 * Options of a `collections target` command. The report command above it
 * declares --company, --from, --to, --as and --data-dir as well, and
 * commander hands such options to the parent wherever they stand, so the
 * parent's values are merged in.
 */
function optionsOf<T>(command: Command): T {
  const options: Record<string, unknown> = { ...command.opts() };
  for (let parent = command.parent; parent; parent = parent.parent) {
    for (const [key, value] of Object.entries(parent.opts())) {
      const given = parent.getOptionValueSource(key) !== 'default';
      if (given && (options[key] === undefined || command.getOptionValueSource(key) === 'default')) options[key] = value;
    }
  }
  return options as T;
}

function registerCollectionsCommands(program: Command): void {
  const collections = addDbOptions(
    program
      .command('collections')
      .description('money collected per day or month by region and collector, against the target')
      .option('--from <date>', 'first day, YYYY-MM-DD')
      .option('--to <date>', 'last day, YYYY-MM-DD')
      .option('--by <dimensions>', 'region, collector or region,collector', 'region')
      .option('--period <period>', 'day or month', 'day')
      .option('--company <code>', 'company code (default: the only company)')
      .option(...formatOption)
      .option(...outputOption)
      .option(...asOption),
  ).action(async (options: CollectionsOptions) => {
    if (options.from === undefined || options.to === undefined) {
      throw new InputError('missing --from or --to: give the first and last day as YYYY-MM-DD', 'missing_parameter', options.from === undefined ? 'from' : 'to');
    }
    const output = checkOutputOptions(options.format, options.output);
    const by = parseDimensions(options.by, '--by');
    const period = checkPeriod(options.period, '--period');
    await withDb(options, async (db) => {
      const actor = await actorFor(db, options.as);
      const company = await companyFor(db, options.company);
      const report = await collectionsReport(db, { company, from: options.from!, to: options.to!, by, period, scope: actor.scope });
      await writeOutput(collectionsDocument(report), output);
    });
  });

  const target = collections.command('target').description('monthly collection targets by region and collector');
  addDbOptions(
    target
      .command('set <month> <amount>')
      .description('set the target of a month (YYYY-MM) in the company currency')
      .option('--region <region>', 'region, or * for every region', '*')
      .option('--collector <name>', 'collector, or * for every collector', '*')
      .option('--company <code>', 'company code (default: the only company)')
      .option(...asOption),
  ).action(
    async (month: string, amount: string, _options: unknown, command: Command) => {
      const options = optionsOf<{ region: string; collector: string; company?: string; as?: string; dataDir?: string }>(command);
      checkMonth(month);
      await withDb(options, async (db) => {
        const actor = await actorFor(db, options.as);
        const company = await companyFor(db, options.company);
        const saved = await setCollectionTarget(
          db,
          company,
          { month, region: options.region, collector: options.collector, amount: amountOption(amount, company.currencyExponent, 'amount') },
          actor,
        );
        console.log(
          `target of ${company.code} for ${saved.month}, region ${saved.region}, collector ${saved.collector}: ` +
            `${formatMinor(saved.amount, company.currencyExponent)} ${company.currency}`,
        );
      });
    },
  );
  addDbOptions(
    target
      .command('list')
      .description("list a company's targets")
      .option('--company <code>', 'company code (default: the only company)')
      .option('--from <month>', 'first month, YYYY-MM')
      .option('--to <month>', 'last month, YYYY-MM')
      .option(...formatOption)
      .option(...outputOption)
      .option(...asOption),
  ).action(async (_options: unknown, command: Command) => {
    const options = optionsOf<{ company?: string; from?: string; to?: string; format: string; output?: string; as?: string; dataDir?: string }>(
      command,
    );
    const output = checkOutputOptions(options.format, options.output);
    await withDb(options, async (db) => {
      const actor = await actorFor(db, options.as);
      const company = await companyFor(db, options.company);
      const targets = await listCollectionTargets(db, company, actor.scope, { from: options.from, to: options.to });
      await writeOutput(
        {
          tables: [
            {
              title: `Collection targets of ${company.code}`,
              columns: [
                { key: 'month', header: 'Month', type: 'text' },
                { key: 'region', header: 'Region', type: 'text' },
                { key: 'collector', header: 'Collector', type: 'text' },
                { key: 'amount', header: `Target (${company.currency})`, type: 'money' },
                { key: 'updatedBy', header: 'Set by', type: 'text' },
              ],
              rows: targets.map((entry) => [
                entry.month,
                entry.region,
                entry.collector,
                { amount: entry.amount, exponent: company.currencyExponent },
                entry.updatedBy,
              ]),
            },
          ],
          json: {
            company: company.code,
            currency: company.currency,
            targets: targets.map((entry) => ({
              month: entry.month,
              region: entry.region,
              collector: entry.collector,
              amount: formatMinor(entry.amount, company.currencyExponent),
              updatedBy: entry.updatedBy,
              updatedAt: entry.updatedAt,
            })),
          },
        },
        output,
      );
    });
  });
}

/** Registers `ardesk cash receipt ...` and `ardesk collections ...`. */
export function registerCashCommands(program: Command): void {
  const cash = program.command('cash').description('regional cash receipts with maker-checker approval');
  registerReceiptCommands(cash);
  registerCollectionsCommands(program);
}
