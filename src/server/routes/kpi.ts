import { z } from 'zod';
import type { Db } from '../../db/types.js';
import { kpiGroupings, kpiNames, kpiReport, kpiReportToJson } from '../../kpi/index.js';
import { companyListSchema, errorResponseSchema, type ApiInstance } from '../validation.js';
import { actorOf } from '../../auth/request.js';
import { companiesInScope } from '../auth.js';

const monthSchema = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'expected a month as YYYY-MM' })
  .meta({ example: '2026-03' });

const kpiQuerySchema = z
  .object({
    from: monthSchema.meta({ description: 'First month, YYYY-MM.' }),
    to: monthSchema.meta({ description: 'Last month, YYYY-MM, inclusive.' }),
    company: companyListSchema,
    by: z
      .enum(kpiGroupings)
      .optional()
      .meta({ description: 'Also report each month per group. Totals per currency are always given.' }),
  })
  .refine((query) => query.from <= query.to, {
    error: 'the last month must not be before the first month',
    path: ['to'],
  });

const decimal = z.string().meta({ description: 'Decimal amount in the row currency.', example: '1200.50' });

const kpiValueSchema = z.object({
  value: z.string().nullable().meta({ description: 'Value with two decimal places, or null when it cannot be computed.' }),
  method: z.string().meta({ description: 'Code of the method in `methods`.' }),
  reason: z.string().nullable(),
});

const kpiRowSchema = z.object({
  month: z.string(),
  monthEnd: z.string(),
  daysInMonth: z.number().int(),
  company: z.string().nullable(),
  key: z.string().nullable(),
  name: z.string().nullable(),
  currency: z.string(),
  creditSales: decimal,
  creditNotes: decimal,
  netCreditSales: decimal,
  openingAr: decimal,
  closingAr: decimal,
  currentAr: decimal,
  overdueAr: decimal,
  openCredits: decimal,
  kpis: z.object(Object.fromEntries(kpiNames.map((name) => [name, kpiValueSchema]))),
});

const kpiReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: z.string().nullable(),
  companies: z.array(z.object({ code: z.string(), currency: z.string() })),
  countbackMaxMonths: z.number().int(),
  methods: z.array(
    z.object({
      code: z.string(),
      kpi: z.string(),
      label: z.string(),
      unit: z.enum(['days', 'percent', 'times']),
      description: z.string(),
    }),
  ),
  rows: z.array(kpiRowSchema).meta({ description: 'One row per group, currency and month, empty without `by`.' }),
  totals: z.array(kpiRowSchema).meta({ description: 'One row per local currency and month over all companies.' }),
});

export async function registerKpiRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/kpi',
    {
      schema: {
        tags: ['kpi'],
        summary: 'DSO, best possible DSO, average days delinquent, CEI and AR turnover per month',
        querystring: kpiQuerySchema,
        response: {
          200: kpiReportSchema.describe('KPI report with amounts as decimal strings.'),
          400: errorResponseSchema.describe('Invalid parameter.'),
          403: errorResponseSchema.describe('A company outside your scope.'),
          404: errorResponseSchema.describe('Unknown company.'),
        },
      },
    },
    async (request) => {
      const { from, to, company, by } = request.query;
      const actor = actorOf(request);
      await companiesInScope(db, actor, company);
      const report = await kpiReport(db, { companies: company, from, to, groupBy: by, scope: actor.scope });
      return kpiReportToJson(report);
    },
  );
}
