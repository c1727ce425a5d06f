/**
 * `ardesk dunning`: dunning levels, the proposal as of a date, runs and
 * their approval, sending the letters by mail or to print, and a
 * customer's dunning history.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  dunningSettingsToJson,
  loadDunningSettings,
  setDunningLevels,
  type DunningLevelsJson,
} from '../collections/dunning-levels.js';
import { checkAsOf, proposalToJson, proposeDunning, totalToJson, type CurrencyTotal, type DunningItem } from '../collections/dunning-proposal.js';
import { letterFileName, renderLetterPdf, sendDunningRun } from '../collections/dunning-send.js';
import {
  approveDunningRun,
  createDunningRun,
  customerDunningHistory,
  dropDunningLetter,
  listDunningRuns,
  loadDunningLetter,
  loadDunningRun,
  type DunningLetter,
  type DunningRun,
} from '../collections/dunning.js';
import { loadCurrencyExponents } from '../ledger/index.js';
import { InputError } from '../shared/errors.js';
import { formatMinor, formatMinorGrouped } from '../shared/money.js';
import { addDbOptions, withDb } from './context.js';
import { actorFor, companyFor, findCustomerId } from './options.js';
import { checkOutputOptions, outputFormats, writeOutput, type OutputCell, type OutputColumn, type OutputDocument, type OutputTable } from './output.js';

interface OutputChoice {
  dataDir?: string;
  company?: string;
  format: string;
  output?: string;
}

const asOption = ['--as <email>', 'act as this user, with their role and scope (approval needs a second person)'] as const;

function withOutput(command: Command): Command {
  return command
    .option('--format <format>', `output format: ${outputFormats.join(', ')}`, 'table')
    .option('--output <file>', 'write to this file instead of standard output (required for xlsx)');
}

function parseId(text: string, field: string): bigint {
  if (!/^\d{1,18}$/.test(text)) throw new InputError(`invalid ${field} "${text}": use the number the run or letter list shows`, 'invalid_id', field);
  return BigInt(text);
}

const itemColumns: OutputColumn[] = [
  { key: 'customerNumber', header: 'Customer', type: 'text' },
  { key: 'customerName', header: 'Name', type: 'text' },
  { key: 'letterLevel', header: 'Letter level', type: 'integer' },
  { key: 'documentNumber', header: 'Document', type: 'text' },
  { key: 'dueDate', header: 'Due date', type: 'text' },
  { key: 'daysPastDue', header: 'Days past due', type: 'integer' },
  { key: 'itemLevel', header: 'Item level', type: 'integer' },
  { key: 'currency', header: 'Currency', type: 'text' },
  { key: 'openAmount', header: 'Open amount', type: 'money' },
  { key: 'interest', header: 'Interest', type: 'money' },
  { key: 'fee', header: 'Fee', type: 'money' },
];

interface LetterLike {
  customerNumber: string;
  customerName: string;
  level: number;
  feeCurrency: string | null;
  fee: bigint;
  items: DunningItem[];
}

/** Builds one row per item, with the fee on the letter's first row. */
function letterRows(letter: LetterLike, exponents: ReadonlyMap<string, number>, extra: (index: number) => OutputCell[] = () => []): OutputCell[][] {
  return letter.items.map((item, index) => [
    letter.customerNumber,
    letter.customerName,
    letter.level,
    item.documentNumber,
    item.dueDate,
    item.daysPastDue,
    item.level,
    item.currency,
    { amount: item.openAmount, exponent: item.exponent },
    { amount: item.interest, exponent: item.exponent },
    index === 0 && letter.feeCurrency !== null ? { amount: letter.fee, exponent: exponents.get(letter.feeCurrency) ?? 2 } : null,
    ...extra(index),
  ]);
}

function totalsTable(title: string, totals: readonly CurrencyTotal[]): OutputTable {
  return {
    title,
    columns: [
      { key: 'currency', header: 'Currency', type: 'text' },
      { key: 'openAmount', header: 'Open amount', type: 'money' },
      { key: 'interest', header: 'Interest', type: 'money' },
      { key: 'fee', header: 'Fees', type: 'money' },
      { key: 'total', header: 'Total', type: 'money' },
    ],
    rows: totals.map((total) => [
      total.currency,
      { amount: total.openAmount, exponent: total.exponent },
      { amount: total.interest, exponent: total.exponent },
      { amount: total.fee, exponent: total.exponent },
      { amount: total.total, exponent: total.exponent },
    ]),
  };
}

function letterJson(letter: DunningLetter, exponents: ReadonlyMap<string, number>) {
  return {
    letterId: letter.letterId.toString(),
    runId: letter.runId.toString(),
    asOf: letter.asOf,
    customerNumber: letter.customerNumber,
    customerName: letter.customerName,
    level: letter.level,
    language: letter.language,
    status: letter.status,
    toAddress: letter.toAddress,
    error: letter.error,
    feeCurrency: letter.feeCurrency,
    fee: letter.feeCurrency === null ? null : formatMinor(letter.fee, exponents.get(letter.feeCurrency) ?? 2),
    items: letter.items.map((item) => ({
      documentNumber: item.documentNumber,
      dueDate: item.dueDate,
      daysPastDue: item.daysPastDue,
      level: item.level,
      currency: item.currency,
      openAmount: formatMinor(item.openAmount, item.exponent),
      interest: formatMinor(item.interest, item.exponent),
    })),
    totals: letter.totals.map(totalToJson),
  };
}

function runDocument(run: DunningRun, exponents: ReadonlyMap<string, number>): OutputDocument {
  const approval = run.approvedBy === null ? 'not approved' : `approved by ${run.approvedBy}`;
  return {
    tables: [
      {
        title: `Dunning run ${run.runId} of ${run.company} as of ${run.asOf}: ${run.status}, created by ${run.createdBy}, ${approval}`,
        columns: [{ key: 'letterId', header: 'Letter', type: 'text' }, { key: 'status', header: 'Status', type: 'text' }, ...itemColumns],
        rows: run.letters.flatMap((letter) =>
          letterRows(letter, exponents).map((row, index) => [index === 0 ? letter.letterId.toString() : null, index === 0 ? letter.status : null, ...row]),
        ),
      },
      totalsTable('Totals of the letters not dropped', run.totals),
    ],
    json: {
      runId: run.runId.toString(),
      company: run.company,
      asOf: run.asOf,
      status: run.status,
      source: run.source,
      createdBy: run.createdBy,
      approvedBy: run.approvedBy,
      letters: run.letters.map((letter) => letterJson(letter, exponents)),
      totals: run.totals.map(totalToJson),
    },
  };
}

function registerLevelsCommand(dunning: Command): void {
  addDbOptions(
    withOutput(
      dunning
        .command('levels')
        .description("show the company's dunning levels, or replace them with --set --file")
        .option('--company <code>', 'company code (may be omitted when there is one company)')
        .option('--set', 'replace the levels with those of --file')
        .option('--file <file>', 'levels as JSON, such as examples/dunning/levels.json')
        .option(...asOption),
    ),
  ).action(async (options: OutputChoice & { set?: boolean; file?: string; as?: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    if (options.set && options.file === undefined) throw new InputError('missing --file: --set needs the levels file', 'missing_parameter', 'file');
    await withDb(options, async (db) => {
      const company = await companyFor(db, options.company);
      if (options.set) {
        let input: DunningLevelsJson;
        try {
          input = JSON.parse(await readFile(options.file!, 'utf8')) as DunningLevelsJson;
        } catch (error) {
          throw new InputError(`${options.file}: not a readable JSON file (${(error as Error).message})`, 'invalid_file', 'file');
        }
        await setDunningLevels(db, company.companyId, input, await actorFor(db, options.as));
      }
      const exponents = await loadCurrencyExponents(db);
      const json = dunningSettingsToJson(await loadDunningSettings(db, company.companyId), exponents);
      await writeOutput(
        {
          tables: [
            {
              title: `Dunning levels of ${company.code}: another letter at the same level after ${json.minIntervalDays} days at the earliest`,
              columns: [
                { key: 'level', header: 'Level', type: 'integer' },
                { key: 'minDaysPastDue', header: 'From days past due', type: 'integer' },
                { key: 'interestRate', header: 'Annual interest', type: 'decimal' },
                { key: 'fees', header: 'Fees', type: 'text' },
                { key: 'subject', header: 'Subject (en)', type: 'text' },
              ],
              rows: json.levels.map((level) => [
                level.level,
                level.minDaysPastDue,
                level.interestRate,
                Object.entries(level.fees).map(([currency, fee]) => `${fee} ${currency}`).join(', ') || null,
                level.texts.en?.subject ?? null,
              ]),
            },
          ],
          json,
        },
        output,
      );
    });
  });
}

function registerProposeCommands(dunning: Command): void {
  addDbOptions(
    withOutput(
      dunning
        .command('propose')
        .description('show the letters a run would hold as of a date, without storing anything')
        .requiredOption('--as-of <date>', 'the dunning date, YYYY-MM-DD')
        .option('--company <code>', 'company code (may be omitted when there is one company)'),
    ),
  ).action(async (options: OutputChoice & { asOf: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    const asOf = checkAsOf(options.asOf, '--as-of');
    await withDb(options, async (db) => {
      const company = await companyFor(db, options.company);
      const [proposal, exponents] = await Promise.all([proposeDunning(db, company, asOf), loadCurrencyExponents(db)]);
      await writeOutput(
        {
          tables: [
            {
              title: `Dunning proposal of ${company.code} as of ${asOf}: ${proposal.letters.length} letters`,
              columns: itemColumns,
              rows: proposal.letters.flatMap((letter) => letterRows(letter, exponents)),
            },
            totalsTable('Totals', proposal.totals),
          ],
          json: proposalToJson(proposal, exponents),
        },
        output,
      );
    });
  });

  addDbOptions(
    dunning
      .command('run')
      .description('store the proposal as of a date as a run for review and approval')
      .requiredOption('--as-of <date>', 'the dunning date, YYYY-MM-DD')
      .option('--company <code>', 'company code (may be omitted when there is one company)')
      .option(...asOption),
  ).action(async (options: { dataDir?: string; company?: string; asOf: string; as?: string }) => {
    const asOf = checkAsOf(options.asOf, '--as-of');
    await withDb(options, async (db) => {
      const company = await companyFor(db, options.company);
      const run = (await createDunningRun(db, company, asOf, await actorFor(db, options.as)))!;
      const totals = run.totals.map((total) => `${formatMinorGrouped(total.total, total.exponent)} ${total.currency}`).join(', ') || 'nothing';
      console.log(`dunning run ${run.runId} of ${company.code} as of ${asOf}: ${run.letters.length} letters, ${totals}; awaiting approval by a second person`);
    });
  });
}

function registerRunCommands(dunning: Command): void {
  addDbOptions(
    withOutput(dunning.command('runs').description("list the company's dunning runs, newest first").option('--company <code>', 'company code')),
  ).action(async (options: OutputChoice) => {
    const output = checkOutputOptions(options.format, options.output);
    await withDb(options, async (db) => {
      const company = await companyFor(db, options.company);
      const runs = await listDunningRuns(db, company.companyId);
      const columns: OutputColumn[] = [
        { key: 'runId', header: 'Run', type: 'text' },
        { key: 'asOf', header: 'As of', type: 'text' },
        { key: 'status', header: 'Status', type: 'text' },
        { key: 'source', header: 'Source', type: 'text' },
        { key: 'createdBy', header: 'Created by', type: 'text' },
        { key: 'approvedBy', header: 'Approved by', type: 'text' },
        { key: 'letters', header: 'Letters', type: 'integer' },
        { key: 'dropped', header: 'Dropped', type: 'integer' },
        { key: 'sent', header: 'Sent', type: 'integer' },
        { key: 'failed', header: 'Failed', type: 'integer' },
      ];
      const rows = runs.map((run) => [run.runId.toString(), run.asOf, run.status, run.source, run.createdBy, run.approvedBy, run.letters, run.dropped, run.sent, run.failed]);
      await writeOutput({ tables: [{ title: `Dunning runs of ${company.code}`, columns, rows }] }, output);
    });
  });

  addDbOptions(withOutput(dunning.command('show').description('show a run with its letters and items').argument('<run>', 'run number'))).action(
    async (runText: string, options: OutputChoice) => {
      const output = checkOutputOptions(options.format, options.output);
      await withDb(options, async (db) => {
        const run = await loadDunningRun(db, parseId(runText, 'run'));
        await writeOutput(runDocument(run, await loadCurrencyExponents(db)), output);
      });
    },
  );

  addDbOptions(
    dunning
      .command('drop')
      .description('take a letter out of a run before approval')
      .argument('<run>', 'run number')
      .argument('<letter>', 'letter number, as `dunning show` lists it')
      .option('--reason <text>', 'why the letter is dropped')
      .option(...asOption),
  ).action(async (runText: string, letterText: string, options: { dataDir?: string; reason?: string; as?: string }) => {
    await withDb(options, async (db) => {
      await dropDunningLetter(db, parseId(runText, 'run'), parseId(letterText, 'letter'), options.reason ?? null, await actorFor(db, options.as));
      console.log(`letter ${letterText} dropped from dunning run ${runText}`);
    });
  });

  addDbOptions(
    dunning
      .command('approve')
      .description("approve a run; the approver needs dunning.approve and must not be the run's creator")
      .argument('<run>', 'run number')
      .option(...asOption),
  ).action(async (runText: string, options: { dataDir?: string; as?: string }) => {
    await withDb(options, async (db) => {
      const run = await approveDunningRun(db, parseId(runText, 'run'), await actorFor(db, options.as));
      const kept = run.letters.filter((letter) => letter.status !== 'dropped').length;
      console.log(`dunning run ${run.runId} approved by ${run.approvedBy}: ${kept} letters`);
    });
  });
}

function registerSendCommands(dunning: Command): void {
  addDbOptions(
    dunning
      .command('send')
      .description("mail an approved run's letters as PDF to the customers' collections contacts")
      .argument('<run>', 'run number')
      .option('--print <file>', 'write the letters of customers without a contact into this PDF file')
      .option('--smtp <url>', 'mail server, smtp://host:port (default $ARDESK_SMTP_URL)')
      .option('--from-address <address>', 'sender address (default $ARDESK_MAIL_FROM)')
      .option(...asOption),
  ).action(async (runText: string, options: { dataDir?: string; print?: string; smtp?: string; fromAddress?: string; as?: string }) => {
    await withDb(options, async (db) => {
      const mail = { ...(options.smtp === undefined ? {} : { url: options.smtp }), ...(options.fromAddress === undefined ? {} : { from: options.fromAddress }) };
      const result = await sendDunningRun(db, parseId(runText, 'run'), await actorFor(db, options.as), { mail, printFile: options.print });
      for (const outcome of result.outcomes) {
        const where = outcome.to ?? (outcome.status === 'printed' ? options.print : 'no contact: use --print FILE');
        console.log(`${outcome.customerNumber}: ${outcome.status} (${where})${outcome.error ? `: ${outcome.error}` : ''}`);
      }
      console.log(`sent ${result.sent}, failed ${result.failed}, printed ${result.printed}, still to print ${result.toPrint}, dropped as paid ${result.paid}`);
      if (result.failed > 0) process.exitCode = 1;
    });
  });

  addDbOptions(
    dunning
      .command('letter')
      .description('write one letter as PDF')
      .argument('<letter>', 'letter number')
      .option('--output <file>', 'PDF file (default: the letter file name in the current folder)'),
  ).action(async (letterText: string, options: { dataDir?: string; output?: string }) => {
    await withDb(options, async (db) => {
      const { company, letter } = await loadDunningLetter(db, parseId(letterText, 'letter'));
      const file = options.output ?? letterFileName(company, letter);
      try {
        await writeFile(file, await renderLetterPdf(db, company, letter));
      } catch (error) {
        if (error instanceof InputError) throw error;
        throw new InputError(`failed to write ${file}: ${(error as Error).message}`, 'output_not_writable', 'output');
      }
      console.log(file);
    });
  });

  addDbOptions(
    withOutput(
      dunning
        .command('history')
        .description("a customer's dunning letters, newest first")
        .argument('<customer>', 'customer number')
        .option('--company <code>', 'company code'),
    ),
  ).action(async (customerNumber: string, options: OutputChoice) => {
    const output = checkOutputOptions(options.format, options.output);
    await withDb(options, async (db) => {
      const company = await companyFor(db, options.company);
      const customerId = await findCustomerId(db, company, customerNumber);
      const [letters, exponents] = await Promise.all([customerDunningHistory(db, company.companyId, customerId), loadCurrencyExponents(db)]);
      await writeOutput(
        {
          tables: [
            {
              title: `Dunning history of ${customerNumber} (${company.code})`,
              columns: [
                { key: 'asOf', header: 'As of', type: 'text' },
                { key: 'runId', header: 'Run', type: 'text' },
                { key: 'letterId', header: 'Letter', type: 'text' },
                { key: 'level', header: 'Level', type: 'integer' },
                { key: 'status', header: 'Status', type: 'text' },
                { key: 'to', header: 'Sent to', type: 'text' },
                { key: 'total', header: 'Total', type: 'text' },
              ],
              rows: letters.map((letter) => [
                letter.asOf,
                letter.runId.toString(),
                letter.letterId.toString(),
                letter.level,
                letter.status,
                letter.toAddress,
                letter.totals.map((total) => `${formatMinorGrouped(total.total, total.exponent)} ${total.currency}`).join(', '),
              ]),
            },
          ],
          json: { customerNumber, company: company.code, letters: letters.map((letter) => letterJson(letter, exponents)) },
        },
        output,
      );
    });
  });
}

export function registerDunningCommands(program: Command): void {
  const dunning = program.command('dunning').description('dunning levels, proposals, runs, approval and letters');
  registerLevelsCommand(dunning);
  registerProposeCommands(dunning);
  registerRunCommands(dunning);
  registerSendCommands(dunning);
}
