import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult, SqlParam } from './types.js';
import { copyStatement, copyText } from './copy.js';

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
    options?: { blob?: Blob },
  ): Promise<{ rows: Row[]; affectedRows?: number; blob?: Blob }>;
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
    // NOTE: PGlite 0.5 decodes result text without keeping a byte order
    // mark, so a value that starts with U+FEFF reads back without it. The
    // stored value is intact, and the PostgreSQL driver keeps it.
    async copyRows(table, columns, lines) {
      if (lines.length === 0) return 0;
      // PGlite reads COPY input from a blob passed with the statement.
      const blob = new Blob([copyText(lines)]);
      const result = await target.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob });
      return result.affectedRows ?? lines.length;
    },
    async copyOut(sql) {
      // PGlite writes COPY output to a blob returned with the result.
      const result = await target.query(`copy (${sql}) to '/dev/blob'`);
      return result.blob ? result.blob.text() : '';
    },
  };
}

/** Returns whether a process with this id is running. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data folder's lock file. PGlite serves one process at a time,
 * and a second process writing the same folder would corrupt it. So a
 * live holder is an error, and a lock left by a dead process is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockFile = join(dataDir, 'ardesk.lock');
  try {
    writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number(readFileSync(lockFile, 'utf8').trim());
    if (holder !== process.pid && Number.isInteger(holder) && isRunning(holder)) {
      throw new Error(
        `the database in ${dataDir} is in use by process ${holder}; stop it ` +
          '(for example a running `ardesk serve`) or use its HTTP API',
        { cause: error },
      );
    }
    writeFileSync(lockFile, String(process.pid));
  }
  return () => rmSync(lockFile, { force: true });
}

/**
 * Opens the embedded engine. `dataDir` undefined keeps the database in
 * memory, which the tests use.
 */
export async function openPglite(dataDir?: string): Promise<Db> {
  let unlock = () => {};
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    unlock = lockDataDir(dataDir);
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dataDir, { parsers });
  } catch (error) {
    unlock();
    throw error;
  }
  const base = wrap(pglite);
  return {
    engine: 'pglite',
    query: base.query,
    copyRows: base.copyRows,
    copyOut: base.copyOut,
    async transaction(work) {
      return pglite.transaction((tx) => work(wrap(tx)));
    },
    async exec(sql) {
      await pglite.exec(sql);
    },
    async close() {
      try {
        await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}
