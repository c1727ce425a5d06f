import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult, SqlParam } from './types.js';

const parsers = {
  [types.INT8]: (value: string) => BigInt(value),
  [types.DATE]: (value: string) => value,
  [types.NUMERIC]: (value: string) => value,
  [types.TIMESTAMPTZ]: (value: string) => value,
};

interface PgliteLike {
  query<Row>(
    sql: string,
    params?: unknown[],
  ): Promise<{ rows: Row[]; affectedRows?: number }>;
}

function wrap(target: PgliteLike): Queryable {
  return {
    async query<Row>(
      sql: string,
      params: readonly SqlParam[] = [],
    ): Promise<QueryResult<Row>> {
      const result = await target.query<Row>(sql, [...params]);
      return { rows: result.rows, affectedRows: result.affectedRows ?? 0 };
    },
  };
}

/**
 * Opens the embedded engine. `dataDir` undefined keeps the database in
 * memory, which the tests use.
 */
export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, { parsers });
  const base = wrap(pglite);
  return {
    engine: 'pglite',
    query: base.query,
    async transaction(work) {
      return pglite.transaction((tx) => work(wrap(tx)));
    },
    async exec(sql) {
      await pglite.exec(sql);
    },
    async close() {
      await pglite.close();
    },
  };
}
