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
import type { Db } from '../../db/types.js';
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

/**
 * Registers `GET /statements/:customerNumber`, the customer's statement
 * of account for a period as JSON, PDF or XLSX. A customer outside the
 * caller's scope gets 403 and is recorded as a denied attempt.
 */
export async function registerStatementRoutes(app: ApiInstance, db: Db): Promise<void> {
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
