import { z } from 'zod';
import { actorOf } from '../../auth/request.js';
import type { Db } from '../../db/types.js';
import { dashboard, dashboardTopOverdue, dashboardTrendMonths } from '../../kpi/dashboard.js';
import { formatMinor } from '../../shared/money.js';
import { errorResponseSchema, isoDateSchema, type ApiInstance } from '../validation.js';
import { companyForRequest, today } from './customers.js';

const decimal = z.string().meta({ description: 'Exact decimal amount in the company currency.', example: '1234.56' });
const days = z.string().nullable().meta({ description: 'Days with two decimals, or null without credit sales.' });

const dashboardQuerySchema = z.object({
  company: z
    .string()
    .optional()
    .meta({ description: 'Company code; the first company you can see when omitted.' }),
  asOf: isoDateSchema.optional().meta({ description: 'Date of the figures, YYYY-MM-DD; today when omitted.' }),
});

const dashboardSchema = z.object({
  company: z.string(),
  currency: z.string(),
  asOf: z.string(),
  totalAr: decimal.meta({ description: 'Every open item, credits netted.' }),
  overdue: decimal.meta({ description: 'Open debit items past their due date.' }),
  overduePercent: z.string().nullable().meta({ description: 'Overdue ÷ total AR × 100; null when total AR is not positive.' }),
  dso: days.meta({ description: 'Standard DSO of `dsoMonth`.' }),
  bestPossibleDso: days.meta({ description: 'Best possible DSO of `dsoMonth`.' }),
  dsoMonth: z.string().nullable().meta({ description: 'The last month that ended by the as-of date.' }),
  trend: z
    .array(z.object({ month: z.string(), dso: days, bestPossibleDso: days, inProgress: z.boolean() }))
    .meta({ description: `${dashboardTrendMonths} months, the as-of month last.` }),
  buckets: z.array(
    z.object({
      label: z.string(),
      from: z.number().int().nullable(),
      to: z.number().int().nullable(),
      amount: decimal,
    }),
  ),
  topOverdue: z
    .array(
      z.object({
        customerId: z.string(),
        customerNumber: z.string(),
        name: z.string(),
        overdue: decimal,
        balance: decimal,
      }),
    )
    .meta({ description: `The ${dashboardTopOverdue} customers with the largest overdue amounts.` }),
  byRegion: z.array(
    z.object({
      region: z.string().nullable(),
      total: decimal,
      overdue: decimal,
      buckets: z.array(decimal).meta({ description: 'One amount per entry of `buckets`.' }),
    }),
  ),
});

export async function registerDashboardRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/dashboard',
    {
      schema: {
        tags: ['kpi'],
        summary: "A company's AR, aging, DSO trend and largest overdue customers, inside your scope",
        querystring: dashboardQuerySchema,
        response: {
          200: dashboardSchema.describe('The dashboard.'),
          400: errorResponseSchema.describe('Invalid parameter.'),
          401: errorResponseSchema.describe('Not signed in.'),
          403: errorResponseSchema.describe('The company is outside your scope.'),
          404: errorResponseSchema.describe('Unknown company.'),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.query.company, { firstByDefault: true });
      const asOf = request.query.asOf ?? today();
      const figures = await dashboard(db, { company, asOf, scope: actor.scope });
      const money = (amount: bigint) => formatMinor(amount, company.currencyExponent);
      return {
        company: company.code,
        currency: company.currency,
        asOf,
        totalAr: money(figures.totalAr),
        overdue: money(figures.overdue),
        overduePercent: figures.overduePercent,
        dso: figures.dso,
        bestPossibleDso: figures.bestPossibleDso,
        dsoMonth: figures.dsoMonth,
        trend: figures.trend,
        buckets: figures.buckets.map((bucket) => ({ ...bucket, amount: money(bucket.amount) })),
        topOverdue: figures.topOverdue.map((customer) => ({
          customerId: customer.customerId.toString(),
          customerNumber: customer.customerNumber,
          name: customer.name,
          overdue: money(customer.overdue),
          balance: money(customer.balance),
        })),
        byRegion: figures.byRegion.map((row) => ({
          region: row.region,
          total: money(row.total),
          overdue: money(row.overdue),
          buckets: row.amounts.map(money),
        })),
      };
    },
  );
}
