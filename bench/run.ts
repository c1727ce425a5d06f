/**
 * Benchmark of the import path and the aging reports (`npm run bench`).
 *
 * Generates the benchmark ledger, imports it through `applyImport` on
 * each engine and times aging by customer (as of the last date and six
 * months earlier) and the summary by region. Each report is timed through
 * the aging service, through a hand-written single SQL query on the same
 * engine, and as a plain loop over typed arrays in this process. The
 * import's statements are timed one by one as well. Results go to stdout
 * as tables and to bench/out/ as JSON.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { openDb } from '../src/db/open.js';
import type { Db } from '../src/db/types.js';
import { applyImport, getCompany, type ParsedLedger } from '../src/ledger/index.js';
import { benchCompanyCode, generateBenchLedger, type BenchColumns } from '../src/demo/bench-ledger.js';
import { agingReport, createColumnarAgingEngine, defaultBucketLimits, type AgingRequest } from '../src/aging/index.js';
import { addMonths, daysInMonth, isIsoDate, toEpochDay, type IsoDate } from '../src/shared/dates.js';
import { printApiResults, runApiBench, type ApiBenchResult } from './api.js';
import { printCashResults, runCashBench, type CashBenchResult } from './cash.js';
import { printDunningResults, runDunningBench, type DunningBenchResult } from './dunning.js';
import { printStatementResults, runStatementBench, type StatementBenchResult } from './statements.js';
import { printWorklistResults, runWorklistBench, type WorklistBenchResult } from './worklist.js';
import { runHandAging, totalsOf, type HandGrouping } from './sql.js';
import { ageTyped, typedTotals } from './typed.js';
import {
  formatCount,
  formatMiB,
  formatMs,
  formatTable,
  measure,
  measurePair,
  traceStatements,
  type StatementTime,
  MemorySampler,
  Progress,
} from './support.js';

type Engine = 'pglite' | 'postgres';

interface BenchArgs {
  /** Seconds of load per API endpoint; 0 skips the API part. */
  apiSeconds: number;
  /** Bank statement lines for the cash application part; 0 skips it. */
  cashLines: number;
  /** Whether to run the collections part: worklist ranking, dunning proposal, statements. */
  collections: boolean;
  items: number;
  customers: number;
  engines: Engine[];
  seed: number;
  endDate: IsoDate;
  repeat: number;
  databaseUrl: string;
  /** Folder for the PGlite database; a temporary folder when undefined. */
  pgliteDir: string | undefined;
}

interface ReportSpec {
  label: string;
  asOf: IsoDate;
  grouping: HandGrouping;
}

interface Totals {
  amounts: bigint[];
  total: bigint;
}

interface Timing {
  medianMs: number;
  minMs: number;
  runsMs: number[];
}

interface ReportResult {
  label: string;
  asOf: IsoDate;
  rows: number;
  serviceMs: Timing;
  handSqlMs: Timing;
  typedArrayMs: Timing;
  /** The columnar engine, once its arrays are loaded. */
  columnarMs: Timing;
  /** Differences found between the results; empty when they agree. */
  mismatches: string[];
}

interface EngineResult {
  engine: Engine;
  version: string;
  importMs: number;
  importRowsPerSecond: number;
  /** Time from each import stage's start to the next stage's start. */
  importStagesMs: Record<string, number>;
  /** Import statements by their first words, slowest first. */
  importStatements: StatementTime[];
  analyzeMs: number;
  /** First read of the ledger into the columnar engine's arrays. */
  columnarLoadMs: number;
  /** The HTTP API under load, when --api-seconds is above 0. */
  api: ApiBenchResult | null;
  cash: CashBenchResult | null;
  collections: CollectionsResult | null;
  reports: ReportResult[];
  peakRssBytesSoFar: number;
}

interface CollectionsResult {
  worklist: WorklistBenchResult;
  dunning: DunningBenchResult;
  statements: StatementBenchResult;
}

const usage = `usage: npm run bench -- [--items N] [--customers N] [--engines pglite,postgres]
                        [--seed N] [--end-date YYYY-MM-DD] [--repeat N] [--pglite-dir DIR]
                        [--api-seconds N (0 skips the HTTP API part)]
                        [--cash-lines N (bank statement lines to match; 0 skips)]
                        [--collections yes|no (worklist, dunning and statements; default yes)]
PostgreSQL is reached through DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).`;

/** An invalid command-line option, printed without a stack trace. */
class UsageError extends Error {}

function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      items: { type: 'string', default: '1000000' },
      customers: { type: 'string', default: '100000' },
      engines: { type: 'string', default: 'pglite,postgres' },
      seed: { type: 'string', default: '1' },
      'end-date': { type: 'string', default: '2026-03-31' },
      repeat: { type: 'string', default: '3' },
      'pglite-dir': { type: 'string' },
      'api-seconds': { type: 'string', default: '10' },
      'cash-lines': { type: 'string', default: '10000' },
      collections: { type: 'string', default: 'yes' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const count = (text: string, option: string, minimum: number): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < minimum) {
      throw new UsageError(`invalid --${option} "${text}": use a whole number of at least ${minimum}\n${usage}`);
    }
    return value;
  };
  const engines = values.engines.split(',').map((engine) => engine.trim());
  for (const engine of engines) {
    if (engine !== 'pglite' && engine !== 'postgres') {
      throw new UsageError(`invalid engine "${engine}" in --engines: use pglite, postgres or both\n${usage}`);
    }
  }
  if (values.collections !== 'yes' && values.collections !== 'no') {
    throw new UsageError(`invalid --collections "${values.collections}": use yes or no\n${usage}`);
  }
  if (!isIsoDate(values['end-date'])) {
    throw new UsageError(`invalid --end-date "${values['end-date']}": use YYYY-MM-DD\n${usage}`);
  }
  return {
    items: count(values.items, 'items', 1),
    customers: count(values.customers, 'customers', 1),
    engines: engines as Engine[],
    seed: count(values.seed, 'seed', 0),
    endDate: values['end-date'],
    repeat: count(values.repeat, 'repeat', 1),
    databaseUrl: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    pgliteDir: values['pglite-dir'],
    apiSeconds: count(values['api-seconds'], 'api-seconds', 0),
    cashLines: count(values['cash-lines'], 'cash-lines', 0),
    collections: values.collections === 'yes',
  };
}

/** Returns the same day `months` months earlier, clamped to the month's length. */
function monthsBefore(date: IsoDate, months: number): IsoDate {
  const month = addMonths(date, -months);
  const day = Math.min(
    Number(date.slice(8, 10)),
    daysInMonth(Number(month.slice(0, 4)), Number(month.slice(5, 7))),
  );
  return `${month}-${String(day).padStart(2, '0')}`;
}

function compareTotals(label: string, expected: Totals, actual: Totals): string[] {
  const problems: string[] = [];
  if (expected.total !== actual.total) {
    problems.push(`${label}: total ${actual.total} differs from hand-written SQL ${expected.total}`);
  }
  const columns = Math.max(expected.amounts.length, actual.amounts.length);
  for (let index = 0; index < columns; index++) {
    if (expected.amounts[index] !== actual.amounts[index]) {
      problems.push(
        `${label}: column ${index} is ${actual.amounts[index]} where hand-written SQL has ${expected.amounts[index]}`,
      );
    }
  }
  return problems;
}

function typedRun(columns: BenchColumns, report: ReportSpec): ReturnType<typeof ageTyped> {
  const asOfDay = toEpochDay(report.asOf);
  return report.grouping === 'region'
    ? ageTyped(columns, asOfDay, defaultBucketLimits, columns.customerRegion, columns.regions.length)
    : ageTyped(columns, asOfDay, defaultBucketLimits);
}

async function openEngine(engine: Engine, args: BenchArgs): Promise<{ db: Db; cleanUp: () => Promise<void> }> {
  if (engine === 'postgres') {
    const schema = `ardesk_bench_${process.pid}`;
    const db = await openDb({ databaseUrl: args.databaseUrl, schema });
    return {
      db,
      cleanUp: async () => {
        await db.query(`drop schema if exists ${schema} cascade`);
        await db.close();
      },
    };
  }
  const dir = args.pgliteDir ?? mkdtempSync(join(tmpdir(), 'ardesk-bench-'));
  const db = await openDb({ dataDir: dir });
  return {
    db,
    cleanUp: async () => {
      await db.close();
      if (!args.pgliteDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function runEngine(
  engine: Engine,
  args: BenchArgs,
  ledger: ParsedLedger,
  reports: readonly ReportSpec[],
  typedResults: TypedResults,
  progress: Progress,
  memory: MemorySampler,
): Promise<EngineResult> {
  progress.step(`${engine}: opening the database`);
  const { db, cleanUp } = await openEngine(engine, args);
  try {
    const versionRow = await db.query<{ version: string }>('select version()');
    const stageStarts: { stage: string; at: number }[] = [];
    const trace = traceStatements(db);
    const importStart = performance.now();
    await applyImport(trace.db, { kind: 'bench', file: 'benchmark ledger', sha256: `bench-${args.seed}` }, [ledger], (stage, done, total) => {
      stageStarts.push({ stage, at: performance.now() });
      progress.step(`${engine}: import ${stage} (${formatCount(done)} of ${formatCount(total)} items)`);
    });
    const importEnd = performance.now();
    const importStagesMs: Record<string, number> = {};
    stageStarts.forEach((entry, index) => {
      const next = stageStarts[index + 1]?.at ?? importEnd;
      importStagesMs[entry.stage] = (importStagesMs[entry.stage] ?? 0) + next - entry.at;
    });
    progress.step(`${engine}: analyze`);
    const analyzeStart = performance.now();
    await db.exec('analyze');
    const analyzeMs = performance.now() - analyzeStart;
    const company = await getCompany(db, benchCompanyCode);
    progress.step(`${engine}: loading the columnar engine`);
    const columnar = createColumnarAgingEngine(db);
    const columnarLoadStart = performance.now();
    await columnar.cache.ledgersOf([company.companyId]);
    const columnarLoadMs = performance.now() - columnarLoadStart;
    const results: ReportResult[] = [];
    for (const report of reports) {
      const key = `${report.label} ${report.asOf}`;
      progress.step(`${engine}: ${key}, hand-written SQL and aging service`);
      const request: AgingRequest = {
        companies: [benchCompanyCode],
        asOf: report.asOf,
        basis: 'due',
        groupBy: report.grouping,
        bucketLimits: defaultBucketLimits,
        currency: 'local',
      };
      const [hand, service] = await measurePair(
        args.repeat,
        () => runHandAging(db, company.companyId, report.asOf, report.grouping, defaultBucketLimits),
        () => agingReport(db, request),
      );
      const handTotals = totalsOf(hand.result, defaultBucketLimits.length + 2);
      const typed = typedResults.get(key)!;
      const mismatches = compareTotals(`typed arrays, ${key}`, handTotals, typed.totals);
      if (typed.rows !== hand.result.length) {
        mismatches.push(`typed arrays, ${key}: ${typed.rows} rows where hand-written SQL has ${hand.result.length}`);
      }
      const serviceTotals = service.result.totals[0] ?? { amounts: [], total: 0n };
      mismatches.push(...compareTotals(`aging service, ${key}`, handTotals, serviceTotals));
      if (service.result.rows.length !== hand.result.length) {
        mismatches.push(
          `aging service, ${key}: ${service.result.rows.length} rows where hand-written SQL has ${hand.result.length}`,
        );
      }
      progress.step(`${engine}: ${key}, columnar engine`);
      const columnarRun = await measure(args.repeat, () => columnar.report(request));
      if (!isDeepStrictEqual(columnarRun.result, service.result)) {
        mismatches.push(`columnar engine, ${key}: the report differs from the aging service's`);
      }
      for (const problem of mismatches) {
        process.stderr.write(`\n*** MISMATCH on ${engine}: ${problem} ***\n`);
      }
      results.push({
        label: report.label,
        asOf: report.asOf,
        rows: hand.result.length,
        serviceMs: timingOf(service),
        handSqlMs: timingOf(hand),
        typedArrayMs: typed.timing,
        columnarMs: timingOf(columnarRun),
        mismatches,
      });
    }
    const api =
      args.apiSeconds > 0
        ? await runApiBench(db, {
            companyCode: benchCompanyCode,
            durationSeconds: args.apiSeconds,
            progress: (text) => progress.step(`${engine}: ${text}`),
          })
        : null;
    const stage = (text: string) => progress.step(`${engine}: ${text}`);
    const collections = args.collections
      ? {
          worklist: await runWorklistBench(db, { companyCode: benchCompanyCode, endDate: args.endDate, progress: stage, repeat: args.repeat }),
          dunning: await runDunningBench(db, { companyCode: benchCompanyCode, endDate: args.endDate, progress: stage, repeat: args.repeat }),
          statements: await runStatementBench(db, { companyCode: benchCompanyCode, endDate: args.endDate, progress: stage }),
        }
      : null;
    // Last, because it posts payments to the ledger the reports above read.
    const cash =
      args.cashLines > 0
        ? await runCashBench(db, {
            companyCode: benchCompanyCode,
            lines: args.cashLines,
            endDate: args.endDate,
            progress: (text) => progress.step(`${engine}: ${text}`),
          })
        : null;
    const importMs = importEnd - importStart;
    return {
      engine,
      version: versionRow.rows[0]?.version ?? 'unknown',
      importMs,
      importRowsPerSecond: (ledger.rowCount / importMs) * 1000,
      importStagesMs,
      importStatements: trace.times(),
      analyzeMs,
      columnarLoadMs,
      api,
      cash,
      collections,
      reports: results,
      peakRssBytesSoFar: memory.peakBytes,
    };
  } finally {
    progress.step(`${engine}: cleaning up`);
    await cleanUp();
  }
}

function timingOf(measurement: { medianMs: number; minMs: number; runsMs: number[] }): Timing {
  return { medianMs: measurement.medianMs, minMs: measurement.minMs, runsMs: measurement.runsMs };
}

function printResults(engines: readonly EngineResult[], ledger: ParsedLedger, generateMs: number, peakRss: number): void {
  const importRows = engines.map((result) => [
    result.engine,
    formatCount(ledger.rowCount),
    (result.importMs / 1000).toFixed(2),
    formatCount(result.importRowsPerSecond),
    ...['customers', 'items', 'allocations', 'indexes'].map((stage) => ((result.importStagesMs[stage] ?? 0) / 1000).toFixed(2)),
    (result.analyzeMs / 1000).toFixed(2),
  ]);
  process.stdout.write(
    `\nLedger: ${formatCount(ledger.customers.length)} customers, ${formatCount(ledger.items.length)} items, ` +
      `${formatCount(ledger.allocations.length)} allocations, generated in ${(generateMs / 1000).toFixed(2)} s\n\n`,
  );
  process.stdout.write(
    `${formatTable(
      ['engine', 'rows', 'import s', 'rows/s', 'customers s', 'items s', 'allocations s', 'indexes s', 'analyze s'],
      importRows,
    )}\n\n`,
  );
  for (const result of engines) {
    const inSql = result.importStatements.reduce((sum, entry) => sum + entry.ms, 0);
    const rows = result.importStatements
      .filter((entry) => entry.ms >= 1)
      .map((entry) => [result.engine, entry.statement, formatCount(entry.count), formatMs(entry.ms)]);
    rows.push([result.engine, '(outside the database calls)', '', formatMs(result.importMs - inSql)]);
    process.stdout.write(`${formatTable(['engine', 'import statement', 'calls', 'ms'], rows)}\n\n`);
  }
  const reportRows: string[][] = [];
  for (const result of engines) {
    for (const report of result.reports) {
      const service = report.serviceMs.medianMs;
      reportRows.push([
        result.engine,
        `${report.label} ${report.asOf}`,
        formatCount(report.rows),
        formatMs(service),
        formatMs(report.handSqlMs.medianMs),
        (service / report.handSqlMs.medianMs).toFixed(2),
        formatMs(report.columnarMs.medianMs),
        (report.columnarMs.medianMs / report.handSqlMs.medianMs).toFixed(3),
        formatMs(report.typedArrayMs.medianMs),
        report.mismatches.length === 0 ? 'ok' : 'MISMATCH',
      ]);
    }
  }
  process.stdout.write(
    `${formatTable(
      ['engine', 'report', 'rows', 'service ms', 'SQL ms', 'service/SQL', 'columnar ms', 'columnar/SQL', 'typed-array ms', 'totals'],
      reportRows,
    )}\n\n`,
  );
  process.stdout.write(
    'Times are medians of the measured runs after one warm-up run. Service: agingReport in SQL. Columnar: the columnar engine with its arrays loaded. Typed arrays: Float64Array of cents, one loop in this process.\n',
  );
  for (const result of engines) {
    process.stdout.write(`Columnar engine load on ${result.engine}: ${formatMs(result.columnarLoadMs)} ms\n`);
  }
  process.stdout.write(`Peak RSS of this process (sampled every 20 ms): ${formatMiB(peakRss)}\n`);
}

type TypedResults = Map<string, { timing: Timing; totals: Totals; rows: number }>;

async function runTypedArrays(
  columns: BenchColumns,
  reports: readonly ReportSpec[],
  repeat: number,
  progress: Progress,
): Promise<TypedResults> {
  const results: TypedResults = new Map();
  for (const report of reports) {
    progress.step(`typed arrays: ${report.label} ${report.asOf}`);
    const typed = await measure(repeat, () => typedRun(columns, report));
    let rows = 0;
    for (const count of typed.result.itemCounts) if (count > 0) rows++;
    results.set(`${report.label} ${report.asOf}`, { timing: timingOf(typed), totals: typedTotals(typed.result), rows });
  }
  return results;
}

function writeJson(
  args: BenchArgs,
  ledger: ParsedLedger,
  generateMs: number,
  typedResults: TypedResults,
  engineResults: readonly EngineResult[],
  peakRss: number,
  loadAverages: { start: number[]; end: number[] },
): string {
  const outDir = join(dirname(fileURLToPath(import.meta.url)), 'out');
  mkdirSync(outDir, { recursive: true });
  const outFile = join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const json = {
    date: new Date().toISOString(),
    arguments: { ...args, databaseUrl: args.engines.includes('postgres') ? args.databaseUrl : undefined },
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryBytes: totalmem(),
      node: process.version,
      loadAverages,
    },
    ledger: {
      customers: ledger.customers.length,
      items: ledger.items.length,
      allocations: ledger.allocations.length,
      rows: ledger.rowCount,
      generateMs,
    },
    typedArrays: Object.fromEntries(typedResults),
    engines: engineResults,
    peakRssBytes: peakRss,
  };
  const text = JSON.stringify(json, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2);
  writeFileSync(outFile, text);
  return outFile;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const startLoad = loadavg();
  const memory = new MemorySampler();
  const progress = new Progress();

  progress.step(`generating ${formatCount(args.items)} items for ${formatCount(args.customers)} customers`);
  const generateStart = performance.now();
  const { ledger, columns } = generateBenchLedger({
    seed: args.seed,
    customers: args.customers,
    items: args.items,
    endDate: args.endDate,
  });
  const generateMs = performance.now() - generateStart;

  const reports: ReportSpec[] = [
    { label: 'aging by customer', asOf: args.endDate, grouping: 'customer' },
    { label: 'aging by customer', asOf: monthsBefore(args.endDate, 6), grouping: 'customer' },
    { label: 'summary by region', asOf: args.endDate, grouping: 'region' },
  ];
  const typedResults = await runTypedArrays(columns, reports, args.repeat, progress);
  const engineResults: EngineResult[] = [];
  for (const engine of args.engines) {
    engineResults.push(await runEngine(engine, args, ledger, reports, typedResults, progress, memory));
  }
  progress.stop();
  memory.stop();

  const peakRss = memory.peakBytes;
  const loadAverages = { start: startLoad, end: loadavg() };
  printResults(engineResults, ledger, generateMs, peakRss);
  for (const result of engineResults) {
    if (!result.api) continue;
    process.stdout.write(`\nHTTP API on ${result.engine}\n`);
    printApiResults(result.api);
  }
  for (const result of engineResults) {
    if (!result.collections) continue;
    process.stdout.write(`\nCollections on ${result.engine}\n`);
    printWorklistResults(result.collections.worklist);
    printDunningResults(result.collections.dunning);
    printStatementResults(result.collections.statements);
  }
  for (const result of engineResults) {
    if (result.cash) printCashResults(result.engine, result.cash);
  }
  process.stdout.write(
    `Load average (1, 5, 15 min) at start ${formatLoad(loadAverages.start)}, at end ${formatLoad(loadAverages.end)}\n`,
  );
  const outFile = writeJson(args, ledger, generateMs, typedResults, engineResults, peakRss, loadAverages);
  process.stdout.write(`Results written to ${outFile}\n`);
  const mismatchCount =
    engineResults.flatMap((result) => result.reports).filter((report) => report.mismatches.length > 0).length +
    engineResults.filter((result) => result.collections && (result.collections.worklist.mismatches.length > 0 || result.collections.dunning.mismatches.length > 0)).length;
  if (mismatchCount > 0) {
    process.stderr.write(`\n*** ${mismatchCount} report(s) with MISMATCHED totals: see the messages above ***\n`);
    process.exitCode = 1;
  }
  // A missed aim is a figure to report; an error response is a failure.
  const apiErrors = engineResults.flatMap((result) =>
    result.api ? result.api.failures.filter((failure) => !failure.startsWith('missed aim: ')) : [],
  );
  if (apiErrors.length > 0) {
    process.stderr.write(`\n*** ${apiErrors.length} HTTP API error(s): see the messages above ***\n`);
    process.exitCode = 1;
  }
}

function formatLoad(values: readonly number[]): string {
  return values.map((value) => value.toFixed(2)).join(' ');
}

try {
  await main();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 2;
}
