import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, vi } from 'vitest';
import { dbOptionsFromEnv, openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { main } from '../../src/cli/main.js';
import { startCli } from '../server/child.js';
import { openTestDb, testEngine, type TestDb } from './db.js';

export interface CliRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

export interface CliHarness {
  /** A temporary folder of the test file, removed at the end. */
  folder(): string;
  /** Runs `ardesk ARGS` as a child process on the test database. */
  ardesk(...args: string[]): Promise<CliRun>;
  /** Opens the database the child processes use, for setting up or checking. */
  withChildDb<T>(work: (database: Db) => Promise<T>): Promise<T>;
}

/**
 * Sets up a test file that runs the CLI as a child process. The file gets
 * a database of its own and a temporary folder, both removed after its
 * tests. The database is a PostgreSQL schema, or an embedded data folder
 * that only one process opens at a time. `seed` writes the file's ledger
 * before the first test.
 */
export function useCliHarness(name: string, seed: (database: Db) => Promise<unknown>): CliHarness {
  let db: TestDb;
  let folder = '';
  const dataDir = () => join(folder, 'db');

  const withChildDb = async <T>(work: (database: Db) => Promise<T>): Promise<T> => {
    if (testEngine === 'postgres') return work(db);
    const embedded = await openDb({ dataDir: dataDir() });
    try {
      return await work(embedded);
    } finally {
      await embedded.close();
    }
  };

  beforeAll(async () => {
    db = await openTestDb();
    folder = await mkdtemp(join(tmpdir(), `ardesk-${name}-`));
    await withChildDb(seed);
  });
  afterAll(async () => {
    await db.close();
    await rm(folder, { recursive: true, force: true });
  });

  return {
    folder: () => folder,
    withChildDb,
    async ardesk(...args) {
      const dirArgs = testEngine === 'postgres' ? [] : ['--data-dir', dataDir()];
      const cli = startCli([...args, ...dirArgs], db.childEnv);
      const code = await cli.exited;
      return { code, stdout: cli.stdout(), stderr: cli.stderr() };
    },
  };
}

/**
 * Runs `ardesk ARGS --data-dir DIR` in this process and returns what it
 * wrote to standard output and standard error, and its exit code. Faster
 * than a child process, for test files that manage their own database.
 */
export async function runCliInProcess(dataDir: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    stdout.push(`${parts.join(' ')}\n`);
  });
  // Tables and JSON are written to standard output directly.
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  process.exitCode = 0;
  try {
    await main(['node', 'ardesk', ...args, '--data-dir', dataDir]);
  } finally {
    log.mockRestore();
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

export interface InProcessCli {
  /** The temporary folder passed as --data-dir, removed after the tests. Tests may write their own files there too. */
  folder(): string;
  /** Runs `ardesk ARGS` in this process on the test database. */
  run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/**
 * Sets up a test file that runs the CLI in this process. On PostgreSQL the
 * file gets a schema of its own, and its connection settings stay in
 * process.env until the file's tests end. On PGlite the database sits in a
 * temporary folder. `seed` writes the file's ledger before the first test.
 */
export function useInProcessCli(name: string, seed: (database: Db) => Promise<unknown>): InProcessCli {
  let db: TestDb | undefined;
  let folder = '';
  let savedEnv: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    savedEnv = { ...process.env };
    folder = await mkdtemp(join(tmpdir(), `ardesk-${name}-`));
    if (testEngine === 'postgres') {
      db = await openTestDb();
      Object.assign(process.env, db.childEnv);
    }
    const opened = await openDb(dbOptionsFromEnv(folder));
    try {
      await seed(opened);
    } finally {
      await opened.close();
    }
  });
  afterAll(async () => {
    process.env = savedEnv;
    await db?.close();
    await rm(folder, { recursive: true, force: true });
  });

  return {
    folder: () => folder,
    run: (...args) => runCliInProcess(folder, args),
  };
}
