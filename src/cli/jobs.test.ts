import { describe, expect, it } from 'vitest';
import { useCliHarness } from '../../test/helpers/cli.js';
import { applyImport } from '../ledger/index.js';

const cli = useCliHarness('jobs', (db) =>
  applyImport(db, { kind: 'test', file: 'jobs-cli.csv', sha256: 'jobs-cli' }, [
    {
      company: { code: 'JCL', currency: 'USD' },
      customers: [{ customerNumber: 'U1', name: 'Utah Supply' }],
      items: [
        { customerNumber: 'U1', kind: 'invoice', documentNumber: 'U-1', erpKey: 'U-1', documentDate: '2026-05-01', postingDate: '2026-05-01', dueDate: '2026-05-31', currency: 'USD', amount: 99_00n },
      ],
      allocations: [],
      rowCount: 1,
    },
  ]),
);

describe('ardesk jobs', () => {
  it('runs once per date and lists the runs', async () => {
    const first = await cli.ardesk('jobs', 'run', '--date', '2026-06-01');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('aging-snapshot 2026-06-01 ran');
    const second = await cli.ardesk('jobs', 'run', '--date', '2026-06-01');
    expect(second.stdout).toContain('aging-snapshot 2026-06-01 skipped');
    const listed = await cli.ardesk('jobs', 'list', '--date', '2026-06-01', '--format', 'json');
    const runs = (JSON.parse(listed.stdout) as { runs: { job: string; status: string }[] }).runs;
    expect(runs.map((run) => [run.job, run.status])).toEqual([
      ['aging-snapshot', 'done'],
      ['cash-match', 'done'],
      ['dunning-proposal', 'done'],
      ['promise-check', 'done'],
      ['worklist-ranking', 'done'],
    ]);
  });

  it('rejects an unknown job', async () => {
    const run = await cli.ardesk('jobs', 'run', '--date', '2026-06-02', '--job', 'coffee');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unknown job "coffee"');
  });
});
