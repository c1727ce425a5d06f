import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { cliActor } from '../auth/actor.js';
import type { Actor } from '../auth/types.js';
import { listAudit } from '../audit/audit.js';
import { applyImport, getCompany } from '../ledger/index.js';
import type { Company } from '../ledger/types.js';
import { addDays } from '../shared/dates.js';
import { InputError } from '../shared/errors.js';
import {
  addRule,
  deleteRule,
  getStrategy,
  listRules,
  listStrategies,
  parseStrategyFile,
  retireStrategy,
  saveStrategy,
  setRiskClass,
  strategyToFile,
  updateRule,
} from './strategies.js';

let db: TestDb;
let company: Company;
let customerId: bigint;
const admin = cliActor();
const collector: Actor = { ...admin, email: 'cora@example.com', role: 'collector', via: 'session' };

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'strategies.csv', sha256: 'strategies' }, [
    { company: { code: 'STR', currency: 'KWD' }, customers: [{ customerNumber: 'S1', name: 'Gulf Trading' }], items: [], allocations: [], rowCount: 0 },
  ]);
  company = await getCompany(db, 'STR');
  const row = await db.query<{ customer_id: bigint }>('select customer_id from customer where company_id = $1', [company.companyId]);
  customerId = row.rows[0]!.customer_id;
});

afterAll(async () => {
  await db.close();
});

const exampleFile = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '../../examples/strategies', name), 'utf8')) as unknown;

describe('strategy files', () => {
  it('reads amounts in the company exponent', () => {
    // KWD has three decimals: 100.000 is 100000 fils.
    const parsed = parseStrategyFile({ code: 'X', name: 'x', steps: [{ action: 'call', daysFrom: 5, minAmount: '100' }] }, 3);
    expect(parsed.steps[0]!.minAmountLocal).toBe(100_000n);
    expect(parsed.steps[0]!.weight).toBe(10);
    expect(parsed.steps[0]!.daysTo).toBeNull();
  });

  it('turns daysBeforeDue into negative days past due', () => {
    const parsed = parseStrategyFile({ code: 'X', name: 'x', steps: [{ action: 'email_reminder', daysBeforeDue: 4 }] }, 2);
    expect(parsed.steps[0]!.daysFrom).toBe(-4);
    expect(parsed.steps[0]!.daysTo).toBe(-1);
  });

  it('rejects bad fields by name', () => {
    const bad = (json: unknown) => () => parseStrategyFile(json, 2);
    expect(bad({ code: 'X', name: 'x', steps: [{ action: 'fax', daysFrom: 1 }] })).toThrow(/steps\[0\]\.action/);
    expect(bad({ code: 'X', name: 'x', steps: [{ action: 'call' }] })).toThrow(/steps\[0\]: missing daysFrom/);
    expect(bad({ code: 'X', name: 'x', steps: [{ action: 'call', daysFrom: 9, daysTo: 3 }] })).toThrow(/daysTo 3 is before daysFrom 9/);
    expect(bad({ code: 'X', name: 'x', steps: [{ action: 'call', daysFrom: 1, minAmount: '1,5x' }] })).toThrow(/steps\[0\]\.minAmount/);
    expect(bad({ code: 'X', name: 'x', steps: [{ action: 'call', daysFrom: 1, weight: 99 }] })).toThrow(/steps\[0\]\.weight/);
    expect(bad({ code: 'X', name: 'x', steps: [] })).toThrow(InputError);
    expect(bad({ code: 'has space', name: 'x', steps: [{ action: 'call', daysFrom: 1 }] })).toThrow(/field code/);
  });

  it('reads the shipped examples', () => {
    expect(parseStrategyFile(exampleFile('standard.json'), 2).steps).toHaveLength(10);
    expect(parseStrategyFile(exampleFile('key-accounts.json'), 2).isDefault).toBe(false);
  });
});

describe('strategies', () => {
  it('saves versions and keeps the old steps', async () => {
    const first = await saveStrategy(db, company, parseStrategyFile(exampleFile('standard.json'), 3), admin);
    expect(first.version).toBe(1);
    expect(first.isDefault).toBe(true);
    const file = strategyToFile(first, 3);
    file.steps = file.steps.slice(0, 2);
    const second = await saveStrategy(db, company, parseStrategyFile(file, 3), admin);
    expect(second.version).toBe(2);
    expect(second.steps).toHaveLength(2);
    const firstAgain = await getStrategy(db, company.companyId, 'STANDARD', 1);
    expect(firstAgain.steps).toHaveLength(10);
    expect(firstAgain.name).toBe('Standard collection');
    await expect(getStrategy(db, company.companyId, 'STANDARD', 3)).rejects.toThrow(/no version 3/);
    const audit = await listAudit(db, { entity: 'strategy' });
    expect(audit.events.map((event) => event.action).sort()).toEqual(['strategy.add', 'strategy.update']);
  });

  it('moves the default to the strategy saved as default', async () => {
    await saveStrategy(db, company, { ...parseStrategyFile(exampleFile('key-accounts.json'), 3), isDefault: true }, admin);
    const list = await listStrategies(db, company.companyId);
    expect(list.map((strategy) => [strategy.code, strategy.isDefault])).toEqual([
      ['KEY', true],
      ['STANDARD', false],
    ]);
  });

  it('drops stored worklists of later dates', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const later = addDays(today, 1);
    await db.query(
      `insert into worklist_run (company_id, work_date, entries, duration_ms) values ($1, $2, 0, 0), ($1, $3, 0, 0)`,
      [company.companyId, today, later],
    );
    await saveStrategy(db, company, parseStrategyFile(exampleFile('key-accounts.json'), 3), admin);
    const runs = await db.query<{ work_date: string }>('select work_date from worklist_run where company_id = $1', [company.companyId]);
    expect(runs.rows.map((row) => row.work_date)).toEqual([today]);
  });

  it('rejects edits by a collector', async () => {
    await expect(saveStrategy(db, company, parseStrategyFile(exampleFile('key-accounts.json'), 3), collector)).rejects.toThrow(/may not change collection strategies/);
  });
});

describe('strategy rules', () => {
  it('adds, updates and deletes rules by priority', async () => {
    const rule = await addRule(db, company, { priority: 5, strategyCode: 'STANDARD', riskClass: 'high', region: 'Gulf' }, admin);
    expect(rule.strategyCode).toBe('STANDARD');
    await expect(addRule(db, company, { priority: 5, strategyCode: 'KEY' }, admin)).rejects.toThrow(/priority 5 is taken/);
    await expect(addRule(db, company, { priority: 6, strategyCode: 'KEY', riskClass: 'extreme' }, admin)).rejects.toThrow(/invalid riskClass "extreme"/);
    await expect(addRule(db, company, { priority: 6, strategyCode: 'NONE' }, admin)).rejects.toThrow(/strategy NONE not found/);
    const updated = await updateRule(db, company, rule.ruleId, { priority: 7, strategyCode: 'KEY', segment: 'A' }, admin);
    expect([updated.priority, updated.strategyCode, updated.segment, updated.riskClass]).toEqual([7, 'KEY', 'A', null]);
    await expect(retireStrategy(db, company, 'KEY', admin)).rejects.toThrow(/used by the rules of priority 7/);
    await deleteRule(db, company, rule.ruleId, admin);
    expect(await listRules(db, company.companyId)).toEqual([]);
    const retired = await retireStrategy(db, company, 'KEY', admin);
    expect(retired.active).toBe(false);
    expect((await listStrategies(db, company.companyId)).map((strategy) => strategy.code)).toEqual(['STANDARD']);
  });
});

describe('risk class', () => {
  it('sets and clears a risk class with an audit event', async () => {
    expect(await setRiskClass(db, company, customerId, 'very_high', admin)).toBe('very_high');
    expect(await setRiskClass(db, company, customerId, null, admin)).toBeNull();
    await expect(setRiskClass(db, company, customerId, 'huge', admin)).rejects.toThrow(/invalid riskClass "huge"/);
    await expect(setRiskClass(db, company, customerId, 'low', collector)).rejects.toThrow(/may not set risk classes/);
    const audit = await listAudit(db, { action: 'customer.risk_class' });
    expect(audit.events.map((event) => event.after)).toEqual(expect.arrayContaining([{ riskClass: 'very_high' }, { riskClass: null }]));
  });
});
