import { z } from 'zod';
import type { Db } from '../../db/types.js';
import {
  countCustomers,
  getCompany,
  listCompanies,
  listCustomers,
  type Company,
} from '../../ledger/index.js';
import { InputError } from '../../shared/errors.js';
import {
  errorResponseSchema,
  limitSchema,
  offsetSchema,
  type ApiInstance,
} from '../validation.js';

const companySchema = z.object({
  code: z.string(),
  name: z.string(),
  currency: z.string().meta({ description: 'Local currency, ISO 4217 code.' }),
  currencyExponent: z.number().int().meta({ description: 'Decimal places of the local currency.' }),
  weekendDays: z.array(z.number().int()).meta({ description: 'ISO weekdays off: 1 = Monday ... 7 = Sunday.' }),
});

const customerSchema = z.object({
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
});

const customersQuerySchema = z.object({
  company: z
    .string()
    .optional()
    .meta({ description: 'Company code, which may be omitted when the database has one company.' }),
  search: z
    .string()
    .optional()
    .meta({ description: 'Text found in the customer number or name, ignoring case.' }),
  limit: limitSchema,
  offset: offsetSchema,
});

/**
 * Returns the company named by `code`, or the only company when `code` is
 * omitted. Throws NotFoundError for an unknown code.
 */
export async function resolveCompany(db: Db, code: string | undefined): Promise<Company> {
  if (code !== undefined && code !== '') return getCompany(db, code);
  const companies = await listCompanies(db);
  if (companies.length === 1) return companies[0]!;
  const known = companies.map((company) => company.code).join(', ');
  throw new InputError(
    companies.length === 0
      ? 'missing parameter "company": the database has no company yet; import a file first'
      : `missing parameter "company": choose one of ${known}`,
    'missing_parameter',
    'company',
  );
}

/** Throws NotFoundError unless every company code exists. */
export async function checkCompaniesExist(db: Db, codes: readonly string[]): Promise<void> {
  for (const code of codes) await getCompany(db, code);
}

export async function registerLedgerRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Service and database status',
        response: {
          200: z
            .object({
              status: z.literal('ok'),
              engine: z.enum(['pglite', 'postgres']),
            })
            .describe('The server is up and its database answers.'),
          500: errorResponseSchema.describe('The database did not answer.'),
        },
      },
    },
    async () => {
      await db.query('select 1');
      return { status: 'ok' as const, engine: db.engine };
    },
  );

  app.get(
    '/companies',
    {
      schema: {
        tags: ['ledger'],
        summary: 'List the companies',
        response: {
          200: z.object({ companies: z.array(companySchema) }).describe('Companies ordered by code.'),
        },
      },
    },
    async () => {
      const companies = await listCompanies(db);
      return {
        companies: companies.map((company) => ({
          code: company.code,
          name: company.name,
          currency: company.currency,
          currencyExponent: company.currencyExponent,
          weekendDays: company.weekendDays,
        })),
      };
    },
  );

  app.get(
    '/customers',
    {
      schema: {
        tags: ['ledger'],
        summary: "List a company's customers, one page at a time",
        querystring: customersQuerySchema,
        response: {
          200: z
            .object({
              company: z.string(),
              total: z.number().int().meta({ description: 'Customers matching the search.' }),
              limit: z.number().int(),
              offset: z.number().int(),
              customers: z.array(customerSchema),
            })
            .describe('Customers ordered by customer number.'),
          400: errorResponseSchema.describe('Invalid parameter.'),
          404: errorResponseSchema.describe('Unknown company.'),
        },
      },
    },
    async (request) => {
      const { search, limit, offset } = request.query;
      const company = await resolveCompany(db, request.query.company);
      const [total, customers] = await Promise.all([
        countCustomers(db, company.companyId, { search }),
        listCustomers(db, company.companyId, { search, limit, offset }),
      ]);
      return {
        company: company.code,
        total,
        limit,
        offset,
        customers: customers.map((customer) => ({
          ...customer,
          customerId: customer.customerId.toString(),
        })),
      };
    },
  );
}
