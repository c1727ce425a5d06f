import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createColumnarAgingEngine } from './columnar-engine.js';
import { sqlAgingReport } from './sql-engine.js';
import { agingGroupings, type AgingRequest } from './types.js';
import { openDb } from '../db/open.js';
import type { Db } from '../db/types.js';
import { applyImport } from '../ledger/index.js';
import { testEngine } from '../../test/helpers/db.js';

// A PostgreSQL server set up with a language's collation, as many are:
// the test makes a database of its own with ICU en-US and drops it.
describe.skipIf(testEngine !== 'postgres')('columnar engine on a database with an en-US collation', () => {
  const serverUrl = process.env.DATABASE_URL ?? '';
  const name = `ardesk_collation_${process.pid}_${randomBytes(3).toString('hex')}`;
  let db: Db;

  async function admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    await admin(`create database ${name} template template0 encoding 'UTF8' locale_provider icu icu_locale 'en-US' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    db = await openDb({ databaseUrl: url.toString() });
    const numbers = ['a1', 'B1', 'b2', 'Z9', 'z8'];
    await applyImport(db, { kind: 'test', file: 'x', sha256: 'x' }, [
      {
        company: { code: 'CO', currency: 'USD' },
        customers: numbers.map((customerNumber, index) => ({
          customerNumber,
          name: `Name ${customerNumber}`,
          region: ['north', 'South', 'east'][index % 3],
          country: ['de', 'DE', 'at'][index % 3],
          collector: ['bo', 'Al', 'al'][index % 3],
        })),
        items: numbers.map((customerNumber, index) => ({
          customerNumber,
          kind: 'invoice' as const,
          documentNumber: `D${index}`,
          erpKey: `D${index}`,
          documentDate: '2026-01-01',
          postingDate: '2026-01-01',
          dueDate: '2026-02-01',
          currency: 'USD',
          amount: 100n + BigInt(index),
        })),
        allocations: [],
        rowCount: numbers.length,
      },
    ]);
  });
  afterAll(async () => {
    await db?.close();
    await admin(`drop database if exists ${name}`);
  });

  it.each(agingGroupings)('gives the SQL engine’s report by %s', async (groupBy) => {
    const request: AgingRequest = { asOf: '2026-03-31', basis: 'due', groupBy, bucketLimits: [0, 30], currency: 'local' };
    const engine = createColumnarAgingEngine(db);
    expect(await engine.report(request)).toEqual(await sqlAgingReport(db, request));
  });
});
