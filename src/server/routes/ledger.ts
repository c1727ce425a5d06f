import { z } from 'zod';
import type { Db } from '../../db/types.js';
import {
  getCompany,
  listCompanies,
  type Company,
} from '../../ledger/index.js';
import { actorOf } from '../../auth/request.js';
import { InputError } from '../../shared/errors.js';
import {
  errorResponseSchema,
  type ApiInstance,
} from '../validation.js';

const companySchema = z.object({
  code: z.string(),
  name: z.string(),
  currency: z.string().meta({ description: 'Local currency, ISO 4217 code.' }),
  currencyExponent: z.number().int().meta({ description: 'Decimal places of the local currency.' }),
  weekendDays: z.array(z.number().int()).meta({ description: 'ISO weekdays off: 1 = Monday ... 7 = Sunday.' }),
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
      config: { public: true },
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
    async (request) => {
      const allowed = actorOf(request).scope.companyIds;
      const companies = (await listCompanies(db)).filter(
        (company) => allowed === null || allowed.includes(company.companyId),
      );
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
}
