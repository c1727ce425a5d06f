import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './types.js';

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Lists the numbered SQL files in `migrations/`, in order. */
export function listMigrations(): Migration[] {
  return readdirSync(migrationsDir)
    .filter((file) => /^\d{3}_.+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file,
      sql: readFileSync(join(migrationsDir, file), 'utf8'),
    }));
}

/**
 * Applies the migrations not yet recorded in `schema_migration`. Each runs
 * in its own transaction with its record, so a failed one leaves nothing.
 * On PostgreSQL an advisory lock keeps two servers from racing.
 */
export async function migrate(db: Db): Promise<number[]> {
  await db.exec(`create table if not exists schema_migration (
    version integer primary key,
    name text not null,
    applied_at timestamptz not null default now())`);
  const applied: number[] = [];
  for (const migration of listMigrations()) {
    const done = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(7305121)');
      const existing = await tx.query(
        'select 1 from schema_migration where version = $1',
        [migration.version],
      );
      if (existing.rows.length > 0) return false;
      for (const statement of splitStatements(migration.sql)) {
        await tx.query(statement);
      }
      await tx.query(
        'insert into schema_migration (version, name) values ($1, $2)',
        [migration.version, migration.name],
      );
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}

/** Splits a migration file on semicolons that end a line. */
function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
