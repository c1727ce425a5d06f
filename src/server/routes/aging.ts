import { z } from 'zod';
import type { Db } from '../../db/types.js';
import {
  agingGroupings,
  agingItems,
  agingReport,
  agingReportToJson,
  defaultBucketLimits,
  listSnapshots,
  maxItemsPageSize,
  parseBucketLimits,
  takeSnapshot,
  validateBucketLimits,
  type AgingItem,
  type AgingRequest,
  type SnapshotInfo,
} from '../../aging/index.js';
import { InputError } from '../../shared/errors.js';
import { formatMinor } from '../../shared/money.js';
import {
  booleanSchema,
  companyListSchema,
  errorResponseSchema,
  integerSchema,
  isoDateSchema,
  offsetSchema,
  type ApiInstance,
} from '../validation.js';
import { ForbiddenError } from '../../auth/errors.js';
import { actorOf } from '../../auth/request.js';
import { listCompanies } from '../../ledger/index.js';
import { companiesInScope } from '../auth.js';

const defaultBucketsText = defaultBucketLimits.join(',');

const agingQueryShape = {
  asOf: isoDateSchema.meta({ description: 'Age the items open on this date, YYYY-MM-DD.' }),
  company: companyListSchema,
  basis: z
    .enum(['due', 'document'])
    .default('due')
    .meta({ description: 'Count days past the due date or past the document date.' }),
  by: z.enum(agingGroupings).default('customer').meta({ description: 'Grouping of the rows.' }),
  buckets: z.string().optional().meta({
    description: `Ascending day limits, comma-separated. Each limit closes a bucket (default ${defaultBucketsText}).`,
    example: '0,30,60,90',
  }),
  currency: z
    .enum(['local', 'transaction'])
    .default('local')
    .meta({ description: "Company currency, or each item's own currency." }),
  ageCredits: booleanSchema
    .optional()
    .meta({ description: 'Age unapplied payments and open credit notes instead of showing them in their own column.' }),
};

const agingQuerySchema = z.object(agingQueryShape);

const bucketError = 'expected a bucket index, a whole number from 0';

const agingItemsQuerySchema = z.object({
  ...agingQueryShape,
  key: z.string().optional().meta({ description: 'Grouping key of one report row, such as a customer number.' }),
  bucket: z.coerce
    .number({ error: bucketError })
    .int({ error: bucketError })
    .min(0, { error: bucketError })
    .optional()
    .meta({ description: 'Index into the report buckets, from 0. Every bucket when omitted.' }),
  limit: integerSchema({ min: 1, max: maxItemsPageSize, default: 100, description: 'Page size.' }),
  offset: offsetSchema,
});

const decimal = z.string().meta({ description: 'Exact decimal amount.', example: '1234.567' });

const bucketSchema = z.object({
  label: z.string(),
  from: z.number().int().nullable().meta({ description: 'First day, inclusive, or null when open-ended.' }),
  to: z.number().int().nullable().meta({ description: 'Last day, inclusive, or null when open-ended.' }),
});

const disputedAmount = decimal.meta({
  description: 'Part of the total in dispute on the as-of date; the buckets and the total include it.',
});
const agingTotalSchema = z.object({ amounts: z.array(decimal), total: decimal, disputed: disputedAmount });

const agingReportSchema = z.object({
  asOf: z.string(),
  basis: z.string(),
  currency: z.string().meta({
    description: 'Currency code of every amount, or "local" when the companies keep their books in different currencies, or "transaction" in that mode.',
  }),
  buckets: z.array(bucketSchema),
  rows: z.array(
    z.object({
      key: z.string(),
      name: z.string().nullable(),
      currency: z.string(),
      amounts: z.array(decimal).meta({ description: 'One amount per bucket.' }),
      total: decimal,
      disputed: disputedAmount,
    }),
  ),
  total: agingTotalSchema.nullable().meta({ description: 'Grand total, or null unless every amount is in one currency.' }),
  totals: z
    .array(agingTotalSchema.extend({ currency: z.string() }))
    .optional()
    .meta({ description: 'One total per currency, present when there is not exactly one.' }),
});

const agingItemSchema = z.object({
  company: z.string(),
  itemId: z.string(),
  customerNumber: z.string(),
  customerName: z.string(),
  key: z.string(),
  kind: z.string(),
  documentNumber: z.string(),
  documentDate: z.string(),
  postingDate: z.string(),
  dueDate: z.string(),
  daysPastDue: z.number().int(),
  currency: z.string(),
  openAmount: decimal.meta({ description: 'Open amount in the item currency, negative for credits.' }),
  localCurrency: z.string(),
  openAmountLocal: decimal,
  bucket: z.number().int(),
  disputed: z.boolean(),
});

const snapshotBodySchema = z.object({
  company: z.string().min(1, { error: 'expected a company code' }),
  asOf: isoDateSchema,
  basis: z.enum(['due', 'document']).optional(),
  buckets: z
    .union([z.string(), z.array(z.number().int())], {
      error: 'expected day limits as "0,30,60" or [0, 30, 60]',
    })
    .optional()
    .meta({ description: `Ascending day limits (default ${defaultBucketsText}).` }),
});

const snapshotListQuerySchema = z.object({
  company: z.string().optional().meta({ description: 'Company code, or all companies when omitted.' }),
  from: isoDateSchema.optional().meta({ description: 'First as-of date.' }),
  to: isoDateSchema.optional().meta({ description: 'Last as-of date.' }),
  monthEndOnly: booleanSchema.optional(),
});

const snapshotSchema = z.object({
  snapshotId: z.string(),
  company: z.string(),
  asOf: z.string(),
  basis: z.string(),
  bucketLimits: z.array(z.number().int()),
  isMonthEnd: z.boolean(),
  createdAt: z.string().meta({ description: 'When the snapshot was stored, ISO 8601 in UTC.' }),
  currency: z.string(),
  lineCount: z.number().int(),
  totalLocal: decimal.meta({ description: 'Sum of the stored lines in the company currency.' }),
});

/** Parses the `buckets` parameter, reporting errors under that name. */
function bucketLimits(value: string | readonly number[] | undefined): readonly number[] {
  if (value === undefined) return defaultBucketLimits;
  try {
    return typeof value === 'string' ? parseBucketLimits(value) : validateBucketLimits(value);
  } catch (error) {
    if (error instanceof InputError) {
      throw new InputError(error.message, error.code, 'buckets');
    }
    throw error;
  }
}

function agingRequest(query: z.output<typeof agingQuerySchema>): AgingRequest {
  return {
    companies: query.company,
    asOf: query.asOf,
    basis: query.basis,
    groupBy: query.by,
    bucketLimits: bucketLimits(query.buckets),
    currency: query.currency,
    ageCredits: query.ageCredits ?? false,
  };
}

function itemToJson(item: AgingItem) {
  return {
    company: item.companyCode,
    itemId: item.itemId.toString(),
    customerNumber: item.customerNumber,
    customerName: item.customerName,
    key: item.key,
    kind: item.kind,
    documentNumber: item.documentNumber,
    documentDate: item.documentDate,
    postingDate: item.postingDate,
    dueDate: item.dueDate,
    daysPastDue: item.daysPastDue,
    currency: item.currency,
    openAmount: formatMinor(item.openAmount, item.exponent),
    localCurrency: item.localCurrency,
    openAmountLocal: formatMinor(item.openAmountLocal, item.localExponent),
    bucket: item.bucket,
    disputed: item.disputed,
  };
}

/**
 * Rewrites PostgreSQL timestamp text ("2026-03-31 17:03:03.354+00") as
 * ISO 8601 in UTC, keeping the text as it is when it does not parse.
 */
function isoTimestamp(text: string): string {
  const parsed = new Date(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  return Number.isNaN(parsed.getTime()) ? text : parsed.toISOString();
}

function snapshotToJson(snapshot: SnapshotInfo) {
  return {
    snapshotId: snapshot.snapshotId.toString(),
    company: snapshot.company,
    asOf: snapshot.asOf,
    basis: snapshot.basis,
    bucketLimits: snapshot.bucketLimits,
    isMonthEnd: snapshot.isMonthEnd,
    createdAt: isoTimestamp(snapshot.createdAt),
    currency: snapshot.currency,
    lineCount: snapshot.lineCount,
    totalLocal: formatMinor(snapshot.totalLocal, snapshot.exponent),
  };
}

const clientErrors = {
  400: errorResponseSchema.describe('Invalid parameter.'),
  403: errorResponseSchema.describe('A company outside your scope, or a role that may not do this.'),
  404: errorResponseSchema.describe('Unknown company.'),
};

export async function registerAgingRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/aging',
    {
      schema: {
        tags: ['aging'],
        summary: 'Aging report as of a date',
        querystring: agingQuerySchema,
        response: { 200: agingReportSchema.describe('Aging report with amounts as decimal strings.'), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const agingQuery = agingRequest(request.query);
      await companiesInScope(db, actor, agingQuery.companies ?? []);
      return agingReportToJson(await agingReport(db, { ...agingQuery, scope: actor.scope }));
    },
  );

  app.get(
    '/aging/items',
    {
      schema: {
        tags: ['aging'],
        summary: 'Open items behind an aging row or bucket, one page at a time',
        querystring: agingItemsQuerySchema,
        response: {
          200: z
            .object({
              total: z.number().int().meta({ description: 'Items matching the filter, over all pages.' }),
              limit: z.number().int(),
              offset: z.number().int(),
              items: z.array(agingItemSchema),
            })
            .describe('Items ordered by key, customer, due date and document number.'),
          ...clientErrors,
        },
      },
    },
    async (request) => {
      const { key, bucket, limit, offset } = request.query;
      const actor = actorOf(request);
      const agingQuery = agingRequest(request.query);
      await companiesInScope(db, actor, agingQuery.companies ?? []);
      const page = await agingItems(db, { ...agingQuery, scope: actor.scope, key, bucket, limit, offset });
      return { total: page.total, limit, offset, items: page.items.map(itemToJson) };
    },
  );

  app.post(
    '/snapshots',
    {
      config: { permission: 'snapshot' },
      schema: {
        tags: ['aging'],
        summary: "Store a company's aging by customer as of a date",
        description:
          'A snapshot with the same company, date, basis and buckets is stored once: posting it again returns the stored one with status 200.',
        body: snapshotBodySchema,
        response: {
          201: snapshotSchema.describe('The snapshot was stored.'),
          200: snapshotSchema.describe('The same snapshot was already stored.'),
          ...clientErrors,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const actor = actorOf(request);
      await companiesInScope(db, actor, [body.company], 'snapshot');
      if (actor.scope.regions !== null) {
        throw new ForbiddenError('a snapshot stores every region of a company, and your scope is limited to some regions', {
          action: 'snapshot',
          entity: 'aging_snapshot',
          entityId: null,
        });
      }
      const { created, ...snapshot } = await takeSnapshot(
        db,
        { company: body.company, asOf: body.asOf, basis: body.basis, bucketLimits: bucketLimits(body.buckets) },
        actor,
      );
      return reply.code(created ? 201 : 200).send(snapshotToJson(snapshot));
    },
  );

  app.get(
    '/snapshots',
    {
      schema: {
        tags: ['aging'],
        summary: 'List stored aging snapshots',
        querystring: snapshotListQuerySchema,
        response: {
          200: z.object({ snapshots: z.array(snapshotSchema) }).describe('Snapshots by company and date.'),
          ...clientErrors,
        },
      },
    },
    async (request) => {
      const { company, from, to, monthEndOnly } = request.query;
      const actor = actorOf(request);
      if (actor.scope.regions !== null) {
        throw new ForbiddenError('snapshots hold whole-company totals, and your scope is limited to some regions', {
          action: 'read',
          entity: 'aging_snapshot',
          entityId: null,
        });
      }
      await companiesInScope(db, actor, company === undefined ? [] : [company]);
      const snapshots = await listSnapshots(db, { company, from, to, monthEndOnly });
      const allowedIds = actor.scope.companyIds;
      const allowedCodes =
        allowedIds === null
          ? null
          : new Set(
              (await listCompanies(db))
                .filter((entry) => allowedIds.includes(entry.companyId))
                .map((entry) => entry.code),
            );
      return {
        snapshots: snapshots
          .filter((snapshot) => allowedCodes === null || allowedCodes.has(snapshot.company))
          .map(snapshotToJson),
      };
    },
  );
}
