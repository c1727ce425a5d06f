/**
 * `ardesk review`: regional overdue reviews from the command line. Writes
 * run as the operating-system user with full access, like the other
 * commands.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { cliActor } from '../auth/actor.js';
import { unrestricted } from '../auth/types.js';
import { writeOverdueReviewPdf } from '../collections/overdue-review-pdf.js';
import {
  addReviewAction,
  completeReviewAction,
  createOverdueReview,
  loadOverdueReview,
  type OverdueReview,
  type ReviewAction,
} from '../collections/overdue-review.js';
import { InputError } from '../shared/errors.js';
import { addDbOptions, withDb } from './context.js';
import { parseDateOption, withOutput, type DbOptions, type OutputChoice } from './options.js';
import { checkOutputOptions, writeOutput, type OutputCell, type OutputColumn, type OutputDocument } from './output.js';


function reviewIdOf(text: string, field = 'review'): bigint {
  if (!/^\d{1,18}$/.test(text)) throw new InputError(`invalid ${field} id "${text}": digits only`, 'invalid_id', field);
  return BigInt(text);
}

const customerColumns: OutputColumn[] = [
  { key: 'customerNumber', header: 'Customer', type: 'text' },
  { key: 'name', header: 'Name', type: 'text' },
  { key: 'status', header: 'Status', type: 'text' },
  { key: 'overdue', header: 'Overdue', type: 'money' },
  { key: 'previousOverdue', header: 'Previous', type: 'money' },
  { key: 'change', header: 'Change', type: 'money' },
  { key: 'balance', header: 'Balance', type: 'money' },
  { key: 'disputed', header: 'Disputed', type: 'money' },
  { key: 'checkCover', header: 'Checks', type: 'money' },
  { key: 'netExposure', header: 'Net exposure', type: 'money' },
  { key: 'promises', header: 'Promises', type: 'integer' },
  { key: 'disputes', header: 'Disputes', type: 'integer' },
];

const actionColumns: OutputColumn[] = [
  { key: 'actionId', header: 'Id', type: 'text' },
  { key: 'customerNumber', header: 'Customer', type: 'text' },
  { key: 'text', header: 'Action', type: 'text' },
  { key: 'owner', header: 'Owner', type: 'text' },
  { key: 'due', header: 'Due', type: 'text' },
  { key: 'status', header: 'Status', type: 'text' },
  { key: 'activityId', header: 'Activity', type: 'text' },
];

function actionRow(action: ReviewAction): OutputCell[] {
  return [action.actionId.toString(), action.customerNumber, action.text, action.owner, action.due, action.status, action.activityId.toString()];
}

/** Lays out a review as two tables: the customers with a total line, then the actions. */
export function reviewDocument(review: OverdueReview): OutputDocument {
  const exponent = review.company.currencyExponent;
  const money = (amount: bigint | null) => (amount === null ? null : { amount, exponent });
  const totals = review.totals;
  const since = review.previous ? `, compared with review ${review.previous.reviewId} of ${review.previous.date}` : ', first review of the region';
  return {
    tables: [
      {
        title: `Overdue review ${review.reviewId}: ${review.company.code} region ${review.region} as of ${review.date} in ${review.company.currency}${since}`,
        columns: customerColumns,
        rows: review.customers.map((customer) => [
          customer.customerNumber,
          customer.name,
          customer.status,
          money(customer.overdue),
          money(customer.previousOverdue),
          money(customer.change),
          money(customer.balance),
          money(customer.disputed),
          money(customer.checkCover),
          money(customer.netExposure),
          customer.promises.length,
          customer.disputes.length,
        ]),
        footer: [
          [
            'Total',
            null,
            null,
            money(totals.overdue),
            money(totals.previousOverdue),
            money(totals.change),
            money(totals.balance),
            money(totals.disputed),
            money(totals.checkCover),
            money(totals.netExposure),
            null,
            null,
          ],
        ],
      },
      { title: 'Agreed actions', columns: actionColumns, rows: review.actions.map(actionRow) },
    ],
  };
}

function actionDocument(action: ReviewAction): OutputDocument {
  const title = `Action ${action.actionId} of review ${action.reviewId}`;
  return { tables: [{ title, columns: actionColumns, rows: [actionRow(action)] }] };
}

/** Writes the pack to a file; a failed write leaves no file behind. */
async function writePackFile(review: OverdueReview, file: string): Promise<void> {
  const partial = `${file}.part`;
  try {
    await writeOverdueReviewPdf(review, createWriteStream(partial));
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw new InputError(`failed to write ${file}: ${(error as Error).message}`, 'output_not_writable', 'output');
  }
}

export function registerReviewCommands(program: Command): void {
  const review = program.command('review').description('regional overdue reviews: create, record agreed actions, print the pack');

  withOutput(
    addDbOptions(
      review
        .command('create')
        .description('review the overdue of a region on a date, compared with its previous review')
        .requiredOption('--company <code>', 'company code')
        .requiredOption('--region <region>', 'region of the customers to review')
        .requiredOption('--date <date>', 'review date, YYYY-MM-DD: amounts are as of this day'),
    ),
  ).action(async (options: OutputChoice & { company: string; region: string; date: string }) => {
    const reviewDate = parseDateOption(options.date, 'date');
    const output = checkOutputOptions(options.format, options.output);
    await withDb(options, async (db) => {
      const created = await createOverdueReview(db, { company: options.company, region: options.region, date: reviewDate }, cliActor());
      await writeOutput(reviewDocument(created), output);
    });
  });

  withOutput(addDbOptions(review.command('show').description('show a review with its change and actions').argument('<review>', 'review id'))).action(
    async (id: string, options: OutputChoice) => {
      const reviewId = reviewIdOf(id);
      const output = checkOutputOptions(options.format, options.output);
      await withDb(options, async (db) => writeOutput(reviewDocument(await loadOverdueReview(db, reviewId, unrestricted)), output));
    },
  );

  withOutput(
    addDbOptions(
      review
        .command('action')
        .description('record an action agreed for a customer; it becomes a follow-up on the due date')
        .argument('<review>', 'review id')
        .requiredOption('--customer <number>', 'customer number, one of the review')
        .requiredOption('--text <text>', 'the agreed action')
        .requiredOption('--owner <email>', 'email of the user who carries it out')
        .requiredOption('--due <date>', 'due date, YYYY-MM-DD, not before the review date'),
    ),
  ).action(async (id: string, options: OutputChoice & { customer: string; text: string; owner: string; due: string }) => {
    const reviewId = reviewIdOf(id);
    const due = parseDateOption(options.due, 'due');
    const output = checkOutputOptions(options.format, options.output);
    await withDb(options, async (db) => {
      const action = await addReviewAction(db, reviewId, { customerNumber: options.customer, text: options.text, owner: options.owner, due }, cliActor());
      await writeOutput(actionDocument(action), output);
    });
  });

  withOutput(
    addDbOptions(
      review
        .command('done')
        .description('mark an agreed action done')
        .argument('<action>', 'action id')
        .requiredOption('--date <date>', 'day the action was done, YYYY-MM-DD'),
    ),
  ).action(async (id: string, options: OutputChoice & { date: string }) => {
    const actionId = reviewIdOf(id, 'action');
    const doneDate = parseDateOption(options.date, 'date');
    const output = checkOutputOptions(options.format, options.output);
    await withDb(options, async (db) => {
      const action = await completeReviewAction(db, actionId, { date: doneDate }, cliActor());
      await writeOutput(actionDocument(action), output);
    });
  });

  addDbOptions(
    review
      .command('pdf')
      .description('write the review pack for the meeting as a PDF')
      .argument('<review>', 'review id')
      .requiredOption('--output <file>', 'PDF file to write'),
  ).action(async (id: string, options: DbOptions & { output: string }) => {
    const reviewId = reviewIdOf(id);
    await withDb(options, async (db) => writePackFile(await loadOverdueReview(db, reviewId, unrestricted), options.output));
  });
}
