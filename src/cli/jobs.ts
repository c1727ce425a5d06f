import type { Command } from 'commander';
import { cliActor } from '../auth/actor.js';
import { dailyJobs, listJobRuns, runDailyJobs } from '../jobs/scheduler.js';
import { addDbOptions, reportCliError, withDb } from './context.js';
import { checkOutputOptions, outputFormats, writeOutput } from './output.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Registers `ardesk jobs run` and `ardesk jobs list`. */
export function registerJobCommands(program: Command): void {
  const jobs = program.command('jobs').description(`daily jobs per business date: ${dailyJobs.map((job) => job.name).join(', ')}`);

  addDbOptions(
    jobs
      .command('run')
      .description('run the daily jobs for a business date; a job that ran for the date, here or on another server, is skipped')
      .requiredOption('--date <date>', 'business date, YYYY-MM-DD')
      .option('--job <name>', `only this job (repeatable): ${dailyJobs.map((job) => job.name).join(', ')}`, collect)
      .option('--force', 'also run a job still marked running, after its process died'),
  ).action(async (options: { date: string; job?: string[]; force?: boolean; dataDir?: string }) => {
    try {
      const outcomes = await withDb(options, (db) => runDailyJobs(db, options.date, cliActor(), { jobs: options.job, force: options.force }));
      for (const outcome of outcomes) {
        const text =
          outcome.outcome === 'ran'
            ? `ran: ${JSON.stringify(outcome.detail)}`
            : outcome.outcome === 'skipped'
              ? 'skipped: already run or running for this date'
              : `failed: ${outcome.error}`;
        process.stdout.write(`${outcome.job} ${outcome.date} ${text}\n`);
      }
      if (outcomes.some((outcome) => outcome.outcome === 'failed')) process.exitCode = 1;
    } catch (error) {
      reportCliError(error);
    }
  });

  addDbOptions(
    jobs
      .command('list')
      .description('list the recorded job runs, newest date first')
      .option('--date <date>', 'only this business date')
      .option('--format <format>', `output format: ${outputFormats.join(', ')}`, 'table')
      .option('--output <file>', 'write to this file instead of standard output (required for xlsx)'),
  ).action(async (options: { date?: string; format: string; output?: string; dataDir?: string }) => {
    try {
      const output = checkOutputOptions(options.format, options.output);
      await withDb(options, async (db) => {
        const runs = await listJobRuns(db, options.date);
        await writeOutput(
          {
            tables: [
              {
                title: 'Job runs',
                columns: [
                  { key: 'date', header: 'Date', type: 'text' },
                  { key: 'job', header: 'Job', type: 'text' },
                  { key: 'status', header: 'Status', type: 'text' },
                  { key: 'attempts', header: 'Attempts', type: 'integer' },
                  { key: 'startedBy', header: 'Started by', type: 'text' },
                  { key: 'finishedAt', header: 'Finished', type: 'text' },
                  { key: 'error', header: 'Error', type: 'text' },
                ],
                rows: runs.map((run) => [run.date, run.job, run.status, run.attempts, run.startedBy, run.finishedAt, run.error]),
              },
            ],
            json: { runs },
          },
          output,
        );
      });
    } catch (error) {
      reportCliError(error);
    }
  });
}
