import { z } from 'zod';
import { ForbiddenError } from '../../auth/errors.js';
import { actorOf } from '../../auth/request.js';
import type { Actor } from '../../auth/types.js';
import { customerInScope } from '../../collections/activities.js';
import {
  addRule,
  deleteRule,
  getStrategy,
  listRules,
  listStrategies,
  parseStrategyFile,
  retireStrategy,
  riskClasses,
  saveStrategy,
  setRiskClass,
  strategyActions,
  strategyFileSchema,
  updateRule,
  type Strategy,
  type StrategyRule,
} from '../../collections/strategies.js';
import { auditRanking, collectorNamesOf, rankWorklist, readWorklist, type WorklistEntry } from '../../collections/worklist.js';
import type { Db } from '../../db/types.js';
import { getCompanyById } from '../../ledger/companies.js';
import { getCustomer } from '../../ledger/customer-items.js';
import type { Company } from '../../ledger/types.js';
import { InputError } from '../../shared/errors.js';
import { formatMinor } from '../../shared/money.js';
import { errorResponseSchema, isoDateSchema, limitSchema, offsetSchema, type ApiInstance } from '../validation.js';
import { companyForRequest, today } from './customers.js';

const idText = z.string().regex(/^\d{1,18}$/, { error: 'expected an id: digits only' });
const companyParameter = z.string().optional().meta({ description: 'Company code, which may be omitted when you can see one company only.' });
const decimal = z.string().meta({ description: 'Exact decimal amount in the company currency.', example: '500.00' });
const points = z.string().meta({ description: 'Score points with two decimals.', example: '12.50' });

const clientErrors = {
  400: errorResponseSchema.describe('Invalid field or parameter.'),
  403: errorResponseSchema.describe('Your role may not do this, or the company or customer is outside your scope.'),
  404: errorResponseSchema.describe('Unknown company, customer, strategy, version or rule.'),
};

const stepSchema = z.object({
  position: z.number().int(),
  action: z.enum(strategyActions),
  daysFrom: z.number().int().meta({ description: 'Days past due of the oldest open item, inclusive; negative before the due date.' }),
  daysTo: z.number().int().nullable().meta({ description: 'Inclusive; no upper end when null.' }),
  minAmount: decimal,
  riskClass: z.enum(riskClasses).nullable(),
  segment: z.string().nullable(),
  weight: z.number().int(),
  note: z.string().nullable(),
});

const strategySchema = z.object({
  code: z.string(),
  name: z.string(),
  isDefault: z.boolean(),
  active: z.boolean(),
  version: z.number().int(),
  updatedBy: z.string(),
  updatedAt: z.string(),
  steps: z.array(stepSchema),
});

function strategyToJson(company: Company, strategy: Strategy) {
  return {
    code: strategy.code,
    name: strategy.name,
    isDefault: strategy.isDefault,
    active: strategy.active,
    version: strategy.version,
    updatedBy: strategy.updatedBy,
    updatedAt: strategy.updatedAt,
    steps: strategy.steps.map((step) => ({
      position: step.position,
      action: step.action,
      daysFrom: step.daysFrom,
      daysTo: step.daysTo,
      minAmount: formatMinor(step.minAmountLocal, company.currencyExponent),
      riskClass: step.riskClass,
      segment: step.segment,
      weight: step.weight,
      note: step.note,
    })),
  };
}

const ruleSchema = z.object({
  ruleId: z.string(),
  priority: z.number().int(),
  strategy: z.string(),
  segment: z.string().nullable(),
  riskClass: z.enum(riskClasses).nullable(),
  region: z.string().nullable(),
  updatedBy: z.string(),
  updatedAt: z.string(),
});

function ruleToJson(rule: StrategyRule) {
  return {
    ruleId: rule.ruleId.toString(),
    priority: rule.priority,
    strategy: rule.strategyCode,
    segment: rule.segment,
    riskClass: rule.riskClass,
    region: rule.region,
    updatedBy: rule.updatedBy,
    updatedAt: rule.updatedAt,
  };
}

const ruleBody = z.object({
  company: companyParameter,
  priority: z.number().int().min(1).max(1_000_000).meta({ description: 'Lower numbers are tried first.' }),
  strategy: z.string().meta({ description: 'Code of the strategy the rule assigns.' }),
  segment: z.string().nullable().optional().meta({ description: 'Credit segment; any when null or omitted.' }),
  riskClass: z.enum(riskClasses).nullable().optional(),
  region: z.string().nullable().optional(),
});

const entrySchema = z.object({
  rank: z.number().int().meta({ description: 'Position in the list as filtered, from 1.' }),
  customerId: z.string(),
  customerNumber: z.string(),
  customerName: z.string(),
  collector: z.string().nullable(),
  region: z.string().nullable(),
  riskClass: z.enum(riskClasses).nullable(),
  strategy: z.string().nullable(),
  strategyVersion: z.number().int().nullable(),
  stepPosition: z.number().int().nullable(),
  action: z.enum(strategyActions).nullable().meta({ description: 'The strategy step due; null when only a task is due.' }),
  stepDueDate: z.string().nullable(),
  daysPastDue: z.number().int().nullable().meta({ description: 'Of the oldest open item not in dispute; negative before its due date.' }),
  overdue: decimal.meta({ description: 'Overdue amount in the company currency, disputed amounts excluded.' }),
  disputed: decimal.meta({ description: 'Overdue amount in dispute, left out of the score.' }),
  brokenPromises: z.number().int().meta({ description: 'Promises broken in the twelve months up to the date.' }),
  followUpDate: z.string().nullable(),
  promiseDueDate: z.string().nullable(),
  promiseBrokenDate: z.string().nullable(),
  parts: z.object({ amount: points, days: points, risk: points, brokenPromises: points, step: points, tasks: points }),
  score: points,
});

function entryToJson(company: Company, entry: WorklistEntry, rank: number) {
  return {
    rank,
    customerId: entry.customerId.toString(),
    customerNumber: entry.customerNumber,
    customerName: entry.customerName,
    collector: entry.collector,
    region: entry.region,
    riskClass: entry.riskClass,
    strategy: entry.strategyCode,
    strategyVersion: entry.strategyVersion,
    stepPosition: entry.stepPosition,
    action: entry.action,
    stepDueDate: entry.stepDueDate,
    daysPastDue: entry.daysPastDue,
    overdue: formatMinor(entry.overdueLocal, company.currencyExponent),
    disputed: formatMinor(entry.disputedLocal, company.currencyExponent),
    brokenPromises: entry.brokenPromises,
    followUpDate: entry.followUpDate,
    promiseDueDate: entry.promiseDueDate,
    promiseBrokenDate: entry.promiseBrokenDate,
    parts: entry.parts,
    score: entry.score,
  };
}

/**
 * Returns the collectors whose worklist the actor may read. A collector
 * reads only their own (customers whose collector is their name or
 * email), and naming anyone else is forbidden. Other roles read whom they
 * name, or all when they name no one.
 */
async function collectorsFor(db: Db, actor: Actor, company: Company, named: string | undefined): Promise<string[] | null> {
  const requested = named?.trim() || null;
  if (actor.role !== 'collector') return requested === null ? null : [requested];
  const own = await collectorNamesOf(db, actor);
  if (requested !== null && !own.some((name) => name.toLowerCase() === requested.toLowerCase())) {
    throw new ForbiddenError(`a collector reads only their own worklist, not that of ${requested}`, {
      action: 'worklist.read',
      entity: 'worklist',
      entityId: requested,
      companyId: company.companyId,
    });
  }
  return own;
}

function isOneOf(collector: string | null, names: readonly string[]): boolean {
  return collector !== null && names.some((name) => name.toLowerCase() === collector.toLowerCase());
}

const strategyConfig = { permission: 'collections.strategy' as const };
const workConfig = { permission: 'collections.work' as const };

export async function registerWorklistRoutes(app: ApiInstance, db: Db): Promise<void> {
  registerStrategyRoutes(app, db);
  registerRuleRoutes(app, db);

  app.put(
    '/customers/:customerId/risk-class',
    {
      config: { permission: 'customers.risk_class' },
      schema: {
        tags: ['collections'],
        summary: "Set or clear a customer's risk class",
        params: z.object({ customerId: idText }),
        body: z.object({ riskClass: z.enum(riskClasses).nullable() }),
        response: { 200: z.object({ customerId: z.string(), riskClass: z.enum(riskClasses).nullable() }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const customer = await getCustomer(db, BigInt(request.params.customerId));
      const company = await getCompanyById(db, customer.companyId);
      await customerInScope(db, company.companyId, customer.customerId, actor.scope, 'customer.risk_class');
      const riskClass = await setRiskClass(db, company, customer.customerId, request.body.riskClass, actor);
      return { customerId: customer.customerId.toString(), riskClass };
    },
  );

  app.get(
    '/worklist',
    {
      config: workConfig,
      schema: {
        tags: ['collections'],
        summary: 'The ranked worklist of a date: customers that need an action, highest score first, with the parts of the score',
        querystring: z.object({
          company: companyParameter,
          date: isoDateSchema.optional().meta({ description: 'Business date; today when omitted.' }),
          collector: z.string().optional().meta({ description: 'Only this collector; a collector always reads their own.' }),
          limit: limitSchema,
          offset: offsetSchema,
        }),
        response: {
          200: z.object({
            company: z.string(),
            currency: z.string(),
            date: z.string(),
            rankedAt: z.string(),
            total: z.number().int(),
            limit: z.number().int(),
            offset: z.number().int(),
            collectors: z.array(z.object({ collector: z.string().nullable(), entries: z.number().int() })),
            entries: z.array(entrySchema),
          }),
          ...clientErrors,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const query = request.query;
      const company = await companyForRequest(db, actor, query.company);
      const collectors = await collectorsFor(db, actor, company, query.collector);
      const page = await readWorklist(
        db,
        company,
        actor.scope,
        { date: query.date ?? today(), collectors, limit: query.limit, offset: query.offset },
        actor,
      );
      return {
        company: company.code,
        currency: company.currency,
        date: page.date,
        rankedAt: page.rankedAt,
        total: page.total,
        limit: query.limit,
        offset: query.offset,
        collectors: actor.role === 'collector' ? page.collectors.filter((row) => isOneOf(row.collector, collectors!)) : page.collectors,
        entries: page.entries.map((entry, index) => entryToJson(company, entry, query.offset + index + 1)),
      };
    },
  );

  app.post(
    '/worklist/rank',
    {
      config: workConfig,
      schema: {
        tags: ['collections'],
        summary: "Rank a company's worklist for a date again, for every collector",
        body: z.object({ company: companyParameter, date: isoDateSchema.optional().meta({ description: 'Today when omitted.' }) }),
        response: { 200: z.object({ company: z.string(), date: z.string(), entries: z.number().int(), ms: z.number().int() }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.body.company);
      const result = await rankWorklist(db, company, request.body.date ?? today(), actor);
      await auditRanking(db, company, result, actor);
      return { company: company.code, date: result.date, entries: result.entries, ms: Math.round(result.durationMs) };
    },
  );
}

function registerStrategyRoutes(app: ApiInstance, db: Db): void {
  const codeParams = z.object({ code: z.string().meta({ description: 'Strategy code.' }) });

  app.get(
    '/strategies',
    {
      schema: {
        tags: ['collections'],
        summary: "A company's collection strategies in their current version, default first",
        querystring: z.object({ company: companyParameter, retired: z.enum(['true', 'false']).optional().meta({ description: 'Include retired strategies.' }) }),
        response: { 200: z.object({ company: z.string(), currency: z.string(), strategies: z.array(strategySchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.query.company);
      const strategies = await listStrategies(db, company.companyId, { includeRetired: request.query.retired === 'true' });
      return { company: company.code, currency: company.currency, strategies: strategies.map((strategy) => strategyToJson(company, strategy)) };
    },
  );

  app.get(
    '/strategies/:code',
    {
      schema: {
        tags: ['collections'],
        summary: 'One strategy, in its current version or an earlier one',
        params: codeParams,
        querystring: z.object({ company: companyParameter, version: z.coerce.number().int().min(1).optional() }),
        response: { 200: z.object({ company: z.string(), strategy: strategySchema }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.query.company);
      const strategy = await getStrategy(db, company.companyId, request.params.code, request.query.version);
      return { company: company.code, strategy: strategyToJson(company, strategy) };
    },
  );

  app.put(
    '/strategies/:code',
    {
      config: strategyConfig,
      schema: {
        tags: ['collections'],
        summary: 'Create a strategy, or save a new version of it; amounts are decimal text in the company currency',
        params: codeParams,
        querystring: z.object({ company: companyParameter }),
        body: strategyFileSchema.partial({ code: true }),
        response: { 200: z.object({ company: z.string(), strategy: strategySchema }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.query.company);
      const code = request.params.code;
      if (request.body.code !== undefined && request.body.code !== code) {
        throw new InputError(`the body names strategy ${request.body.code}, the path ${code}`, 'invalid_strategy', 'code');
      }
      const input = parseStrategyFile({ ...request.body, code }, company.currencyExponent);
      const strategy = await saveStrategy(db, company, input, actor);
      return { company: company.code, strategy: strategyToJson(company, strategy) };
    },
  );

  app.delete(
    '/strategies/:code',
    {
      config: strategyConfig,
      schema: {
        tags: ['collections'],
        summary: 'Retire a strategy that no rule names; its versions stay for history',
        params: codeParams,
        querystring: z.object({ company: companyParameter }),
        response: { 200: z.object({ company: z.string(), strategy: strategySchema }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.query.company);
      const strategy = await retireStrategy(db, company, request.params.code, actor);
      return { company: company.code, strategy: strategyToJson(company, strategy) };
    },
  );
}

function registerRuleRoutes(app: ApiInstance, db: Db): void {
  const ruleResponse = { 200: z.object({ company: z.string(), rule: ruleSchema }), ...clientErrors };
  const ruleInput = (body: z.infer<typeof ruleBody>) => ({
    priority: body.priority,
    strategyCode: body.strategy,
    segment: body.segment,
    riskClass: body.riskClass,
    region: body.region,
  });

  app.get(
    '/strategy-rules',
    {
      schema: {
        tags: ['collections'],
        summary: 'The rules that assign strategies, by priority; the first that matches a customer wins',
        querystring: z.object({ company: companyParameter }),
        response: { 200: z.object({ company: z.string(), rules: z.array(ruleSchema) }), ...clientErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.query.company);
      return { company: company.code, rules: (await listRules(db, company.companyId)).map(ruleToJson) };
    },
  );

  app.post(
    '/strategy-rules',
    {
      config: strategyConfig,
      schema: { tags: ['collections'], summary: 'Add a rule', body: ruleBody, response: ruleResponse },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.body.company);
      const rule = await addRule(db, company, ruleInput(request.body), actor);
      return { company: company.code, rule: ruleToJson(rule) };
    },
  );

  app.put(
    '/strategy-rules/:id',
    {
      config: strategyConfig,
      schema: { tags: ['collections'], summary: 'Replace a rule', params: z.object({ id: idText }), body: ruleBody, response: ruleResponse },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.body.company);
      const rule = await updateRule(db, company, BigInt(request.params.id), ruleInput(request.body), actor);
      return { company: company.code, rule: ruleToJson(rule) };
    },
  );

  app.delete(
    '/strategy-rules/:id',
    {
      config: strategyConfig,
      schema: {
        tags: ['collections'],
        summary: 'Delete a rule',
        params: z.object({ id: idText }),
        querystring: z.object({ company: companyParameter }),
        response: ruleResponse,
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyForRequest(db, actor, request.query.company);
      const rule = await deleteRule(db, company, BigInt(request.params.id), actor);
      return { company: company.code, rule: ruleToJson(rule) };
    },
  );
}
