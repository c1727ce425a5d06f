import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, sampleDataDir, testEngine, type TestDb } from '../../test/helpers/db.js';

const root = join(import.meta.dirname, '..', '..');
let db: TestDb;
let dir: string;

beforeAll(async () => {
  db = await openTestDb();
  dir = await mkdtemp(join(tmpdir(), 'ardesk-cli-import-'));
});

afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ardesk` on the test database: the PostgreSQL schema, or a PGlite folder in `dir`. */
function ardesk(args: string[]): Promise<RunResult> {
  const dataDir = ['--data-dir', join(dir, 'data')];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'bin', 'ardesk.mjs'), ...args, ...dataDir],
      { cwd: root, env: { ...process.env, ...db.childEnv } },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) code = typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const closingLine = (file: string, counts: string) =>
  new RegExp(
    `^imported ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${counts} in \\d+\\.\\d{2} s \\(\\d+ rows/s\\)$`,
    'm',
  );

describe('ardesk import csv', () => {
  let file: string;
  let mapping: string;

  beforeAll(async () => {
    file = join(dir, 'items.csv');
    mapping = join(dir, 'mapping.json');
    await writeFile(
      file,
      'customer;document;date;due;amount\r\n0042;A-1;05.01.2024;04.02.2024;1.234,50\r\n0042;A-2;06.01.2024;06.01.2024;12,00-\r\n',
    );
    await writeFile(
      mapping,
      JSON.stringify({
        file: { delimiter: ';' },
        dateFormat: 'D.M.YYYY',
        customer: { number: 'customer' },
        item: {
          documentNumber: 'document',
          kind: { bySign: { debit: 'invoice', credit: 'payment' } },
          postingDate: 'date',
          dueDate: 'due',
        },
        amount: { column: 'amount', sign: 'trailingMinus', decimalSeparator: ',', thousandsSeparator: '.' },
      }),
    );
  });

  it('prints the closing line', async () => {
    const result = await ardesk(['import', 'csv', file, '--mapping', mapping, '--company', 'CLI1', '--currency', 'eur']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      closingLine(file, '2 rows, items 2 inserted 0 skipped, allocations 0 inserted 0 skipped'),
    );
    if (testEngine === 'postgres') {
      const stored = await db.query<{ currency: string; total: string }>(
        `select c.currency, sum(i.amount)::text as total
         from open_item i join company c using (company_id) where c.code = 'CLI1' group by c.currency`,
      );
      expect(stored.rows).toEqual([{ currency: 'EUR', total: String(123450 - 1200) }]);
    }
  });

  it('skips every row the second time', async () => {
    const result = await ardesk(['import', 'csv', file, '--mapping', mapping, '--company', 'CLI1', '--currency', 'EUR']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      closingLine(file, '2 rows, items 0 inserted 2 skipped, allocations 0 inserted 0 skipped'),
    );
  });

  it('reports a bad row and exits 1', async () => {
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, (await readFile(file, 'utf8')).replace('12,00-', '12,00-x'));
    const result = await ardesk(['import', 'csv', bad, '--mapping', mapping, '--company', 'CLI2']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `ardesk: ${bad}, line 3, column "amount": not an amount with decimal separator "," and thousands separator "." (value "12,00-x")\n`,
    );
  });
});

const sampleDir = sampleDataDir();

describe.skipIf(!sampleDir)('ardesk import ibm-ar', () => {
  it('imports the IBM ledger file', async () => {
    const file = join(sampleDir!, 'ibm-watson-ar-late-payments', 'WA_Fn-UseC_-Accounts-Receivable.csv');
    const rows = (await readFile(file, 'utf8')).split('\r\n').filter((line) => line !== '').length - 1;
    const result = await ardesk(['import', 'ibm-ar', file, '--company', 'CLI3']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      closingLine(file, `${rows} rows, items ${rows * 2} inserted 0 skipped, allocations ${rows} inserted 0 skipped`),
    );
  });
});
