import type { Command } from 'commander';
import { cliActor } from '../auth/actor.js';
import { getBankAccount } from '../cash/accounts.js';
import {
  addCheck,
  addDepositSlip,
  cancelCheck,
  checkExposure,
  checkStatuses,
  checksToDeposit,
  clearCheck,
  depositCheck,
  getCheck,
  getCheckSettings,
  listChecks,
  listDepositSlips,
  maturitySchedule,
  replaceCheck,
  returnCheck,
  returnedChecks,
  returnReasons,
  safeCheck,
  scheduleGroupings,
  setCheckSettings,
  type Check,
  type CheckStatus,
  type ReturnReason,
  type ScheduleGrouping,
} from '../checks/index.js';
import type { Db, Queryable } from '../db/types.js';
import { currencyExponent } from '../ledger/currencies.js';
import { getCompany } from '../ledger/index.js';
import type { Company } from '../ledger/types.js';
import { isIsoDate } from '../shared/dates.js';
import { documentLines } from '../ledger/document-lines.js';
import { InputError } from '../shared/errors.js';
import { AmountFormatError, formatMinor, parseDecimal } from '../shared/money.js';
import { addDbOptions, withDb } from './context.js';
import { findCustomerId } from './options.js';
import { checkOutputOptions, outputFormats, writeOutput, type OutputColumn, type OutputDocument } from './output.js';

const formatHelp = `output format: ${outputFormats.join(', ')}`;

function date(text: string, field: string): string {
  if (!isIsoDate(text)) throw new InputError(`invalid --${field} "${text}": use YYYY-MM-DD`, 'invalid_date', field);
  return text;
}

function checkId(text: string): bigint {
  if (!/^\d{1,18}$/.test(text)) throw new InputError(`invalid check id "${text}": digits only`, 'invalid_id', 'checkId');
  return BigInt(text);
}

async function amount(db: Queryable, text: string, currency: string, field: string): Promise<bigint> {
  const exponent = await currencyExponent(db, currency.toUpperCase()).catch(() => {
    throw new InputError(`unknown currency "${currency}": use an ISO 4217 code`, 'invalid_currency', 'currency');
  });
  try {
    return parseDecimal(text, exponent);
  } catch (error) {
    if (error instanceof AmountFormatError) throw new InputError(`invalid --${field}: ${error.message}`, 'invalid_amount', field);
    throw error;
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Reads `--item DOCUMENT=AMOUNT` options into the customer's item ids; an
 * invoice on instalments shares the amount over its open instalments.
 */
async function itemLines(db: Queryable, company: Company, customer: bigint, items: readonly string[], currency: string) {
  const requests = [];
  for (const text of items) {
    const match = /^(.+)=([^=]+)$/.exec(text);
    if (!match) throw new InputError(`invalid --item "${text}": use DOCUMENT=AMOUNT`, 'invalid_item', 'item');
    requests.push({ document: match[1]!, amount: await amount(db, match[2]!, currency, 'item') });
  }
  return documentLines(db, company.companyId, [customer], requests, '--item');
}

const checkColumns: OutputColumn[] = [
  { key: 'checkId', header: 'Id', type: 'text' },
  { key: 'customerNumber', header: 'Customer', type: 'text' },
  { key: 'drawer', header: 'Drawer', type: 'text' },
  { key: 'drawerBank', header: 'Drawer bank', type: 'text' },
  { key: 'checkNumber', header: 'Check number', type: 'text' },
  { key: 'currency', header: 'Currency', type: 'text' },
  { key: 'amount', header: 'Amount', type: 'money' },
  { key: 'receivedDate', header: 'Received', type: 'text' },
  { key: 'maturityDate', header: 'Maturity', type: 'text' },
  { key: 'businessMaturityDate', header: 'Business maturity', type: 'text' },
  { key: 'status', header: 'Status', type: 'text' },
];

function checksDocument(title: string, checks: readonly Check[]): OutputDocument {
  return {
    tables: [
      {
        title,
        columns: checkColumns,
        rows: checks.map((check) => [
          check.checkId.toString(),
          check.customerNumber,
          check.drawer,
          check.drawerBank,
          check.checkNumber,
          check.currency,
          { amount: check.amount, exponent: check.currencyExponent },
          check.receivedDate,
          check.maturityDate,
          check.businessMaturityDate,
          check.status,
        ]),
      },
    ],
  };
}

function describeCheck(check: Check): string {
  const money = `${formatMinor(check.amount, check.currencyExponent)} ${check.currency}`;
  return `check ${check.checkId} (number ${check.checkNumber}, ${check.drawerBank}, ${money}) of ${check.customerNumber} is ${check.status}`;
}

interface DbOptions {
  dataDir?: string;
}

interface OutputChoice extends DbOptions {
  format: string;
  output?: string;
}

function withOutput(command: Command): Command {
  return command.option('--format <format>', formatHelp, 'table').option('--output <file>', 'write to this file instead of standard output');
}

async function withCompany<T>(options: DbOptions & { company: string }, work: (db: Db, company: Company) => Promise<T>): Promise<T> {
  return withDb(options, async (db) => work(db, await getCompany(db, options.company)));
}

export function registerCheckCommands(program: Command): void {
  const checks = program.command('checks').description('the check register: post-dated, deposited, cleared and returned checks');

  addDbOptions(
    checks
      .command('add')
      .description('register a received check')
      .requiredOption('--company <code>', 'company code')
      .requiredOption('--customer <number>', 'customer number')
      .requiredOption('--drawer <name>', 'who wrote the check')
      .requiredOption('--drawer-bank <name>', "the drawer's bank")
      .requiredOption('--check-number <number>', 'the number printed on the check')
      .requiredOption('--currency <code>', 'ISO 4217 currency')
      .requiredOption('--amount <decimal>', 'amount, such as 1250.00')
      .requiredOption('--issue-date <date>', 'the date written on the check')
      .requiredOption('--maturity-date <date>', 'the first day it may be presented')
      .requiredOption('--received-date <date>', 'the day it was received')
      .option('--certified', 'a certified check')
      .option('--item <document=amount>', 'an item the check is meant to pay; repeat for several', collect)
      .option('--note <text>', 'a note for the check history'),
  ).action(
    async (options: DbOptions & {
      company: string;
      customer: string;
      drawer: string;
      drawerBank: string;
      checkNumber: string;
      currency: string;
      amount: string;
      issueDate: string;
      maturityDate: string;
      receivedDate: string;
      certified?: boolean;
      item?: string[];
      note?: string;
    }) => {
      await withCompany(options, async (db, company) => {
        const customer = await findCustomerId(db, company, options.customer);
        const currency = options.currency.toUpperCase();
        const check = await addCheck(
          db,
          company,
          {
            customerId: customer,
            drawer: options.drawer,
            drawerBank: options.drawerBank,
            checkNumber: options.checkNumber,
            currency,
            amount: await amount(db, options.amount, currency, 'amount'),
            issueDate: date(options.issueDate, 'issue-date'),
            maturityDate: date(options.maturityDate, 'maturity-date'),
            receivedDate: date(options.receivedDate, 'received-date'),
            certified: options.certified ?? false,
            lines: await itemLines(db, company, customer, options.item ?? [], currency),
            note: options.note,
          },
          cliActor(),
        );
        console.log(`${describeCheck(check)}${check.postDated ? `, post-dated to ${check.maturityDate}` : ''}`);
      });
    },
  );

  addDbOptions(
    withOutput(
      checks
        .command('list')
        .description('list the checks of a company')
        .requiredOption('--company <code>', 'company code')
        .option('--status <status>', `only checks in this state: ${checkStatuses.join(', ')}`)
        .option('--customer <number>', 'only the checks of this customer')
        .option('--from <date>', 'received on or after')
        .option('--to <date>', 'received on or before'),
    ),
  ).action(async (options: OutputChoice & { company: string; status?: string; customer?: string; from?: string; to?: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withCompany(options, async (db, company) => {
      const list = await listChecks(db, company.companyId, cliActor().scope, {
        status: options.status as CheckStatus | undefined,
        customerId: options.customer === undefined ? undefined : await findCustomerId(db, company, options.customer),
        from: options.from === undefined ? undefined : date(options.from, 'from'),
        to: options.to === undefined ? undefined : date(options.to, 'to'),
      });
      await writeOutput(checksDocument(`Checks of ${company.code}`, list), output);
    });
  });

  addDbOptions(checks.command('show <id>').description('show a check and its history')).action(async (id: string, options: DbOptions) => {
    await withDb(options, async (db) => {
      const { check, events } = await getCheck(db, checkId(id), cliActor().scope);
      console.log(describeCheck(check));
      for (const event of events) {
        console.log(`  ${event.eventDate}  ${event.fromStatus ?? '-'} -> ${event.toStatus}  ${event.actor}${event.note ? `  ${event.note}` : ''}`);
      }
    });
  });

  const simple = [
    ['safe', 'put a received check in the safe', safeCheck],
    ['clear', 'clear a deposited check: it is posted as a payment on the date', clearCheck],
    ['cancel', 'cancel a check not yet deposited', cancelCheck],
  ] as const;
  for (const [name, description, work] of simple) {
    addDbOptions(
      checks
        .command(`${name} <id>`)
        .description(description)
        .requiredOption('--date <date>', 'the day it happened')
        .option('--note <text>', 'a note for the check history'),
    ).action(async (id: string, options: DbOptions & { date: string; note?: string }) => {
      await withDb(options, async (db) => {
        const check = await work(db, checkId(id), { date: date(options.date, 'date'), note: options.note }, cliActor());
        console.log(`${describeCheck(check)} since ${options.date}`);
      });
    });
  }

  addDbOptions(
    checks
      .command('deposit <id>')
      .description('deposit one check on a slip of its own; not before its business-day maturity')
      .requiredOption('--date <date>', 'the deposit day')
      .requiredOption('--account <number>', 'the bank account deposited to')
      .option('--note <text>', 'a note for the check history'),
  ).action(async (id: string, options: DbOptions & { date: string; account: string; note?: string }) => {
    await withDb(options, async (db) => {
      const account = await getBankAccount(db, options.account);
      const check = await depositCheck(
        db,
        checkId(id),
        { bankAccountId: account.bankAccountId, date: date(options.date, 'date'), note: options.note },
        cliActor(),
      );
      console.log(`${describeCheck(check)} on slip ${check.slipId} since ${options.date}`);
    });
  });

  addDbOptions(
    checks
      .command('return <id>')
      .description('record a check the bank returned unpaid')
      .requiredOption('--date <date>', 'the day it came back')
      .requiredOption('--reason <code>', `one of ${returnReasons.join(', ')}`)
      .option('--text <text>', "the bank's words"),
  ).action(async (id: string, options: DbOptions & { date: string; reason: string; text?: string }) => {
    await withDb(options, async (db) => {
      const { check, proposals } = await returnCheck(
        db,
        checkId(id),
        { date: date(options.date, 'date'), reason: options.reason as ReturnReason, text: options.text },
        cliActor(),
      );
      console.log(`${describeCheck(check)} since ${options.date} (${options.reason})`);
      for (const proposal of proposals) console.log(`proposed ${proposal.kind} for ${check.customerNumber}: ${proposal.reason}`);
    });
  });

  addDbOptions(
    checks
      .command('replace <id>')
      .description('replace a check by a new one of the same customer')
      .requiredOption('--date <date>', 'the day the new check came')
      .requiredOption('--check-number <number>', 'number of the new check')
      .requiredOption('--amount <decimal>', 'amount of the new check')
      .requiredOption('--maturity-date <date>', 'maturity of the new check')
      .option('--issue-date <date>', 'issue date of the new check (default: --date)')
      .option('--drawer <name>', 'drawer of the new check (default: the old one)')
      .option('--drawer-bank <name>', "drawer's bank of the new check (default: the old one)")
      .option('--currency <code>', 'currency of the new check (default: the old one)')
      .option('--certified', 'the new check is certified')
      .option('--note <text>', 'a note for the check history'),
  ).action(
    async (
      id: string,
      options: DbOptions & {
        date: string;
        checkNumber: string;
        amount: string;
        maturityDate: string;
        issueDate?: string;
        drawer?: string;
        drawerBank?: string;
        currency?: string;
        certified?: boolean;
        note?: string;
      },
    ) => {
      await withDb(options, async (db) => {
        const { check: old } = await getCheck(db, checkId(id), cliActor().scope);
        const currency = (options.currency ?? old.currency).toUpperCase();
        const { replacement } = await replaceCheck(
          db,
          old.checkId,
          {
            date: date(options.date, 'date'),
            note: options.note,
            replacement: {
              drawer: options.drawer ?? old.drawer,
              drawerBank: options.drawerBank ?? old.drawerBank,
              checkNumber: options.checkNumber,
              currency,
              amount: await amount(db, options.amount, currency, 'amount'),
              issueDate: date(options.issueDate ?? options.date, 'issue-date'),
              maturityDate: date(options.maturityDate, 'maturity-date'),
              certified: options.certified ?? false,
              ...(currency === old.currency ? {} : { lines: [] }),
            },
          },
          cliActor(),
        );
        console.log(`check ${old.checkId} is replaced by ${describeCheck(replacement)}`);
      });
    },
  );

  addDbOptions(
    withOutput(
      checks
        .command('to-deposit')
        .description('checks received or in the safe whose business-day maturity is on or before a day')
        .requiredOption('--company <code>', 'company code')
        .requiredOption('--date <date>', 'the deposit day'),
    ),
  ).action(async (options: OutputChoice & { company: string; date: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withCompany(options, async (db, company) => {
      const list = await checksToDeposit(db, company.companyId, cliActor().scope, date(options.date, 'date'));
      await writeOutput(checksDocument(`Checks to deposit on ${options.date}`, list), output);
    });
  });

  addDbOptions(
    withOutput(
      checks
        .command('schedule')
        .description('maturity schedule of uncleared checks by business-day maturity')
        .requiredOption('--company <code>', 'company code')
        .option('--by <period>', `group by ${scheduleGroupings.join(', ')}`, 'day')
        .option('--from <date>', 'maturities on or after')
        .option('--to <date>', 'maturities on or before'),
    ),
  ).action(async (options: OutputChoice & { company: string; by: string; from?: string; to?: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withCompany(options, async (db, company) => {
      const schedule = await maturitySchedule(db, company.companyId, cliActor().scope, {
        grouping: options.by as ScheduleGrouping,
        from: options.from === undefined ? undefined : date(options.from, 'from'),
        to: options.to === undefined ? undefined : date(options.to, 'to'),
      });
      await writeOutput(
        {
          tables: [
            {
              title: `Maturity schedule of ${company.code} by ${schedule.grouping}`,
              columns: [
                { key: 'period', header: 'Period', type: 'text' },
                { key: 'currency', header: 'Currency', type: 'text' },
                { key: 'count', header: 'Checks', type: 'integer' },
                { key: 'amount', header: 'Amount', type: 'money' },
              ],
              rows: schedule.rows.map((row) => [row.period, row.currency, row.count, { amount: row.amount, exponent: row.exponent }]),
              footer: schedule.totals.map((row) => ['Total', row.currency, row.count, { amount: row.amount, exponent: row.exponent }]),
            },
          ],
        },
        output,
      );
    });
  });

  addDbOptions(
    withOutput(
      checks
        .command('returned')
        .description('returned checks of a period by customer and reason')
        .requiredOption('--company <code>', 'company code')
        .option('--from <date>', 'returned on or after')
        .option('--to <date>', 'returned on or before')
        .option('--customer <number>', 'only this customer')
        .option('--reason <code>', `only this reason: ${returnReasons.join(', ')}`),
    ),
  ).action(async (options: OutputChoice & { company: string; from?: string; to?: string; customer?: string; reason?: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withCompany(options, async (db, company) => {
      const report = await returnedChecks(db, company.companyId, cliActor().scope, {
        from: options.from === undefined ? undefined : date(options.from, 'from'),
        to: options.to === undefined ? undefined : date(options.to, 'to'),
        customerId: options.customer === undefined ? undefined : await findCustomerId(db, company, options.customer),
        reason: options.reason as ReturnReason | undefined,
      });
      await writeOutput(
        {
          tables: [
            {
              title: `Returned checks of ${company.code}`,
              columns: [
                { key: 'customerNumber', header: 'Customer', type: 'text' },
                { key: 'customerName', header: 'Name', type: 'text' },
                { key: 'reason', header: 'Reason', type: 'text' },
                { key: 'currency', header: 'Currency', type: 'text' },
                { key: 'count', header: 'Checks', type: 'integer' },
                { key: 'amount', header: 'Amount', type: 'money' },
              ],
              rows: report.rows.map((row) => [
                row.customerNumber,
                row.customerName,
                row.reason,
                row.currency,
                row.count,
                { amount: row.amount, exponent: row.exponent },
              ]),
              footer: report.totals.map((row) => ['Total', null, null, row.currency, row.count, { amount: row.amount, exponent: row.exponent }]),
            },
          ],
        },
        output,
      );
    });
  });

  addDbOptions(
    withOutput(
      checks
        .command('exposure')
        .description('per customer: open balance, cover of uncleared checks and net exposure')
        .requiredOption('--company <code>', 'company code')
        .requiredOption('--as-of <date>', 'the day of the balances'),
    ),
  ).action(async (options: OutputChoice & { company: string; asOf: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withCompany(options, async (db, company) => {
      const rows = await checkExposure(db, company, cliActor().scope, date(options.asOf, 'as-of'));
      const money = (value: bigint) => ({ amount: value, exponent: company.currencyExponent });
      await writeOutput(
        {
          tables: [
            {
              title: `Check cover of ${company.code} as of ${options.asOf} (${company.currency})`,
              columns: [
                { key: 'customerNumber', header: 'Customer', type: 'text' },
                { key: 'customerName', header: 'Name', type: 'text' },
                { key: 'openBalance', header: 'Open balance', type: 'money' },
                { key: 'checkCover', header: 'Check cover', type: 'money' },
                { key: 'netExposure', header: 'Net exposure', type: 'money' },
              ],
              rows: rows.map((row) => [row.customerNumber, row.customerName, money(row.openBalance), money(row.checkCover), money(row.netExposure)]),
            },
          ],
        },
        output,
      );
    });
  });

  addDbOptions(
    checks
      .command('settings')
      .description("show or change a company's returned-check charge and return limit")
      .requiredOption('--company <code>', 'company code')
      .option('--return-charge <decimal>', 'charge per returned check in the company currency; 0 for none')
      .option('--return-limit <count>', 'returns within the period that raise the proposals')
      .option('--return-period <days>', 'the period in days'),
  ).action(async (options: DbOptions & { company: string; returnCharge?: string; returnLimit?: string; returnPeriod?: string }) => {
    await withCompany(options, async (db, company) => {
      const whole = (text: string | undefined, field: string) => {
        if (text === undefined) return undefined;
        if (!/^\d+$/.test(text)) throw new InputError(`invalid --${field} "${text}": use a whole number`, 'invalid_setting', field);
        return Number(text);
      };
      const changes = {
        returnCharge: options.returnCharge === undefined ? undefined : await amount(db, options.returnCharge, company.currency, 'return-charge'),
        returnLimitCount: whole(options.returnLimit, 'return-limit'),
        returnPeriodDays: whole(options.returnPeriod, 'return-period'),
      };
      const changed = Object.values(changes).some((value) => value !== undefined);
      const settings = changed ? await setCheckSettings(db, company, changes, cliActor()) : await getCheckSettings(db, company.companyId);
      console.log(
        `${company.code}: returned-check charge ${formatMinor(settings.returnCharge, company.currencyExponent)} ${company.currency}; ` +
          `proposals at ${settings.returnLimitCount} returns within ${settings.returnPeriodDays} days`,
      );
    });
  });

  const slips = program.command('deposit-slip').description('deposit slips of checks and cash');
  addDbOptions(
    slips
      .command('add')
      .description('record a deposit slip; its checks are deposited on its date')
      .requiredOption('--company <code>', 'company code')
      .requiredOption('--account <number>', 'the bank account deposited to')
      .requiredOption('--date <date>', 'the slip date')
      .option('--check <id>', 'a check on the slip; repeat for several', collect)
      .option('--cash <amount[:reference]>', 'a cash line in the account currency; repeat for several', collect)
      .option('--total <decimal>', 'the total written on the slip, checked against its lines')
      .option('--reference <text>', "the slip's reference"),
  ).action(
    async (options: DbOptions & { company: string; account: string; date: string; check?: string[]; cash?: string[]; total?: string; reference?: string }) => {
      await withCompany(options, async (db, company) => {
        const account = await getBankAccount(db, options.account);
        const cash = [];
        for (const text of options.cash ?? []) {
          const [value = '', ...reference] = text.split(':');
          cash.push({ amount: await amount(db, value, account.currency, 'cash'), currency: account.currency, reference: reference.join(':') || null });
        }
        const slip = await addDepositSlip(
          db,
          company,
          {
            bankAccountId: account.bankAccountId,
            date: date(options.date, 'date'),
            checkIds: (options.check ?? []).map(checkId),
            cash,
            total: options.total === undefined ? undefined : await amount(db, options.total, account.currency, 'total'),
            reference: options.reference ?? null,
          },
          cliActor(),
        );
        console.log(
          `deposit slip ${slip.slipId} to ${slip.accountNumber} on ${slip.date}: ${slip.checks.length} checks, ${slip.cash.length} cash lines, ` +
            `total ${formatMinor(slip.total, slip.currencyExponent)} ${slip.currency}`,
        );
      });
    },
  );
  addDbOptions(
    withOutput(
      slips
        .command('list')
        .description('list the deposit slips of a company')
        .requiredOption('--company <code>', 'company code')
        .option('--from <date>', 'slips on or after')
        .option('--to <date>', 'slips on or before'),
    ),
  ).action(async (options: OutputChoice & { company: string; from?: string; to?: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withCompany(options, async (db, company) => {
      const list = await listDepositSlips(db, company.companyId, cliActor().scope, {
        from: options.from === undefined ? undefined : date(options.from, 'from'),
        to: options.to === undefined ? undefined : date(options.to, 'to'),
      });
      await writeOutput(
        {
          tables: [
            {
              title: `Deposit slips of ${company.code}`,
              columns: [
                { key: 'slipId', header: 'Slip', type: 'text' },
                { key: 'date', header: 'Date', type: 'text' },
                { key: 'accountNumber', header: 'Account', type: 'text' },
                { key: 'checks', header: 'Checks', type: 'integer' },
                { key: 'cashLines', header: 'Cash lines', type: 'integer' },
                { key: 'currency', header: 'Currency', type: 'text' },
                { key: 'total', header: 'Total', type: 'money' },
              ],
              rows: list.map((slip) => [
                slip.slipId.toString(),
                slip.date,
                slip.accountNumber,
                slip.checks.length,
                slip.cash.length,
                slip.currency,
                { amount: slip.total, exponent: slip.currencyExponent },
              ]),
            },
          ],
        },
        output,
      );
    });
  });
}
