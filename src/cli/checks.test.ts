import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import { runCliInProcess } from '../../test/helpers/cli.js';
import { cliActor } from '../auth/actor.js';
import { addBankAccount } from '../cash/accounts.js';
import { dbOptionsFromEnv, openDb } from '../db/open.js';
import { applyImport, balanceAsOf, getCompany } from '../ledger/index.js';

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
  dir = await mkdtemp(join(tmpdir(), 'ardesk-checks-cli-'));
  if (testEngine === 'postgres') {
    db = await openTestDb();
    Object.assign(process.env, db.childEnv);
  }
  await withCliDb(async (opened) => {
    await applyImport(opened, { kind: 'test', file: 'cli-checks.csv', sha256: 'cli-checks' }, [
      {
        company: { code: 'CLK', currency: 'KWD' },
        customers: [{ customerNumber: 'K1', name: 'Kuwait Trading' }],
        items: [
          {
            customerNumber: 'K1',
            kind: 'invoice',
            documentNumber: 'INV-K1',
            erpKey: 'INV-K1',
            documentDate: '2026-01-05',
            postingDate: '2026-01-05',
            dueDate: '2026-02-04',
            currency: 'KWD',
            amount: 1_500_250n,
          },
        ],
        allocations: [],
        rowCount: 1,
      },
    ]);
    const company = await getCompany(opened, 'CLK');
    await addBankAccount(opened, company, { bank: 'Gulf Bank', accountNumber: 'KW-77', currency: 'KWD' }, cliActor());
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

interface ListedCheck {
  checkId: string;
  amount: string;
  status: string;
  businessMaturityDate: string;
}

async function listed(): Promise<ListedCheck[]> {
  const result = await run('checks', 'list', '--company', 'CLK', '--format', 'json');
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { rows: ListedCheck[] }).rows;
}

describe('checks commands', () => {
  it('add, deposit, clear and return', async () => {
    expect((await run('checks', 'settings', '--company', 'CLK', '--return-charge', '5.000')).code).toBe(0);
    const added = await run(
      'checks', 'add', '--company', 'CLK', '--customer', 'K1', '--drawer', 'Kuwait Trading', '--drawer-bank', 'NBK',
      '--check-number', '000123', '--currency', 'KWD', '--amount', '1000.125', '--issue-date', '2026-01-10',
      '--maturity-date', '2026-02-07', '--received-date', '2026-01-12', '--item', 'INV-K1=1000.125',
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('1000.125 KWD');
    expect(added.stdout).toContain('post-dated to 2026-02-07');
    const [check] = await listed();
    // Saturday 7 February moves to Monday 9 February in a Saturday-Sunday calendar.
    expect(check).toMatchObject({ amount: '1000.125', status: 'received', businessMaturityDate: '2026-02-09' });
    const id = check!.checkId;

    const table = await run('checks', 'to-deposit', '--company', 'CLK', '--date', '2026-02-09');
    const lines = table.stdout.split('\n');
    expect(lines[0]).toBe('Checks to deposit on 2026-02-09');
    expect(lines[2]).toMatch(/^Id\s+Customer\s+Drawer\s+Drawer bank\s+Check number/);
    expect(lines[4]).toMatch(new RegExp(`^${id}\\s+K1\\s+Kuwait Trading\\s+NBK\\s+000123\\s+KWD\\s+1,000\\.125\\s`));

    const early = await run('checks', 'deposit', id, '--date', '2026-02-06', '--account', 'KW-77');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('cannot be deposited on 2026-02-06');
    expect((await run('checks', 'deposit', id, '--date', '2026-02-09', '--account', 'KW-77')).code).toBe(0);
    const cleared = await run('checks', 'clear', id, '--date', '2026-02-11');
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toContain('is cleared since 2026-02-11');
    const company = await withCliDb((opened) => getCompany(opened, 'CLK'));
    // 1500.250 invoiced less the 1000.125 check.
    expect(await withCliDb((opened) => balanceAsOf(opened, company.companyId, '2026-02-11'))).toBe(500_125n);

    const returned = await run('checks', 'return', id, '--date', '2026-02-20', '--reason', 'insufficient_funds', '--text', 'refer to drawer');
    expect(returned.code).toBe(0);
    expect(returned.stdout).toContain('is returned since 2026-02-20 (insufficient_funds)');
    // The invoice is whole again and the 5.000 charge is added; the day before is unchanged.
    expect(await withCliDb((opened) => balanceAsOf(opened, company.companyId, '2026-02-20'))).toBe(1_505_250n);
    expect(await withCliDb((opened) => balanceAsOf(opened, company.companyId, '2026-02-19'))).toBe(500_125n);
    expect((await listed())[0]!.status).toBe('returned');

    const report = await run('checks', 'returned', '--company', 'CLK', '--from', '2026-02-01', '--to', '2026-02-28', '--format', 'json');
    expect(JSON.parse(report.stdout)).toMatchObject({
      rows: [{ customerNumber: 'K1', reason: 'insufficient_funds', currency: 'KWD', count: 1, amount: '1000.125' }],
      footer: [{ customerNumber: 'Total', count: 1, amount: '1000.125' }],
    });
    const csv = await run('checks', 'returned', '--company', 'CLK', '--format', 'csv');
    expect(csv.stdout.split('\r\n')[1]).toBe('K1,Kuwait Trading,insufficient_funds,KWD,1,1000.125');

    const history = await run('checks', 'show', id);
    expect(history.stdout.trim().split('\n').slice(1).map((line) => line.trim().split(/\s+/).slice(0, 4).join(' '))).toEqual([
      '2026-01-12 - -> received',
      '2026-02-09 received -> deposited',
      '2026-02-11 deposited -> cleared',
      '2026-02-20 cleared -> returned',
    ]);
  });

  it('errors print one line', async () => {
    const [check] = await listed();
    const illegal = await run('checks', 'safe', check!.checkId, '--date', '2026-02-21');
    expect(illegal.code).toBe(1);
    expect(illegal.stderr).toBe(`ardesk: check ${check!.checkId} (number 000123, NBK) is returned and cannot become in_safe\n`);
    const bad = await run(
      'checks', 'add', '--company', 'CLK', '--customer', 'K1', '--drawer', 'X', '--drawer-bank', 'NBK', '--check-number', '9',
      '--currency', 'KWD', '--amount', '1.0001', '--issue-date', '2026-01-10', '--maturity-date', '2026-01-10', '--received-date', '2026-01-10',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid --amount');
  });

  it('deposit slip with check and cash', async () => {
    const added = await run(
      'checks', 'add', '--company', 'CLK', '--customer', 'K1', '--drawer', 'Kuwait Trading', '--drawer-bank', 'NBK',
      '--check-number', '000124', '--currency', 'KWD', '--amount', '2.500', '--issue-date', '2026-03-01',
      '--maturity-date', '2026-03-02', '--received-date', '2026-03-01',
    );
    expect(added.code).toBe(0);
    const id = (await listed()).find((check) => check.amount === '2.500')!.checkId;
    const slip = await run('deposit-slip', 'add', '--company', 'CLK', '--account', 'KW-77', '--date', '2026-03-02', '--check', id, '--cash', '1.000:till', '--total', '3.500');
    expect(slip.stderr).toBe('');
    expect(slip.stdout).toContain('1 checks, 1 cash lines, total 3.500 KWD');
    const list = await run('deposit-slip', 'list', '--company', 'CLK', '--format', 'json');
    expect((JSON.parse(list.stdout) as { rows: { total: string }[] }).rows[0]!.total).toBe('3.500');
  });
});
