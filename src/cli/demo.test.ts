import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import { startCli } from '../../test/server/child.js';
import { openDb } from '../db/open.js';
import type { Db } from '../db/types.js';
import { generateDemoLedger } from '../demo/generate.js';
import { countCustomers, getCompany } from '../ledger/index.js';

let db: TestDb;
let folder: string;

beforeAll(async () => {
  db = await openTestDb();
  folder = await mkdtemp(join(tmpdir(), 'ardesk-demo-test-'));
});
afterAll(async () => {
  await db.close();
  await rm(folder, { recursive: true, force: true });
});

const options = { customers: 12, items: 300, endDate: '2026-03-31', seed: 7, months: 12 };
const args = [
  'demo',
  '--customers',
  String(options.customers),
  '--items',
  String(options.items),
  '--end-date',
  options.endDate,
  '--seed',
  String(options.seed),
];

async function runDemo(dataDir: string): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const cli = startCli([...args, '--data-dir', dataDir], db.childEnv);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** Runs `work` on the database the child wrote to: the test schema, or the embedded data folder. */
async function withChildDb<T>(dataDir: string, work: (database: Db) => Promise<T>): Promise<T> {
  if (testEngine === 'postgres') return work(db);
  const embedded = await openDb({ dataDir });
  try {
    return await work(embedded);
  } finally {
    await embedded.close();
  }
}

describe('ardesk demo', () => {
  const dataDir = () => join(folder, 'demo');
  const expected = generateDemoLedger(options).ledgers;

  it('loads the generated ledger', async () => {
    const { code, stdout, stderr } = await runDemo(dataDir());
    expect(code, stderr).toBe(0);
    for (const ledger of expected) {
      expect(stdout).toMatch(
        new RegExp(`${ledger.company.code}\\s+${ledger.items.length} items and ${ledger.allocations.length} allocations added`),
      );
    }
    expect(stdout).toContain(`npx ardesk aging --as-of ${options.endDate}`);
    expect(stdout).toContain('npx ardesk kpi --from 2025-04 --to 2026-03');
    expect(stdout).toContain('npx ardesk serve');

    await withChildDb(dataDir(), async (database) => {
      for (const ledger of expected) {
        const company = await getCompany(database, ledger.company.code);
        expect(await countCustomers(database, company.companyId)).toBe(ledger.customers.length);
      }
      const audit = await database.query<{ actor: string; companies: number }>(
        `select min(actor_email) as actor, count(distinct company_id)::integer as companies
         from audit_event where action = 'import' and outcome = 'ok'`,
      );
      expect(audit.rows[0]!.actor).toMatch(/^cli:/);
      expect(audit.rows[0]!.companies).toBe(expected.length);
    });
  });

  it('adds nothing the second time', async () => {
    const { code, stdout } = await runDemo(dataDir());
    expect(code).toBe(0);
    for (const ledger of expected) {
      expect(stdout).toMatch(
        new RegExp(`${ledger.company.code}\\s+0 items and 0 allocations added, ${ledger.items.length} items already loaded`),
      );
    }
  });

  it('rejects a bad end date', async () => {
    const cli = startCli(['demo', '--end-date', '2026-02-30', '--data-dir', join(folder, 'bad')], db.childEnv);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('invalid --end-date "2026-02-30"');
  });
});
