import { z } from 'zod';
import { actorOf } from '../../auth/request.js';
import { overdueReviewPdfBuffer } from '../../collections/overdue-review-pdf.js';
import {
  addReviewAction,
  completeReviewAction,
  createOverdueReview,
  listOverdueReviews,
  loadOverdueReview,
  type OverdueReview,
  type ReviewAction,
  type ReviewCustomer,
} from '../../collections/overdue-review.js';
import type { Db } from '../../db/types.js';
import { formatMinor } from '../../shared/money.js';
import { errorResponseSchema, isoDateSchema, type ApiInstance } from '../validation.js';
import { companyForRequest } from './customers.js';

const idText = z.string().regex(/^\d{1,18}$/, { error: 'expected an id: digits only' });
const decimalText = z.string().meta({ description: 'Exact decimal amount in the company currency.', example: '1250.000' });

const clientErrors = {
  400: errorResponseSchema.describe('Invalid field, a second review of the region on that day, or a change the action does not allow.'),
  403: errorResponseSchema.describe('Your role may not hold reviews, or the region is outside your scope.'),
  404: errorResponseSchema.describe('Unknown company, review, action or customer.'),
};

const reviewConfig = { permission: 'collections.review' as const };

const actionSchema = z.object({
  actionId: z.string(),
  reviewId: z.string(),
  customerNumber: z.string(),
  customerName: z.string(),
  text: z.string(),
  owner: z.string(),
  due: z.string(),
  activityId: z.string().meta({ description: 'The collection activity (a meeting) that carries the follow-up on the due date.' }),
  status: z.enum(['open', 'done']),
  doneDate: z.string().nullable(),
  doneBy: z.string().nullable(),
  createdBy: z.string(),
});

const customerSchema = z.object({
  customerId: z.string(),
  customerNumber: z.string(),
  name: z.string(),
  status: z.enum(['new', 'listed', 'gone']).meta({ description: 'new: not on the previous review; gone: on the previous review only.' }),
  overdue: decimalText,
  previousOverdue: decimalText.nullable(),
  change: decimalText.nullable().meta({ description: 'Null on the first review of a region.' }),
  balance: decimalText,
  disputed: decimalText,
  checkCover: decimalText.meta({ description: 'Checks received and not yet cleared on the review date.' }),
  netExposure: decimalText.meta({ description: 'Balance less the check cover.' }),
  bucketAmounts: z.array(decimalText),
  promises: z.array(z.object({ promiseId: z.string(), currency: z.string(), amount: z.string(), promisedDate: z.string() })),
  disputes: z.array(z.object({ disputeId: z.string(), currency: z.string(), amount: z.string(), reason: z.string(), openedDate: z.string() })),
});

const reviewSchema = z.object({
  reviewId: z.string(),
  company: z.string(),
  currency: z.string(),
  region: z.string(),
  date: z.string(),
  previous: z.object({ reviewId: z.string(), date: z.string() }).nullable(),
  buckets: z.array(z.object({ label: z.string(), from: z.number().int().nullable(), to: z.number().int().nullable() })),
  customers: z.array(customerSchema),
  totals: z.object({
    overdue: decimalText,
    previousOverdue: decimalText.nullable(),
    change: decimalText.nullable(),
    balance: decimalText,
    disputed: decimalText,
    checkCover: decimalText,
    netExposure: decimalText,
    bucketAmounts: z.array(decimalText),
  }),
  actions: z.array(actionSchema),
  createdBy: z.string(),
  createdAt: z.string(),
});

const summarySchema = z.object({
  reviewId: z.string(),
  company: z.string(),
  region: z.string(),
  date: z.string(),
  previousReviewId: z.string().nullable(),
  customerCount: z.number().int(),
  overdue: decimalText,
  currency: z.string(),
  openActions: z.number().int(),
  createdBy: z.string(),
});

function actionToJson(action: ReviewAction) {
  return {
    actionId: action.actionId.toString(),
    reviewId: action.reviewId.toString(),
    customerNumber: action.customerNumber,
    customerName: action.customerName,
    text: action.text,
    owner: action.owner,
    due: action.due,
    activityId: action.activityId.toString(),
    status: action.status,
    doneDate: action.doneDate,
    doneBy: action.doneBy,
    createdBy: action.createdBy,
  };
}

function customerToJson(customer: ReviewCustomer, exponent: number) {
  const money = (amount: bigint) => formatMinor(amount, exponent);
  return {
    customerId: customer.customerId.toString(),
    customerNumber: customer.customerNumber,
    name: customer.name,
    status: customer.status,
    overdue: money(customer.overdue),
    previousOverdue: customer.previousOverdue === null ? null : money(customer.previousOverdue),
    change: customer.change === null ? null : money(customer.change),
    balance: money(customer.balance),
    disputed: money(customer.disputed),
    checkCover: money(customer.checkCover),
    netExposure: money(customer.netExposure),
    bucketAmounts: customer.bucketAmounts.map(money),
    promises: customer.promises.map((promise) => ({
      promiseId: promise.promiseId.toString(),
      currency: promise.currency,
      amount: formatMinor(promise.amount, promise.currencyExponent),
      promisedDate: promise.promisedDate,
    })),
    disputes: customer.disputes.map((dispute) => ({
      disputeId: dispute.disputeId.toString(),
      currency: dispute.currency,
      amount: formatMinor(dispute.amount, dispute.currencyExponent),
      reason: dispute.reason,
      openedDate: dispute.openedDate,
    })),
  };
}

function reviewToJson(review: OverdueReview) {
  const exponent = review.company.currencyExponent;
  const money = (amount: bigint) => formatMinor(amount, exponent);
  const totals = review.totals;
  return {
    reviewId: review.reviewId.toString(),
    company: review.company.code,
    currency: review.company.currency,
    region: review.region,
    date: review.date,
    previous: review.previous ? { reviewId: review.previous.reviewId.toString(), date: review.previous.date } : null,
    buckets: review.buckets.map((bucket) => ({ label: bucket.label, from: bucket.from, to: bucket.to })),
    customers: review.customers.map((customer) => customerToJson(customer, exponent)),
    totals: {
      overdue: money(totals.overdue),
      previousOverdue: totals.previousOverdue === null ? null : money(totals.previousOverdue),
      change: totals.change === null ? null : money(totals.change),
      balance: money(totals.balance),
      disputed: money(totals.disputed),
      checkCover: money(totals.checkCover),
      netExposure: money(totals.netExposure),
      bucketAmounts: totals.bucketAmounts.map(money),
    },
    actions: review.actions.map(actionToJson),
    createdBy: review.createdBy,
    createdAt: review.createdAt,
  };
}

const reviewParams = z.object({ reviewId: idText.meta({ description: 'Review id.' }) });

/**
 * Registers the overdue review routes under `/reviews`: list, create,
 * read, the PDF pack, and the agreed actions. Every route needs
 * `collections.review` and keeps to the regions of the caller's scope.
 */
export async function registerReviewRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/reviews',
    {
      config: reviewConfig,
      schema: {
        tags: ['collections'],
        summary: 'Overdue reviews of the regions in your scope, newest first',
        querystring: z.object({ company: z.string().optional(), region: z.string().optional() }),
        response: { 200: z.object({ reviews: z.array(summarySchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = request.query.company ? (await companyForRequest(db, actor, request.query.company)).code : undefined;
      const reviews = await listOverdueReviews(db, actor.scope, { company, region: request.query.region });
      return {
        reviews: reviews.map((review) => ({
          reviewId: review.reviewId.toString(),
          company: review.company,
          region: review.region,
          date: review.date,
          previousReviewId: review.previousReviewId?.toString() ?? null,
          customerCount: review.customerCount,
          overdue: formatMinor(review.overdue, review.currencyExponent),
          currency: review.currency,
          openActions: review.openActions,
          createdBy: review.createdBy,
        })),
      };
    },
  );

  app.post(
    '/reviews',
    {
      config: reviewConfig,
      schema: {
        tags: ['collections'],
        summary: 'Review the overdue of a region on a date, compared with its previous review',
        body: z.object({
          company: z.string().optional().meta({ description: 'Company code, which may be omitted when you can see one company only.' }),
          region: z.string().min(1),
          date: isoDateSchema,
        }),
        response: { 201: z.object({ review: reviewSchema }), ...clientErrors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.body.company);
      const review = await createOverdueReview(db, { company: company.code, region: request.body.region, date: request.body.date }, actor);
      return reply.code(201).send({ review: reviewToJson(review) });
    },
  );

  app.get(
    '/reviews/:reviewId',
    {
      config: reviewConfig,
      schema: {
        tags: ['collections'],
        summary: 'A review with the change per customer since the previous review and its actions',
        params: reviewParams,
        response: { 200: z.object({ review: reviewSchema }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return { review: reviewToJson(await loadOverdueReview(db, BigInt(request.params.reviewId), actor.scope)) };
    },
  );

  app.get(
    '/reviews/:reviewId/pdf',
    {
      config: reviewConfig,
      schema: {
        tags: ['collections'],
        summary: 'The review pack for the meeting as an A4 PDF',
        params: reviewParams,
        response: { 200: z.string().describe('The PDF file.'), ...clientErrors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const review = await loadOverdueReview(db, BigInt(request.params.reviewId), actor.scope);
      const name = `overdue-review-${review.company.code}-${review.region}-${review.date}.pdf`.replace(/[^\w.-]+/g, '_');
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send((await overdueReviewPdfBuffer(review)) as unknown as string);
    },
  );

  app.post(
    '/reviews/:reviewId/actions',
    {
      config: reviewConfig,
      schema: {
        tags: ['collections'],
        summary: 'Record an action agreed for a customer of the review; it becomes a follow-up activity on the due date',
        params: reviewParams,
        body: z.object({
          customerNumber: z.string().min(1),
          text: z.string().min(1),
          owner: z.string().min(1).meta({ description: 'Email of the user who carries the action out.' }),
          due: isoDateSchema,
        }),
        response: { 201: z.object({ action: actionSchema }), ...clientErrors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const action = await addReviewAction(db, BigInt(request.params.reviewId), request.body, actor);
      return reply.code(201).send({ action: actionToJson(action) });
    },
  );

  app.post(
    '/reviews/actions/:actionId/done',
    {
      config: reviewConfig,
      schema: {
        tags: ['collections'],
        summary: 'Mark an agreed action done',
        params: z.object({ actionId: idText }),
        body: z.object({ date: isoDateSchema }),
        response: { 200: z.object({ action: actionSchema }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return { action: actionToJson(await completeReviewAction(db, BigInt(request.params.actionId), request.body, actor)) };
    },
  );
}
