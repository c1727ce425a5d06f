import type { Command } from 'commander';
import { dbOptionsFromEnv, openDb } from '../db/open.js';
import type { Db } from '../db/types.js';
import { InputError } from '../shared/errors.js';

/** Options every command that touches the database accepts. */
export function addDbOptions(command: Command): Command {
  return command.option(
    '--data-dir <dir>',
    'folder of the embedded database (default $ARDESK_DATA_DIR or ./data); ignored when DATABASE_URL is set',
  );
}

/** Opens the database for one command, runs `work` and closes it. */
export async function withDb<T>(
  options: { dataDir?: string },
  work: (db: Db) => Promise<T>,
): Promise<T> {
  const db = await openDb(dbOptionsFromEnv(options.dataDir));
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/**
 * Prints an error as one line and sets exit code 1. An unexpected error
 * also gets a hint, and with ARDESK_DEBUG set it is rethrown so that its
 * stack trace shows.
 */
export function reportCliError(error: unknown): void {
  if (error instanceof InputError) {
    process.stderr.write(`ardesk: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  if (process.env.ARDESK_DEBUG || !(error instanceof Error)) throw error;
  process.stderr.write(`ardesk: ${error.message}\n(set ARDESK_DEBUG=1 to see the stack trace)\n`);
  process.exitCode = 1;
}

/** Splits `--company` values, repeated or comma-separated, into codes. */
export function parseCompanyCodes(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((code) => code.split(','))
    .map((code) => code.trim())
    .filter(Boolean);
}
