/** A value that can be bound to a SQL parameter on both engines. */
export type SqlParam =
  | string
  | number
  | bigint
  | boolean
  | null
  | readonly string[]
  | readonly (string | null)[]
  | readonly number[]
  | readonly boolean[];

export interface QueryResult<Row> {
  rows: Row[];
  affectedRows: number;
}

/**
 * The one interface ardesk speaks to a database through. Both engines
 * return `int8` as `bigint`, `date` as `YYYY-MM-DD` text and `numeric`
 * as decimal text, so no amount or date passes through a float.
 */
export interface Queryable {
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: readonly SqlParam[],
  ): Promise<QueryResult<Row>>;
  /**
   * Appends rows to a table with COPY, the fastest way into PostgreSQL.
   * Each line is one row in COPY's text format (see copy.ts), without
   * its newline. Returns the number of rows written.
   */
  copyRows(table: string, columns: readonly string[], lines: readonly string[]): Promise<number>;
  /**
   * Runs a query without parameters through COPY and returns its rows in
   * COPY's text format, one line per row. Much faster than a query for
   * reading many rows on the embedded engine.
   */
  copyOut(sql: string): Promise<string>;
}

export interface Db extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Runs `work` in one transaction; it commits when `work` resolves. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
