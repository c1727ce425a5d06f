import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { migrate } from './migrate.js';
import type { Db } from './types.js';

export interface OpenOptions {
  /** PostgreSQL connection string; without it the embedded engine is used. */
  databaseUrl?: string;
  /** Schema to work in on PostgreSQL (created when missing). */
  schema?: string;
  /** Folder of the embedded database; undefined keeps it in memory. */
  dataDir?: string;
}

/** Opens the database the options name and applies pending migrations. */
export async function openDb(options: OpenOptions): Promise<Db> {
  const db = options.databaseUrl
    ? await openPostgres(options.databaseUrl, options.schema)
    : await openPglite(options.dataDir);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** Reads the database choice from the environment and the CLI options. */
export function dbOptionsFromEnv(dataDirOption?: string): OpenOptions {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  return {
    databaseUrl,
    schema: process.env.ARDESK_DB_SCHEMA || undefined,
    dataDir: databaseUrl
      ? undefined
      : (dataDirOption ?? process.env.ARDESK_DATA_DIR ?? './data'),
  };
}
