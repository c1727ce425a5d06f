import { z } from 'zod';
import { can } from '../../auth/permissions.js';
import { actorOf } from '../../auth/request.js';
import type { Actor } from '../../auth/types.js';
import { customerInScope } from '../../collections/activities.js';
import { dunningSettingsToJson, loadDunningSettings, setDunningLevels, type DunningLevelsJson } from '../../collections/dunning-levels.js';
import { proposalToJson, proposeDunning, itemToJson, sumTotals, totalToJson } from '../../collections/dunning-proposal.js';
import { letterFileName, renderLetterPdf, sendDunningRun } from '../../collections/dunning-send.js';
import {
  approveDunningRun,
  createDunningRun,
  customerDunningHistory,
  dropDunningLetter,
  dunningLetterStatuses,
  dunningRunCompanyId,
  dunningRunStatuses,
  lettersInScope,
  listDunningRuns,
  loadDunningLetter,
  loadDunningRun,
  type DunningLetter,
  type DunningRun,
} from '../../collections/dunning.js';
import type { Db } from '../../db/types.js';
import { getCompanyById } from '../../ledger/companies.js';
import { loadCurrencyExponents } from '../../ledger/currencies.js';
import { getCustomer } from '../../ledger/customer-items.js';
import { formatMinor } from '../../shared/money.js';
import { errorResponseSchema, isoDateSchema, type ApiInstance } from '../validation.js';
import { companyForRequest, today } from './customers.js';

const idText = z.string().regex(/^\d{1,18}$/, { error: 'expected an id: digits only' });
const companyParameter = z.string().optional().meta({ description: 'Company code, which may be omitted when you can see one company only.' });
const decimalText = z.string().meta({ description: 'Exact decimal amount in the currency of the field.', example: '1250.000' });

const clientErrors = {
  400: errorResponseSchema.describe('Invalid field, or a change the run does not allow in its status.'),
  403: errorResponseSchema.describe('Your role may not do this, you created the run you try to approve, or it is outside your scope.'),
  404: errorResponseSchema.describe('Unknown company, customer, run or letter.'),
};

const totalSchema = z.object({ currency: z.string(), openAmount: decimalText, interest: decimalText, fee: decimalText, total: decimalText });
const itemSchema = z.object({
  itemId: z.string(),
  documentNumber: z.string(),
  dueDate: z.string(),
  daysPastDue: z.number().int(),
  currency: z.string(),
  openAmount: decimalText,
  level: z.number().int(),
  interestDays: z.number().int(),
  interest: decimalText,
});
const letterSchema = z.object({
  letterId: z.string(),
  runId: z.string(),
  asOf: z.string(),
  customerId: z.string(),
  customerNumber: z.string(),
  customerName: z.string(),
  level: z.number().int(),
  language: z.string(),
  status: z.enum(dunningLetterStatuses),
  toAddress: z.string().nullable(),
  error: z.string().nullable(),
  dropReason: z.string().nullable(),
  feeCurrency: z.string().nullable(),
  fee: decimalText.nullable(),
  items: z.array(itemSchema),
  totals: z.array(totalSchema),
});
const runSchema = z.object({
  runId: z.string(),
  company: z.string(),
  asOf: z.string(),
  status: z.enum(dunningRunStatuses),
  source: z.enum(['manual', 'job']),
  createdBy: z.string(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  approvableByYou: z.boolean().meta({ description: 'Whether you may approve it: it is proposed, your role approves, and you did not create it.' }),
  letters: z.array(letterSchema),
  totals: z.array(totalSchema),
});

const levelsSchema = z.object({
  company: z.string(),
  minIntervalDays: z.number().int(),
  levels: z.array(
    z.object({
      level: z.number().int(),
      minDaysPastDue: z.number().int(),
      interestRate: z.string().nullable(),
      fees: z.record(z.string(), decimalText),
      texts: z.record(z.string(), z.object({ subject: z.string(), body: z.string() })),
    }),
  ),
});
const proposalSchema = z.object({
  company: z.string(),
  asOf: z.string(),
  minIntervalDays: z.number().int(),
  letters: z.array(
    z.object({
      customerId: z.string(),
      customerNumber: z.string(),
      customerName: z.string(),
      level: z.number().int(),
      language: z.string(),
      email: z.string().nullable(),
      feeCurrency: z.string().nullable(),
      fee: decimalText.nullable(),
      items: z.array(itemSchema),
      totals: z.array(totalSchema),
    }),
  ),
  totals: z.array(totalSchema),
});
const runListSchema = z.object({
  company: z.string(),
  runs: z.array(
    z.object({
      runId: z.string(),
      asOf: z.string(),
      status: z.enum(dunningRunStatuses),
      source: z.enum(['manual', 'job']),
      createdBy: z.string(),
      approvedBy: z.string().nullable(),
      letters: z.number().int(),
      dropped: z.number().int(),
      sent: z.number().int(),
      failed: z.number().int(),
    }),
  ),
});
const sendSchema = z.object({
  runId: z.string(),
  sent: z.number().int(),
  failed: z.number().int(),
  toPrint: z.number().int(),
  paid: z.number().int().meta({ description: 'Letters dropped unsent because every item was paid after approval.' }),
  outcomes: z.array(
    z.object({
      letterId: z.string(),
      customerNumber: z.string(),
      status: z.enum(['sent', 'failed', 'printed', 'to_print', 'paid']),
      to: z.string().nullable(),
      error: z.string().nullable(),
    }),
  ),
});

function letterToJson(letter: DunningLetter, exponents: ReadonlyMap<string, number>) {
  return {
    letterId: letter.letterId.toString(),
    runId: letter.runId.toString(),
    asOf: letter.asOf,
    customerId: letter.customerId.toString(),
    customerNumber: letter.customerNumber,
    customerName: letter.customerName,
    level: letter.level,
    language: letter.language,
    status: letter.status,
    toAddress: letter.toAddress,
    error: letter.error,
    dropReason: letter.dropReason,
    feeCurrency: letter.feeCurrency,
    fee: letter.feeCurrency === null ? null : formatMinor(letter.fee, exponents.get(letter.feeCurrency) ?? 2),
    items: letter.items.map(itemToJson),
    totals: letter.totals.map(totalToJson),
  };
}

function approvable(run: DunningRun, actor: Actor): boolean {
  if (run.status !== 'proposed' || !can(actor.role, 'dunning.approve')) return false;
  if (run.createdByUserId !== null && actor.userId !== null) return run.createdByUserId !== actor.userId;
  return run.createdBy.toLowerCase() !== actor.email.toLowerCase();
}

/** Converts the run to JSON, with only the letters of customers in the actor's scope. */
async function runToJson(db: Db, run: DunningRun, actor: Actor) {
  const exponents = await loadCurrencyExponents(db);
  const letters = await lettersInScope(db, run.companyId, run.letters, actor.scope);
  return {
    runId: run.runId.toString(),
    company: run.company,
    asOf: run.asOf,
    status: run.status,
    source: run.source,
    createdBy: run.createdBy,
    approvedBy: run.approvedBy,
    approvedAt: run.approvedAt,
    approvableByYou: approvable(run, actor),
    letters: letters.map((letter) => letterToJson(letter, exponents)),
    // Totals of the letters shown, so a regional user sees no other region's money.
    totals: sumTotals(letters.filter((letter) => letter.status !== 'dropped').map((letter) => letter.totals)).map(totalToJson),
  };
}

/** Loads a run after checking its company lies in the actor's scope. */
async function runInScope(db: Db, actor: Actor, runId: string): Promise<DunningRun> {
  const companyId = await dunningRunCompanyId(db, BigInt(runId));
  const company = await getCompanyById(db, companyId);
  await companyForRequest(db, actor, company.code);
  return loadDunningRun(db, BigInt(runId));
}

const levelsBody = z.object({
  company: companyParameter,
  minIntervalDays: z.number().int().optional().meta({ description: 'Days before a customer gets another letter at the same or a lower level; 14 when omitted.' }),
  levels: z.array(
    z.object({
      level: z.number().int(),
      minDaysPastDue: z.number().int(),
      interestRate: z.string().nullable().optional().meta({ description: 'Annual rate as decimal text, such as "0.08"; actual/365.' }),
      fees: z.record(z.string(), z.string()).optional().meta({ description: 'Fee per currency code as decimal text in that currency.' }),
      texts: z.record(z.string(), z.object({ subject: z.string(), body: z.string() })),
    }),
  ),
});

export async function registerDunningRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/dunning/levels',
    {
      schema: {
        tags: ['dunning'],
        summary: "The company's dunning levels, fees as decimal text per currency",
        querystring: z.object({ company: companyParameter }),
        response: { 200: levelsSchema, ...clientErrors },
      },
    },
    async (request) => {
      const company = await companyForRequest(db, actorOf(request), request.query.company);
      return { company: company.code, ...dunningSettingsToJson(await loadDunningSettings(db, company.companyId), await loadCurrencyExponents(db)) };
    },
  );

  app.put(
    '/dunning/levels',
    {
      config: { permission: 'dunning.approve' },
      schema: { tags: ['dunning'], summary: "Replace the company's dunning levels; audited", body: levelsBody, response: { 200: levelsSchema, ...clientErrors } },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.body.company);
      const settings = await setDunningLevels(db, company.companyId, request.body as DunningLevelsJson, actor);
      return { company: company.code, ...dunningSettingsToJson(settings, await loadCurrencyExponents(db)) };
    },
  );

  app.get(
    '/dunning/proposal',
    {
      schema: {
        tags: ['dunning'],
        summary: 'The letters a run would hold as of a date, computed without storing anything',
        querystring: z.object({ company: companyParameter, asOf: isoDateSchema.optional().meta({ description: 'Today when omitted.' }) }),
        response: { 200: proposalSchema, ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.query.company);
      const proposal = await proposeDunning(db, company, request.query.asOf ?? today(), actor.scope);
      return proposalToJson(proposal, await loadCurrencyExponents(db));
    },
  );

  app.get(
    '/dunning/runs',
    {
      schema: {
        tags: ['dunning'],
        summary: "The company's dunning runs, newest first",
        querystring: z.object({ company: companyParameter }),
        response: { 200: runListSchema, ...clientErrors },
      },
    },
    async (request) => {
      const company = await companyForRequest(db, actorOf(request), request.query.company);
      const runs = await listDunningRuns(db, company.companyId);
      return { company: company.code, runs: runs.map((run) => ({ ...run, runId: run.runId.toString() })) };
    },
  );

  app.post(
    '/dunning/runs',
    {
      config: { permission: 'dunning.run' },
      schema: {
        tags: ['dunning'],
        summary: 'Store the proposal as of a date as a run for review; another person approves it',
        body: z.object({ company: companyParameter, asOf: isoDateSchema.optional().meta({ description: 'Today when omitted.' }) }),
        response: { 201: z.object({ run: runSchema }), ...clientErrors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.body.company);
      const run = (await createDunningRun(db, company, request.body.asOf ?? today(), actor))!;
      return reply.code(201).send({ run: await runToJson(db, run, actor) });
    },
  );

  app.get(
    '/dunning/runs/:runId',
    {
      schema: {
        tags: ['dunning'],
        summary: 'A run with its letters and their items',
        params: z.object({ runId: idText }),
        response: { 200: z.object({ run: runSchema }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return { run: await runToJson(db, await runInScope(db, actor, request.params.runId), actor) };
    },
  );

  app.post(
    '/dunning/runs/:runId/letters/:letterId/drop',
    {
      config: { permission: 'dunning.run' },
      schema: {
        tags: ['dunning'],
        summary: 'Take a letter out of a run before approval',
        params: z.object({ runId: idText, letterId: idText }),
        body: z.object({ reason: z.string().optional() }).optional(),
        response: { 200: z.object({ run: runSchema }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await runInScope(db, actor, request.params.runId);
      const run = await dropDunningLetter(db, BigInt(request.params.runId), BigInt(request.params.letterId), request.body?.reason?.trim() || null, actor);
      return { run: await runToJson(db, run, actor) };
    },
  );

  app.post(
    '/dunning/runs/:runId/approve',
    {
      config: { permission: 'dunning.approve' },
      schema: {
        tags: ['dunning'],
        summary: "Approve a run and record each item's new dunning level; not by the run's creator",
        params: z.object({ runId: idText }),
        response: { 200: z.object({ run: runSchema }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await runInScope(db, actor, request.params.runId);
      const run = await approveDunningRun(db, BigInt(request.params.runId), actor);
      return { run: await runToJson(db, run, actor) };
    },
  );

  app.post(
    '/dunning/runs/:runId/send',
    {
      config: { permission: 'dunning.run' },
      schema: {
        tags: ['dunning'],
        summary: 'Mail the approved letters as PDF through the server in ARDESK_SMTP_URL; letters without a contact stay to print',
        params: z.object({ runId: idText }),
        response: { 200: sendSchema, ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await runInScope(db, actor, request.params.runId);
      const result = await sendDunningRun(db, BigInt(request.params.runId), actor);
      return {
        runId: result.runId.toString(),
        sent: result.sent,
        failed: result.failed,
        toPrint: result.toPrint,
        paid: result.paid,
        outcomes: result.outcomes.map((outcome) => ({ ...outcome, letterId: outcome.letterId.toString() })),
      };
    },
  );

  app.get(
    '/dunning/letters/:letterId/pdf',
    {
      schema: {
        tags: ['dunning'],
        summary: 'A letter as PDF, in its language; the file is named in Content-Disposition',
        params: z.object({ letterId: idText }),
        response: { 200: z.unknown().meta({ description: 'The PDF file.' }), ...clientErrors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { company, letter } = await loadDunningLetter(db, BigInt(request.params.letterId));
      await customerInScope(db, company.companyId, letter.customerId, actor.scope, 'read');
      const pdf = await renderLetterPdf(db, company, letter);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${letterFileName(company, letter)}"`)
        .header('cache-control', 'no-store')
        .send(pdf);
    },
  );

  app.get(
    '/customers/:customerId/dunning',
    {
      schema: {
        tags: ['dunning'],
        summary: "A customer's dunning letters of every run, newest first",
        params: z.object({ customerId: idText }),
        response: { 200: z.object({ letters: z.array(letterSchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const customer = await getCustomer(db, BigInt(request.params.customerId));
      await customerInScope(db, customer.companyId, customer.customerId, actor.scope, 'read');
      const [letters, exponents] = await Promise.all([customerDunningHistory(db, customer.companyId, customer.customerId), loadCurrencyExponents(db)]);
      return { letters: letters.map((letter) => letterToJson(letter, exponents)) };
    },
  );
}
