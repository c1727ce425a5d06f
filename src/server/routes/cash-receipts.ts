import { z } from 'zod';
import { actorOf } from '../../auth/request.js';
import {
  checkMonth,
  checkPeriod,
  collectionsReport,
  listCollectionTargets,
  parseDimensions,
  setCollectionTarget,
  type CollectionsReport,
  type CollectionsRow,
  type CollectionTarget,
} from '../../cash/collections.js';
import {
  addCashReceipt,
  approveCashReceipt,
  cashReceiptKinds,
  cashReceiptStatuses,
  listCashReceipts,
  rejectCashReceipt,
  type CashReceipt,
} from '../../cash/receipts.js';
import type { Db } from '../../db/types.js';
import { currencyExponent } from '../../ledger/currencies.js';
import type { Company } from '../../ledger/types.js';
import { InputError } from '../../shared/errors.js';
import { AmountFormatError, formatMinor, parseDecimal } from '../../shared/money.js';
import { errorResponseSchema, isoDateSchema, limitSchema, type ApiInstance } from '../validation.js';
import { companyForRequest } from './customers.js';

const decimal = z.string().meta({ description: 'Exact decimal amount in the currency given beside it.', example: '1250.00' });

const companyParameter = z
  .string()
  .optional()
  .meta({ description: 'Company code, which may be omitted when you can see one company only.' });

const receiptSchema = z.object({
  id: z.string().meta({ description: 'Receipt id; the payment item it posts has the source key CASH:<id>.' }),
  company: z.string(),
  kind: z.enum(cashReceiptKinds),
  customerId: z.string(),
  customerNumber: z.string(),
  customerName: z.string(),
  region: z.string().nullable(),
  currency: z.string(),
  amount: decimal,
  allocated: decimal.meta({ description: 'Sum of the lines.' }),
  unapplied: decimal.meta({ description: 'Amount minus the lines: cash left on the customer.' }),
  date: z.string(),
  collector: z.string().nullable(),
  reference: z.string().nullable(),
  note: z.string().nullable(),
  status: z.enum(cashReceiptStatuses),
  enteredBy: z.string(),
  enteredAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionReason: z.string().nullable(),
  paymentItemId: z.string().nullable(),
  lines: z.array(z.object({ itemId: z.string(), documentNumber: z.string(), amount: decimal })),
});

export function receiptToJson(receipt: CashReceipt) {
  const money = (amount: bigint) => formatMinor(amount, receipt.currencyExponent);
  return {
    id: receipt.receiptId.toString(),
    company: receipt.companyCode,
    kind: receipt.kind,
    customerId: receipt.customerId.toString(),
    customerNumber: receipt.customerNumber,
    customerName: receipt.customerName,
    region: receipt.region,
    currency: receipt.currency,
    amount: money(receipt.amount),
    allocated: money(receipt.allocated),
    unapplied: money(receipt.amount - receipt.allocated),
    date: receipt.date,
    collector: receipt.collector,
    reference: receipt.reference,
    note: receipt.note,
    status: receipt.status,
    enteredBy: receipt.enteredBy,
    enteredAt: receipt.enteredAt,
    decidedBy: receipt.decidedBy,
    decidedAt: receipt.decidedAt,
    decisionReason: receipt.decisionReason,
    paymentItemId: receipt.paymentItemId === null ? null : receipt.paymentItemId.toString(),
    lines: receipt.lines.map((line) => ({
      itemId: line.itemId.toString(),
      documentNumber: line.documentNumber,
      amount: money(line.amount),
    })),
  };
}

const idText = z.string().regex(/^\d{1,18}$/, { error: 'expected an id: digits only' });

const newReceiptSchema = z.object({
  company: companyParameter,
  customerNumber: z.string().min(1),
  kind: z.enum(cashReceiptKinds).meta({ description: 'Cash or transfer; checks go through the check register.' }),
  currency: z.string().regex(/^[A-Za-z]{3}$/, { error: 'expected an ISO 4217 code' }),
  amount: decimal,
  date: isoDateSchema.meta({ description: 'Receipt date: the posting date of the payment.' }),
  collector: z.string().nullable().optional().meta({ description: "The customer's collector when omitted." }),
  reference: z.string().nullable().optional(),
  note: z.string().nullable().optional(),
  lines: z
    .array(z.object({ itemId: idText, amount: decimal }))
    .optional()
    .meta({ description: 'Items of the customer the receipt pays, in its currency; the rest stays unapplied.' }),
});

/** Parses a decimal amount of a request field, naming the field when it is not one. */
function amountOf(text: string, exponent: number, field: string): bigint {
  try {
    return parseDecimal(text, exponent);
  } catch (error) {
    if (error instanceof AmountFormatError) {
      throw new InputError(`invalid field "${field}" (value ${JSON.stringify(text)}): ${error.message}`, 'invalid_amount', field);
    }
    throw error;
  }
}

const writeErrors = {
  400: errorResponseSchema.describe('Invalid field.'),
  401: errorResponseSchema.describe('Not signed in.'),
  403: errorResponseSchema.describe(
    'Your role may not do this, the customer is outside your scope, or you entered the receipt yourself.',
  ),
  404: errorResponseSchema.describe('Unknown company, customer or receipt.'),
};

const collectionsRowSchema = z.object({
  period: z.string().meta({ description: 'YYYY-MM-DD for days, YYYY-MM for months.' }),
  region: z.string().nullable(),
  collector: z.string().nullable(),
  collected: decimal,
  monthToDate: decimal.nullable().meta({ description: 'For days: collected since the first of the month. Null for months.' }),
  target: decimal.nullable(),
  share: z.string().nullable().meta({ description: 'Percent of the target, two decimals (month to date for days).' }),
});

export function collectionsToJson(report: CollectionsReport) {
  const money = (amount: bigint | null) => (amount === null ? null : formatMinor(amount, report.currencyExponent));
  const row = (entry: CollectionsRow) => ({
    period: entry.period,
    region: entry.region,
    collector: entry.collector,
    collected: money(entry.collected)!,
    monthToDate: money(entry.monthToDate),
    target: money(entry.target),
    share: entry.share,
  });
  return {
    company: report.company,
    currency: report.currency,
    from: report.from,
    to: report.to,
    by: report.by,
    period: report.period,
    rows: report.rows.map(row),
    totals: report.totals.map(row),
  };
}

function targetToJson(target: CollectionTarget, company: Company) {
  return {
    month: target.month,
    region: target.region,
    collector: target.collector,
    amount: formatMinor(target.amount, company.currencyExponent),
    currency: company.currency,
    updatedBy: target.updatedBy,
    updatedAt: target.updatedAt,
  };
}

const targetSchema = z.object({
  month: z.string(),
  region: z.string().meta({ description: 'A region, or * for every region.' }),
  collector: z.string().meta({ description: 'A collector, or * for every collector.' }),
  amount: decimal,
  currency: z.string().meta({ description: 'The company currency.' }),
  updatedBy: z.string(),
  updatedAt: z.string(),
});

const monthText = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'expected a month as YYYY-MM' });

export async function registerCashReceiptRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/cash-receipts',
    {
      schema: {
        tags: ['cash'],
        summary: 'List cash and transfer receipts in your scope, newest first',
        querystring: z.object({
          company: companyParameter,
          status: z.enum(cashReceiptStatuses).optional(),
          from: isoDateSchema.optional().meta({ description: 'First receipt date.' }),
          to: isoDateSchema.optional().meta({ description: 'Last receipt date, inclusive.' }),
          limit: limitSchema,
        }),
        response: { 200: z.object({ receipts: z.array(receiptSchema) }), ...writeErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { company: code, status, from, to, limit } = request.query;
      const company = code === undefined || code === '' ? null : await companyForRequest(db, actor, code);
      const receipts = await listCashReceipts(db, actor, { companyId: company?.companyId, status, from, to, limit });
      return { receipts: receipts.map(receiptToJson) };
    },
  );

  app.post(
    '/cash-receipts',
    {
      config: { permission: 'cash.post' },
      schema: {
        tags: ['cash'],
        summary: 'Enter a cash or transfer receipt; it is posted once another person approves it',
        body: newReceiptSchema,
        response: { 201: z.object({ receipt: receiptSchema }), ...writeErrors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const body = request.body;
      const company = await companyForRequest(db, actor, body.company);
      const currency = body.currency.toUpperCase();
      const exponent = await currencyExponent(db, currency).catch(() => {
        throw new InputError(`invalid field "currency" (value "${body.currency}"): unknown currency`, 'invalid_currency', 'currency');
      });
      const receipt = await addCashReceipt(
        db,
        company,
        {
          kind: body.kind,
          customerNumber: body.customerNumber,
          currency,
          amount: amountOf(body.amount, exponent, 'amount'),
          date: body.date,
          ...(body.collector === undefined ? {} : { collector: body.collector }),
          reference: body.reference ?? null,
          note: body.note ?? null,
          lines: (body.lines ?? []).map((line, index) => ({
            itemId: BigInt(line.itemId),
            amount: amountOf(line.amount, exponent, `lines.${index}.amount`),
          })),
        },
        actor,
      );
      return reply.code(201).send({ receipt: receiptToJson(receipt) });
    },
  );

  app.post(
    '/cash-receipts/:id/approve',
    {
      config: { permission: 'cash.approve' },
      schema: {
        tags: ['cash'],
        summary: 'Approve a pending receipt and post it to the ledger; the person who entered it cannot',
        params: z.object({ id: idText }),
        response: { 200: z.object({ receipt: receiptSchema }), ...writeErrors },
      },
    },
    async (request) => ({
      receipt: receiptToJson(await approveCashReceipt(db, BigInt(request.params.id), actorOf(request))),
    }),
  );

  app.post(
    '/cash-receipts/:id/reject',
    {
      config: { permission: 'cash.approve' },
      schema: {
        tags: ['cash'],
        summary: 'Reject a pending receipt; nothing is posted',
        params: z.object({ id: idText }),
        body: z.object({ reason: z.string().optional() }).optional(),
        response: { 200: z.object({ receipt: receiptSchema }), ...writeErrors },
      },
    },
    async (request) => ({
      receipt: receiptToJson(
        await rejectCashReceipt(db, BigInt(request.params.id), request.body?.reason ?? null, actorOf(request)),
      ),
    }),
  );

  app.get(
    '/collections',
    {
      schema: {
        tags: ['cash'],
        summary: 'Money collected per day or month by region and collector, against the month target',
        description:
          'Payment items posted in the period from every source, less reversals of returned receipts, in the company currency, within your scope.',
        querystring: z.object({
          from: isoDateSchema,
          to: isoDateSchema,
          by: z.string().default('region').meta({ description: 'region, collector or region,collector.' }),
          period: z.enum(['day', 'month']).default('day'),
          company: companyParameter,
        }),
        response: {
          200: z.object({
            company: z.string(),
            currency: z.string(),
            from: z.string(),
            to: z.string(),
            by: z.array(z.string()),
            period: z.string(),
            rows: z.array(collectionsRowSchema),
            totals: z.array(collectionsRowSchema),
          }),
          ...writeErrors,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const query = request.query;
      const company = await companyForRequest(db, actor, query.company);
      const report = await collectionsReport(db, {
        company,
        from: query.from,
        to: query.to,
        by: parseDimensions(query.by),
        period: checkPeriod(query.period),
        scope: actor.scope,
      });
      return collectionsToJson(report);
    },
  );

  app.get(
    '/collections/targets',
    {
      schema: {
        tags: ['cash'],
        summary: "A company's collection targets by month, region and collector",
        querystring: z.object({
          company: companyParameter,
          from: monthText.optional().meta({ description: 'First month, YYYY-MM.' }),
          to: monthText.optional().meta({ description: 'Last month, YYYY-MM.' }),
        }),
        response: { 200: z.object({ company: z.string(), targets: z.array(targetSchema) }), ...writeErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.query.company);
      const targets = await listCollectionTargets(db, company, actor.scope, { from: request.query.from, to: request.query.to });
      return { company: company.code, targets: targets.map((target) => targetToJson(target, company)) };
    },
  );

  app.put(
    '/collections/targets',
    {
      config: { permission: 'collections.target' },
      schema: {
        tags: ['cash'],
        summary: 'Set the target of a month, region and collector (* for all)',
        body: z.object({
          company: companyParameter,
          month: monthText,
          region: z.string().min(1),
          collector: z.string().min(1),
          amount: decimal.meta({ description: 'In the company currency.' }),
        }),
        response: { 200: z.object({ company: z.string(), target: targetSchema }), ...writeErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const body = request.body;
      const company = await companyForRequest(db, actor, body.company);
      const target = await setCollectionTarget(
        db,
        company,
        {
          month: checkMonth(body.month),
          region: body.region,
          collector: body.collector,
          amount: amountOf(body.amount, company.currencyExponent, 'amount'),
        },
        actor,
      );
      return { company: company.code, target: targetToJson(target, company) };
    },
  );
}
