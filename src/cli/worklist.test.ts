import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useInProcessCli } from '../../test/helpers/cli.js';
import { testInvoice } from '../../test/helpers/ledger.js';
import { applyImport } from '../ledger/index.js';

const cli = useInProcessCli('worklist-cli', async (database) => {
  const invoice = (customer: string, dueDate: string, amount: bigint) => testInvoice(customer, dueDate, amount, 'JPY');
  await applyImport(database, { kind: 'test', file: 'cli-worklist.csv', sha256: 'cli-worklist' }, [
    {
      company: { code: 'CWL', currency: 'JPY' },
      customers: [
        { customerNumber: 'J1', name: 'Osaka Metals', collector: 'Yuki' },
        { customerNumber: 'J2', name: 'Kobe Foods', collector: 'Ken' },
      ],
      // Yen has no decimals: J1 owes 9,000,000 yen 40 days late, J2 200,000 yen 10 days late.
      items: [invoice('J1', '2026-02-19', 9_000_000n), invoice('J2', '2026-03-21', 200_000n)],
      allocations: [],
      rowCount: 2,
    },
  ]);
});
const run = cli.run;

interface Row {
  customerNumber: string;
  action: string | null;
  score: string;
  amountPoints: string;
  stepPoints: string;
}

describe('ardesk strategy and worklist', () => {
  it('installs the shipped default strategy once', async () => {
    const installed = await run('strategy', 'default', '--company', 'CWL');
    expect(installed.stderr).toBe('');
    expect(installed.stdout).toMatch(/strategy STANDARD version 1 is now the default of CWL/);
    const again = await run('strategy', 'default', '--company', 'CWL');
    expect(again.stdout).toMatch(/already has the default strategy STANDARD/);
    const listed = await run('strategy', 'list', '--company', 'CWL', '--format', 'json');
    expect((JSON.parse(listed.stdout) as { rows: unknown[] }).rows).toHaveLength(10);
  });

  it('lists the worklist with score parts', async () => {
    const listed = await run('worklist', '--company', 'CWL', '--date', '2026-03-31', '--format', 'json');
    expect(listed.stderr).toBe('');
    const rows = (JSON.parse(listed.stdout) as { rows: Row[] }).rows;
    // J1: 9,000,000 of a 100,000 yen cap (40), 40 days (6.67), letter of step 6 (10) = 56.67.
    // J2: 200,000 yen is above the cap too (40), 10 days (1.67), call: over 500 yen (10) = 51.67.
    expect(rows.map((row) => [row.customerNumber, row.score])).toEqual([
      ['J1', '56.67'],
      ['J2', '51.67'],
    ]);
    expect(rows[0]!.action).toMatch(/^letter \(STANDARD v1 step 6\)/);
    const ken = await run('worklist', '--company', 'CWL', '--date', '2026-03-31', '--collector', 'ken', '--format', 'csv');
    expect(ken.stdout.trim().split('\n')).toHaveLength(2);
    expect(ken.stdout).toMatch(/J2/);
  });

  it('saves a strategy file as a new version and applies it with --rank', async () => {
    const file = join(cli.folder(), 'standard.json');
    const shown = await run('strategy', 'show', '--company', 'CWL', '--code', 'STANDARD');
    const strategy = JSON.parse(shown.stdout) as { steps: { action: string; weight: number }[] };
    strategy.steps = strategy.steps.map((step) => (step.action === 'letter' ? { ...step, weight: 40 } : step));
    await writeFile(file, JSON.stringify({ ...strategy, version: undefined, savedBy: undefined, savedAt: undefined }));
    const saved = await run('strategy', 'set', '--company', 'CWL', '--file', file);
    expect(saved.stderr).toBe('');
    expect(saved.stdout).toMatch(/strategy STANDARD version 2: 10 steps, default/);
    const listed = await run('worklist', '--company', 'CWL', '--date', '2026-03-31', '--rank', '--format', 'json');
    const rows = (JSON.parse(listed.stdout) as { rows: Row[] }).rows;
    expect(rows[0]).toMatchObject({ customerNumber: 'J1', stepPoints: '40.00', score: '86.67' });
  });

  it('assigns by rule and sets risk classes', async () => {
    const bad = await run('strategy', 'risk-class', '--company', 'CWL', '--customer', 'J2', '--class', 'severe');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid riskClass "severe"/);
    const set = await run('strategy', 'risk-class', '--company', 'CWL', '--customer', 'J2', '--class', 'very_high');
    expect(set.stdout).toMatch(/J2: risk class very_high/);
    const assigned = await run('strategy', 'assign', '--company', 'CWL', '--strategy', 'STANDARD', '--priority', '3', '--risk-class', 'very_high');
    expect(assigned.stdout).toMatch(/priority 3 assigns STANDARD/);
    const rules = await run('strategy', 'rules', '--company', 'CWL', '--format', 'json');
    expect((JSON.parse(rules.stdout) as { rows: { priority: number; riskClass: string }[] }).rows).toEqual([
      expect.objectContaining({ priority: 3, riskClass: 'very_high' }),
    ]);
  });

  it('reports a bad strategy file by field', async () => {
    const file = join(cli.folder(), 'bad.json');
    await writeFile(file, JSON.stringify({ code: 'BAD', name: 'bad', steps: [{ action: 'call', daysFrom: 1, weight: 70 }] }));
    const result = await run('strategy', 'set', '--company', 'CWL', '--file', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/invalid strategy field steps\[0\]\.weight/);
  });
});
