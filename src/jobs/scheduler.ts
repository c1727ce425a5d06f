/**
 * Daily jobs per business date. Each job is claimed in the database before
 * it runs (a row of job_run keyed by job and date), so it runs once per
 * date even when two processes or two servers start it at the same time;
 * the second sees the claim and skips. A failed job may be run again; a
 * job whose process died while running is taken over only with `force`.
 */
import { takeSnapshot } from '../aging/snapshots.js';
import type { Actor } from '../auth/types.js';
import { recordAudit } from '../audit/audit.js';
import { applyCash } from '../cash/apply.js';
import { evaluatePromises } from '../collections/promises.js';
import { createDunningRun } from '../collections/dunning.js';
import { rankWorklist } from '../collections/worklist.js';
import type { Db } from '../db/types.js';
import { listCompanies } from '../ledger/companies.js';
import type { Company } from '../ledger/types.js';
import { isIsoDate, type IsoDate } from '../shared/dates.js';
import { InputError } from '../shared/errors.js';

export interface DailyJob {
  name: string;
  description: string;
  /** Runs the job for one company; returns what it did, for the job's record. */
  run(db: Db, company: Company, date: IsoDate, actor: Actor): Promise<Record<string, unknown>>;
}

/** The daily jobs, in the order they run: later ones read what earlier ones wrote. */
export const dailyJobs: readonly DailyJob[] = [
  {
    name: 'cash-match',
    description: 'match bank credits stored without matching and post the sure ones',
    async run(db, company, _date, actor) {
      const result = await applyCash(db, company, actor);
      return { entries: result.entries, autoPosted: result.autoPosted, unapplied: result.unapplied, review: result.review, suspense: result.suspense };
    },
  },
  {
    name: 'promise-check',
    description: 'decide promises to pay whose date and grace period have passed',
    async run(db, company, date, actor) {
      const result = await evaluatePromises(db, company, date, actor);
      return { kept: result.kept.length, broken: result.broken.length };
    },
  },
  {
    name: 'worklist-ranking',
    description: "rank the day's collection worklist: strategy steps, follow-ups and promises due",
    async run(db, company, date, actor) {
      const result = await rankWorklist(db, company, date, actor);
      return { entries: result.entries, ms: Math.round(result.durationMs) };
    },
  },
  {
    name: 'aging-snapshot',
    description: "store the day's aging by customer and bucket",
    async run(db, company, date, actor) {
      const snapshot = await takeSnapshot(db, { company: company.code, asOf: date }, actor);
      return { created: snapshot.created, lines: snapshot.lineCount };
    },
  },
  {
    name: 'dunning-proposal',
    description: "store the day's dunning proposal as a run for review (not approved, not sent)",
    async run(db, company, date, actor) {
      const run = await createDunningRun(db, company, date, actor, { source: 'job' });
      return run === null ? { stored: false } : { stored: true, runId: run.runId.toString(), letters: run.letters.length };
    },
  },
];

export interface JobOutcome {
  job: string;
  date: IsoDate;
  /** ran: this call ran it; skipped: it had run or was running for the date. */
  outcome: 'ran' | 'skipped' | 'failed';
  detail: Record<string, unknown> | null;
  error: string | null;
}

export interface RunOptions {
  /** Only these jobs; every daily job when omitted. */
  jobs?: readonly string[];
  /** Run again a job that is marked running (its process died). */
  force?: boolean;
}

/** Claims a job for a date: true when this caller may run it. */
async function claim(db: Db, job: string, date: IsoDate, actor: Actor, force: boolean): Promise<boolean> {
  const inserted = await db.query(
    `insert into job_run (job_name, business_date, status, started_by) values ($1, $2, 'running', $3)
     on conflict (job_name, business_date) do nothing returning job_name`,
    [job, date, actor.email],
  );
  if (inserted.rows.length > 0) return true;
  // A failed run, or with force a running one, is taken over by one caller only:
  // the update's row lock makes a second caller see the new status.
  const retaken = await db.query(
    `update job_run set status = 'running', started_by = $3, started_at = now(), finished_at = null,
            error = null, attempts = attempts + 1
     where job_name = $1 and business_date = $2 and (status = 'failed' or ($4 and status = 'running'))
     returning job_name`,
    [job, date, actor.email, force],
  );
  return retaken.rows.length > 0;
}

/**
 * Runs the daily jobs for a business date, each for every company, and
 * records each outcome. A job that fails is recorded as failed with its
 * error and the next job still runs.
 */
export async function runDailyJobs(db: Db, date: IsoDate, actor: Actor, options: RunOptions = {}): Promise<JobOutcome[]> {
  if (!isIsoDate(date)) throw new InputError(`invalid date "${date}": use YYYY-MM-DD`, 'invalid_date', 'date');
  const names = options.jobs ?? dailyJobs.map((job) => job.name);
  for (const name of names) {
    if (!dailyJobs.some((job) => job.name === name)) {
      throw new InputError(`unknown job "${name}": use one of ${dailyJobs.map((job) => job.name).join(', ')}`, 'invalid_job', 'job');
    }
  }
  const outcomes: JobOutcome[] = [];
  for (const job of dailyJobs.filter((candidate) => names.includes(candidate.name))) {
    if (!(await claim(db, job.name, date, actor, options.force ?? false))) {
      outcomes.push({ job: job.name, date, outcome: 'skipped', detail: null, error: null });
      continue;
    }
    const detail: Record<string, unknown> = {};
    try {
      for (const company of await listCompanies(db)) {
        detail[company.code] = await job.run(db, company, date, actor);
      }
      await db.transaction(async (tx) => {
        await tx.query(
          `update job_run set status = 'done', finished_at = now(), detail = $3::jsonb where job_name = $1 and business_date = $2`,
          [job.name, date, JSON.stringify(detail)],
        );
        await recordAudit(tx, { actor, action: 'job.run', entity: 'job_run', entityId: `${job.name}:${date}`, after: detail });
      });
      outcomes.push({ job: job.name, date, outcome: 'ran', detail, error: null });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await db.query(
        `update job_run set status = 'failed', finished_at = now(), detail = $3::jsonb, error = $4 where job_name = $1 and business_date = $2`,
        [job.name, date, JSON.stringify(detail), message],
      );
      outcomes.push({ job: job.name, date, outcome: 'failed', detail, error: message });
    }
  }
  return outcomes;
}

export interface JobRun {
  job: string;
  date: IsoDate;
  status: 'running' | 'done' | 'failed';
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
  attempts: number;
  detail: unknown;
  error: string | null;
}

/** Lists recorded job runs, newest date first, optionally of one date. */
export async function listJobRuns(db: Db, date?: IsoDate): Promise<JobRun[]> {
  if (date !== undefined && !isIsoDate(date)) throw new InputError(`invalid date "${date}": use YYYY-MM-DD`, 'invalid_date', 'date');
  const result = await db.query<{
    job_name: string;
    business_date: string;
    status: JobRun['status'];
    started_by: string;
    started_at: Date | string;
    finished_at: Date | string | null;
    attempts: number;
    detail: unknown;
    error: string | null;
  }>(
    `select job_name, business_date, status, started_by, started_at, finished_at, attempts, detail, error
     from job_run where $1::date is null or business_date = $1 order by business_date desc, job_name`,
    [date ?? null],
  );
  const iso = (value: Date | string) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString());
  return result.rows.map((row) => ({
    job: row.job_name,
    date: row.business_date,
    status: row.status,
    startedBy: row.started_by,
    startedAt: iso(row.started_at),
    finishedAt: row.finished_at === null ? null : iso(row.finished_at),
    attempts: Number(row.attempts),
    detail: typeof row.detail === 'string' ? (JSON.parse(row.detail) as unknown) : row.detail,
    error: row.error,
  }));
}
