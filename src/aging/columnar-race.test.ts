import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import { openDb } from '../db/open.js';
import type { Db, Queryable } from '../db/types.js';
import { applyImport, type ParsedLedger } from '../ledger/index.js';
import { createColumnarAgingEngine } from './columnar-engine.js';
import { sqlAgingReport } from './sql-engine.js';
import type { AgingRequest } from './types.js';

let first: TestDb;
let second: Db;

beforeAll(async () => {
  first = await openTestDb();
  // On PostgreSQL the writer is a second connection pool on the same schema.
  second =
    testEngine === 'postgres'
      ? await openDb({ databaseUrl: first.childEnv.DATABASE_URL!, schema: first.childEnv.ARDESK_DB_SCHEMA! })
      : first;
});
afterAll(async () => {
  if (second !== first) await second.close();
  await first.close();
});

function ledger(n: number): ParsedLedger {
  return {
    company: { code: 'RACE', currency: 'USD' },
    customers: [{ customerNumber: `K${n}`, name: `Customer ${n}` }],
    items: [
      {
        customerNumber: `K${n}`,
        kind: 'invoice',
        documentNumber: `I${n}`,
        erpKey: `I${n}`,
        documentDate: '2026-01-01',
        postingDate: '2026-01-01',
        dueDate: '2026-01-31',
        currency: 'USD',
        amount: 1000n * BigInt(n),
      },
    ],
    allocations: [],
    rowCount: 1,
  };
}

const request: AgingRequest = {
  companies: ['RACE'],
  asOf: '2026-03-31',
  basis: 'due',
  groupBy: 'customer',
  bucketLimits: [0, 30, 60],
  currency: 'local',
};

describe('columnar engine beside another writer', () => {
  it('reads a customer committed between its customer and item reads', async () => {
    await applyImport(first, { kind: 'test', file: 'a', sha256: 'a' }, [ledger(1)]);
    let writeBefore: string | null = null;
    // The engine's database: before the chosen read, another writer commits.
    const engineDb: Queryable = {
      query: (sql, params) => first.query(sql, params),
      copyRows: (table, columns, lines) => first.copyRows(table, columns, lines),
      async copyOut(sql) {
        if (writeBefore !== null && sql.includes(writeBefore)) {
          writeBefore = null;
          const n = sql.includes('from open_item') ? 2 : 4;
          await applyImport(second, { kind: 'test', file: `w${n}`, sha256: `w${n}` }, [ledger(n)]);
        }
        return first.copyOut(sql);
      },
    };
    const engine = createColumnarAgingEngine(engineDb);
    expect(await engine.report(request)).toEqual(await sqlAgingReport(first, request));

    await applyImport(first, { kind: 'test', file: 'c', sha256: 'c' }, [ledger(3)]);
    writeBefore = 'from open_item';
    expect(await engine.report(request)).toEqual(await sqlAgingReport(first, request));
    expect(writeBefore).toBeNull();

    // A write just before the allocation read: the report may or may not
    // show it, but it is whole either way, and the next one shows it.
    await applyImport(first, { kind: 'test', file: 'e', sha256: 'e' }, [ledger(5)]);
    const before = await sqlAgingReport(first, request);
    writeBefore = 'from allocation';
    const during = await engine.report(request);
    expect(writeBefore).toBeNull();
    const after = await sqlAgingReport(first, request);
    expect([before, after]).toContainEqual(during);
    expect(await engine.report(request)).toEqual(after);
    expect(after.rows.map((row) => row.key)).toEqual(['K1', 'K2', 'K3', 'K4', 'K5']);
  });
});
