import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { copyStatement, copyText } from './copy.js';
import type { Db, Queryable, QueryResult, SqlParam } from './types.js';

const { Pool, types } = pg;

function typeParser(oid: number): ((value: string) => unknown) | undefined {
  if (oid === types.builtins.INT8) return (value) => BigInt(value);
  if (oid === types.builtins.DATE) return (value) => value;
  if (oid === types.builtins.NUMERIC) return (value) => value;
  if (oid === types.builtins.TIMESTAMPTZ) return (value) => value;
  return undefined;
}

const customTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return typeParser(oid) ?? types.getTypeParser(oid, format);
  },
};

function toParams(params: readonly SqlParam[]): unknown[] {
  return params.map((value) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

/** COPY text in pieces of a few thousand rows, so no single string grows huge. */
function* copyChunks(lines: readonly string[]): Generator<string> {
  const linesPerChunk = 5_000;
  for (let start = 0; start < lines.length; start += linesPerChunk) {
    yield copyText(lines.slice(start, start + linesPerChunk));
  }
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row>(
      sql: string,
      params: readonly SqlParam[] = [],
    ): Promise<QueryResult<Row>> {
      const result = await client.query({
        text: sql,
        values: toParams(params),
        types: customTypes,
      });
      return {
        rows: result.rows as Row[],
        affectedRows: result.rowCount ?? 0,
      };
    },
    async copyRows(table, columns, lines) {
      if (lines.length === 0) return 0;
      const connection = client instanceof Pool ? await client.connect() : client;
      try {
        const stream = connection.query(copyFrom(copyStatement(table, columns, 'stdin')));
        await pipeline(Readable.from(copyChunks(lines)), stream);
        return Number(stream.rowCount);
      } finally {
        if (connection !== client) (connection as pg.PoolClient).release();
      }
    },
    async copyOut(sql) {
      const connection = client instanceof Pool ? await client.connect() : client;
      try {
        const stream = connection.query(copyTo(`copy (${sql}) to stdout`));
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString('utf8');
      } finally {
        if (connection !== client) (connection as pg.PoolClient).release();
      }
    },
  };
}

/**
 * Opens a PostgreSQL server connection pool. With `schema` set, every
 * connection works in that schema, which is created when missing; the
 * tests and the benchmark use this to keep runs apart.
 */
export async function openPostgres(
  connectionString: string,
  schema?: string,
): Promise<Db> {
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error(`invalid schema name "${schema}": use a-z, 0-9 and _`);
  }
  const pool = new Pool({
    connectionString,
    max: 8,
    options: schema ? `-c search_path=${schema}` : undefined,
  });
  if (schema) await pool.query(`create schema if not exists ${schema}`);
  const base = wrap(pool);
  return {
    engine: 'postgres',
    query: base.query,
    copyRows: base.copyRows,
    copyOut: base.copyOut,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await work(wrap(client));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback');
        throw error;
      } finally {
        client.release();
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async close() {
      await pool.end();
    },
  };
}
