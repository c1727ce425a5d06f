/**
 * The worklist and collection strategies from the command line:
 * `ardesk worklist`, `ardesk strategy ...`. Writes run as the
 * operating-system user with full access, like the other commands.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { cliActor } from '../auth/actor.js';
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
  strategyToFile,
  type Strategy,
} from '../collections/strategies.js';
import { auditRanking, rankWorklist, readWorklist, type WorklistPage } from '../collections/worklist.js';
import type { Company } from '../ledger/types.js';
import { InputError } from '../shared/errors.js';
import { addDbOptions } from './context.js';
import { findCustomerId, parseDateOption, todayUtc, withCompany, withOutput, type DbOptions, type OutputChoice } from './options.js';
import { checkOutputOptions, writeOutput, type OutputColumn, type OutputDocument } from './output.js';

/** The strategy `ardesk strategy default` installs. */
export const defaultStrategyFile = fileURLToPath(new URL('../../examples/strategies/standard.json', import.meta.url));


function wholeNumber(text: string, field: string, min: number, max: number): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new InputError(`invalid --${field} "${text}": use a whole number from ${min} to ${max}`, 'invalid_number', field);
  }
  return Number(text);
}

async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as Error).message}`, 'invalid_file', 'file');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(`${file} is not valid JSON: ${(error as Error).message}`, 'invalid_file', 'file');
  }
}

const worklistColumns: OutputColumn[] = [
  { key: 'rank', header: 'Rank', type: 'integer' },
  { key: 'customerNumber', header: 'Customer', type: 'text' },
  { key: 'customerName', header: 'Name', type: 'text' },
  { key: 'collector', header: 'Collector', type: 'text' },
  { key: 'action', header: 'Action', type: 'text' },
  { key: 'tasks', header: 'Tasks', type: 'text' },
  { key: 'daysPastDue', header: 'Days', type: 'integer' },
  { key: 'overdue', header: 'Overdue', type: 'money' },
  { key: 'disputed', header: 'Disputed', type: 'money' },
  { key: 'riskClass', header: 'Risk', type: 'text' },
  { key: 'amountPoints', header: 'Amount pts', type: 'decimal' },
  { key: 'daysPoints', header: 'Days pts', type: 'decimal' },
  { key: 'riskPoints', header: 'Risk pts', type: 'decimal' },
  { key: 'promisePoints', header: 'Broken pts', type: 'decimal' },
  { key: 'stepPoints', header: 'Step pts', type: 'decimal' },
  { key: 'taskPoints', header: 'Task pts', type: 'decimal' },
  { key: 'score', header: 'Score', type: 'decimal' },
];

function worklistDocument(company: Company, page: WorklistPage, offset: number): OutputDocument {
  const money = (amount: bigint) => ({ amount, exponent: company.currencyExponent });
  return {
    tables: [
      {
        title: `Worklist of ${company.code} for ${page.date} (${page.total} customers, ${company.currency})`,
        columns: worklistColumns,
        rows: page.entries.map((entry, index) => [
          offset + index + 1,
          entry.customerNumber,
          entry.customerName,
          entry.collector,
          entry.action === null ? null : `${entry.action} (${entry.strategyCode} v${entry.strategyVersion} step ${entry.stepPosition})`,
          [
            entry.followUpDate === null ? null : `follow-up ${entry.followUpDate}`,
            entry.promiseDueDate === null ? null : `promise due ${entry.promiseDueDate}`,
            entry.promiseBrokenDate === null ? null : `promise broken ${entry.promiseBrokenDate}`,
          ]
            .filter((task) => task !== null)
            .join(', ') || null,
          entry.daysPastDue,
          money(entry.overdueLocal),
          money(entry.disputedLocal),
          entry.riskClass,
          entry.parts.amount,
          entry.parts.days,
          entry.parts.risk,
          entry.parts.brokenPromises,
          entry.parts.step,
          entry.parts.tasks,
          entry.score,
        ]),
      },
    ],
  };
}

function strategiesDocument(company: Company, strategies: readonly Strategy[]): OutputDocument {
  const rows = strategies.flatMap((strategy) =>
    strategy.steps.map((step) => [
      strategy.code,
      strategy.version,
      strategy.isDefault ? 'yes' : null,
      step.position,
      step.action,
      step.daysFrom,
      step.daysTo,
      { amount: step.minAmountLocal, exponent: company.currencyExponent },
      step.riskClass,
      step.segment,
      step.weight,
      step.note,
    ]),
  );
  return {
    tables: [
      {
        title: `Collection strategies of ${company.code} (${company.currency})`,
        columns: [
          { key: 'strategy', header: 'Strategy', type: 'text' },
          { key: 'version', header: 'Version', type: 'integer' },
          { key: 'default', header: 'Default', type: 'text' },
          { key: 'position', header: 'Step', type: 'integer' },
          { key: 'action', header: 'Action', type: 'text' },
          { key: 'daysFrom', header: 'Days from', type: 'integer' },
          { key: 'daysTo', header: 'Days to', type: 'integer' },
          { key: 'minAmount', header: 'Min. amount', type: 'money' },
          { key: 'riskClass', header: 'Risk', type: 'text' },
          { key: 'segment', header: 'Segment', type: 'text' },
          { key: 'weight', header: 'Weight', type: 'integer' },
          { key: 'note', header: 'Note', type: 'text' },
        ],
        rows,
      },
    ],
  };
}

export function registerWorklistCommands(program: Command): void {
  addDbOptions(
    withOutput(
      program
        .command('worklist')
        .description("list a company's ranked worklist with the parts of each score")
        .requiredOption('--company <code>', 'company code')
        .option('--collector <name>', 'only customers of this collector')
        .option('--date <date>', 'business date (default today)')
        .option('--limit <count>', 'customers to list', '100')
        .option('--offset <count>', 'customers to skip', '0')
        .option('--rank', 'rank the date again first, for every collector'),
    ),
  ).action(async (options: OutputChoice & { company: string; collector?: string; date?: string; limit: string; offset: string; rank?: boolean }) => {
    const output = checkOutputOptions(options.format, options.output);
    const workDate = options.date === undefined ? todayUtc() : parseDateOption(options.date, 'date');
    const limit = wholeNumber(options.limit, 'limit', 1, 1000);
    const offset = wholeNumber(options.offset, 'offset', 0, 1_000_000_000);
    await withCompany(options, async (db, company) => {
      const actor = cliActor();
      if (options.rank) await auditRanking(db, company, await rankWorklist(db, company, workDate, actor), actor);
      const collectors = options.collector === undefined ? null : [options.collector];
      const page = await readWorklist(db, company, actor.scope, { date: workDate, collectors, limit, offset }, actor);
      await writeOutput(worklistDocument(company, page, offset), output);
    });
  });

  registerStrategyCommands(program.command('strategy').description('collection strategies and the rules that assign them'));
}

function registerStrategyCommands(strategy: Command): void {
  addDbOptions(
    withOutput(strategy.command('list').description('list the strategies with their steps').requiredOption('--company <code>', 'company code')),
  ).action(async (options: OutputChoice & { company: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withCompany(options, async (db, company) => {
      await writeOutput(strategiesDocument(company, await listStrategies(db, company.companyId)), output);
    });
  });

  addDbOptions(
    strategy
      .command('show')
      .description('print a strategy as JSON, in the form `strategy set` reads')
      .requiredOption('--company <code>', 'company code')
      .requiredOption('--code <code>', 'strategy code')
      .option('--version <number>', 'an earlier version'),
  ).action(async (options: DbOptions & { company: string; code: string; version?: string }) => {
    await withCompany(options, async (db, company) => {
      const version = options.version === undefined ? undefined : wholeNumber(options.version, 'version', 1, 1_000_000);
      const found = await getStrategy(db, company.companyId, options.code, version);
      const file = strategyToFile(found, company.currencyExponent);
      console.log(JSON.stringify({ ...file, version: found.version, savedBy: found.updatedBy, savedAt: found.updatedAt }, null, 2));
    });
  });

  addDbOptions(
    strategy
      .command('set')
      .description('create a strategy from a JSON file, or save a new version of it')
      .requiredOption('--company <code>', 'company code')
      .requiredOption('--file <file>', 'strategy JSON, as in examples/strategies'),
  ).action(async (options: DbOptions & { company: string; file: string }) => {
    const json = await readJsonFile(options.file);
    await withCompany(options, async (db, company) => {
      const saved = await saveStrategy(db, company, parseStrategyFile(json, company.currencyExponent), cliActor());
      console.log(`strategy ${saved.code} version ${saved.version}: ${saved.steps.length} steps${saved.isDefault ? ', default' : ''}`);
    });
  });

  addDbOptions(
    strategy
      .command('default')
      .description(`install ${join('examples', 'strategies', 'standard.json')} as the default strategy when the company has none`)
      .requiredOption('--company <code>', 'company code')
      .option('--file <file>', 'install this strategy file instead'),
  ).action(async (options: DbOptions & { company: string; file?: string }) => {
    const json = await readJsonFile(options.file ?? defaultStrategyFile);
    await withCompany(options, async (db, company) => {
      const current = (await listStrategies(db, company.companyId)).find((found) => found.isDefault);
      if (current) {
        console.log(`${company.code} already has the default strategy ${current.code} (version ${current.version}); nothing changed`);
        return;
      }
      const input = { ...parseStrategyFile(json, company.currencyExponent), isDefault: true };
      const saved = await saveStrategy(db, company, input, cliActor());
      console.log(`strategy ${saved.code} version ${saved.version} is now the default of ${company.code}`);
    });
  });

  addDbOptions(
    strategy
      .command('retire')
      .description('retire a strategy that no rule names')
      .requiredOption('--company <code>', 'company code')
      .requiredOption('--code <code>', 'strategy code'),
  ).action(async (options: DbOptions & { company: string; code: string }) => {
    await withCompany(options, async (db, company) => {
      const retired = await retireStrategy(db, company, options.code, cliActor());
      console.log(`strategy ${retired.code} retired at version ${retired.version}`);
    });
  });

  registerRuleCommands(strategy);
}

function registerRuleCommands(strategy: Command): void {
  addDbOptions(
    withOutput(strategy.command('rules').description('list the rules that assign strategies, by priority').requiredOption('--company <code>', 'company code')),
  ).action(async (options: OutputChoice & { company: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withCompany(options, async (db, company) => {
      const rules = await listRules(db, company.companyId);
      await writeOutput(
        {
          tables: [
            {
              title: `Strategy rules of ${company.code}: the first that matches a customer wins`,
              columns: [
                { key: 'ruleId', header: 'Rule', type: 'text' },
                { key: 'priority', header: 'Priority', type: 'integer' },
                { key: 'strategy', header: 'Strategy', type: 'text' },
                { key: 'segment', header: 'Segment', type: 'text' },
                { key: 'riskClass', header: 'Risk', type: 'text' },
                { key: 'region', header: 'Region', type: 'text' },
                { key: 'updatedBy', header: 'By', type: 'text' },
              ],
              rows: rules.map((rule) => [rule.ruleId.toString(), rule.priority, rule.strategyCode, rule.segment, rule.riskClass, rule.region, rule.updatedBy]),
            },
          ],
        },
        output,
      );
    });
  });

  addDbOptions(
    strategy
      .command('assign')
      .description('add a rule that assigns a strategy to the customers it matches')
      .requiredOption('--company <code>', 'company code')
      .requiredOption('--strategy <code>', 'strategy code')
      .requiredOption('--priority <number>', 'lower numbers are tried first')
      .option('--segment <segment>', 'only this credit segment')
      .option('--risk-class <class>', `only this risk class: ${riskClasses.join(', ')}`)
      .option('--region <region>', 'only this region'),
  ).action(async (options: DbOptions & { company: string; strategy: string; priority: string; segment?: string; riskClass?: string; region?: string }) => {
    await withCompany(options, async (db, company) => {
      const rule = await addRule(
        db,
        company,
        {
          priority: wholeNumber(options.priority, 'priority', 1, 1_000_000),
          strategyCode: options.strategy,
          segment: options.segment,
          riskClass: options.riskClass,
          region: options.region,
        },
        cliActor(),
      );
      console.log(`rule ${rule.ruleId}: priority ${rule.priority} assigns ${rule.strategyCode}`);
    });
  });

  addDbOptions(
    strategy
      .command('unassign')
      .description('delete a rule')
      .requiredOption('--company <code>', 'company code')
      .requiredOption('--rule <id>', 'rule id, as `strategy rules` lists it'),
  ).action(async (options: DbOptions & { company: string; rule: string }) => {
    if (!/^\d{1,18}$/.test(options.rule)) throw new InputError(`invalid --rule "${options.rule}": digits only`, 'invalid_id', 'rule');
    await withCompany(options, async (db, company) => {
      const rule = await deleteRule(db, company, BigInt(options.rule), cliActor());
      console.log(`rule ${rule.ruleId} (priority ${rule.priority}, ${rule.strategyCode}) deleted`);
    });
  });

  addDbOptions(
    strategy
      .command('risk-class')
      .description("set or clear a customer's risk class")
      .requiredOption('--company <code>', 'company code')
      .requiredOption('--customer <number>', 'customer number')
      .requiredOption('--class <class>', `${riskClasses.join(', ')}, or none to clear it`),
  ).action(async (options: DbOptions & { company: string; customer: string; class: string }) => {
    await withCompany(options, async (db, company) => {
      const value = options.class === 'none' ? null : options.class;
      const set = await setRiskClass(db, company, await findCustomerId(db, company, options.customer), value, cliActor());
      console.log(`customer ${options.customer}: risk class ${set ?? 'cleared'}`);
    });
  });
}
