import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import { runCliInProcess } from '../../test/helpers/cli.js';
import { openDb, dbOptionsFromEnv } from '../db/open.js';
import { findFxRate, getCompany, listPaymentTerms } from '../ledger/index.js';

let db: TestDb;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ardesk-ledger-cli-'));
  if (testEngine === 'postgres') {
    db = await openTestDb();
    Object.assign(process.env, db.childEnv);
  }
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

async function withCliDb<T>(work: (db: Awaited<ReturnType<typeof openDb>>) => Promise<T>): Promise<T> {
  const opened = await openDb(dbOptionsFromEnv(dir));
  try {
    return await work(opened);
  } finally {
    await opened.close();
  }
}

describe('ledger set-up commands', () => {
  it('creates a company with its weekend', async () => {
    const result = await run('company', 'add', 'SA01', '--currency', 'SAR', '--weekend', '5,6');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SA01');
    const company = await withCliDb((opened) => getCompany(opened, 'SA01'));
    expect(company.currency).toBe('SAR');
    expect(company.weekendDays).toEqual([5, 6]);

    const listed = await run('company', 'list', '--format', 'json');
    expect(listed.code).toBe(0);
    const companies = (JSON.parse(listed.stdout) as { companies: { code: string; currency: string; weekendDays: number[] }[] })
      .companies;
    expect(companies.find((entry) => entry.code === 'SA01')).toMatchObject({ currency: 'SAR', weekendDays: [5, 6] });
  });

  it('stores rates from a file, all or nothing', async () => {
    const good = join(dir, 'rates.csv');
    await writeFile(good, 'from,to,date,rate\nUSD,SAR,2026-01-01,3.75\nEUR,SAR,2026-01-01,4.0512\n');
    expect((await run('fx', 'import', good)).code).toBe(0);
    const bad = join(dir, 'bad-rates.csv');
    await writeFile(bad, 'from,to,date,rate\nGBP,SAR,2026-01-01,4.71\nGBP,SAR,2026-02-30,4.72\n');
    const failed = await run('fx', 'import', bad);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('bad-rates.csv, line 3, column "date"');
    expect(failed.stderr).toContain('2026-02-30');
    const rates = await withCliDb(async (opened) => ({
      usd: await findFxRate(opened, 'USD', 'SAR', '2026-06-30'),
      gbp: await findFxRate(opened, 'GBP', 'SAR', '2026-06-30'),
    }));
    expect(rates.usd).toBe('3.7500000000');
    // The valid first row of the rejected file was not stored either.
    expect(rates.gbp).toBeNull();

    const listed = await run('fx', 'list', '--to', 'SAR', '--format', 'json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({
      rates: [
        { from: 'EUR', to: 'SAR', date: '2026-01-01', rate: '4.0512000000' },
        { from: 'USD', to: 'SAR', date: '2026-01-01', rate: '3.7500000000' },
      ],
    });
  });

  it('names the file of an unreadable rate file', async () => {
    const missing = await run('fx', 'import', join(dir, 'absent.csv'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`failed to read rate file ${join(dir, 'absent.csv')}: no such file`);
    expect(missing.stderr).not.toContain('ARDESK_DEBUG');
    const semicolons = join(dir, 'semicolons.csv');
    await writeFile(semicolons, 'from;to;date;rate\nUSD;SAR;2026-01-01;3.75\n');
    const wrong = await run('fx', 'import', semicolons);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('semicolons.csv: missing column from, to, date, rate');
  });

  it('rejects a rate between a currency and itself', async () => {
    const result = await run('fx', 'set', 'EUR', 'EUR', '2026-01-01', '1');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the currencies must differ');
  });

  it('rejects a zero rate', async () => {
    const result = await run('fx', 'set', 'USD', 'SAR', '2026-01-01', '0');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid rate "0"');
  });

  it('defines instalment terms', async () => {
    const result = await run('terms', 'add', 'SA01', 'H2', '--instalments', '50:30,50:60', '--roll');
    expect(result.code).toBe(0);
    const listed = await run('terms', 'list', 'SA01', '--format', 'json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      company: 'SA01',
      terms: [
        {
          code: 'H2',
          rollToBusinessDay: true,
          instalments: [
            { sharePercent: 50, dueDays: 30 },
            { sharePercent: 50, dueDays: 60 },
          ],
        },
      ],
    });
    const terms = await withCliDb(async (opened) => {
      const company = await getCompany(opened, 'SA01');
      return listPaymentTerms(opened, company.companyId);
    });
    expect(terms).toEqual([
      {
        code: 'H2',
        description: '',
        rollToBusinessDay: true,
        instalments: [
          { shareBp: 5000, dueDays: 30 },
          { shareBp: 5000, dueDays: 60 },
        ],
      },
    ]);
    const again = await run('terms', 'add', 'SA01', 'H2', '--instalments', '100:30');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });
});
