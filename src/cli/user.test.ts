import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import { runCliInProcess } from '../../test/helpers/cli.js';
import { listAudit } from '../audit/index.js';
import { authenticateToken, findUser, verifyPassword } from '../auth/index.js';
import { dbOptionsFromEnv, openDb } from '../db/open.js';
import type { Db } from '../db/types.js';

let db: TestDb | undefined;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ardesk-user-cli-'));
  if (testEngine === 'postgres') {
    db = await openTestDb();
    Object.assign(process.env, db.childEnv);
  }
  process.env.USER = 'clara';
});

afterAll(async () => {
  process.env = savedEnv;
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in this process on the test file's data folder. */
function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(dir, args);
}

async function withCliDb<T>(work: (opened: Db) => Promise<T>): Promise<T> {
  const opened = await openDb(dbOptionsFromEnv(dir));
  try {
    return await work(opened);
  } finally {
    await opened.close();
  }
}

describe('ardesk user', () => {
  it('adds a user with the password from ARDESK_PASSWORD', async () => {
    expect((await run('company', 'add', 'DE01', '--currency', 'EUR')).code).toBe(0);
    process.env.ARDESK_PASSWORD = 'correct horse battery';
    const result = await run('user', 'add', 'Ana@Example.test', '--role', 'regional_accountant', '--company', 'DE01', '--region', 'NORTH,SOUTH', '--name', 'Ana');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ana@example.test (regional_accountant)');
    await withCliDb(async (opened) => {
      const user = await findUser(opened, 'ana@example.test');
      expect(user).toMatchObject({ name: 'Ana', role: 'regional_accountant', companies: ['DE01'], regions: ['NORTH', 'SOUTH'] });
      const stored = await opened.query<{ password_hash: string }>('select password_hash from app_user where email = $1', ['ana@example.test']);
      expect(stored.rows[0]!.password_hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$/);
      expect(await verifyPassword('correct horse battery', stored.rows[0]!.password_hash)).toBe(true);
    });
  });

  it('rejects a short password', async () => {
    process.env.ARDESK_PASSWORD = 'short';
    const result = await run('user', 'add', 'bo@example.test', '--role', 'collector');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('at least 12 characters');
    await withCliDb(async (opened) => expect(await findUser(opened, 'bo@example.test')).toBeNull());
  });

  it.skipIf(process.stdin.isTTY === true)('asks for the password when stdin is no terminal', async () => {
    delete process.env.ARDESK_PASSWORD;
    const result = await run('user', 'add', 'bo@example.test', '--role', 'collector');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ARDESK_PASSWORD');
  });

  it('rejects a regional accountant without a region', async () => {
    process.env.ARDESK_PASSWORD = 'correct horse battery';
    const result = await run('user', 'add', 'cy@example.test', '--role', 'regional_accountant');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('at least one --region');
  });

  it('rejects an unknown role', async () => {
    const result = await run('user', 'add', 'cy@example.test', '--role', 'boss');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid --role "boss"');
  });

  it('lists users as JSON and CSV', async () => {
    const json = await run('user', 'list', '--format', 'json');
    expect(json.code).toBe(0);
    const users = (JSON.parse(json.stdout) as { users: { email: string; regions: string[]; disabled: boolean }[] }).users;
    expect(users).toEqual([expect.objectContaining({ email: 'ana@example.test', regions: ['NORTH', 'SOUTH'], disabled: false })]);
    const csv = await run('user', 'list', '--format', 'csv');
    expect(csv.stdout.split(/\r?\n/)[1]).toContain('ana@example.test');
    expect(csv.stdout).not.toContain('scrypt');
  });

  it('disables and enables a user', async () => {
    expect((await run('user', 'disable', 'ana@example.test')).code).toBe(0);
    await withCliDb(async (opened) => expect((await findUser(opened, 'ana@example.test'))!.disabled).toBe(true));
    expect((await run('user', 'enable', 'ana@example.test')).code).toBe(0);
    await withCliDb(async (opened) => expect((await findUser(opened, 'ana@example.test'))!.disabled).toBe(false));
    const missing = await run('user', 'disable', 'nobody@example.test');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('not found');
  });

  it('prints a token that authenticates until revoked', async () => {
    const result = await run('user', 'token', 'ana@example.test', '--name', 'laptop');
    expect(result.code).toBe(0);
    const token = result.stdout.trim();
    expect(token).toMatch(/^ardesk_[\w-]{43}$/);
    await withCliDb(async (opened) => {
      expect(await authenticateToken(opened, token, new Date())).toMatchObject({ email: 'ana@example.test' });
    });
    expect((await run('user', 'revoke-token', 'ana@example.test', 'laptop')).code).toBe(0);
    await withCliDb(async (opened) => expect(await authenticateToken(opened, token, new Date())).toBeNull());
  });

  it('records command-line writes with the OS user', async () => {
    await withCliDb(async (opened) => {
      const page = await listAudit(opened, { actor: 'cli:clara', limit: 100 });
      const actions = page.events.map((event) => event.action).reverse();
      expect(actions).toEqual([
        'company.add',
        'user.add',
        'user.disable',
        'user.enable',
        'token.create',
        'token.revoke',
      ]);
      expect(page.events.every((event) => event.via === 'cli')).toBe(true);
      const added = page.events.find((event) => event.action === 'user.add')!;
      expect(JSON.stringify(added.after)).not.toContain('scrypt');
    });
  });
});
