import { z } from 'zod';
import { actorOf } from '../../auth/request.js';
import type { Actor } from '../../auth/types.js';
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
  getDepositSlip,
  listChecks,
  listDepositSlips,
  maturitySchedule,
  replaceCheck,
  returnCheck,
  returnedChecks,
  returnReasons,
  safeCheck,
  scheduleGroupings,
  type Check,
  type CheckEvent,
  type DepositSlip,
} from '../../checks/index.js';
import type { Db, Queryable } from '../../db/types.js';
import { currencyExponent } from '../../ledger/currencies.js';
import type { Company } from '../../ledger/types.js';
import { InputError, NotFoundError } from '../../shared/errors.js';
import { ForbiddenError } from '../../auth/errors.js';
import { inScope } from '../../auth/scope.js';
import { AmountFormatError, formatMinor, parseDecimal } from '../../shared/money.js';
import { companyForRequest, today } from './customers.js';
import { errorResponseSchema, isoDateSchema, type ApiInstance } from '../validation.js';

const idText = z.string().regex(/^\d{1,18}$/, { error: 'expected an id: digits only' });
const idParams = z.object({ id: idText.meta({ description: 'Internal id.' }) });
const decimalText = z.string().meta({ description: 'Exact decimal amount in the currency of the field.', example: '1250.00' });
const companyParameter = z.string().optional().meta({ description: 'Company code, which may be omitted when you can see one company only.' });

const clientErrors = {
  400: errorResponseSchema.describe('Invalid field or a change the check does not allow.'),
  403: errorResponseSchema.describe('Your role may not do this, or the customer is outside your scope.'),
  404: errorResponseSchema.describe('Unknown check, customer, item, account or company.'),
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

const checkLineSchema = z.object({ itemId: idText, amount: decimalText });

const newCheckSchema = z.object({
  company: companyParameter,
  customerId: idText,
  drawer: z.string(),
  drawerBank: z.string(),
  checkNumber: z.string(),
  currency: z.string(),
  amount: decimalText,
  issueDate: isoDateSchema,
  maturityDate: isoDateSchema,
  receivedDate: isoDateSchema,
  certified: z.boolean().optional(),
  lines: z.array(checkLineSchema).optional().meta({ description: 'The open items the check is meant to pay.' }),
  note: z.string().optional(),
});

const checkSchema = z.object({
  checkId: z.string(),
  company: z.string(),
  customerId: z.string(),
  customerNumber: z.string(),
  customerName: z.string(),
  drawer: z.string(),
  drawerBank: z.string(),
  checkNumber: z.string(),
  currency: z.string(),
  amount: decimalText,
  issueDate: z.string(),
  maturityDate: z.string(),
  businessMaturityDate: z.string().meta({ description: 'The maturity moved past weekend days and holidays.' }),
  receivedDate: z.string(),
  postDated: z.boolean(),
  certified: z.boolean(),
  status: z.enum(checkStatuses),
  slipId: z.string().nullable(),
  depositedDate: z.string().nullable(),
  clearedDate: z.string().nullable(),
  paymentItemId: z.string().nullable(),
  returnedDate: z.string().nullable(),
  returnReason: z.string().nullable(),
  returnText: z.string().nullable(),
  chargeItemId: z.string().nullable(),
  replacedByCheckId: z.string().nullable(),
  replacesCheckId: z.string().nullable(),
  lines: z.array(z.object({ itemId: z.string(), documentNumber: z.string(), amount: decimalText })),
});

function text(id: bigint | null): string | null {
  return id === null ? null : id.toString();
}

export function checkToJson(check: Check) {
  const money = (amount: bigint) => formatMinor(amount, check.currencyExponent);
  return {
    checkId: check.checkId.toString(),
    company: check.companyCode,
    customerId: check.customerId.toString(),
    customerNumber: check.customerNumber,
    customerName: check.customerName,
    drawer: check.drawer,
    drawerBank: check.drawerBank,
    checkNumber: check.checkNumber,
    currency: check.currency,
    amount: money(check.amount),
    issueDate: check.issueDate,
    maturityDate: check.maturityDate,
    businessMaturityDate: check.businessMaturityDate,
    receivedDate: check.receivedDate,
    postDated: check.postDated,
    certified: check.certified,
    status: check.status,
    slipId: text(check.slipId),
    depositedDate: check.depositedDate,
    clearedDate: check.clearedDate,
    paymentItemId: text(check.paymentItemId),
    returnedDate: check.returnedDate,
    returnReason: check.returnReason,
    returnText: check.returnText,
    chargeItemId: text(check.chargeItemId),
    replacedByCheckId: text(check.replacedByCheckId),
    replacesCheckId: text(check.replacesCheckId),
    lines: check.lines.map((line) => ({ itemId: line.itemId.toString(), documentNumber: line.documentNumber, amount: money(line.amount) })),
  };
}

const eventSchema = z.object({
  eventId: z.string(),
  eventDate: z.string(),
  fromStatus: z.string().nullable(),
  toStatus: z.string(),
  actor: z.string(),
  note: z.string().nullable(),
});

function eventToJson(event: CheckEvent) {
  return { ...event, eventId: event.eventId.toString() };
}

const slipSchema = z.object({
  slipId: z.string(),
  company: z.string(),
  bankAccountId: z.number().int(),
  accountNumber: z.string(),
  bank: z.string(),
  date: z.string(),
  currency: z.string(),
  total: decimalText,
  reference: z.string().nullable(),
  createdBy: z.string(),
  checks: z.array(checkSchema),
  cash: z.array(
    z.object({ lineNumber: z.number().int(), amount: decimalText, currency: z.string(), reference: z.string().nullable(), cashReceiptId: z.string().nullable() }),
  ),
});

function slipToJson(slip: DepositSlip) {
  return {
    slipId: slip.slipId.toString(),
    company: slip.companyCode,
    bankAccountId: slip.bankAccountId,
    accountNumber: slip.accountNumber,
    bank: slip.bank,
    date: slip.date,
    currency: slip.currency,
    total: formatMinor(slip.total, slip.currencyExponent),
    reference: slip.reference,
    createdBy: slip.createdBy,
    checks: slip.checks.map(checkToJson),
    cash: slip.cash.map((line) => ({
      lineNumber: line.lineNumber,
      amount: formatMinor(line.amount, slip.currencyExponent),
      currency: line.currency,
      reference: line.reference,
      cashReceiptId: text(line.cashReceiptId),
    })),
  };
}

const transitionSchema = z.object({ date: isoDateSchema, note: z.string().optional() });

async function companyOf(db: Db, actor: Actor, code: string | undefined): Promise<Company> {
  return companyForRequest(db, actor, code);
}

/**
 * Returns a customer id named in a query after checking it lies inside the
 * actor's scope: naming a customer outside it is a 403, as on the
 * customer routes, not an empty list.
 */
async function customerInScope(db: Db, actor: Actor, company: Company, customerId: string | undefined): Promise<bigint | undefined> {
  if (customerId === undefined) return undefined;
  const found = await db.query<{ region: string | null }>('select region from customer where company_id = $1 and customer_id = $2', [
    company.companyId,
    customerId,
  ]);
  if (!found.rows[0]) throw new NotFoundError(`customer ${customerId} not found in ${company.code}`, 'customerId');
  if (!inScope(actor.scope, company.companyId, found.rows[0].region)) {
    throw new ForbiddenError(`customer ${customerId} is outside your scope`, {
      action: 'read',
      entity: 'customer',
      entityId: customerId,
      companyId: company.companyId,
    });
  }
  return BigInt(customerId);
}

export async function registerCheckRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/checks',
    {
      schema: {
        tags: ['checks'],
        summary: 'List the checks of a company, of the customers in your scope',
        querystring: z.object({
          company: companyParameter,
          status: z.enum(checkStatuses).optional(),
          customerId: idText.optional(),
          from: isoDateSchema.optional().meta({ description: 'Received on or after.' }),
          to: isoDateSchema.optional().meta({ description: 'Received on or before.' }),
          maturityFrom: isoDateSchema.optional().meta({ description: 'Business-day maturity on or after.' }),
          maturityTo: isoDateSchema.optional().meta({ description: 'Business-day maturity on or before.' }),
        }),
        response: { 200: z.object({ company: z.string(), checks: z.array(checkSchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyOf(db, actor, request.query.company);
      const checks = await listChecks(db, company.companyId, actor.scope, {
        status: request.query.status,
        customerId: await customerInScope(db, actor, company, request.query.customerId),
        from: request.query.from,
        to: request.query.to,
        maturityFrom: request.query.maturityFrom,
        maturityTo: request.query.maturityTo,
      });
      return { company: company.code, checks: checks.map(checkToJson) };
    },
  );

  app.post(
    '/checks',
    {
      config: { permission: 'checks.manage' },
      schema: {
        tags: ['checks'],
        summary: 'Register a received check',
        body: newCheckSchema,
        response: { 201: z.object({ check: checkSchema }), ...clientErrors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const body = request.body;
      const company = await companyOf(db, actor, body.company);
      const lines = [];
      for (const [index, line] of (body.lines ?? []).entries()) {
        lines.push({ itemId: BigInt(line.itemId), amount: await amountOf(db, line.amount, body.currency, `lines[${index}].amount`) });
      }
      const check = await addCheck(
        db,
        company,
        {
          customerId: BigInt(body.customerId),
          drawer: body.drawer,
          drawerBank: body.drawerBank,
          checkNumber: body.checkNumber,
          currency: body.currency,
          amount: await amountOf(db, body.amount, body.currency, 'amount'),
          issueDate: body.issueDate,
          maturityDate: body.maturityDate,
          receivedDate: body.receivedDate,
          certified: body.certified,
          lines,
          note: body.note,
        },
        actor,
      );
      return reply.code(201).send({ check: checkToJson(check) });
    },
  );

  app.get(
    '/checks/to-deposit',
    {
      schema: {
        tags: ['checks'],
        summary: 'Checks received or in the safe whose business-day maturity is on or before a day',
        querystring: z.object({ company: companyParameter, date: isoDateSchema.optional().meta({ description: 'Today when omitted.' }) }),
        response: { 200: z.object({ company: z.string(), date: z.string(), checks: z.array(checkSchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyOf(db, actor, request.query.company);
      const date = request.query.date ?? today();
      const checks = await checksToDeposit(db, company.companyId, actor.scope, date);
      return { company: company.code, date, checks: checks.map(checkToJson) };
    },
  );

  const totalSchema = z.object({ currency: z.string(), count: z.number().int(), amount: decimalText });

  app.get(
    '/checks/schedule',
    {
      schema: {
        tags: ['checks'],
        summary: 'Maturity schedule of uncleared checks by business-day maturity, per currency',
        querystring: z.object({
          company: companyParameter,
          by: z.enum(scheduleGroupings).default('day'),
          from: isoDateSchema.optional(),
          to: isoDateSchema.optional(),
        }),
        response: {
          200: z.object({
            company: z.string(),
            by: z.enum(scheduleGroupings),
            rows: z.array(totalSchema.extend({ period: z.string() })),
            totals: z.array(totalSchema),
          }),
          ...clientErrors,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyOf(db, actor, request.query.company);
      const schedule = await maturitySchedule(db, company.companyId, actor.scope, {
        grouping: request.query.by,
        from: request.query.from,
        to: request.query.to,
      });
      return {
        company: company.code,
        by: schedule.grouping,
        rows: schedule.rows.map((row) => ({ period: row.period, currency: row.currency, count: row.count, amount: formatMinor(row.amount, row.exponent) })),
        totals: schedule.totals.map((row) => ({ currency: row.currency, count: row.count, amount: formatMinor(row.amount, row.exponent) })),
      };
    },
  );

  app.get(
    '/checks/returned',
    {
      schema: {
        tags: ['checks'],
        summary: 'Returned checks of a period by customer, reason and currency',
        querystring: z.object({
          company: companyParameter,
          from: isoDateSchema.optional(),
          to: isoDateSchema.optional(),
          customerId: idText.optional(),
          reason: z.enum(returnReasons).optional(),
        }),
        response: {
          200: z.object({
            company: z.string(),
            rows: z.array(totalSchema.extend({ customerId: z.string(), customerNumber: z.string(), customerName: z.string(), reason: z.string() })),
            totals: z.array(totalSchema),
          }),
          ...clientErrors,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyOf(db, actor, request.query.company);
      const report = await returnedChecks(db, company.companyId, actor.scope, {
        from: request.query.from,
        to: request.query.to,
        customerId: await customerInScope(db, actor, company, request.query.customerId),
        reason: request.query.reason,
      });
      return {
        company: company.code,
        rows: report.rows.map((row) => ({
          customerId: row.customerId.toString(),
          customerNumber: row.customerNumber,
          customerName: row.customerName,
          reason: row.reason,
          currency: row.currency,
          count: row.count,
          amount: formatMinor(row.amount, row.exponent),
        })),
        totals: report.totals.map((row) => ({ currency: row.currency, count: row.count, amount: formatMinor(row.amount, row.exponent) })),
      };
    },
  );

  app.get(
    '/checks/exposure',
    {
      schema: {
        tags: ['checks'],
        summary: 'Per customer: open balance, cover of uncleared checks and net exposure, in the company currency',
        querystring: z.object({ company: companyParameter, asOf: isoDateSchema.optional(), customerId: idText.optional() }),
        response: {
          200: z.object({
            company: z.string(),
            currency: z.string(),
            asOf: z.string(),
            customers: z.array(
              z.object({
                customerId: z.string(),
                customerNumber: z.string(),
                customerName: z.string(),
                openBalance: decimalText,
                checkCover: decimalText,
                netExposure: decimalText,
              }),
            ),
          }),
          ...clientErrors,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyOf(db, actor, request.query.company);
      const asOf = request.query.asOf ?? today();
      const rows = await checkExposure(
        db,
        company,
        actor.scope,
        asOf,
        await customerInScope(db, actor, company, request.query.customerId),
      );
      const money = (amount: bigint) => formatMinor(amount, company.currencyExponent);
      return {
        company: company.code,
        currency: company.currency,
        asOf,
        customers: rows.map((row) => ({
          customerId: row.customerId.toString(),
          customerNumber: row.customerNumber,
          customerName: row.customerName,
          openBalance: money(row.openBalance),
          checkCover: money(row.checkCover),
          netExposure: money(row.netExposure),
        })),
      };
    },
  );

  app.get(
    '/checks/:id',
    {
      schema: {
        tags: ['checks'],
        summary: 'A check with its events',
        params: idParams,
        response: { 200: z.object({ check: checkSchema, events: z.array(eventSchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const { check, events } = await getCheck(db, BigInt(request.params.id), actorOf(request).scope);
      return { check: checkToJson(check), events: events.map(eventToJson) };
    },
  );

  const simple = [
    ['safe', 'Put a received check in the safe', safeCheck],
    ['clear', 'Clear a deposited check: it is posted as a payment on the date', clearCheck],
    ['cancel', 'Cancel a check not yet deposited', cancelCheck],
  ] as const;
  for (const [path, summary, work] of simple) {
    app.post(
      `/checks/:id/${path}`,
      {
        config: { permission: 'checks.manage' },
        schema: { tags: ['checks'], summary, params: idParams, body: transitionSchema, response: { 200: z.object({ check: checkSchema }), ...clientErrors } },
      },
      async (request) => ({ check: checkToJson(await work(db, BigInt(request.params.id), request.body, actorOf(request))) }),
    );
  }

  app.post(
    '/checks/:id/deposit',
    {
      config: { permission: 'checks.manage' },
      schema: {
        tags: ['checks'],
        summary: 'Deposit one check on a slip of its own; not before its business-day maturity',
        params: idParams,
        body: transitionSchema.extend({ bankAccountId: z.number().int().positive(), reference: z.string().optional() }),
        response: { 200: z.object({ check: checkSchema }), ...clientErrors },
      },
    },
    async (request) => ({ check: checkToJson(await depositCheck(db, BigInt(request.params.id), request.body, actorOf(request))) }),
  );

  app.post(
    '/checks/:id/return',
    {
      config: { permission: 'checks.manage' },
      schema: {
        tags: ['checks'],
        summary: 'Record a check the bank returned unpaid',
        params: idParams,
        body: transitionSchema.extend({ reason: z.enum(returnReasons), text: z.string().optional() }),
        response: {
          200: z.object({
            check: checkSchema,
            proposals: z.array(z.object({ proposalId: z.string(), kind: z.string(), reason: z.string(), checkIds: z.array(z.string()) })),
          }),
          ...clientErrors,
        },
      },
    },
    async (request) => {
      const result = await returnCheck(db, BigInt(request.params.id), request.body, actorOf(request));
      return {
        check: checkToJson(result.check),
        proposals: result.proposals.map((proposal) => ({
          proposalId: proposal.proposalId.toString(),
          kind: proposal.kind,
          reason: proposal.reason,
          checkIds: proposal.checkIds.map(String),
        })),
      };
    },
  );

  app.post(
    '/checks/:id/replace',
    {
      config: { permission: 'checks.manage' },
      schema: {
        tags: ['checks'],
        summary: 'Replace a check by a new one of the same customer',
        params: idParams,
        body: transitionSchema.extend({
          replacement: newCheckSchema
            .omit({ company: true, customerId: true, note: true, receivedDate: true })
            .extend({ receivedDate: isoDateSchema.optional() }),
        }),
        response: { 200: z.object({ check: checkSchema, replacement: checkSchema }), ...clientErrors },
      },
    },
    async (request) => {
      const body = request.body;
      const replacement = body.replacement;
      const lines =
        replacement.lines === undefined
          ? undefined
          : await Promise.all(
              replacement.lines.map(async (line, index) => ({
                itemId: BigInt(line.itemId),
                amount: await amountOf(db, line.amount, replacement.currency, `replacement.lines[${index}].amount`),
              })),
            );
      const result = await replaceCheck(
        db,
        BigInt(request.params.id),
        {
          date: body.date,
          note: body.note,
          replacement: {
            ...replacement,
            amount: await amountOf(db, replacement.amount, replacement.currency, 'replacement.amount'),
            lines,
          },
        },
        actorOf(request),
      );
      return { check: checkToJson(result.old), replacement: checkToJson(result.replacement) };
    },
  );

  app.post(
    '/deposit-slips',
    {
      config: { permission: 'checks.manage' },
      schema: {
        tags: ['checks'],
        summary: 'Record a deposit slip; its checks are deposited on its date',
        body: z.object({
          company: companyParameter,
          bankAccountId: z.number().int().positive(),
          date: isoDateSchema,
          checkIds: z.array(idText).default([]),
          cash: z
            .array(z.object({ amount: decimalText, currency: z.string(), reference: z.string().optional(), cashReceiptId: idText.optional() }))
            .optional(),
          total: decimalText.optional().meta({ description: 'The total written on the slip; checked against its lines.' }),
          reference: z.string().optional(),
          note: z.string().optional(),
        }),
        response: { 201: z.object({ slip: slipSchema }), ...clientErrors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const body = request.body;
      const company = await companyOf(db, actor, body.company);
      const cash = [];
      for (const [index, line] of (body.cash ?? []).entries()) {
        cash.push({
          amount: await amountOf(db, line.amount, line.currency, `cash[${index}].amount`),
          currency: line.currency,
          reference: line.reference ?? null,
          cashReceiptId: line.cashReceiptId === undefined ? null : BigInt(line.cashReceiptId),
        });
      }
      const account = await db.query<{ currency: string }>(
        'select currency from bank_account where company_id = $1 and bank_account_id = $2',
        [company.companyId, body.bankAccountId],
      );
      const slipCurrency = account.rows[0]?.currency.trim() ?? company.currency;
      const slip = await addDepositSlip(
        db,
        company,
        {
          bankAccountId: body.bankAccountId,
          date: body.date,
          checkIds: body.checkIds.map(BigInt),
          cash,
          total: body.total === undefined ? undefined : await amountOf(db, body.total, slipCurrency, 'total'),
          reference: body.reference,
          note: body.note,
        },
        actor,
      );
      return reply.code(201).send({ slip: slipToJson(slip) });
    },
  );

  app.get(
    '/deposit-slips',
    {
      schema: {
        tags: ['checks'],
        summary: 'List the deposit slips of a company',
        querystring: z.object({ company: companyParameter, from: isoDateSchema.optional(), to: isoDateSchema.optional() }),
        response: { 200: z.object({ company: z.string(), slips: z.array(slipSchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyOf(db, actor, request.query.company);
      const slips = await listDepositSlips(db, company.companyId, actor.scope, { from: request.query.from, to: request.query.to });
      return { company: company.code, slips: slips.map(slipToJson) };
    },
  );

  app.get(
    '/deposit-slips/:id',
    {
      schema: {
        tags: ['checks'],
        summary: 'A deposit slip with its checks and cash lines',
        params: idParams,
        response: { 200: z.object({ slip: slipSchema }), ...clientErrors },
      },
    },
    async (request) => ({ slip: slipToJson(await getDepositSlip(db, BigInt(request.params.id), actorOf(request).scope)) }),
  );
}
