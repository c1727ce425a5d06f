/**
 * Collection work from the command line: `ardesk activity`, `ardesk
 * promise` and `ardesk dispute`. Writes run as the operating-system user
 * with full access, like the other commands.
 */
import type { Command } from 'commander';
import { cliActor } from '../auth/actor.js';
import { activityKinds, activityOutcomes, listActivities, logActivity, type Activity } from '../collections/activities.js';
import {
  disputeCompanyId,
  disputeDepartments,
  disputeReasons,
  disputeResolutions,
  disputeStatuses,
  listDisputes,
  openDispute,
  resolveDispute,
  reviewDispute,
  type Dispute,
  type DisputeStatus,
} from '../collections/disputes.js';
import { addPromise, evaluatePromises, listPromises, promiseStatuses, type PromiseStatus, type PromiseToPay } from '../collections/promises.js';
import type { Queryable } from '../db/types.js';
import { currencyExponent } from '../ledger/currencies.js';
import { documentLines } from '../ledger/document-lines.js';
import type { Company } from '../ledger/types.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { AmountFormatError, formatMinor, parseDecimal } from '../shared/money.js';
import { addDbOptions, withDb } from './context.js';
import { findCustomerId, parseDateOption, todayUtc, withCompany, withOutput, type DbOptions, type OutputChoice } from './options.js';
import { checkOutputOptions, writeOutput, type OutputColumn, type OutputDocument } from './output.js';

function id(text: string, field: string): bigint {
  if (!/^\d{1,18}$/.test(text)) throw new InputError(`invalid ${field} "${text}": digits only`, 'invalid_id', field);
  return BigInt(text);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

async function amount(db: Queryable, text: string, currency: string, field: string): Promise<bigint> {
  const exponent = await currencyExponent(db, currency.trim().toUpperCase()).catch(() => {
    throw new InputError(`unknown currency "${currency}": use an ISO 4217 code`, 'invalid_currency', 'currency');
  });
  try {
    return parseDecimal(text, exponent);
  } catch (error) {
    if (error instanceof AmountFormatError) throw new InputError(`invalid --${field}: ${error.message}`, 'invalid_amount', field);
    throw error;
  }
}

/**
 * Reads `--item DOCUMENT=AMOUNT` options into item lines of the customer,
 * each amount in the currency of its document.
 */
async function itemLines(db: Queryable, company: Company, customer: bigint, items: readonly string[]) {
  const requests = [];
  for (const text of items) {
    const match = /^(.+)=([^=]+)$/.exec(text);
    if (!match) throw new InputError(`invalid --item "${text}": use DOCUMENT=AMOUNT`, 'invalid_item', 'item');
    const found = await db.query<{ currency: string }>(
      'select currency from open_item where company_id = $1 and customer_id = $2 and (document_number = $3 or erp_key = $3) limit 1',
      [company.companyId, customer, match[1]!],
    );
    if (!found.rows[0]) throw new NotFoundError(`--item: document ${match[1]} not found for this customer`, 'item');
    requests.push({ document: match[1]!, amount: await amount(db, match[2]!, found.rows[0].currency, 'item') });
  }
  return documentLines(db, company.companyId, [customer], requests, '--item');
}

const activityColumns: OutputColumn[] = [
  { key: 'activityId', header: 'Id', type: 'text' },
  { key: 'date', header: 'Date', type: 'text' },
  { key: 'customerNumber', header: 'Customer', type: 'text' },
  { key: 'kind', header: 'Kind', type: 'text' },
  { key: 'contact', header: 'Contact', type: 'text' },
  { key: 'outcome', header: 'Outcome', type: 'text' },
  { key: 'followUpDate', header: 'Follow-up', type: 'text' },
  { key: 'note', header: 'Note', type: 'text' },
  { key: 'correctsActivityId', header: 'Corrects', type: 'text' },
  { key: 'actor', header: 'By', type: 'text' },
];

function activitiesDocument(title: string, activities: readonly Activity[]): OutputDocument {
  return {
    tables: [
      {
        title,
        columns: activityColumns,
        rows: activities.map((activity) => [
          activity.activityId.toString(),
          activity.date,
          activity.customerNumber,
          activity.kind,
          activity.contact,
          activity.outcome,
          activity.followUpDate,
          [activity.note, activity.visitReport, activity.nextStep].filter((text) => text !== null).join(' / ') || null,
          activity.correctsActivityId?.toString() ?? null,
          activity.actor,
        ]),
      },
    ],
  };
}

const promiseColumns: OutputColumn[] = [
  { key: 'promiseId', header: 'Id', type: 'text' },
  { key: 'customerNumber', header: 'Customer', type: 'text' },
  { key: 'promiseDate', header: 'Made', type: 'text' },
  { key: 'promisedDate', header: 'Promised for', type: 'text' },
  { key: 'currency', header: 'Currency', type: 'text' },
  { key: 'amount', header: 'Amount', type: 'money' },
  { key: 'items', header: 'Items', type: 'text' },
  { key: 'status', header: 'Status', type: 'text' },
  { key: 'decidedDate', header: 'Decided', type: 'text' },
  { key: 'paidAmount', header: 'Paid', type: 'money' },
];

function promisesDocument(title: string, promises: readonly PromiseToPay[]): OutputDocument {
  return {
    tables: [
      {
        title,
        columns: promiseColumns,
        rows: promises.map((promise) => [
          promise.promiseId.toString(),
          promise.customerNumber,
          promise.promiseDate,
          promise.promisedDate,
          promise.currency,
          { amount: promise.amount, exponent: promise.currencyExponent },
          promise.items.map((line) => `${line.documentNumber}=${formatMinor(line.amount, promise.currencyExponent)}`).join(' ') || null,
          promise.status,
          promise.decidedDate,
          promise.paidAmount === null ? null : { amount: promise.paidAmount, exponent: promise.currencyExponent },
        ]),
      },
    ],
  };
}

const disputeColumns: OutputColumn[] = [
  { key: 'disputeId', header: 'Id', type: 'text' },
  { key: 'customerNumber', header: 'Customer', type: 'text' },
  { key: 'openedDate', header: 'Opened', type: 'text' },
  { key: 'reason', header: 'Reason', type: 'text' },
  { key: 'department', header: 'Department', type: 'text' },
  { key: 'currency', header: 'Currency', type: 'text' },
  { key: 'amount', header: 'Amount', type: 'money' },
  { key: 'items', header: 'Items', type: 'text' },
  { key: 'status', header: 'Status', type: 'text' },
  { key: 'resolvedDate', header: 'Resolved', type: 'text' },
  { key: 'resolution', header: 'Resolution', type: 'text' },
  { key: 'creditNoteReference', header: 'Credit note', type: 'text' },
];

function disputesDocument(title: string, disputes: readonly Dispute[]): OutputDocument {
  return {
    tables: [
      {
        title,
        columns: disputeColumns,
        rows: disputes.map((dispute) => [
          dispute.disputeId.toString(),
          dispute.customerNumber,
          dispute.openedDate,
          dispute.reason,
          dispute.department,
          dispute.currency,
          { amount: dispute.amount, exponent: dispute.currencyExponent },
          dispute.items.map((line) => `${line.documentNumber}=${formatMinor(line.amount, dispute.currencyExponent)}`).join(' '),
          dispute.status,
          dispute.resolvedDate,
          dispute.resolution,
          dispute.creditNoteReference,
        ]),
      },
    ],
  };
}

function describePromise(promise: PromiseToPay): string {
  const money = (value: bigint) => `${formatMinor(value, promise.currencyExponent)} ${promise.currency}`;
  const decided = promise.decidedDate === null ? '' : ` on ${promise.decidedDate}, paid ${money(promise.paidAmount ?? 0n)}`;
  return `promise ${promise.promiseId} of ${promise.customerNumber}: ${money(promise.amount)} by ${promise.promisedDate} is ${promise.status}${decided}`;
}

function describeDispute(dispute: Dispute): string {
  const money = `${formatMinor(dispute.amount, dispute.currencyExponent)} ${dispute.currency}`;
  const resolution = dispute.resolution === null ? '' : ` (${dispute.resolution}${dispute.creditNoteReference ? ` ${dispute.creditNoteReference}` : ''})`;
  return `dispute ${dispute.disputeId} of ${dispute.customerNumber}: ${money}, ${dispute.reason}, ${dispute.department}, is ${dispute.status}${resolution}`;
}

export function registerCollectionWorkCommands(program: Command): void {
  const activity = program.command('activity').description('collection activities: calls, visits, emails, letters and meetings');

  addDbOptions(
    activity
      .command('log')
      .description('log an activity with a customer; a correction is a new activity with --corrects')
      .requiredOption('--company <code>', 'company code')
      .requiredOption('--customer <number>', 'customer number')
      .requiredOption('--kind <kind>', activityKinds.join(', '))
      .requiredOption('--outcome <outcome>', activityOutcomes.join(', '))
      .option('--date <date>', 'the day of the activity (default today)')
      .option('--contact <name>', 'who was reached or written to')
      .option('--note <text>', 'what was said')
      .option('--follow-up <date>', 'the day to follow up')
      .option('--sales-rep <name>', 'visits: the sales representative')
      .option('--visit-report <text>', 'visits: the report')
      .option('--next-step <text>', 'visits: the next step')
      .option('--corrects <id>', 'the earlier activity this one corrects'),
  ).action(
    async (
      options: DbOptions & {
        company: string;
        customer: string;
        kind: string;
        outcome: string;
        date?: string;
        contact?: string;
        note?: string;
        followUp?: string;
        salesRep?: string;
        visitReport?: string;
        nextStep?: string;
        corrects?: string;
      },
    ) => {
      await withCompany(options, async (db, company) => {
        const logged = await logActivity(
          db,
          company.companyId,
          {
            customerId: await findCustomerId(db, company, options.customer),
            kind: options.kind,
            outcome: options.outcome,
            date: options.date === undefined ? todayUtc() : parseDateOption(options.date, 'date'),
            contact: options.contact,
            note: options.note,
            followUpDate: options.followUp === undefined ? null : parseDateOption(options.followUp, 'follow-up'),
            salesRep: options.salesRep,
            visitReport: options.visitReport,
            nextStep: options.nextStep,
            correctsActivityId: options.corrects === undefined ? null : id(options.corrects, '--corrects'),
          },
          cliActor(),
        );
        const followUp = logged.followUpDate === null ? '' : `, follow up on ${logged.followUpDate}`;
        console.log(`activity ${logged.activityId}: ${logged.kind} with ${logged.customerNumber} on ${logged.date}, ${logged.outcome}${followUp}`);
      });
    },
  );

  addDbOptions(
    withOutput(
      activity
        .command('list')
        .description('list activities, newest first')
        .requiredOption('--company <code>', 'company code')
        .option('--customer <number>', 'only this customer')
        .option('--collector <email>', 'only the activities this user logged')
        .option('--follow-up <date>', 'only activities to follow up on this day'),
    ),
  ).action(async (options: OutputChoice & { company: string; customer?: string; collector?: string; followUp?: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withCompany(options, async (db, company) => {
      const list = await listActivities(db, company.companyId, cliActor().scope, {
        customerId: options.customer === undefined ? undefined : await findCustomerId(db, company, options.customer),
        actor: options.collector,
        followUpDate: options.followUp === undefined ? undefined : parseDateOption(options.followUp, 'follow-up'),
      });
      await writeOutput(activitiesDocument(`Activities of ${company.code}`, list), output);
    });
  });

  const promise = program.command('promise').description('promises to pay');

  addDbOptions(
    promise
      .command('add')
      .description('record a promise to pay')
      .requiredOption('--company <code>', 'company code')
      .requiredOption('--customer <number>', 'customer number')
      .requiredOption('--currency <code>', 'ISO 4217 currency')
      .requiredOption('--amount <decimal>', 'promised amount, such as 1250.00')
      .requiredOption('--promised-date <date>', 'the day the customer promised to pay by')
      .option('--date <date>', 'the day the promise was made (default today)')
      .option('--item <document=amount>', 'an item promised; repeat for several; the amounts add up to --amount', collect)
      .option('--activity <id>', 'the activity during which it was made')
      .option('--note <text>', 'a note'),
  ).action(
    async (
      options: DbOptions & {
        company: string;
        customer: string;
        currency: string;
        amount: string;
        promisedDate: string;
        date?: string;
        item?: string[];
        activity?: string;
        note?: string;
      },
    ) => {
      await withCompany(options, async (db, company) => {
        const customer = await findCustomerId(db, company, options.customer);
        const made = await addPromise(
          db,
          company.companyId,
          {
            customerId: customer,
            currency: options.currency,
            amount: await amount(db, options.amount, options.currency, 'amount'),
            promiseDate: options.date === undefined ? todayUtc() : parseDateOption(options.date, 'date'),
            promisedDate: parseDateOption(options.promisedDate, 'promised-date'),
            items: await itemLines(db, company, customer, options.item ?? []),
            activityId: options.activity === undefined ? null : id(options.activity, '--activity'),
            note: options.note,
          },
          cliActor(),
        );
        console.log(describePromise(made));
      });
    },
  );

  addDbOptions(
    withOutput(
      promise
        .command('list')
        .description('list promises to pay by promised date')
        .requiredOption('--company <code>', 'company code')
        .option('--status <status>', promiseStatuses.join(', '))
        .option('--customer <number>', 'only this customer'),
    ),
  ).action(async (options: OutputChoice & { company: string; status?: string; customer?: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withCompany(options, async (db, company) => {
      const list = await listPromises(db, company.companyId, cliActor().scope, {
        status: options.status as PromiseStatus | undefined,
        customerId: options.customer === undefined ? undefined : await findCustomerId(db, company, options.customer),
      });
      await writeOutput(promisesDocument(`Promises to pay of ${company.code}`, list), output);
    });
  });

  addDbOptions(
    withOutput(
      promise
        .command('evaluate')
        .description('decide open promises as of a date: kept once paid, broken once the grace has passed')
        .requiredOption('--company <code>', 'company code')
        .option('--as-of <date>', 'the date to decide as of (default today)'),
    ),
  ).action(async (options: OutputChoice & { company: string; asOf?: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withCompany(options, async (db, company) => {
      const asOf = options.asOf === undefined ? todayUtc() : parseDateOption(options.asOf, 'as-of');
      const result = await evaluatePromises(db, company, asOf, cliActor());
      const decided = [...result.kept, ...result.broken].sort((a, b) => (a.promiseId < b.promiseId ? -1 : 1));
      const title = `Promises decided as of ${asOf} (${result.graceDays} grace days): ${result.kept.length} kept, ${result.broken.length} broken`;
      await writeOutput(promisesDocument(title, decided), output);
    });
  });

  const dispute = program.command('dispute').description('disputes on customer items');

  addDbOptions(
    dispute
      .command('open')
      .description('open a dispute on items of a customer')
      .requiredOption('--company <code>', 'company code')
      .requiredOption('--customer <number>', 'customer number')
      .requiredOption('--reason <reason>', disputeReasons.join(', '))
      .requiredOption('--department <department>', `owner: ${disputeDepartments.join(', ')}`)
      .requiredOption('--item <document=amount>', 'an item and the amount disputed; repeat for several', collect)
      .option('--date <date>', 'the day it was opened (default today)')
      .option('--note <text>', 'what the customer says'),
  ).action(
    async (options: DbOptions & { company: string; customer: string; reason: string; department: string; item: string[]; date?: string; note?: string }) => {
      await withCompany(options, async (db, company) => {
        const customer = await findCustomerId(db, company, options.customer);
        const opened = await openDispute(
          db,
          company.companyId,
          {
            customerId: customer,
            reason: options.reason,
            department: options.department,
            date: options.date === undefined ? todayUtc() : parseDateOption(options.date, 'date'),
            items: await itemLines(db, company, customer, options.item),
            note: options.note,
          },
          cliActor(),
        );
        console.log(describeDispute(opened));
      });
    },
  );

  addDbOptions(
    dispute
      .command('review <id>')
      .description('put an open dispute in review by its owner department')
      .option('--date <date>', 'the day (default today)')
      .option('--note <text>', 'a note'),
  ).action(async (disputeId: string, options: DbOptions & { date?: string; note?: string }) => {
    await withDb(options, async (db) => {
      const idValue = id(disputeId, 'dispute id');
      const companyId = await disputeCompanyId(db, idValue);
      const reviewed = await reviewDispute(
        db,
        companyId,
        idValue,
        { date: options.date === undefined ? todayUtc() : parseDateOption(options.date, 'date'), note: options.note },
        cliActor(),
      );
      console.log(describeDispute(reviewed));
    });
  });

  addDbOptions(
    dispute
      .command('resolve <id>')
      .description('resolve a dispute by a credit note, or reject it')
      .requiredOption('--resolution <resolution>', disputeResolutions.join(', '))
      .option('--credit-note <reference>', 'the credit note, for a credit_note resolution')
      .option('--date <date>', 'the day (default today)')
      .option('--note <text>', 'a note'),
  ).action(async (disputeId: string, options: DbOptions & { resolution: string; creditNote?: string; date?: string; note?: string }) => {
    await withDb(options, async (db) => {
      const idValue = id(disputeId, 'dispute id');
      const companyId = await disputeCompanyId(db, idValue);
      const resolved = await resolveDispute(
        db,
        companyId,
        idValue,
        {
          date: options.date === undefined ? todayUtc() : parseDateOption(options.date, 'date'),
          resolution: options.resolution,
          creditNoteReference: options.creditNote,
          note: options.note,
        },
        cliActor(),
      );
      console.log(describeDispute(resolved));
    });
  });

  addDbOptions(
    withOutput(
      dispute
        .command('list')
        .description('list disputes, newest first')
        .requiredOption('--company <code>', 'company code')
        .option('--status <status>', disputeStatuses.join(', '))
        .option('--customer <number>', 'only this customer'),
    ),
  ).action(async (options: OutputChoice & { company: string; status?: string; customer?: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withCompany(options, async (db, company) => {
      const list = await listDisputes(db, company.companyId, cliActor().scope, {
        status: options.status as DisputeStatus | undefined,
        customerId: options.customer === undefined ? undefined : await findCustomerId(db, company, options.customer),
      });
      await writeOutput(disputesDocument(`Disputes of ${company.code}`, list), output);
    });
  });
}
