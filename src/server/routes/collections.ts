import { z } from 'zod';
import { actorOf } from '../../auth/request.js';
import type { Actor } from '../../auth/types.js';
import {
  activityKinds,
  activityOutcomes,
  customerInScope,
  listActivities,
  logActivity,
  type Activity,
} from '../../collections/activities.js';
import {
  disputeCompanyId,
  disputeDepartments,
  disputeEvents,
  disputeReasons,
  disputeResolutions,
  disputeStatuses,
  listDisputes,
  openDispute,
  resolveDispute,
  reviewDispute,
  type Dispute,
} from '../../collections/disputes.js';
import { addPromise, evaluatePromises, listPromises, promiseStatuses, type PromiseToPay } from '../../collections/promises.js';
import type { Db, Queryable } from '../../db/types.js';
import { getCompanyById } from '../../ledger/companies.js';
import { currencyExponent } from '../../ledger/currencies.js';
import { getCustomer } from '../../ledger/customer-items.js';
import type { Company } from '../../ledger/types.js';
import { InputError, NotFoundError } from '../../shared/errors.js';
import { AmountFormatError, formatMinor, parseDecimal } from '../../shared/money.js';
import { errorResponseSchema, isoDateSchema, type ApiInstance } from '../validation.js';
import { companyForRequest, today } from './customers.js';

const idText = z.string().regex(/^\d{1,18}$/, { error: 'expected an id: digits only' });
const customerParams = z.object({ customerId: idText.meta({ description: 'Internal customer id.' }) });
const idParams = z.object({ id: idText.meta({ description: 'Internal id.' }) });
const decimalText = z.string().meta({ description: 'Exact decimal amount in the currency of the field.', example: '1250.00' });
const companyParameter = z.string().optional().meta({ description: 'Company code, which may be omitted when you can see one company only.' });

const clientErrors = {
  400: errorResponseSchema.describe('Invalid field or a change the record does not allow.'),
  403: errorResponseSchema.describe('Your role may not do this, or the customer is outside your scope.'),
  404: errorResponseSchema.describe('Unknown customer, item, activity, promise, dispute or company.'),
};

/** Parses decimal text in a currency's exponent, naming the field on error. */
async function amountOf(db: Queryable, text: string, currency: string, field: string): Promise<bigint> {
  const exponent = await currencyExponent(db, currency.trim().toUpperCase()).catch(() => {
    throw new InputError(`unknown currency "${currency}": use an ISO 4217 code`, 'invalid_currency', 'currency');
  });
  try {
    return parseDecimal(text, exponent);
  } catch (error) {
    if (error instanceof AmountFormatError) throw new InputError(`invalid ${field}: ${error.message}`, 'invalid_amount', field);
    throw error;
  }
}

/** Returns the customer named in the path with its company, after the scope check that raises ForbiddenError naming `action`. */
export async function customerOf(db: Db, actor: Actor, customerId: string, action: string): Promise<{ company: Company; customerId: bigint }> {
  const customer = await getCustomer(db, BigInt(customerId));
  const company = await getCompanyById(db, customer.companyId);
  await customerInScope(db, company.companyId, customer.customerId, actor.scope, action);
  return { company, customerId: customer.customerId };
}

const activitySchema = z.object({
  activityId: z.string(),
  company: z.string(),
  customerId: z.string(),
  customerNumber: z.string(),
  customerName: z.string(),
  kind: z.enum(activityKinds),
  date: z.string(),
  contact: z.string().nullable(),
  outcome: z.enum(activityOutcomes),
  note: z.string().nullable(),
  followUpDate: z.string().nullable(),
  salesRep: z.string().nullable(),
  visitReport: z.string().nullable(),
  nextStep: z.string().nullable(),
  correctsActivityId: z.string().nullable(),
  actor: z.string(),
});

function activityToJson(company: Company, activity: Activity) {
  return {
    customerNumber: activity.customerNumber,
    customerName: activity.customerName,
    kind: activity.kind,
    date: activity.date,
    contact: activity.contact,
    outcome: activity.outcome,
    note: activity.note,
    followUpDate: activity.followUpDate,
    salesRep: activity.salesRep,
    visitReport: activity.visitReport,
    nextStep: activity.nextStep,
    actor: activity.actor,
    company: company.code,
    activityId: activity.activityId.toString(),
    customerId: activity.customerId.toString(),
    correctsActivityId: activity.correctsActivityId?.toString() ?? null,
  };
}

const lineSchema = z.object({ itemId: z.string(), documentNumber: z.string(), amount: decimalText });
const newLineSchema = z.object({ itemId: idText, amount: decimalText });

const promiseSchema = z.object({
  promiseId: z.string(),
  company: z.string(),
  customerId: z.string(),
  customerNumber: z.string(),
  activityId: z.string().nullable(),
  currency: z.string(),
  amount: decimalText,
  promiseDate: z.string(),
  promisedDate: z.string(),
  status: z.enum(promiseStatuses),
  decidedDate: z.string().nullable(),
  evaluatedAsOf: z.string().nullable(),
  paidAmount: decimalText.nullable(),
  note: z.string().nullable(),
  actor: z.string(),
  items: z.array(lineSchema),
});

function promiseToJson(company: Company, promise: PromiseToPay) {
  const money = (amount: bigint) => formatMinor(amount, promise.currencyExponent);
  return {
    promiseId: promise.promiseId.toString(),
    company: company.code,
    customerId: promise.customerId.toString(),
    customerNumber: promise.customerNumber,
    activityId: promise.activityId?.toString() ?? null,
    currency: promise.currency,
    amount: money(promise.amount),
    promiseDate: promise.promiseDate,
    promisedDate: promise.promisedDate,
    status: promise.status,
    decidedDate: promise.decidedDate,
    evaluatedAsOf: promise.evaluatedAsOf,
    paidAmount: promise.paidAmount === null ? null : money(promise.paidAmount),
    note: promise.note,
    actor: promise.actor,
    items: promise.items.map((line) => ({ itemId: line.itemId.toString(), documentNumber: line.documentNumber, amount: money(line.amount) })),
  };
}

const disputeSchema = z.object({
  disputeId: z.string(),
  company: z.string(),
  customerId: z.string(),
  customerNumber: z.string(),
  currency: z.string(),
  amount: decimalText,
  reason: z.enum(disputeReasons),
  department: z.enum(disputeDepartments),
  status: z.enum(disputeStatuses),
  openedDate: z.string(),
  reviewDate: z.string().nullable(),
  resolvedDate: z.string().nullable(),
  resolution: z.enum(disputeResolutions).nullable(),
  creditNoteReference: z.string().nullable(),
  note: z.string().nullable(),
  actor: z.string(),
  items: z.array(lineSchema),
});

function disputeToJson(company: Company, dispute: Dispute) {
  const money = (amount: bigint) => formatMinor(amount, dispute.currencyExponent);
  return {
    disputeId: dispute.disputeId.toString(),
    company: company.code,
    customerId: dispute.customerId.toString(),
    customerNumber: dispute.customerNumber,
    currency: dispute.currency,
    amount: money(dispute.amount),
    reason: dispute.reason,
    department: dispute.department,
    status: dispute.status,
    openedDate: dispute.openedDate,
    reviewDate: dispute.reviewDate,
    resolvedDate: dispute.resolvedDate,
    resolution: dispute.resolution,
    creditNoteReference: dispute.creditNoteReference,
    note: dispute.note,
    actor: dispute.actor,
    items: dispute.items.map((line) => ({ itemId: line.itemId.toString(), documentNumber: line.documentNumber, amount: money(line.amount) })),
  };
}

/** Reads `{ itemId, amount }` lines in the currency of the item they name. */
async function itemLines(db: Queryable, companyId: number, lines: readonly { itemId: string; amount: string }[], currency?: string) {
  const parsed = [];
  for (const [index, line] of lines.entries()) {
    let lineCurrency = currency;
    if (lineCurrency === undefined) {
      const item = await db.query<{ currency: string }>('select currency from open_item where company_id = $1 and item_id = $2', [companyId, line.itemId]);
      if (!item.rows[0]) throw new NotFoundError(`item ${line.itemId} not found`, `items[${index}].itemId`);
      lineCurrency = item.rows[0].currency;
    }
    parsed.push({ itemId: BigInt(line.itemId), amount: await amountOf(db, line.amount, lineCurrency, `items[${index}].amount`) });
  }
  return parsed;
}

// The service checks the same roles again, for the command line.
const workConfig = { permission: 'collections.work' as const };

export async function registerCollectionRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/customers/:customerId/activities',
    {
      schema: {
        tags: ['collections'],
        summary: "A customer's collection activities, newest first",
        params: customerParams,
        response: { 200: z.object({ activities: z.array(activitySchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { company, customerId } = await customerOf(db, actor, request.params.customerId, 'read');
      const activities = await listActivities(db, company.companyId, actor.scope, { customerId });
      return { activities: activities.map((activity) => activityToJson(company, activity)) };
    },
  );

  app.post(
    '/customers/:customerId/activities',
    {
      config: workConfig,
      schema: {
        tags: ['collections'],
        summary: 'Log a call, visit, email, letter or meeting; a correction is a new activity',
        params: customerParams,
        body: z.object({
          kind: z.enum(activityKinds),
          date: isoDateSchema,
          contact: z.string().optional(),
          outcome: z.enum(activityOutcomes),
          note: z.string().optional(),
          followUpDate: isoDateSchema.optional(),
          salesRep: z.string().optional().meta({ description: 'Visits only.' }),
          visitReport: z.string().optional().meta({ description: 'Visits only.' }),
          nextStep: z.string().optional().meta({ description: 'Visits only.' }),
          correctsActivityId: idText.optional().meta({ description: 'The earlier activity this one corrects.' }),
        }),
        response: { 201: z.object({ activity: activitySchema }), ...clientErrors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { company, customerId } = await customerOf(db, actor, request.params.customerId, 'activity.add');
      const body = request.body;
      const activity = await logActivity(
        db,
        company.companyId,
        { ...body, customerId, correctsActivityId: body.correctsActivityId === undefined ? null : BigInt(body.correctsActivityId) },
        actor,
      );
      return reply.code(201).send({ activity: activityToJson(company, activity) });
    },
  );

  app.get(
    '/activities',
    {
      schema: {
        tags: ['collections'],
        summary: 'Activities logged by one user, yourself by default, of the customers in your scope',
        querystring: z.object({ company: companyParameter, actor: z.string().optional().meta({ description: 'Email of the user; yourself when omitted.' }) }),
        response: { 200: z.object({ company: z.string(), actor: z.string(), activities: z.array(activitySchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.query.company);
      const email = request.query.actor ?? actor.email;
      const activities = await listActivities(db, company.companyId, actor.scope, { actor: email });
      return { company: company.code, actor: email, activities: activities.map((activity) => activityToJson(company, activity)) };
    },
  );

  app.get(
    '/activities/follow-ups',
    {
      schema: {
        tags: ['collections'],
        summary: 'Activities whose follow-up falls on a day',
        querystring: z.object({
          company: companyParameter,
          date: isoDateSchema.optional().meta({ description: 'Today when omitted.' }),
          mine: z.enum(['true', 'false']).optional().meta({ description: 'Only the activities you logged.' }),
        }),
        response: { 200: z.object({ company: z.string(), date: z.string(), activities: z.array(activitySchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.query.company);
      const date = request.query.date ?? today();
      const activities = await listActivities(db, company.companyId, actor.scope, {
        followUpDate: date,
        actor: request.query.mine === 'true' ? actor.email : undefined,
      });
      return { company: company.code, date, activities: activities.map((activity) => activityToJson(company, activity)) };
    },
  );

  app.get(
    '/customers/:customerId/promises',
    {
      schema: {
        tags: ['collections'],
        summary: "A customer's promises to pay",
        params: customerParams,
        response: { 200: z.object({ promises: z.array(promiseSchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { company, customerId } = await customerOf(db, actor, request.params.customerId, 'read');
      const promises = await listPromises(db, company.companyId, actor.scope, { customerId });
      return { promises: promises.map((promise) => promiseToJson(company, promise)) };
    },
  );

  app.post(
    '/customers/:customerId/promises',
    {
      config: workConfig,
      schema: {
        tags: ['collections'],
        summary: 'Record a promise to pay',
        params: customerParams,
        body: z.object({
          currency: z.string(),
          amount: decimalText,
          promiseDate: isoDateSchema.optional().meta({ description: 'The day the promise was made; today when omitted.' }),
          promisedDate: isoDateSchema,
          items: z.array(newLineSchema).optional().meta({ description: 'The items promised, whose amounts add up to the promised amount.' }),
          activityId: idText.optional().meta({ description: 'The activity during which the promise was made.' }),
          note: z.string().optional(),
        }),
        response: { 201: z.object({ promise: promiseSchema }), ...clientErrors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { company, customerId } = await customerOf(db, actor, request.params.customerId, 'promise.add');
      const body = request.body;
      const promise = await addPromise(
        db,
        company.companyId,
        {
          customerId,
          currency: body.currency,
          amount: await amountOf(db, body.amount, body.currency, 'amount'),
          promiseDate: body.promiseDate ?? today(),
          promisedDate: body.promisedDate,
          items: await itemLines(db, company.companyId, body.items ?? [], body.currency),
          activityId: body.activityId === undefined ? null : BigInt(body.activityId),
          note: body.note,
        },
        actor,
      );
      return reply.code(201).send({ promise: promiseToJson(company, promise) });
    },
  );

  app.post(
    '/promises/evaluate',
    {
      config: workConfig,
      schema: {
        tags: ['collections'],
        summary: 'Decide the open promises of a company as of a date: kept once paid, broken once the grace has passed',
        body: z.object({ company: companyParameter, asOf: isoDateSchema.optional().meta({ description: 'Today when omitted.' }) }),
        response: {
          200: z.object({ company: z.string(), asOf: z.string(), graceDays: z.number().int(), kept: z.array(promiseSchema), broken: z.array(promiseSchema) }),
          ...clientErrors,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.body.company);
      const result = await evaluatePromises(db, company, request.body.asOf ?? today(), actor);
      return {
        company: company.code,
        asOf: result.asOf,
        graceDays: result.graceDays,
        kept: result.kept.map((promise) => promiseToJson(company, promise)),
        broken: result.broken.map((promise) => promiseToJson(company, promise)),
      };
    },
  );

  app.get(
    '/promises',
    {
      schema: {
        tags: ['collections'],
        summary: 'Promises to pay of the customers in your scope, by promised date',
        querystring: z.object({ company: companyParameter, status: z.enum(promiseStatuses).optional() }),
        response: { 200: z.object({ company: z.string(), promises: z.array(promiseSchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.query.company);
      const promises = await listPromises(db, company.companyId, actor.scope, { status: request.query.status });
      return { company: company.code, promises: promises.map((promise) => promiseToJson(company, promise)) };
    },
  );

  app.get(
    '/customers/:customerId/disputes',
    {
      schema: {
        tags: ['collections'],
        summary: "A customer's disputes, newest first",
        params: customerParams,
        response: { 200: z.object({ disputes: z.array(disputeSchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { company, customerId } = await customerOf(db, actor, request.params.customerId, 'read');
      const disputes = await listDisputes(db, company.companyId, actor.scope, { customerId });
      return { disputes: disputes.map((dispute) => disputeToJson(company, dispute)) };
    },
  );

  app.post(
    '/customers/:customerId/disputes',
    {
      config: workConfig,
      schema: {
        tags: ['collections'],
        summary: 'Open a dispute on items of a customer; each amount at most what is open and not yet in dispute',
        params: customerParams,
        body: z.object({
          reason: z.enum(disputeReasons),
          department: z.enum(disputeDepartments).meta({ description: 'The department that owns the dispute.' }),
          date: isoDateSchema.optional().meta({ description: 'The day it was opened; today when omitted.' }),
          items: z.array(newLineSchema).min(1),
          note: z.string().optional(),
        }),
        response: { 201: z.object({ dispute: disputeSchema }), ...clientErrors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { company, customerId } = await customerOf(db, actor, request.params.customerId, 'dispute.add');
      const body = request.body;
      const dispute = await openDispute(
        db,
        company.companyId,
        {
          customerId,
          reason: body.reason,
          department: body.department,
          date: body.date ?? today(),
          items: await itemLines(db, company.companyId, body.items),
          note: body.note,
        },
        actor,
      );
      return reply.code(201).send({ dispute: disputeToJson(company, dispute) });
    },
  );

  const disputeResponse = {
    200: z.object({
      dispute: disputeSchema,
      events: z.array(
        z.object({ eventId: z.string(), date: z.string(), fromStatus: z.string().nullable(), toStatus: z.string(), actor: z.string(), note: z.string().nullable() }),
      ),
    }),
    ...clientErrors,
  };

  async function disputeReply(companyId: number, dispute: Dispute) {
    const company = await getCompanyById(db, companyId);
    const events = await disputeEvents(db, companyId, dispute.disputeId);
    return { dispute: disputeToJson(company, dispute), events: events.map((event) => ({ ...event, eventId: event.eventId.toString() })) };
  }

  app.post(
    '/disputes/:id/review',
    {
      config: workConfig,
      schema: {
        tags: ['collections'],
        summary: 'Put an open dispute in review by its owner department',
        params: idParams,
        body: z.object({ date: isoDateSchema.optional().meta({ description: 'Today when omitted.' }), note: z.string().optional() }),
        response: disputeResponse,
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const disputeId = BigInt(request.params.id);
      const companyId = await disputeCompanyId(db, disputeId);
      const dispute = await reviewDispute(db, companyId, disputeId, { date: request.body.date ?? today(), note: request.body.note }, actor);
      return disputeReply(companyId, dispute);
    },
  );

  app.post(
    '/disputes/:id/resolve',
    {
      config: workConfig,
      schema: {
        tags: ['collections'],
        summary: 'Resolve a dispute by a credit note, or reject it',
        params: idParams,
        body: z.object({
          date: isoDateSchema.optional().meta({ description: 'Today when omitted.' }),
          resolution: z.enum(disputeResolutions),
          creditNoteReference: z.string().optional().meta({ description: 'Required for a credit_note resolution.' }),
          note: z.string().optional(),
        }),
        response: disputeResponse,
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const disputeId = BigInt(request.params.id);
      const companyId = await disputeCompanyId(db, disputeId);
      const body = request.body;
      const dispute = await resolveDispute(
        db,
        companyId,
        disputeId,
        { date: body.date ?? today(), resolution: body.resolution, creditNoteReference: body.creditNoteReference, note: body.note },
        actor,
      );
      return disputeReply(companyId, dispute);
    },
  );

  app.get(
    '/disputes',
    {
      schema: {
        tags: ['collections'],
        summary: 'Disputes of the customers in your scope, newest first',
        querystring: z.object({ company: companyParameter, status: z.enum(disputeStatuses).optional() }),
        response: { 200: z.object({ company: z.string(), disputes: z.array(disputeSchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.query.company);
      const disputes = await listDisputes(db, company.companyId, actor.scope, { status: request.query.status });
      return { company: company.code, disputes: disputes.map((dispute) => disputeToJson(company, dispute)) };
    },
  );
}
