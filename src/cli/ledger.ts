import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import {
  addHoliday,
  definePaymentTerm,
  ensureCompany,
  findCompany,
  getCompany,
  listCompanies,
  listPaymentTerms,
  parseInstalmentRules,
  listFxRates,
  setFxRate,
} from '../ledger/index.js';
import { isIsoDate } from '../shared/dates.js';
import { FileRowError, InputError } from '../shared/errors.js';
import { rateToFraction } from '../shared/money.js';
import { recordAudit } from '../audit/index.js';
import { cliActor } from '../auth/actor.js';
import { addDbOptions, withDb } from './context.js';
import { checkOutputOptions, outputFormats, writeOutput } from './output.js';

const currencyPattern = /^[A-Z]{3}$/;

function checkCurrency(code: string, field: string): string {
  if (!currencyPattern.test(code)) {
    throw new InputError(`invalid currency "${code}": use an ISO 4217 code such as USD`, 'invalid_currency', field);
  }
  return code;
}

function checkDate(date: string, field: string): string {
  if (!isIsoDate(date)) {
    throw new InputError(`invalid date "${date}": use YYYY-MM-DD`, 'invalid_date', field);
  }
  return date;
}

/** Returns the problem with a rate, or null when it is a positive decimal. */
function rateProblem(rate: string): string | null {
  try {
    return rateToFraction(rate).numerator > 0n ? null : 'the rate must be above zero';
  } catch {
    return 'not a positive decimal number';
  }
}

/** Parses weekend days such as `6,7` (ISO weekdays, 1 = Monday). */
function parseWeekend(text: string): number[] {
  const days = text.split(',').map((part) => Number(part.trim()));
  if (days.some((day) => !Number.isInteger(day) || day < 1 || day > 7)) {
    throw new InputError(
      `invalid --weekend "${text}": use ISO weekday numbers 1 (Monday) to 7 (Sunday), such as 5,6`,
      'invalid_weekend',
      'weekend',
    );
  }
  return days;
}

function registerCompanyCommands(program: Command): void {
  const company = program.command('company').description('companies and their business calendars');
  addDbOptions(
    company
      .command('add <code>')
      .description('create a company with its local currency and weekend days')
      .requiredOption('--currency <code>', 'ISO 4217 local currency')
      .option('--name <name>', 'company name (default: the code)')
      .option('--weekend <days>', 'weekend as ISO weekday numbers, 1 = Monday', '6,7'),
  ).action(async (code: string, options: { currency: string; name?: string; weekend: string; dataDir?: string }) => {
    const currency = checkCurrency(options.currency, 'currency');
    const weekendDays = parseWeekend(options.weekend);
    await withDb(options, async (db) => {
      const created = await db.transaction(async (tx) => {
        const existing = await findCompany(tx, code);
        const company = await ensureCompany(tx, { code, name: options.name, currency, weekendDays });
        if (!existing) {
          await recordAudit(tx, {
            actor: cliActor(),
            action: 'company.add',
            entity: 'company',
            entityId: company.code,
            companyId: company.companyId,
            after: company,
          });
        }
        return company;
      });
      console.log(`company ${created.code} (${created.name}) keeps its books in ${created.currency}`);
    });
  });
  addDbOptions(
    company
      .command('list')
      .description('list the companies')
      .option('--format <format>', `output format: ${outputFormats.join(', ')}`, 'table')
      .option('--output <file>', 'write to this file instead of standard output (required for xlsx)'),
  ).action(async (options: { format: string; output?: string; dataDir?: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withDb(options, async (db) => {
      const companies = await listCompanies(db);
      await writeOutput(
        {
          tables: [
            {
              title: 'Companies',
              columns: [
                { key: 'code', header: 'Code', type: 'text' },
                { key: 'name', header: 'Name', type: 'text' },
                { key: 'currency', header: 'Currency', type: 'text' },
                { key: 'weekendDays', header: 'Weekend days (1 = Monday)', type: 'text' },
              ],
              rows: companies.map((row) => [row.code, row.name, row.currency, row.weekendDays.join(',')]),
            },
          ],
          json: {
            companies: companies.map((row) => ({
              code: row.code,
              name: row.name,
              currency: row.currency,
              weekendDays: row.weekendDays,
            })),
          },
        },
        output,
      );
    });
  });
  addDbOptions(
    company
      .command('holiday <code> <date> [name]')
      .description('add a holiday to a company calendar (due dates and maturities skip it)'),
  ).action(async (code: string, date: string, name: string | undefined, options: { dataDir?: string }) => {
    checkDate(date, 'date');
    await withDb(options, async (db) => {
      const found = await getCompany(db, code);
      await db.transaction(async (tx) => {
        await addHoliday(tx, found.companyId, date, name ?? '');
        await recordAudit(tx, {
          actor: cliActor(),
          action: 'company.holiday',
          entity: 'business_holiday',
          entityId: `${found.code}/${date}`,
          companyId: found.companyId,
          after: { date, name: name ?? '' },
        });
      });
      console.log(`${date} is a holiday of ${found.code}`);
    });
  });
}

function registerFxCommands(program: Command): void {
  const fx = program.command('fx').description('dated exchange rates used to convert items to local currency');
  addDbOptions(
    fx
      .command('set <from> <to> <date> <rate>')
      .description('store the rate: units of <to> for one unit of <from>, valid from <date>'),
  ).action(async (from: string, to: string, date: string, rate: string, options: { dataDir?: string }) => {
    checkCurrency(from, 'from');
    checkCurrency(to, 'to');
    if (from === to) throw new InputError(`invalid rate from ${from} to ${to}: the currencies must differ`, 'invalid_currency', 'to');
    checkDate(date, 'date');
    const problem = rateProblem(rate);
    if (problem) throw new InputError(`invalid rate "${rate}": ${problem}`, 'invalid_rate', 'rate');
    await withDb(options, async (db) => {
      await db.transaction(async (tx) => {
        await setFxRate(tx, from, to, date, rate);
        await recordAudit(tx, {
          actor: cliActor(),
          action: 'fx.set',
          entity: 'fx_rate',
          entityId: `${from}/${to}/${date}`,
          after: { from, to, date, rate },
        });
      });
      console.log(`1 ${from} = ${rate} ${to} from ${date}`);
    });
  });
  addDbOptions(
    fx
      .command('list')
      .description('list the stored rates by currency pair and date')
      .option('--from <currency>', 'only rates from this currency')
      .option('--to <currency>', 'only rates to this currency')
      .option('--format <format>', `output format: ${outputFormats.join(', ')}`, 'table')
      .option('--output <file>', 'write to this file instead of standard output (required for xlsx)'),
  ).action(async (options: { from?: string; to?: string; format: string; output?: string; dataDir?: string }) => {
    if (options.from !== undefined) checkCurrency(options.from, 'from');
    if (options.to !== undefined) checkCurrency(options.to, 'to');
    const output = checkOutputOptions(options.format, options.output);
    await withDb(options, async (db) => {
      const rates = await listFxRates(db, { from: options.from, to: options.to });
      await writeOutput(
        {
          tables: [
            {
              title: 'Exchange rates',
              columns: [
                { key: 'from', header: 'From', type: 'text' },
                { key: 'to', header: 'To', type: 'text' },
                { key: 'date', header: 'Valid from', type: 'text' },
                { key: 'rate', header: 'Rate', type: 'text' },
              ],
              rows: rates.map((rate) => [rate.from, rate.to, rate.date, rate.rate]),
            },
          ],
          json: { rates },
        },
        output,
      );
    });
  });
  addDbOptions(
    fx
      .command('import <file>')
      .description('store rates from a CSV file with the header from,to,date,rate (all or nothing)'),
  ).action(async (file: string, options: { dataDir?: string }) => {
    const rows = readRateFile(file);
    await withDb(options, async (db) => {
      await db.transaction(async (tx) => {
        for (const row of rows) await setFxRate(tx, row.from, row.to, row.date, row.rate);
        await recordAudit(tx, {
          actor: cliActor(),
          action: 'fx.import',
          entity: 'fx_rate',
          entityId: null,
          after: { file, rates: rows },
        });
      });
      console.log(`stored ${rows.length} rates from ${file}`);
    });
  });
}

interface RateRow {
  from: string;
  to: string;
  date: string;
  rate: string;
}

/** Reads and checks every row of a rate file before anything is stored. */
function readRateFile(file: string): RateRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new InputError(`failed to read rate file ${file}: ${reason}`, 'file_not_readable', 'file');
  }
  let records: Record<string, string | undefined>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string | undefined>[];
  } catch (error) {
    throw new InputError(
      `${file}: ${(error as Error).message}; expected comma-separated columns from,to,date,rate with a header line`,
      'invalid_file',
      'file',
    );
  }
  const header = Object.keys(records[0] ?? {});
  const missing = ['from', 'to', 'date', 'rate'].filter((column) => records.length > 0 && !header.includes(column));
  if (missing.length > 0) {
    throw new InputError(
      `${file}: missing column ${missing.join(', ')}; expected comma-separated columns from,to,date,rate with a header line`,
      'invalid_file',
      'file',
    );
  }
  return records.map((record, index) => {
    const line = index + 2;
    const cell = (column: keyof RateRow): string => {
      const value = record[column];
      if (value === undefined || value === '') {
        throw new FileRowError(file, line, column, '', 'missing value');
      }
      return value;
    };
    const row = { from: cell('from'), to: cell('to'), date: cell('date'), rate: cell('rate') };
    for (const column of ['from', 'to'] as const) {
      if (!currencyPattern.test(row[column])) {
        throw new FileRowError(file, line, column, row[column], 'not an ISO 4217 currency code');
      }
    }
    if (row.from === row.to) throw new FileRowError(file, line, 'to', row.to, 'the same currency as "from"');
    if (!isIsoDate(row.date)) throw new FileRowError(file, line, 'date', row.date, 'not a date as YYYY-MM-DD');
    const problem = rateProblem(row.rate);
    if (problem) throw new FileRowError(file, line, 'rate', row.rate, problem);
    return row;
  });
}

function registerTermsCommands(program: Command): void {
  const terms = program.command('terms').description('payment terms that split invoices into instalments');
  addDbOptions(
    terms
      .command('add <company> <code>')
      .description('define a payment term; invoices imported later with this term are split into its instalments')
      .requiredOption('--instalments <list>', 'share:days pairs, for example 50:30,50:60 (shares in %, adding to 100)')
      .option('--description <text>', 'description', '')
      .option('--roll', 'move due dates off weekends and holidays to the next business day'),
  ).action(
    async (
      company: string,
      code: string,
      options: { instalments: string; description: string; roll?: boolean; dataDir?: string },
    ) => {
      const instalments = parseInstalmentRules(options.instalments);
      await withDb(options, async (db) => {
        const term = {
          code,
          description: options.description,
          rollToBusinessDay: options.roll ?? false,
          instalments,
        };
        await db.transaction(async (tx) => {
          await definePaymentTerm(tx, company, term);
          await recordAudit(tx, {
            actor: cliActor(),
            action: 'terms.add',
            entity: 'payment_term',
            entityId: `${company}/${code}`,
            companyId: (await getCompany(tx, company)).companyId,
            after: term,
          });
        });
        console.log(`payment term ${code} of ${company}: ${instalments.length} instalment(s)`);
      });
    },
  );
  addDbOptions(
    terms
      .command('list <company>')
      .description("list a company's payment terms")
      .option('--format <format>', `output format: ${outputFormats.join(', ')}`, 'table')
      .option('--output <file>', 'write to this file instead of standard output (required for xlsx)'),
  ).action(async (company: string, options: { format: string; output?: string; dataDir?: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withDb(options, async (db) => {
      const found = await getCompany(db, company);
      const list = await listPaymentTerms(db, found.companyId);
      const instalmentText = (term: (typeof list)[number]) =>
        term.instalments.map((rule) => `${rule.shareBp / 100}%:${rule.dueDays}d`).join(', ');
      await writeOutput(
        {
          tables: [
            {
              title: `Payment terms of ${found.code}`,
              columns: [
                { key: 'code', header: 'Code', type: 'text' },
                { key: 'instalments', header: 'Instalments (share:days)', type: 'text' },
                { key: 'roll', header: 'Due dates on business days', type: 'text' },
                { key: 'description', header: 'Description', type: 'text' },
              ],
              rows: list.map((term) => [term.code, instalmentText(term), term.rollToBusinessDay ? 'yes' : 'no', term.description]),
            },
          ],
          json: {
            company: found.code,
            terms: list.map((term) => ({
              code: term.code,
              description: term.description,
              rollToBusinessDay: term.rollToBusinessDay,
              instalments: term.instalments.map((rule) => ({ sharePercent: rule.shareBp / 100, dueDays: rule.dueDays })),
            })),
          },
        },
        output,
      );
    });
  });
}

/** Registers the ledger set-up commands: company, fx and terms. */
export function registerLedgerCommands(program: Command): void {
  registerCompanyCommands(program);
  registerFxCommands(program);
  registerTermsCommands(program);
}
