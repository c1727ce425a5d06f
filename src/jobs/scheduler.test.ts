import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import { cliActor } from '../auth/actor.js';
import { openDb } from '../db/open.js';
import type { Db } from '../db/types.js';
import { applyImport, balanceAsOf, getCompany } from '../ledger/index.js';
import { listJobRuns, runDailyJobs } from './scheduler.js';

let db: TestDb;
const actor = cliActor();

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'jobs.csv', sha256: 'jobs' }, [
    {
      company: { code: 'JOB', currency: 'EUR' },
      customers: [{ customerNumber: 'J1', name: 'Jobs Customer' }],
      items: [
        { customerNumber: 'J1', kind: 'invoice', documentNumber: 'J-1', erpKey: 'J-1', documentDate: '2026-05-01', postingDate: '2026-05-01', dueDate: '2026-05-31', currency: 'EUR', amount: 420_00n },
      ],
      allocations: [],
      rowCount: 1,
    },
  ]);
});
afterAll(async () => {
  await db.close();
});

async function snapshotCount(database: Db, date: string): Promise<bigint> {
  const result = await database.query<{ count: bigint }>('select count(*)::bigint as count from aging_snapshot where as_of = $1', [date]);
  return result.rows[0]!.count;
}

describe('runDailyJobs', () => {
  it('runs every job once for a date', async () => {
    const first = await runDailyJobs(db, '2026-06-01', actor);
    expect(first.map((outcome) => [outcome.job, outcome.outcome])).toEqual([
      ['cash-match', 'ran'],
      ['promise-check', 'ran'],
      ['worklist-ranking', 'ran'],
      ['aging-snapshot', 'ran'],
      ['dunning-proposal', 'ran'],
    ]);
    expect(await snapshotCount(db, '2026-06-01')).toBe(1n);
    // The snapshot's total is the ledger's balance that day.
    const snapshot = await db.query<{ total: bigint }>(
      `select sum(l.amount_local)::bigint as total from aging_snapshot s join aging_snapshot_line l using (company_id, snapshot_id)
       where s.as_of = '2026-06-01'`,
    );
    const company = await getCompany(db, 'JOB');
    expect(snapshot.rows[0]!.total).toBe(await balanceAsOf(db, company.companyId, '2026-06-01'));

    const second = await runDailyJobs(db, '2026-06-01', actor);
    expect(second.every((outcome) => outcome.outcome === 'skipped')).toBe(true);
    const runs = await listJobRuns(db, '2026-06-01');
    expect(runs.map((run) => [run.job, run.status, run.attempts])).toEqual([
      ['aging-snapshot', 'done', 1],
      ['cash-match', 'done', 1],
      ['dunning-proposal', 'done', 1],
      ['promise-check', 'done', 1],
      ['worklist-ranking', 'done', 1],
    ]);
  });

  it('runs a failed job again', async () => {
    await db.query(
      `insert into job_run (job_name, business_date, status, started_by, error) values ('aging-snapshot', '2026-06-02', 'failed', 'test', 'disk full')`,
    );
    const outcomes = await runDailyJobs(db, '2026-06-02', actor, { jobs: ['aging-snapshot'] });
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['ran']);
    const [run] = await listJobRuns(db, '2026-06-02');
    expect(run!.status).toBe('done');
    expect(run!.attempts).toBe(2);
    expect(run!.error).toBeNull();
  });

  it('leaves a running job alone unless forced', async () => {
    await db.query(`insert into job_run (job_name, business_date, status, started_by) values ('aging-snapshot', '2026-06-03', 'running', 'test')`);
    expect((await runDailyJobs(db, '2026-06-03', actor, { jobs: ['aging-snapshot'] }))[0]!.outcome).toBe('skipped');
    expect(await snapshotCount(db, '2026-06-03')).toBe(0n);
    expect((await runDailyJobs(db, '2026-06-03', actor, { jobs: ['aging-snapshot'], force: true }))[0]!.outcome).toBe('ran');
    expect(await snapshotCount(db, '2026-06-03')).toBe(1n);
  });

  it('rejects an unknown job and an invalid date', async () => {
    await expect(runDailyJobs(db, '2026-06-04', actor, { jobs: ['coffee'] })).rejects.toThrow('unknown job "coffee"');
    await expect(runDailyJobs(db, '2026-02-30', actor)).rejects.toThrow('invalid date "2026-02-30"');
    expect(await listJobRuns(db, '2026-06-04')).toEqual([]);
  });
});

describe.skipIf(testEngine !== 'postgres')('two servers at once', () => {
  it('runs each job once', async () => {
    const other = await openDb({ databaseUrl: process.env.DATABASE_URL!, schema: db.childEnv.ARDESK_DB_SCHEMA });
    try {
      const [left, right] = await Promise.all([runDailyJobs(db, '2026-06-10', actor), runDailyJobs(other, '2026-06-10', actor)]);
      for (const job of ['cash-match', 'promise-check', 'worklist-ranking', 'aging-snapshot', 'dunning-proposal']) {
        const ran = [...left, ...right].filter((outcome) => outcome.job === job && outcome.outcome === 'ran');
        expect(ran, job).toHaveLength(1);
      }
      expect(await snapshotCount(db, '2026-06-10')).toBe(1n);
    } finally {
      await other.close();
    }
  });
});
