import { z } from 'zod';
import { actorOf } from '../../auth/request.js';
import {
  customerStatement,
  statementFileName,
  statementPdfBuffer,
  statementToJson,
  statementWorkbook,
  type StatementJson,
} from '../../collections/index.js';
import { runStatementBatch, type StatementSelection } from '../../collections/statement-batch.js';
import type { Db } from '../../db/types.js';
import { InputError } from '../../shared/errors.js';
import { formatMinor } from '../../shared/money.js';
import { createMailer, mailSettings } from '../../mail/mailer.js';
import { companyForRequest } from './customers.js';
import { companiesInScope } from '../auth.js';
import { errorResponseSchema, isoDateSchema, type ApiInstance } from '../validation.js';

const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const paramsSchema = z.object({
  customerNumber: z.string().min(1).max(200).meta({ description: 'Customer number, as in the ledger.' }),
});

const querySchema = z.object({
  company: z
    .string()
    .optional()
    .meta({ description: 'Company code; may be omitted when only one company has the customer number.' }),
  from: isoDateSchema.meta({ description: 'First day of the period, YYYY-MM-DD.' }),
  to: isoDateSchema.meta({ description: 'Last day of the period, YYYY-MM-DD, not before `from`.' }),
  format: z.enum(['json', 'pdf', 'xlsx']).default('json').meta({ description: 'JSON, an A4 PDF or an XLSX workbook.' }),
});

const amount = (description: string) => z.string().meta({ description, example: '1234.567' });

const agingSchema = z.object({
  asOf: z.string(),
  basis: z.literal('due'),
  buckets: z.array(
    z.object({
      label: z.string(),
      from: z.number().int().nullable(),
      to: z.number().int().nullable(),
      amount: amount('Open amount of the bucket; open credits go to the last, unapplied column.'),
    }),
  ),
  total: amount('Equal to the closing balance.'),
});

const lineSchema = z.object({
  date: z.string(),
  type: z.string().meta({ description: 'Item kind (invoice, payment ...), allocation or reversal.' }),
  documentNumber: z.string(),
  dueDate: z.string().nullable(),
  description: z.string(),
  reference: z.string().nullable(),
  debit: amount('Increase of the balance.').nullable(),
  credit: amount('Decrease of the balance, positive.').nullable(),
  applied: amount('Amount an allocation clears (negative for a reversal); null for items.').nullable(),
  balance: amount('Running balance after the line.'),
});

const statementSchema = z
  .object({
    company: z.object({ code: z.string(), name: z.string(), currency: z.string() }),
    customer: z.object({
      customerNumber: z.string(),
      name: z.string(),
      groupNumber: z.string().nullable(),
      country: z.string().nullable(),
      region: z.string().nullable(),
      collector: z.string().nullable(),
      paymentTerms: z.string().nullable(),
    }),
    from: z.string(),
    to: z.string(),
    sections: z.array(
      z.object({
        currency: z.string(),
        openingBalance: amount('Open balance as of the day before `from`, in this currency.'),
        lines: z.array(lineSchema),
        closingBalance: amount('Opening balance plus the lines: the open balance as of `to`.'),
        aging: agingSchema,
      }),
    ),
    totals: z.object({
      currency: z.string().meta({ description: 'The company currency.' }),
      openingBalance: amount('Every section in the company currency.'),
      movement: amount('Sum of the lines in the company currency, exchange differences included.'),
      closingBalance: amount('Every section in the company currency.'),
      aging: agingSchema,
    }),
  })
  .describe('The statement (format=json); a PDF or XLSX file for the other formats.');

const batchBodySchema = z.object({
  company: z.string().optional().meta({ description: 'Company code, which may be omitted when you can see one company only.' }),
  from: isoDateSchema.meta({ description: 'First day of the period, YYYY-MM-DD.' }),
  to: isoDateSchema.meta({ description: 'Last day of the period, YYYY-MM-DD, not before `from`.' }),
  region: z.string().min(1).optional().meta({ description: 'Only the customers of this region.' }),
  customers: z
    .array(z.string().min(1).max(200))
    .min(1)
    .max(10_000)
    .optional()
    .meta({ description: 'Only these customer numbers. Without region or customers: every customer with an open item at `to` or a movement in the period.' }),
  resume: z.boolean().optional().meta({ description: 'Leave out the customers whose statement of this period was mailed before, to run a stopped batch again.' }),
});

const batchResponseSchema = z.object({
  company: z.string(),
  currency: z.string(),
  from: z.string(),
  to: z.string(),
  total: z.number().int(),
  sent: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int().meta({ description: 'Customers without a statements or collections contact.' }),
  outcomes: z.array(
    z.object({
      customerNumber: z.string(),
      customerName: z.string().nullable(),
      status: z.enum(['sent', 'failed', 'skipped', 'written']),
      to: z.string().nullable(),
      error: z.string().nullable(),
      closingBalance: amount('Closing balance in the company currency.').nullable(),
      mailId: z.string().nullable(),
    }),
  ),
});

/** Reads the selection of a batch; region and customers exclude each other. */
function batchSelection(body: z.infer<typeof batchBodySchema>): StatementSelection {
  if (body.region !== undefined && body.customers !== undefined) {
    throw new InputError('region and customers select in different ways: give one of them', 'invalid_parameter', 'customers');
  }
  if (body.customers !== undefined) return { kind: 'customers', customerNumbers: body.customers };
  if (body.region !== undefined) return { kind: 'region', region: body.region };
  return { kind: 'active' };
}

/**
 * Registers `POST /statements/batch`, which mails the statements of many
 * customers through the mail server of ARDESK_SMTP_URL, from
 * ARDESK_MAIL_FROM, and returns one outcome per customer.
 */
async function registerBatchRoute(app: ApiInstance, db: Db): Promise<void> {
  app.post(
    '/statements/batch',
    {
      config: { permission: 'collections.work' },
      schema: {
        tags: ['collections'],
        summary: 'Mail the statements of many customers, each to its statements contact',
        description:
          'Builds each statement, draws it as a PDF and mails it to the customer\'s statements contact (or else its collections contact). Customers without a contact are listed as skipped; a refused recipient is listed as failed and the batch goes on. Every message is recorded in the customer\'s mail history. The request returns when the batch is done.',
        body: batchBodySchema,
        response: {
          200: batchResponseSchema,
          400: errorResponseSchema.describe('Invalid parameter, or no mail server configured.'),
          401: errorResponseSchema.describe('Not signed in.'),
          403: errorResponseSchema.describe('Your role may not send statements, or the company is outside your scope.'),
          404: errorResponseSchema.describe('Unknown company.'),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const selection = batchSelection(request.body);
      const company = await companyForRequest(db, actor, request.body.company);
      const mailer = createMailer(mailSettings());
      try {
        const result = await runStatementBatch(
          db,
          { company: company.code, from: request.body.from, to: request.body.to, selection, scope: actor.scope },
          { mailer, resume: request.body.resume ?? false },
          actor,
        );
        return {
          company: result.company.code,
          currency: result.company.currency,
          from: result.from,
          to: result.to,
          total: result.total,
          sent: result.sent,
          failed: result.failed,
          skipped: result.skipped,
          outcomes: result.outcomes.map((outcome) => ({
            customerNumber: outcome.customerNumber,
            customerName: outcome.customerName,
            status: outcome.status,
            to: outcome.to,
            error: outcome.error,
            closingBalance: outcome.closingBalance === null ? null : formatMinor(outcome.closingBalance, result.company.currencyExponent),
            mailId: outcome.mailId?.toString() ?? null,
          })),
        };
      } finally {
        mailer.close();
      }
    },
  );
}

/**
 * Registers `GET /statements/:customerNumber`, the customer's statement
 * of account for a period as JSON, PDF or XLSX, and `POST /statements/batch`. A customer outside the
 * caller's scope gets 403 and is recorded as a denied attempt.
 */
export async function registerStatementRoutes(app: ApiInstance, db: Db): Promise<void> {
  await registerBatchRoute(app, db);
  app.get(
    '/statements/:customerNumber',
    {
      schema: {
        tags: ['collections'],
        summary: "A customer's statement of account for a period",
        description:
          'Opening balance as of the day before `from`, every item posted and every allocation or reversal dated in the period with a running balance, the closing balance as of `to` and its aging by due date: one section per transaction currency, and totals in the company currency. Amounts are decimal text in the exponent of their currency. With format=pdf or format=xlsx the answer is a file named in Content-Disposition.',
        params: paramsSchema,
        querystring: querySchema,
        response: {
          200: statementSchema,
          400: errorResponseSchema.describe('Invalid parameter, such as `from` after `to`.'),
          401: errorResponseSchema.describe('Not signed in.'),
          403: errorResponseSchema.describe('The company or customer is outside your scope.'),
          404: errorResponseSchema.describe('Unknown company or customer.'),
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { company, from, to, format } = request.query;
      // A company named outside the scope is refused before anything is read.
      if (company !== undefined && company !== '') await companiesInScope(db, actor, [company]);
      const statement = await customerStatement(db, {
        company,
        customerNumber: request.params.customerNumber,
        from,
        to,
        scope: actor.scope,
      });
      if (format === 'json') return reply.type('application/json').send(statementToJson(statement));
      const fileName = statementFileName(statement, format);
      const body =
        format === 'pdf'
          ? await statementPdfBuffer(statement)
          : Buffer.from(await statementWorkbook(statement).xlsx.writeBuffer());
      // A file body skips the JSON serializer. The typed reply declares only the JSON shape, hence the cast.
      return reply
        .type(format === 'pdf' ? 'application/pdf' : xlsxType)
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .header('cache-control', 'no-store')
        .send(body as unknown as StatementJson);
    },
  );
}
