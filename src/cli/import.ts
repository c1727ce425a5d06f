import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { cliActor } from '../auth/actor.js';
import { importIbmAr, importMappedFile, type ImportProgress, type ImportResult } from '../integration/index.js';
import type { Db } from '../db/types.js';
import { addDbOptions, reportCliError, withDb } from './context.js';
import { registerBankImportCommand } from './bank.js';

interface ImportOptions {
  dataDir?: string;
  company?: string;
  currency?: string;
}

/**
 * A progress bar on stderr while an import runs. It is drawn only when
 * stderr is a terminal, so logs and pipes get no bar.
 */
function progressBar(): { progress?: ImportProgress; stop(): void } {
  if (!process.stderr.isTTY) return { stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{stage} [{bar}] {value}/{total}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    progress(stage, done, total) {
      if (!started) {
        bar.start(total, done, { stage });
        started = true;
        return;
      }
      bar.setTotal(total);
      bar.update(done, { stage });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function describeCounts(result: Omit<ImportResult, 'companyCode' | 'importId'>): string {
  return (
    `${result.rows} ${result.rows === 1 ? 'row' : 'rows'}, items ${result.itemsInserted} inserted ${result.itemsSkipped} skipped, ` +
    `allocations ${result.allocationsInserted} inserted ${result.allocationsSkipped} skipped`
  );
}

/** Prints one line per company (when there are several) and the closing line. */
function printSummary(file: string, results: ImportResult[], seconds: number): void {
  const total = {
    rows: 0,
    itemsInserted: 0,
    itemsSkipped: 0,
    allocationsInserted: 0,
    allocationsSkipped: 0,
  };
  for (const result of results) {
    if (results.length > 1) process.stdout.write(`  ${result.companyCode}: ${describeCounts(result)}\n`);
    total.rows += result.rows;
    total.itemsInserted += result.itemsInserted;
    total.itemsSkipped += result.itemsSkipped;
    total.allocationsInserted += result.allocationsInserted;
    total.allocationsSkipped += result.allocationsSkipped;
  }
  const rate = seconds > 0 ? Math.round(total.rows / seconds) : total.rows;
  process.stdout.write(
    `imported ${file}: ${describeCounts(total)} in ${seconds.toFixed(2)} s (${rate} rows/s)\n`,
  );
}

async function runImport(
  file: string,
  options: ImportOptions,
  work: (db: Db, progress: ImportProgress | undefined) => Promise<ImportResult[]>,
): Promise<void> {
  const bar = progressBar();
  try {
    // Timed on the open database, so the rate leaves out opening, migrating and closing it.
    let seconds = 0;
    const results = await withDb(options, async (db) => {
      const started = performance.now();
      const imported = await work(db, bar.progress);
      seconds = (performance.now() - started) / 1000;
      return imported;
    });
    bar.stop();
    printSummary(file, results, seconds);
  } catch (error) {
    bar.stop();
    reportCliError(error);
  }
}

export function registerImportCommands(program: Command): void {
  const importCommand = program
    .command('import')
    .description('import ledger files and bank statements; a file imported twice changes nothing the second time');
  registerBankImportCommand(importCommand);

  addDbOptions(
    importCommand
      .command('ibm-ar')
      .description('import the IBM late-payment ledger (paid invoices with settlement dates)')
      .argument('<file>', 'CSV file in the IBM layout')
      .option('--company <code>', 'company to import into, created when new', 'MAIN')
      .option('--currency <code>', 'ISO 4217 currency of the amounts and of a new company', 'USD'),
  ).action(async (file: string, options: ImportOptions) => {
    await runImport(file, options, (db, progress) =>
      importIbmAr(db, file, {
        company: options.company,
        currency: options.currency?.toUpperCase(),
        progress,
        actor: cliActor(),
      }),
    );
  });

  addDbOptions(
    importCommand
      .command('csv')
      .description('import an open-item CSV or XLSX file described by a column mapping')
      .argument('<file>', 'CSV or XLSX file (.xlsx is read as a workbook)')
      .requiredOption('--mapping <file>', 'JSON column mapping (see docs/import-mapping.md)')
      .option('--company <code>', 'company for every row when the mapping has no company column (default MAIN)')
      .option(
        '--currency <code>',
        'ISO 4217 local currency of companies the import creates and the mapping gives none for (default: an existing company keeps its own, a new one gets USD)',
      ),
  ).action(async (file: string, options: ImportOptions & { mapping: string }) => {
    await runImport(file, options, (db, progress) =>
      importMappedFile(db, file, {
        mapping: options.mapping,
        company: options.company,
        currency: options.currency?.toUpperCase(),
        progress,
        actor: cliActor(),
      }),
    );
  });
}
