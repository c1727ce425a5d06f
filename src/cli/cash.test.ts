import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import { runCliInProcess } from '../../test/helpers/cli.js';
import { addUser, cliActor } from '../auth/index.js';
import { dbOptionsFromEnv, openDb } from '../db/open.js';
import type { Db } from '../db/types.js';
import { applyImport, getCompany, itemOpenAmount } from '../ledger/index.js';

let db: TestDb | undefined;
let dir: string;
const savedEnv = { ...process.env };

async function withCliDb<T>(work: (opened: Db) => Promise<T>): Promise<T> {
  const opened = await openDb(dbOptionsFromEnv(dir));
  try {
    return await work(opened);
  } finally {
    await opened.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ardesk-cash-cli-'));
  if (testEngine === 'postgres') {
    db = await openTestDb();
    Object.assign(process.env, db.childEnv);
  }
  await withCliDb(async (opened) => {
    await applyImport(opened, { kind: 'test', file: 'cash-cli.csv', sha256: 'cash-cli' }, [
      {
        company: { code: 'CCLI', currency: 'EUR' },
        customers: [{ customerNumber: 'E1', name: 'East One', region: 'EAST', collector: 'ana' }],
        items: [
          {
            customerNumber: 'E1',
            kind: 'invoice',
            documentNumber: 'INV-1',
            erpKey: 'INV-1',
            documentDate: '2026-01-05',
            postingDate: '2026-01-05',
            dueDate: '2026-02-04',
            currency: 'EUR',
            amount: 100_00n,
          },
        ],
        allocations: [],
        rowCount: 1,
      },
    ]);
    for (const [email, role, regions] of [
      ['clerk@example.test', 'regional_accountant', ['EAST']],
      ['boss@example.test', 'finance', undefined],
      ['second@example.test', 'finance', undefined],
    ] as const) {
      await addUser(
        opened,
        { email, role, password: 'long-enough-password', ...(regions ? { regions: [...regions] } : {}) },
        cliActor(),
      );
    }
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

function receiptId(stdout: string): string {
  const match = /cash receipt (\d+) entered/.exec(stdout);
  if (!match) throw new Error(`no receipt id in: ${stdout}`);
  return match[1]!;
}

describe('ardesk cash and collections', () => {
  it('receipt round trip and report', async () => {
    const added = await run(
      'cash', 'receipt', 'add', '--company', 'CCLI', '--customer', 'E1', '--amount', '60.00', '--date', '2026-03-02',
      '--pay', 'INV-1=45.50', '--reference', 'SLIP-1', '--as', 'clerk@example.test',
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const id = receiptId(added.stdout);

    const byClerk = await run('cash', 'receipt', 'approve', id, '--as', 'clerk@example.test');
    expect(byClerk.code).toBe(1);
    expect(byClerk.stderr).toMatch(/may not use cash.approve/);

    const approved = await run('cash', 'receipt', 'approve', id, '--as', 'boss@example.test');
    expect(approved.stderr).toBe('');
    expect(approved.stdout).toContain(`CASH:${id}`);
    const open = await withCliDb(async (opened) => {
      const company = await getCompany(opened, 'CCLI');
      const item = await opened.query<{ item_id: bigint }>("select item_id from open_item where erp_key = 'INV-1'");
      return itemOpenAmount(opened, company.companyId, item.rows[0]!.item_id, '2026-03-02');
    });
    expect(open).toBe(100_00n - 45_50n);

    const target = await run('collections', 'target', 'set', '2026-03', '120.00', '--region', 'EAST', '--company', 'CCLI', '--as', 'boss@example.test');
    expect(target.stderr).toBe('');
    expect(target.code).toBe(0);
    const targets = await run('collections', 'target', 'list', '--company', 'CCLI', '--format', 'json', '--as', 'clerk@example.test');
    expect(JSON.parse(targets.stdout)).toMatchObject({
      targets: [{ month: '2026-03', region: 'EAST', collector: '*', amount: '120.00', updatedBy: 'boss@example.test' }],
    });
    const report = await run(
      'collections', '--from', '2026-03-01', '--to', '2026-03-31', '--by', 'region', '--period', 'day',
      '--format', 'json', '--company', 'CCLI', '--as', 'clerk@example.test',
    );
    expect(report.code).toBe(0);
    const json = JSON.parse(report.stdout) as { rows: Record<string, unknown>[]; currency: string };
    expect(json.currency).toBe('EUR');
    expect(json.rows).toEqual([
      { period: '2026-03-02', region: 'EAST', collector: null, collected: '60.00', monthToDate: '60.00', target: '120.00', share: '50.00' },
    ]);

    const listed = await run('cash', 'receipt', 'list', '--format', 'json', '--as', 'clerk@example.test');
    const receipts = (JSON.parse(listed.stdout) as { receipts: { id: string; status: string; enteredBy: string; decidedBy: string }[] }).receipts;
    expect(receipts).toEqual([
      expect.objectContaining({ id, status: 'approved', enteredBy: 'clerk@example.test', decidedBy: 'boss@example.test' }),
    ]);
  });

  it('maker denied, another rejects', async () => {
    const added = await run(
      'cash', 'receipt', 'add', '--customer', 'E1', '--kind', 'transfer', '--amount', '5', '--date', '2026-03-03', '--as', 'boss@example.test',
    );
    expect(added.code).toBe(0);
    const id = receiptId(added.stdout);
    const own = await run('cash', 'receipt', 'approve', id, '--as', 'boss@example.test');
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/another person must approve/);
    const denied = await withCliDb(async (opened) => {
      const result = await opened.query<{ actor_email: string; action: string }>(
        "select actor_email, action from audit_event where outcome = 'denied' and entity_id = $1",
        [id],
      );
      return result.rows;
    });
    expect(denied).toEqual([{ actor_email: 'boss@example.test', action: 'cash_receipt.approve' }]);
    const rejected = await run('cash', 'receipt', 'reject', id, '--reason', 'duplicate', '--as', 'second@example.test');
    expect(rejected.code).toBe(0);
    const report = await run('collections', '--from', '2026-03-01', '--to', '2026-03-31', '--by', 'collector', '--period', 'month', '--format', 'csv');
    expect(report.code).toBe(0);
    // The rejected 5.00 is not collected: only the approved 60.00 is.
    expect(report.stdout).toContain('2026-03,ana,60.00,,');
  });

  it('invalid option is named', async () => {
    const result = await run('collections', '--from', '2026-03-01', '--to', '2026-03-31', '--by', 'branch');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/invalid --by "branch"/);
  });
});
