import { z } from 'zod';
import { actorOf } from '../../auth/request.js';
import type { Actor } from '../../auth/types.js';
import { customerAging } from '../../aging/customer.js';
import { listCustomers } from '../../aging/positions.js';
import { collectionTimeline, type CollectionEvent } from '../../collections/timeline.js';
import type { Db } from '../../db/types.js';
import { customerDso, paymentBehaviour } from '../../kpi/behaviour.js';
import {
  customerBalances,
  customerItems,
  customerTimeline,
  getCustomer,
  type CompanyCustomer,
  type CustomerItem,
  type TimelineEvent,
} from '../../ledger/customer-items.js';
import { customerSortKeys, type CustomerListRequest } from '../../ledger/customer-list.js';
import type { CustomerRow } from '../../ledger/customers.js';
import { type Company, getCompany, getCompanyById, listCompanies, loadCurrencyExponents } from '../../ledger/index.js';
import type { IsoDate } from '../../shared/dates.js';
import { InputError, NotFoundError } from '../../shared/errors.js';
import { formatMinor } from '../../shared/money.js';
import { checkCustomerScope, companiesInScope } from '../auth.js';
import {
  booleanSchema,
  errorResponseSchema,
  isoDateSchema,
  limitSchema,
  offsetSchema,
  type ApiInstance,
} from '../validation.js';

/** Today's date in UTC, the default as-of date of the read endpoints. */
export function today(): IsoDate {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Returns the company named by `code` after checking that it exists and
 * lies in the actor's scope. Without a code it returns the only company
 * the actor can see or, with `firstByDefault`, the first of them by code.
 * Otherwise it raises InputError for the missing parameter.
 */
export async function companyForRequest(
  db: Db,
  actor: Actor,
  code: string | undefined,
  options: { firstByDefault?: boolean } = {},
): Promise<Company> {
  if (code !== undefined && code !== '') return (await companiesInScope(db, actor, [code]))[0]!;
  const allowed = actor.scope.companyIds;
  const visible = (await listCompanies(db)).filter(
    (company) => allowed === null || allowed.includes(company.companyId),
  );
  if (visible.length === 1 || (options.firstByDefault === true && visible.length > 0)) return visible[0]!;
  throw new InputError(
    visible.length === 0
      ? 'missing parameter "company": there is no company you can see yet'
      : `missing parameter "company": choose one of ${visible.map((company) => company.code).join(', ')}`,
    'missing_parameter',
    'company',
  );
}

/**
 * Returns the customer with the company it belongs to, after checking
 * that it exists (in `companyCode` when given) and lies in the actor's
 * scope. A customer outside the scope raises ForbiddenError, not NotFoundError.
 */
async function customerForRequest(
  db: Db,
  actor: Actor,
  customerId: bigint,
  companyCode: string | undefined,
): Promise<{ company: Company; customer: CompanyCustomer }> {
  const customer = await getCustomer(db, customerId);
  if (companyCode !== undefined && companyCode !== '') {
    const named = await getCompany(db, companyCode);
    if (named.companyId !== customer.companyId) {
      throw new NotFoundError(`customer ${customerId} not found in company ${named.code}`, 'customerId');
    }
  }
  checkCustomerScope(actor, customer);
  const company = await getCompanyById(db, customer.companyId);
  return { company, customer };
}

const decimal = z.string().meta({ description: 'Exact decimal amount in the company currency.', example: '1234.56' });

const masterDataSchema = z.object({
  customerId: z.string().meta({ description: 'Internal id, as text.' }),
  customerNumber: z.string(),
  name: z.string(),
  groupNumber: z.string().nullable(),
  country: z.string().nullable(),
  region: z.string().nullable(),
  collector: z.string().nullable(),
  salesRep: z.string().nullable(),
  paymentTerms: z.string().nullable(),
  creditSegment: z.string().nullable(),
  segment: z.string().nullable().meta({ description: 'The credit segment, as `creditSegment`.' }),
});

function masterData(customer: CustomerRow) {
  return {
    customerId: customer.customerId.toString(),
    customerNumber: customer.customerNumber,
    name: customer.name,
    groupNumber: customer.groupNumber,
    country: customer.country,
    region: customer.region,
    collector: customer.collector,
    salesRep: customer.salesRep,
    paymentTerms: customer.paymentTerms,
    creditSegment: customer.creditSegment,
    segment: customer.creditSegment,
  };
}

const companyParameter = z
  .string()
  .optional()
  .meta({ description: 'Company code, which may be omitted when you can see one company only.' });

const asOfParameter = isoDateSchema.optional().meta({ description: 'Date of the amounts, YYYY-MM-DD; today when omitted.' });

const optionalText = (description: string) => z.string().optional().meta({ description });

const customersQuerySchema = z.object({
  company: companyParameter,
  search: optionalText('Text found in the customer number or name, ignoring case.'),
  region: optionalText('Only customers of this region.'),
  collector: optionalText('Only customers of this collector.'),
  segment: optionalText('Only customers of this credit segment.'),
  overdueOnly: booleanSchema.optional().meta({ description: 'Only customers with an overdue amount.' }),
  sort: z.enum(customerSortKeys).default('number').meta({ description: 'Sort key; ties go by customer number.' }),
  dir: z.enum(['asc', 'desc']).default('asc').meta({ description: 'Sort direction.' }),
  asOf: asOfParameter,
  limit: limitSchema,
  offset: offsetSchema,
});

const customerParamsSchema = z.object({
  customerId: z
    .string()
    .regex(/^\d{1,18}$/, { error: 'expected a customer id: digits only' })
    .meta({ description: 'Internal customer id.' }),
});

const customerQuerySchema = z.object({ company: companyParameter, asOf: asOfParameter });

const itemsQuerySchema = z.object({
  company: companyParameter,
  status: z.enum(['open', 'all']).default('open').meta({ description: 'Open items on the date, or every item posted by then.' }),
  asOf: asOfParameter,
  limit: limitSchema,
  offset: offsetSchema,
});

const timelineQuerySchema = z.object({ company: companyParameter, limit: limitSchema, offset: offsetSchema });

const clientErrors = {
  400: errorResponseSchema.describe('Invalid parameter.'),
  401: errorResponseSchema.describe('Not signed in.'),
  403: errorResponseSchema.describe('The company or customer is outside your scope.'),
  404: errorResponseSchema.describe('Unknown company or customer.'),
};

const itemSchema = z.object({
  itemId: z.string(),
  kind: z.string(),
  documentNumber: z.string(),
  instalment: z.number().int(),
  reference: z.string().nullable(),
  documentDate: z.string(),
  postingDate: z.string(),
  dueDate: z.string(),
  daysPastDue: z.number().int().meta({ description: 'As-of date minus the due date; negative when not yet due.' }),
  currency: z.string().meta({ description: 'Currency of the item.' }),
  amount: z.string().meta({ description: 'Amount in the item currency, negative for credits.' }),
  openAmount: z.string().meta({ description: 'Open amount on the as-of date in the item currency.' }),
  amountLocal: decimal,
  openAmountLocal: decimal,
  disputed: z.boolean(),
});

const eventSchema = z.object({
  date: z.string(),
  kind: z.enum(['item', 'allocation', 'reversal', 'activity', 'promise', 'dispute']),
  itemId: z.string().nullable(),
  itemKind: z.string().nullable(),
  documentNumber: z.string().nullable(),
  allocationId: z.string().nullable(),
  debitItemId: z.string().nullable(),
  debitDocumentNumber: z.string().nullable(),
  creditItemId: z.string().nullable(),
  creditDocumentNumber: z.string().nullable(),
  reversesAllocationId: z.string().nullable(),
  reason: z.string().nullable(),
  currency: z.string().nullable().meta({ description: 'Currency of the item, of the debit item for an allocation, or of the promise or dispute; null for an activity.' }),
  amount: z.string().nullable().meta({ description: 'Item amount, allocated amount (negative for a reversal), promised or disputed amount; null for an activity.' }),
  amountLocal: decimal.nullable().meta({ description: 'Null for activities, promises and disputes.' }),
  activityId: z.string().nullable().optional(),
  activityKind: z.string().nullable().optional().meta({ description: 'Activities: call, visit, email, letter or meeting.' }),
  outcome: z.string().nullable().optional(),
  contact: z.string().nullable().optional(),
  followUpDate: z.string().nullable().optional(),
  promiseId: z.string().nullable().optional(),
  disputeId: z.string().nullable().optional(),
  status: z.string().nullable().optional().meta({ description: 'Promises and disputes: their status today.' }),
  promisedDate: z.string().nullable().optional(),
});

/** Converts a collection event to the timeline's row shape. */
function collectionEventJson(event: CollectionEvent) {
  return {
    date: event.date,
    kind: event.kind,
    itemId: null,
    itemKind: null,
    documentNumber: null,
    allocationId: null,
    debitItemId: null,
    debitDocumentNumber: null,
    creditItemId: null,
    creditDocumentNumber: null,
    reversesAllocationId: null,
    reason: event.reason,
    currency: event.currency,
    amount: event.amount === null || event.currencyExponent === null ? null : formatMinor(event.amount, event.currencyExponent),
    amountLocal: null,
    activityId: event.kind === 'activity' ? event.id.toString() : null,
    activityKind: event.activityKind,
    outcome: event.outcome,
    contact: event.contact,
    followUpDate: event.followUpDate,
    promiseId: event.kind === 'promise' ? event.id.toString() : null,
    disputeId: event.kind === 'dispute' ? event.id.toString() : null,
    status: event.status,
    promisedDate: event.promisedDate,
  };
}

/** Sort key of a timeline entry: date, then the rank of its kind, then its id, all descending. */
const timelineRank: Record<string, number> = { item: 0, allocation: 1, reversal: 2, activity: 3, promise: 4, dispute: 5 };

function idText(id: bigint | null): string | null {
  return id === null ? null : id.toString();
}

export async function registerCustomerRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/customers',
    {
      schema: {
        tags: ['customers'],
        summary: "List a company's customers with their balance and overdue amount, one page at a time",
        querystring: customersQuerySchema,
        response: {
          200: z
            .object({
              company: z.string(),
              currency: z.string().meta({ description: 'Company currency of the amounts.' }),
              asOf: z.string(),
              total: z.number().int().meta({ description: 'Customers matching the filters.' }),
              limit: z.number().int(),
              offset: z.number().int(),
              customers: z.array(
                masterDataSchema.extend({
                  balance: decimal.meta({ description: 'Open amount of every item, credits netted.' }),
                  overdue: decimal.meta({ description: 'Open amount of debit items due before the as-of date.' }),
                }),
              ),
            })
            .describe('Customers in your scope, sorted as asked.'),
          ...clientErrors,
        },
      },
    },
    async (request) => {
      const query = request.query;
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, query.company);
      const asOf = query.asOf ?? today();
      const listRequest: CustomerListRequest = {
        companyId: company.companyId,
        asOf,
        search: query.search,
        region: query.region,
        collector: query.collector,
        segment: query.segment,
        overdueOnly: query.overdueOnly,
        sort: query.sort,
        dir: query.dir,
        limit: query.limit,
        offset: query.offset,
      };
      const page = await listCustomers(db, actor.scope, listRequest);
      return {
        company: company.code,
        currency: company.currency,
        asOf,
        total: page.total,
        limit: query.limit,
        offset: query.offset,
        customers: page.customers.map((customer) => ({
          ...masterData(customer),
          balance: formatMinor(customer.balance, company.currencyExponent),
          overdue: formatMinor(customer.overdue, company.currencyExponent),
        })),
      };
    },
  );

  app.get(
    '/customers/:customerId',
    {
      schema: {
        tags: ['customers'],
        summary: "A customer's master data, balance, DSO, payment behaviour and aging",
        params: customerParamsSchema,
        querystring: customerQuerySchema,
        response: {
          200: z
            .object({
              company: z.string(),
              customer: masterDataSchema,
              currency: z.string().meta({ description: 'Company currency of the amounts.' }),
              asOf: z.string(),
              balance: decimal,
              overdue: decimal,
              creditLimit: decimal.nullable().meta({ description: 'Always null: credit limits are not kept yet.' }),
              dso: z.string().nullable().meta({ description: 'Days with two decimals, or null without credit sales.' }),
              dsoMethod: z.object({
                code: z.literal('DSO-STD'),
                description: z.string(),
                from: z.string(),
                to: z.string(),
                days: z.number().int(),
                creditSales: decimal,
                reason: z.string().nullable(),
              }),
              paymentBehaviour: z.object({
                from: z.string(),
                to: z.string(),
                averageDaysToPay: z.string().nullable(),
                averageDaysLate: z.string().nullable().meta({ description: 'Weighted by invoice amount; paying on time counts 0.' }),
                paidLatePercent: z.string().nullable(),
                invoicesPaid: z.number().int(),
              }),
              aging: z.object({
                buckets: z.array(
                  z.object({
                    label: z.string(),
                    from: z.number().int().nullable(),
                    to: z.number().int().nullable(),
                    amount: decimal,
                  }),
                ),
              }),
            })
            .describe('The customer page.'),
          ...clientErrors,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const customerId = BigInt(request.params.customerId);
      const { company, customer } = await customerForRequest(db, actor, customerId, request.query.company);
      const asOf = request.query.asOf ?? today();
      const scope = { companyId: company.companyId, customerId, asOf };
      const [balances, dso, behaviour, aging] = await Promise.all([
        customerBalances(db, company.companyId, [customerId], asOf),
        customerDso(db, scope),
        paymentBehaviour(db, scope),
        customerAging(db, scope),
      ]);
      const exponent = company.currencyExponent;
      const amounts = balances.get(customerId)!;
      return {
        company: company.code,
        customer: masterData(customer),
        currency: company.currency,
        asOf,
        balance: formatMinor(amounts.balance, exponent),
        overdue: formatMinor(amounts.overdue, exponent),
        creditLimit: null,
        dso: dso.value,
        dsoMethod: {
          code: dso.method,
          description: dso.description,
          from: dso.from,
          to: dso.to,
          days: dso.days,
          creditSales: formatMinor(dso.creditSales, exponent),
          reason: dso.reason,
        },
        paymentBehaviour: behaviour,
        aging: {
          buckets: aging.buckets.map((bucket, index) => ({
            label: bucket.label,
            from: bucket.from,
            to: bucket.to,
            amount: formatMinor(aging.amounts[index]!, exponent),
          })),
        },
      };
    },
  );

  app.get(
    '/customers/:customerId/items',
    {
      schema: {
        tags: ['customers'],
        summary: "A customer's items with their open amounts, newest first, one page at a time",
        params: customerParamsSchema,
        querystring: itemsQuerySchema,
        response: {
          200: z
            .object({
              company: z.string(),
              currency: z.string().meta({ description: 'Company currency of the local amounts.' }),
              asOf: z.string(),
              total: z.number().int(),
              limit: z.number().int(),
              offset: z.number().int(),
              items: z.array(itemSchema),
            })
            .describe('Items by posting date and id, newest first.'),
          ...clientErrors,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const customerId = BigInt(request.params.customerId);
      const { company, customer } = await customerForRequest(db, actor, customerId, request.query.company);
      const { status, limit, offset } = request.query;
      const asOf = request.query.asOf ?? today();
      const [page, exponentOf] = await Promise.all([
        customerItems(db, { companyId: company.companyId, customerId: customer.customerId, asOf, status, limit, offset }),
        loadCurrencyExponents(db),
      ]);
      const toJson = (item: CustomerItem) => {
        const exponent = exponentOf.get(item.currency)!;
        return {
          itemId: item.itemId.toString(),
          kind: item.kind,
          documentNumber: item.documentNumber,
          instalment: item.instalment,
          reference: item.reference,
          documentDate: item.documentDate,
          postingDate: item.postingDate,
          dueDate: item.dueDate,
          daysPastDue: item.daysPastDue,
          currency: item.currency,
          amount: formatMinor(item.amount, exponent),
          openAmount: formatMinor(item.openAmount, exponent),
          amountLocal: formatMinor(item.amountLocal, company.currencyExponent),
          openAmountLocal: formatMinor(item.openAmountLocal, company.currencyExponent),
          disputed: item.disputed,
        };
      };
      return {
        company: company.code,
        currency: company.currency,
        asOf,
        total: page.total,
        limit,
        offset,
        items: page.items.map(toJson),
      };
    },
  );

  app.get(
    '/customers/:customerId/timeline',
    {
      schema: {
        tags: ['customers'],
        summary: "A customer's items, allocations, reversals, activities, promises and disputes, newest first, one page at a time",
        params: customerParamsSchema,
        querystring: timelineQuerySchema,
        response: {
          200: z
            .object({
              company: z.string(),
              currency: z.string().meta({ description: 'Company currency of the local amounts.' }),
              total: z.number().int(),
              limit: z.number().int(),
              offset: z.number().int(),
              events: z.array(eventSchema),
            })
            .describe('Events by date, newest first.'),
          ...clientErrors,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const customerId = BigInt(request.params.customerId);
      const { company } = await customerForRequest(db, actor, customerId, request.query.company);
      const { limit, offset } = request.query;
      // The ledger and the collection work each give their newest
      // offset + limit entries. Merged in the same order, they contain the
      // page, which is the slice after `offset`.
      const [ledger, collections, exponentOf] = await Promise.all([
        customerTimeline(db, { companyId: company.companyId, customerId, scope: actor.scope, limit: offset + limit, offset: 0 }),
        collectionTimeline(db, company.companyId, customerId, offset + limit),
        loadCurrencyExponents(db),
      ]);
      const toJson = (event: TimelineEvent) => ({
        date: event.date,
        kind: event.kind,
        itemId: idText(event.itemId),
        itemKind: event.itemKind,
        documentNumber: event.documentNumber,
        allocationId: idText(event.allocationId),
        debitItemId: idText(event.debitItemId),
        debitDocumentNumber: event.debitDocumentNumber,
        creditItemId: idText(event.creditItemId),
        creditDocumentNumber: event.creditDocumentNumber,
        reversesAllocationId: idText(event.reversesAllocationId),
        reason: event.reason,
        currency: event.currency,
        amount: formatMinor(event.amount, exponentOf.get(event.currency)!),
        amountLocal: formatMinor(event.amountLocal, company.currencyExponent),
      });
      const keyed = [
        ...ledger.events.map((event) => ({ id: event.itemId ?? event.allocationId ?? 0n, json: toJson(event) as z.infer<typeof eventSchema> })),
        ...collections.events.map((event) => ({ id: event.id, json: collectionEventJson(event) as z.infer<typeof eventSchema> })),
      ];
      keyed.sort((a, b) => {
        if (a.json.date !== b.json.date) return a.json.date < b.json.date ? 1 : -1;
        const rank = timelineRank[b.json.kind]! - timelineRank[a.json.kind]!;
        if (rank !== 0) return rank;
        if (a.id === b.id) return 0;
        return a.id < b.id ? 1 : -1;
      });
      const page = { total: ledger.total + collections.total, events: keyed.slice(offset, offset + limit).map((entry) => entry.json) };
      return {
        company: company.code,
        currency: company.currency,
        total: page.total,
        limit,
        offset,
        events: page.events,
      };
    },
  );
}
