import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';

/** Engine under test: PostgreSQL when DATABASE_URL is set, else PGlite. */
export const testEngine = process.env.DATABASE_URL ? 'postgres' : 'pglite';

export interface TestDb extends Db {
  /** Environment for a child `ardesk` process that uses the same database. */
  childEnv: Record<string, string>;
}

/**
 * Opens a fresh, migrated database for one test file: an in-memory PGlite,
 * or a schema of its own on the PostgreSQL server, dropped on close.
 */
export async function openTestDb(): Promise<TestDb> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const db = await openDb({});
    return Object.assign(db, { childEnv: {} });
  }
  const schema = `ardesk_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const db = await openDb({ databaseUrl, schema });
  const close = db.close.bind(db);
  return Object.assign(db, {
    childEnv: { DATABASE_URL: databaseUrl, ARDESK_DB_SCHEMA: schema },
    async close() {
      await close();
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  });
}

/** Folder of the real sample files, or undefined (tests then skip). */
export function sampleDataDir(): string | undefined {
  const dir = process.env.ARDESK_SAMPLE_DATA;
  if (!dir && process.env.CI) {
    throw new Error('ARDESK_SAMPLE_DATA must be set when CI is set');
  }
  if (!dir) {
    console.warn('ARDESK_SAMPLE_DATA is not set: tests on real sample files are skipped');
  }
  return dir || undefined;
}
