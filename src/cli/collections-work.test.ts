import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import { runCliInProcess } from '../../test/helpers/cli.js';
import { dbOptionsFromEnv, openDb } from '../db/open.js';
import { applyImport } from '../ledger/index.js';
import { addDays } from '../shared/dates.js';

let db: TestDb | undefined;
let dir: string;
const savedEnv = { ...process.env };

async function withCliDb<T>(work: (opened: Awaited<ReturnType<typeof openDb>>) => Promise<T>): Promise<T> {
  const opened = await openDb(dbOptionsFromEnv(dir));
  try {
    return await work(opened);
  } finally {
    await opened.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ardesk-collections-cli-'));
  if (testEngine === 'postgres') {
    db = await openTestDb();
    Object.assign(process.env, db.childEnv);
  }
  const invoice = (customer: string, document: string, amount: bigint) => ({
    customerNumber: customer,
    kind: 'invoice' as const,
    documentNumber: document,
    erpKey: document,
    documentDate: '2026-01-05',
    postingDate: '2026-01-05',
    dueDate: '2026-02-04',
    currency: 'JPY',
    amount,
  });
  await withCliDb(async (opened) => {
    await applyImport(opened, { kind: 'test', file: 'cli-collections.csv', sha256: 'cli-collections' }, [
      {
        company: { code: 'CLC', currency: 'JPY' },
        customers: [{ customerNumber: 'J1', name: 'Tokyo Trading' }],
        items: [
          invoice('J1', 'INV-J1', 150_000n),
          invoice('J1', 'INV-J2', 80_000n),
          { ...invoice('J1', 'PAY-J1', -50_000n), kind: 'payment' as const, documentDate: '2026-03-12', postingDate: '2026-03-12', dueDate: '2026-03-12' },
        ],
        allocations: [{ creditErpKey: 'PAY-J1', debitErpKey: 'INV-J1', allocationDate: '2026-03-12', amount: 50_000n }],
        rowCount: 3,
      },
    ]);
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in this process on the test file's data folder. */
function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(dir, args);
}

describe('ardesk activity, promise and dispute', () => {
  it('logs and lists activities', async () => {
    const logged = await run(
      'activity', 'log', '--company', 'CLC', '--customer', 'J1', '--kind', 'visit', '--outcome', 'promised',
      '--date', '2026-03-01', '--sales-rep', 'Sato', '--visit-report', 'stock is moving', '--follow-up', '2026-03-16',
    );
    expect(logged.stderr).toBe('');
    expect(logged.stdout).toMatch(/^activity \d+: visit with J1 on 2026-03-01, promised, follow up on 2026-03-16/);
    const listed = await run('activity', 'list', '--company', 'CLC', '--follow-up', '2026-03-16', '--format', 'json');
    const rows = (JSON.parse(listed.stdout) as { rows: { kind: string; note: string; followUpDate: string }[] }).rows;
    expect(rows).toEqual([expect.objectContaining({ kind: 'visit', note: 'stock is moving', followUpDate: '2026-03-16' })]);
    const csv = await run('activity', 'list', '--company', 'CLC', '--follow-up', '2026-03-17', '--format', 'csv');
    expect(csv.stdout.trim().split('\n')).toHaveLength(1);
    const wrong = await run('activity', 'log', '--company', 'CLC', '--customer', 'J1', '--kind', 'fax', '--outcome', 'reached');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/invalid kind "fax"/);
  });

  it('records promises and decides them', async () => {
    // INV-J1 gets 50000 on 2026-03-12, two days into the grace of a promise for 2026-03-10.
    const kept = await run(
      'promise', 'add', '--company', 'CLC', '--customer', 'J1', '--currency', 'JPY', '--amount', '50000',
      '--date', '2026-03-01', '--promised-date', '2026-03-10', '--item', 'INV-J1=50000',
    );
    expect(kept.stdout).toMatch(/50000 JPY by 2026-03-10 is open/);
    const broken = await run(
      'promise', 'add', '--company', 'CLC', '--customer', 'J1', '--currency', 'JPY', '--amount', '80000',
      '--date', '2026-03-01', '--promised-date', '2026-03-10', '--item', 'INV-J2=80000',
    );
    expect(broken.code).toBe(0);
    const evaluated = await run('promise', 'evaluate', '--company', 'CLC', '--as-of', '2026-03-31', '--format', 'json');
    const decided = (JSON.parse(evaluated.stdout) as { rows: { status: string; decidedDate: string; paidAmount: string | null }[] }).rows;
    expect(decided.map((row) => [row.status, row.decidedDate, row.paidAmount])).toEqual([
      ['kept', '2026-03-12', '50000'],
      ['broken', addDays('2026-03-10', 3), '0'],
    ]);
    const again = await run('promise', 'evaluate', '--company', 'CLC', '--as-of', '2026-03-31', '--format', 'json');
    expect((JSON.parse(again.stdout) as { rows: unknown[] }).rows).toEqual([]);
    const table = await run('promise', 'list', '--company', 'CLC', '--status', 'broken');
    expect(table.stdout).toContain('INV-J2=80000');
  });

  it('opens, reviews and resolves disputes', async () => {
    // Open on INV-J1 after the payment: 150000 - 50000.
    const tooMuch = await run(
      'dispute', 'open', '--company', 'CLC', '--customer', 'J1', '--reason', 'quantity', '--department', 'logistics',
      '--date', '2026-03-20', '--item', 'INV-J1=100001',
    );
    expect(tooMuch.code).toBe(1);
    const opened = await run(
      'dispute', 'open', '--company', 'CLC', '--customer', 'J1', '--reason', 'quantity', '--department', 'logistics',
      '--date', '2026-03-20', '--item', 'INV-J1=100000',
    );
    expect(opened.stderr).toBe('');
    const id = /^dispute (\d+)/.exec(opened.stdout)![1]!;
    expect((await run('dispute', 'review', id, '--date', '2026-03-21')).stdout).toContain('is in_review');
    const missing = await run('dispute', 'resolve', id, '--resolution', 'credit_note', '--date', '2026-03-25');
    expect(missing.code).toBe(1);
    const resolved = await run('dispute', 'resolve', id, '--resolution', 'credit_note', '--credit-note', 'CN-9', '--date', '2026-03-25');
    expect(resolved.stdout).toContain('is resolved (credit_note CN-9)');
    const listed = await run('dispute', 'list', '--company', 'CLC', '--format', 'json');
    const rows = (JSON.parse(listed.stdout) as { rows: { amount: string; status: string }[] }).rows;
    expect(rows.map((row) => [row.amount, row.status])).toEqual([['100000', 'resolved']]);
  });
});
