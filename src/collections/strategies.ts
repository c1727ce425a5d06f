/**
 * Collection strategies: ordered steps (send a reminder, call, write, visit,
 * stop supply, go to legal) with the days past due, minimum overdue
 * amount, risk class and segment at which each applies. Rules assign a
 * strategy to customers by segment, risk class and region. The first rule
 * by priority wins, and the company's default strategy takes the rest.
 * Every save makes a new version, and the steps of old versions stay.
 */
import { z } from 'zod';
import { recordAudit } from '../audit/audit.js';
import { checkCompanyWrite, ForbiddenError } from '../auth/errors.js';
import { can } from '../auth/permissions.js';
import type { Actor } from '../auth/types.js';
import type { Db, Queryable } from '../db/types.js';
import type { Company } from '../ledger/types.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { AmountFormatError, formatMinor, parseDecimal } from '../shared/money.js';
import { customerInScope } from './activities.js';
import { dropLaterWorklists } from './worklist.js';

/** Today in UTC: stored worklists after it are ranked again after a change. */
function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

export const strategyActions = ['email_reminder', 'call', 'letter', 'visit', 'stop_supply', 'legal'] as const;
export type StrategyAction = (typeof strategyActions)[number];

export const riskClasses = ['low', 'medium', 'high', 'very_high'] as const;
export type RiskClass = (typeof riskClasses)[number];

/** Step weight, in score points, when a step names none. */
export const defaultStepWeights: Readonly<Record<StrategyAction, number>> = {
  email_reminder: 5,
  call: 10,
  letter: 10,
  visit: 15,
  stop_supply: 20,
  legal: 25,
};

export const maxStepWeight = 50;

export interface StrategyStep {
  position: number;
  action: StrategyAction;
  /** Days past due of the oldest open item, inclusive; negative before the due date. */
  daysFrom: number;
  /** Inclusive; no upper end when null. */
  daysTo: number | null;
  /** Minor units of the company currency. */
  minAmountLocal: bigint;
  riskClass: RiskClass | null;
  segment: string | null;
  weight: number;
  note: string | null;
}

export interface Strategy {
  strategyId: bigint;
  companyId: number;
  code: string;
  name: string;
  isDefault: boolean;
  active: boolean;
  version: number;
  updatedBy: string;
  updatedAt: string;
  steps: StrategyStep[];
}

export interface StrategyInput {
  code: string;
  name: string;
  isDefault: boolean;
  steps: Omit<StrategyStep, 'position'>[];
}

const stepFileSchema = z
  .object({
    action: z.enum(strategyActions),
    daysFrom: z.number().int().min(-365).max(3650).optional(),
    daysTo: z.number().int().min(-365).max(3650).nullable().optional(),
    daysBeforeDue: z.number().int().min(1).max(365).optional(),
    minAmount: z.string().optional(),
    riskClass: z.enum(riskClasses).nullable().optional(),
    segment: z.string().nullable().optional(),
    weight: z.number().int().min(0).max(maxStepWeight).optional(),
    note: z.string().nullable().optional(),
  })
  .strict();

/** The JSON form of a strategy, as in examples/strategies and the API. */
export const strategyFileSchema = z
  .object({
    code: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, { error: 'use 1 to 40 letters, digits, dots, dashes or underscores' }),
    name: z.string().trim().min(1),
    isDefault: z.boolean().optional(),
    steps: z.array(stepFileSchema).min(1),
  })
  .strict();

export type StrategyFile = z.infer<typeof strategyFileSchema>;

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '');
}

function parseAmount(text: string, exponent: number, field: string): bigint {
  try {
    return parseDecimal(text, exponent);
  } catch (error) {
    if (error instanceof AmountFormatError) throw new InputError(`invalid ${field}: ${error.message}`, 'invalid_amount', field);
    throw error;
  }
}

/**
 * Reads the JSON form of a strategy. Amounts are decimal text in the
 * company currency. A reminder step may give `daysBeforeDue: N` for the N
 * days before the oldest item falls due (days past due -N to -1).
 */
export function parseStrategyFile(json: unknown, exponent: number): StrategyInput {
  const parsed = strategyFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = fieldPath(issue.path) || 'strategy';
    throw new InputError(`invalid strategy field ${field}: ${issue.message}`, 'invalid_strategy', field);
  }
  const file = parsed.data;
  const steps = file.steps.map((step, index) => {
    const field = `steps[${index}]`;
    if (step.daysBeforeDue !== undefined && (step.daysFrom !== undefined || step.daysTo !== undefined)) {
      throw new InputError(`${field}: give daysBeforeDue or daysFrom/daysTo, not both`, 'invalid_strategy', `${field}.daysBeforeDue`);
    }
    const daysFrom = step.daysBeforeDue !== undefined ? -step.daysBeforeDue : step.daysFrom;
    const daysTo = step.daysBeforeDue !== undefined ? -1 : (step.daysTo ?? null);
    if (daysFrom === undefined) {
      throw new InputError(`${field}: missing daysFrom (or daysBeforeDue for a reminder)`, 'invalid_strategy', `${field}.daysFrom`);
    }
    if (daysTo !== null && daysTo < daysFrom) {
      throw new InputError(`${field}: daysTo ${daysTo} is before daysFrom ${daysFrom}`, 'invalid_strategy', `${field}.daysTo`);
    }
    const minAmountLocal = step.minAmount === undefined ? 0n : parseAmount(step.minAmount, exponent, `${field}.minAmount`);
    if (minAmountLocal < 0n) throw new InputError(`${field}.minAmount must not be negative`, 'invalid_amount', `${field}.minAmount`);
    return {
      action: step.action,
      daysFrom,
      daysTo,
      minAmountLocal,
      riskClass: step.riskClass ?? null,
      segment: step.segment?.trim() || null,
      weight: step.weight ?? defaultStepWeights[step.action],
      note: step.note?.trim() || null,
    };
  });
  return { code: file.code, name: file.name, isDefault: file.isDefault ?? false, steps };
}

/** Converts a stored strategy to its JSON form, which parseStrategyFile reads back. */
export function strategyToFile(strategy: Strategy, exponent: number): StrategyFile {
  return {
    code: strategy.code,
    name: strategy.name,
    isDefault: strategy.isDefault,
    steps: strategy.steps.map((step) => ({
      action: step.action,
      daysFrom: step.daysFrom,
      daysTo: step.daysTo,
      minAmount: formatMinor(step.minAmountLocal, exponent),
      riskClass: step.riskClass,
      segment: step.segment,
      weight: step.weight,
      note: step.note,
    })),
  };
}

/** Raises ForbiddenError unless the actor may edit strategies of the company. */
export function checkStrategyRole(actor: Actor, company: Company, action: string): void {
  if (!can(actor.role, 'collections.strategy')) {
    throw new ForbiddenError(`the role ${actor.role} may not change collection strategies`, {
      action,
      entity: 'route',
      entityId: action,
      companyId: company.companyId,
    });
  }
  checkCompanyWrite(actor, company, action);
}

interface StrategyRow {
  strategy_id: bigint;
  company_id: number;
  code: string;
  name: string;
  is_default: boolean;
  active: boolean;
  version: number;
  updated_by: string;
  updated_at: Date | string;
}

async function stepsOf(db: Queryable, companyId: number, keys: readonly { strategyId: bigint; version: number }[]) {
  if (keys.length === 0) return new Map<string, StrategyStep[]>();
  const result = await db.query<Record<string, unknown>>(
    `select s.strategy_id, s.version, s.position, s.action, s.days_from, s.days_to, s.min_amount_local, s.risk_class,
            s.segment, s.weight, s.note
     from collection_strategy_step s
     join unnest($2::bigint[], $3::integer[]) as k(strategy_id, version) on k.strategy_id = s.strategy_id and k.version = s.version
     where s.company_id = $1
     order by s.strategy_id, s.version, s.position`,
    [companyId, keys.map((key) => key.strategyId.toString()), keys.map((key) => key.version)],
  );
  const steps = new Map<string, StrategyStep[]>();
  for (const row of result.rows) {
    const key = `${String(row.strategy_id)}/${String(row.version)}`;
    const list = steps.get(key) ?? [];
    list.push({
      position: Number(row.position),
      action: row.action as StrategyAction,
      daysFrom: row.days_from as number,
      daysTo: row.days_to as number | null,
      minAmountLocal: row.min_amount_local as bigint,
      riskClass: row.risk_class as RiskClass | null,
      segment: row.segment as string | null,
      weight: row.weight as number,
      note: row.note as string | null,
    });
    steps.set(key, list);
  }
  return steps;
}

async function toStrategies(db: Queryable, rows: readonly StrategyRow[], version?: number): Promise<Strategy[]> {
  if (rows.length === 0) return [];
  const keys = rows.map((row) => ({ strategyId: row.strategy_id, version: version ?? row.version }));
  const steps = await stepsOf(db, rows[0]!.company_id, keys);
  return rows.map((row, index) => ({
    strategyId: row.strategy_id,
    companyId: row.company_id,
    code: row.code,
    name: row.name,
    isDefault: row.is_default,
    active: row.active,
    version: keys[index]!.version,
    updatedBy: row.updated_by,
    updatedAt: new Date(row.updated_at).toISOString(),
    steps: steps.get(`${keys[index]!.strategyId}/${keys[index]!.version}`) ?? [],
  }));
}

const selectStrategies = `
  select strategy_id, company_id, code, name, is_default, active, version, updated_by, updated_at
  from collection_strategy`;

/** Lists the company's strategies in their current version, default first, then by code. */
export async function listStrategies(db: Queryable, companyId: number, options: { includeRetired?: boolean } = {}): Promise<Strategy[]> {
  const result = await db.query<StrategyRow>(
    `${selectStrategies} where company_id = $1 and ($2 or active) order by is_default desc, code`,
    [companyId, options.includeRetired ?? false],
  );
  return toStrategies(db, result.rows);
}

/**
 * One strategy by code, in its current version or the version asked for.
 * An earlier version carries the name, steps, saver and time it was saved with.
 */
export async function getStrategy(db: Queryable, companyId: number, code: string, version?: number): Promise<Strategy> {
  const result = await db.query<StrategyRow>(`${selectStrategies} where company_id = $1 and code = $2`, [companyId, code]);
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`strategy ${code} not found`, 'strategy');
  if (version === undefined || version === row.version) return (await toStrategies(db, [row]))[0]!;
  if (!Number.isInteger(version) || version < 1 || version > row.version) {
    throw new NotFoundError(`strategy ${code} has no version ${version}: use 1 to ${row.version}`, 'version');
  }
  const saved = await db.query<{ name: string; saved_by: string; saved_at: Date | string }>(
    'select name, saved_by, saved_at from collection_strategy_version where company_id = $1 and strategy_id = $2 and version = $3',
    [companyId, row.strategy_id, version],
  );
  const earlier = saved.rows[0]!;
  return (await toStrategies(db, [{ ...row, name: earlier.name, updated_by: earlier.saved_by, updated_at: earlier.saved_at }], version))[0]!;
}

async function insertVersion(db: Queryable, companyId: number, strategyId: bigint, version: number, input: StrategyInput, actor: Actor) {
  await db.query(
    `insert into collection_strategy_version (company_id, strategy_id, version, name, saved_by) values ($1, $2, $3, $4, $5)`,
    [companyId, strategyId, version, input.name, actor.email],
  );
  const steps = input.steps;
  await db.query(
    `insert into collection_strategy_step (company_id, strategy_id, version, position, action, days_from, days_to,
       min_amount_local, risk_class, segment, weight, note)
     select $1, $2, $3, t.position, t.action, t.days_from, t.days_to, t.min_amount_local, t.risk_class, t.segment, t.weight, t.note
     from unnest($4::smallint[], $5::text[], $6::integer[], $7::integer[], $8::bigint[], $9::text[], $10::text[], $11::integer[], $12::text[])
       as t(position, action, days_from, days_to, min_amount_local, risk_class, segment, weight, note)`,
    [
      companyId,
      strategyId,
      version,
      steps.map((_step, index) => index + 1),
      steps.map((step) => step.action),
      steps.map((step) => step.daysFrom),
      steps.map((step) => (step.daysTo === null ? null : String(step.daysTo))),
      steps.map((step) => step.minAmountLocal.toString()),
      steps.map((step) => step.riskClass),
      steps.map((step) => step.segment),
      steps.map((step) => step.weight),
      steps.map((step) => step.note),
    ],
  );
}

function checkSteps(steps: StrategyInput['steps']): void {
  if (steps.length === 0) throw new InputError('a strategy needs at least one step', 'invalid_strategy', 'steps');
  for (const [index, step] of steps.entries()) {
    if (!(strategyActions as readonly string[]).includes(step.action)) {
      throw new InputError(`invalid steps[${index}].action "${step.action}": use one of ${strategyActions.join(', ')}`, 'invalid_strategy', `steps[${index}].action`);
    }
    if (!Number.isInteger(step.weight) || step.weight < 0 || step.weight > maxStepWeight) {
      throw new InputError(`invalid steps[${index}].weight ${step.weight}: use 0 to ${maxStepWeight}`, 'invalid_strategy', `steps[${index}].weight`);
    }
  }
}

/**
 * Creates a strategy, or saves a new version of the one with the same
 * code, with its audit event in one transaction. Saving a default
 * strategy makes the company's previous default an ordinary one.
 */
export async function saveStrategy(db: Db, company: Company, input: StrategyInput, actor: Actor): Promise<Strategy> {
  checkStrategyRole(actor, company, 'strategy.save');
  checkSteps(input.steps);
  return db.transaction(async (tx) => {
    await tx.query('select 1 from company where company_id = $1 for update', [company.companyId]);
    const existing = await tx.query<StrategyRow>(`${selectStrategies} where company_id = $1 and code = $2`, [company.companyId, input.code]);
    const before = existing.rows[0] ? (await toStrategies(tx, existing.rows))[0]! : null;
    if (input.isDefault) {
      await tx.query(
        `update collection_strategy set is_default = false, updated_by = $3, updated_at = now()
         where company_id = $1 and is_default and code <> $2`,
        [company.companyId, input.code, actor.email],
      );
    }
    let strategyId: bigint;
    let version: number;
    if (before === null) {
      const inserted = await tx.query<{ strategy_id: bigint }>(
        `insert into collection_strategy (company_id, strategy_id, code, name, is_default, updated_by)
         values ($1, nextval('collection_strategy_id_seq'), $2, $3, $4, $5) returning strategy_id`,
        [company.companyId, input.code, input.name, input.isDefault, actor.email],
      );
      strategyId = inserted.rows[0]!.strategy_id;
      version = 1;
    } else {
      strategyId = before.strategyId;
      version = before.version + 1;
      await tx.query(
        `update collection_strategy set name = $3, is_default = $4, active = true, version = $5, updated_by = $6, updated_at = now()
         where company_id = $1 and strategy_id = $2`,
        [company.companyId, strategyId, input.name, input.isDefault, version, actor.email],
      );
    }
    await insertVersion(tx, company.companyId, strategyId, version, input, actor);
    const after = await getStrategy(tx, company.companyId, input.code);
    await dropLaterWorklists(tx, company.companyId, todayUtc());
    await recordAudit(tx, {
      actor,
      action: before === null ? 'strategy.add' : 'strategy.update',
      entity: 'strategy',
      entityId: input.code,
      companyId: company.companyId,
      before,
      after,
    });
    return after;
  });
}

/**
 * Retires a strategy: it keeps its versions for history and matches no
 * customer. A strategy that a rule still names cannot be retired.
 */
export async function retireStrategy(db: Db, company: Company, code: string, actor: Actor): Promise<Strategy> {
  checkStrategyRole(actor, company, 'strategy.retire');
  return db.transaction(async (tx) => {
    const before = await getStrategy(tx, company.companyId, code);
    const rules = await tx.query<{ priority: number }>(
      'select priority from collection_strategy_rule where company_id = $1 and strategy_id = $2 order by priority',
      [company.companyId, before.strategyId],
    );
    if (rules.rows.length > 0) {
      const priorities = rules.rows.map((row) => row.priority).join(', ');
      throw new InputError(`strategy ${code} is used by the rules of priority ${priorities}: remove them first`, 'strategy_in_use', 'strategy');
    }
    await tx.query(
      `update collection_strategy set active = false, is_default = false, updated_by = $3, updated_at = now()
       where company_id = $1 and strategy_id = $2`,
      [company.companyId, before.strategyId, actor.email],
    );
    const after = await getStrategy(tx, company.companyId, code);
    await dropLaterWorklists(tx, company.companyId, todayUtc());
    await recordAudit(tx, { actor, action: 'strategy.retire', entity: 'strategy', entityId: code, companyId: company.companyId, before, after });
    return after;
  });
}

export interface StrategyRule {
  ruleId: bigint;
  priority: number;
  strategyCode: string;
  segment: string | null;
  riskClass: RiskClass | null;
  region: string | null;
  updatedBy: string;
  updatedAt: string;
}

export interface StrategyRuleInput {
  priority: number;
  strategyCode: string;
  segment?: string | null;
  riskClass?: string | null;
  region?: string | null;
}

const selectRules = `
  select r.rule_id, r.priority, s.code, r.segment, r.risk_class, r.region, r.updated_by, r.updated_at
  from collection_strategy_rule r
  join collection_strategy s on s.company_id = r.company_id and s.strategy_id = r.strategy_id`;

function toRule(row: Record<string, unknown>): StrategyRule {
  return {
    ruleId: row.rule_id as bigint,
    priority: row.priority as number,
    strategyCode: row.code as string,
    segment: row.segment as string | null,
    riskClass: row.risk_class as RiskClass | null,
    region: row.region as string | null,
    updatedBy: row.updated_by as string,
    updatedAt: new Date(row.updated_at as string).toISOString(),
  };
}

/** Lists the company's assignment rules by priority, lowest number first. */
export async function listRules(db: Queryable, companyId: number): Promise<StrategyRule[]> {
  const result = await db.query<Record<string, unknown>>(`${selectRules} where r.company_id = $1 order by r.priority`, [companyId]);
  return result.rows.map(toRule);
}

async function loadRule(db: Queryable, companyId: number, ruleId: bigint): Promise<StrategyRule> {
  const result = await db.query<Record<string, unknown>>(`${selectRules} where r.company_id = $1 and r.rule_id = $2`, [companyId, ruleId]);
  if (!result.rows[0]) throw new NotFoundError(`rule ${ruleId} not found`, 'ruleId');
  return toRule(result.rows[0]);
}

function checkRiskClass(value: string | null | undefined, field: string): RiskClass | null {
  const text = value?.trim() ?? '';
  if (text === '') return null;
  if (!(riskClasses as readonly string[]).includes(text)) {
    throw new InputError(`invalid ${field} "${text}": use one of ${riskClasses.join(', ')}`, 'invalid_risk_class', field);
  }
  return text as RiskClass;
}

async function ruleValues(db: Queryable, companyId: number, input: StrategyRuleInput) {
  if (!Number.isInteger(input.priority) || input.priority < 1 || input.priority > 1_000_000) {
    throw new InputError(`invalid priority ${input.priority}: use a whole number from 1 to 1000000`, 'invalid_rule', 'priority');
  }
  const strategy = await getStrategy(db, companyId, input.strategyCode);
  if (!strategy.active) throw new InputError(`strategy ${input.strategyCode} is retired`, 'invalid_rule', 'strategy');
  const taken = await db.query<{ rule_id: bigint }>('select rule_id from collection_strategy_rule where company_id = $1 and priority = $2', [
    companyId,
    input.priority,
  ]);
  return {
    strategyId: strategy.strategyId,
    segment: input.segment?.trim() || null,
    riskClass: checkRiskClass(input.riskClass, 'riskClass'),
    region: input.region?.trim() || null,
    takenBy: taken.rows[0]?.rule_id ?? null,
  };
}

/** Adds an assignment rule with its audit event. */
export async function addRule(db: Db, company: Company, input: StrategyRuleInput, actor: Actor): Promise<StrategyRule> {
  checkStrategyRole(actor, company, 'strategy_rule.add');
  return db.transaction(async (tx) => {
    const values = await ruleValues(tx, company.companyId, input);
    if (values.takenBy !== null) {
      throw new InputError(`priority ${input.priority} is taken by rule ${values.takenBy}: choose another`, 'duplicate_priority', 'priority');
    }
    const inserted = await tx.query<{ rule_id: bigint }>(
      `insert into collection_strategy_rule (company_id, rule_id, priority, strategy_id, segment, risk_class, region, updated_by)
       values ($1, nextval('collection_strategy_rule_id_seq'), $2, $3, $4, $5, $6, $7) returning rule_id`,
      [company.companyId, input.priority, values.strategyId, values.segment, values.riskClass, values.region, actor.email],
    );
    const rule = await loadRule(tx, company.companyId, inserted.rows[0]!.rule_id);
    await dropLaterWorklists(tx, company.companyId, todayUtc());
    await recordAudit(tx, { actor, action: 'strategy_rule.add', entity: 'strategy_rule', entityId: rule.ruleId.toString(), companyId: company.companyId, after: rule });
    return rule;
  });
}

/** Replaces an assignment rule's priority, strategy and conditions. */
export async function updateRule(db: Db, company: Company, ruleId: bigint, input: StrategyRuleInput, actor: Actor): Promise<StrategyRule> {
  checkStrategyRole(actor, company, 'strategy_rule.update');
  return db.transaction(async (tx) => {
    const before = await loadRule(tx, company.companyId, ruleId);
    const values = await ruleValues(tx, company.companyId, input);
    if (values.takenBy !== null && values.takenBy !== ruleId) {
      throw new InputError(`priority ${input.priority} is taken by rule ${values.takenBy}: choose another`, 'duplicate_priority', 'priority');
    }
    await tx.query(
      `update collection_strategy_rule set priority = $3, strategy_id = $4, segment = $5, risk_class = $6, region = $7,
         updated_by = $8, updated_at = now()
       where company_id = $1 and rule_id = $2`,
      [company.companyId, ruleId, input.priority, values.strategyId, values.segment, values.riskClass, values.region, actor.email],
    );
    const after = await loadRule(tx, company.companyId, ruleId);
    await dropLaterWorklists(tx, company.companyId, todayUtc());
    await recordAudit(tx, { actor, action: 'strategy_rule.update', entity: 'strategy_rule', entityId: ruleId.toString(), companyId: company.companyId, before, after });
    return after;
  });
}

/** Deletes an assignment rule; the audit event keeps what it was. */
export async function deleteRule(db: Db, company: Company, ruleId: bigint, actor: Actor): Promise<StrategyRule> {
  checkStrategyRole(actor, company, 'strategy_rule.delete');
  return db.transaction(async (tx) => {
    const before = await loadRule(tx, company.companyId, ruleId);
    await tx.query('delete from collection_strategy_rule where company_id = $1 and rule_id = $2', [company.companyId, ruleId]);
    await dropLaterWorklists(tx, company.companyId, todayUtc());
    await recordAudit(tx, { actor, action: 'strategy_rule.delete', entity: 'strategy_rule', entityId: ruleId.toString(), companyId: company.companyId, before });
    return before;
  });
}

/** Sets or clears a customer's risk class, with its audit event. */
export async function setRiskClass(db: Db, company: Company, customerId: bigint, riskClass: string | null, actor: Actor): Promise<RiskClass | null> {
  if (!can(actor.role, 'customers.risk_class')) {
    throw new ForbiddenError(`the role ${actor.role} may not set risk classes`, {
      action: 'customer.risk_class',
      entity: 'customer',
      entityId: customerId.toString(),
      companyId: company.companyId,
    });
  }
  const value = checkRiskClass(riskClass, 'riskClass');
  return db.transaction(async (tx) => {
    const customer = await customerInScope(tx, company.companyId, customerId, actor.scope, 'customer.risk_class');
    const before = await tx.query<{ risk_class: RiskClass | null }>(
      'select risk_class from customer where company_id = $1 and customer_id = $2 for update',
      [company.companyId, customerId],
    );
    await tx.query('update customer set risk_class = $3 where company_id = $1 and customer_id = $2', [company.companyId, customerId, value]);
    await recordAudit(tx, {
      actor,
      action: 'customer.risk_class',
      entity: 'customer',
      entityId: customer.customerNumber,
      companyId: company.companyId,
      before: { riskClass: before.rows[0]?.risk_class ?? null },
      after: { riskClass: value },
    });
    return value;
  });
}
