import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { defaultDemoSeed, loadDemo, type DemoOptions } from '../demo/generate.js';
import type { ImportProgress, ImportResult } from '../ledger/index.js';
import { addMonths, isIsoDate, makeDate, type IsoDate } from '../shared/dates.js';
import { InputError } from '../shared/errors.js';
import { cliActor } from '../auth/actor.js';
import { addDbOptions, withDb } from './context.js';

interface DemoCommandOptions {
  customers: string;
  items: string;
  endDate?: string;
  seed: string;
  dataDir?: string;
}

/** Sized to load in well under a minute on the embedded database. */
const defaultCustomers = 2_000;
const defaultItems = 20_000;
const demoMonths = 12;

export function registerDemoCommand(program: Command): void {
  const demo = program
    .command('demo')
    .description(
      'Load a generated demo ledger of several companies and currencies with 12 months of history (loading the same options twice changes nothing)',
    )
    .option('--customers <count>', 'customers over all companies', String(defaultCustomers))
    .option('--items <count>', 'open items over all companies (approximate)', String(defaultItems))
    .option('--end-date <date>', 'last posting date, YYYY-MM-DD (default today)')
    .option('--seed <number>', 'seed of the generator (the same seed gives the same ledger)', String(defaultDemoSeed));
  addDbOptions(demo).action((options: DemoCommandOptions) => runDemo(options));
}

async function runDemo(options: DemoCommandOptions): Promise<void> {
  const demoOptions: DemoOptions = {
    customers: parseCount(options.customers, '--customers'),
    items: parseCount(options.items, '--items'),
    endDate: parseEndDate(options.endDate),
    seed: parseCount(options.seed, '--seed'),
    months: demoMonths,
  };
  process.stderr.write(
    `Generating ${demoOptions.customers} customers and about ${demoOptions.items} items up to ${demoOptions.endDate} ...\n`,
  );
  const bar = progressBar(demoOptions.items);
  const results = await withDb(options, async (db) => {
    try {
      return await loadDemo(db, demoOptions, bar?.update, cliActor());
    } finally {
      bar?.stop();
    }
  });
  process.stdout.write(summary(results, demoOptions, options.dataDir));
}

function parseCount(text: string, option: string): number {
  if (!/^\d{1,15}$/.test(text.trim())) {
    throw new InputError(`invalid ${option} "${text}": use a whole number`, 'invalid_option', option.slice(2));
  }
  return Number(text);
}

function parseEndDate(text: string | undefined): IsoDate {
  if (text === undefined) {
    const now = new Date();
    return makeDate(now.getFullYear(), now.getMonth() + 1, now.getDate())!;
  }
  if (!isIsoDate(text)) {
    throw new InputError(`invalid --end-date "${text}": use a calendar date as YYYY-MM-DD`, 'invalid_option', 'end-date');
  }
  return text;
}

/**
 * Creates a progress bar on stderr over all companies, or returns
 * undefined when stderr is not a terminal. The import reports each
 * company's stages with that company's item count, so the items of
 * finished companies are added up here.
 */
function progressBar(expectedItems: number): { update: ImportProgress; stop: () => void } | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{stage} [{bar}] {value}/{total} items',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(expectedItems, 0, { stage: 'generating'.padEnd(11) });
  let finishedItems = 0;
  return {
    update: (stage, done, total) => {
      const value = finishedItems + done;
      bar.setTotal(Math.max(expectedItems, value));
      bar.update(value, { stage: stage.padEnd(11) });
      if (stage === 'allocations') finishedItems += total;
    },
    stop: () => bar.stop(),
  };
}

function summary(results: ImportResult[], options: DemoOptions, dataDir: string | undefined): string {
  const lines = ['Loaded the demo ledger:'];
  for (const result of results) {
    lines.push(
      `  ${result.companyCode.padEnd(6)} ${result.itemsInserted} items and ${result.allocationsInserted} allocations added` +
        (result.itemsSkipped > 0 ? `, ${result.itemsSkipped} items already loaded` : ''),
    );
  }
  const first = results[0]?.companyCode ?? 'COMPANY';
  const endMonth = options.endDate.slice(0, 7);
  const fromMonth = addMonths(endMonth, -(demoMonths - 1));
  const dirOption = dataDir !== undefined ? ` --data-dir ${dataDir}` : '';
  lines.push(
    '',
    'Try next:',
    `  npx ardesk aging --as-of ${options.endDate} --company ${first} --by country${dirOption}`,
    `  npx ardesk kpi --from ${fromMonth} --to ${endMonth}${dirOption}`,
    `  npx ardesk serve${dirOption}    (API docs at http://127.0.0.1:3000/api/docs)`,
    '',
  );
  return lines.join('\n');
}
