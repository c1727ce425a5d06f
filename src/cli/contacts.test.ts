import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import { runCliInProcess } from '../../test/helpers/cli.js';
import { dbOptionsFromEnv, openDb } from '../db/open.js';
import { applyImport } from '../ledger/index.js';

let db: TestDb | undefined;
let dir: string;
const savedEnv = { ...process.env };

async function contactRows(): Promise<{ customer_number: string; purpose: string; email: string; language: string }[]> {
  const opened = await openDb(dbOptionsFromEnv(dir));
  try {
    const result = await opened.query<{ customer_number: string; purpose: string; email: string; language: string }>(
      `select c.customer_number, k.purpose, k.email, k.language from customer_contact k
       join customer c using (company_id, customer_id) order by 1, 2`,
    );
    return result.rows;
  } finally {
    await opened.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ardesk-contacts-cli-'));
  if (testEngine === 'postgres') {
    db = await openTestDb();
    Object.assign(process.env, db.childEnv);
  }
  const opened = await openDb(dbOptionsFromEnv(dir));
  try {
    await applyImport(opened, { kind: 'test', file: 'contacts.csv', sha256: 'contacts' }, [
      {
        company: { code: 'CTC', currency: 'KWD' },
        customers: [
          { customerNumber: 'K1', name: 'Gulf Trading' },
          { customerNumber: 'K2', name: 'Desert Supplies' },
        ],
        items: [],
        allocations: [],
        rowCount: 0,
      },
    ]);
  } finally {
    await opened.close();
  }
});

afterAll(async () => {
  process.env = savedEnv;
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('ardesk contact', () => {
  it('sets and shows a contact', async () => {
    const set = await runCliInProcess(dir, ['contact', 'set', '--company', 'CTC', '--customer', 'K1', '--email', 'ap@gulf.example', '--language', 'ar']);
    expect(set.stderr).toBe('');
    expect(set.stdout).toContain('K1: collections contact ap@gulf.example (ar)');
    const shown = await runCliInProcess(dir, ['contact', 'show', 'K1', '--company', 'CTC']);
    expect(shown.stdout).toContain('collections\tap@gulf.example\tar');
  });

  it('rejects a file with one bad row whole, naming line, column and value', async () => {
    const file = join(dir, 'contacts-bad.csv');
    await writeFile(file, 'customer_number,email,language\nK2,ar@desert.example,en\nK1,statements-at-gulf,ar\n');
    const before = await contactRows();
    const run = await runCliInProcess(dir, ['contact', 'import', file, '--company', 'CTC']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('contacts-bad.csv, line 3, column "email": not an email address (value "statements-at-gulf")');
    expect(await contactRows()).toEqual(before);
  });

  it('loads a file of contacts for several purposes', async () => {
    const file = join(dir, 'contacts.csv');
    await writeFile(file, 'customer_number,email,purpose,language\nK2,ar@desert.example,collections,en\nK2,statements@desert.example,statements,\n');
    const run = await runCliInProcess(dir, ['contact', 'import', file, '--company', 'CTC']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('2 contacts set for CTC');
    expect(await contactRows()).toEqual([
      { customer_number: 'K1', purpose: 'collections', email: 'ap@gulf.example', language: 'ar' },
      { customer_number: 'K2', purpose: 'collections', email: 'ar@desert.example', language: 'en' },
      { customer_number: 'K2', purpose: 'statements', email: 'statements@desert.example', language: 'en' },
    ]);
  });
});
