import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser, type TestUser } from '../../test/helpers/auth.js';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import { startCli, waitForLogLine, type RunningCli } from '../../test/server/child.js';
import { fixtureLedgers, loadFixture } from '../../test/server/fixture.js';
import { openDb } from '../db/open.js';
import { parsePort } from './serve.js';

let db: TestDb;
let folder: string;
const running: RunningCli[] = [];

beforeAll(async () => {
  db = await openTestDb();
  folder = await mkdtemp(join(tmpdir(), 'ardesk-serve-test-'));
});
afterEach(async () => {
  for (const cli of running.splice(0)) {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    await cli.exited;
  }
});
afterAll(async () => {
  await db.close();
  await rm(folder, { recursive: true, force: true });
});

function start(args: string[]): RunningCli {
  const cli = startCli(args, { ...db.childEnv, LOG_LEVEL: 'info' });
  running.push(cli);
  return cli;
}

async function stop(cli: RunningCli): Promise<number | string> {
  cli.child.kill('SIGTERM');
  return cli.exited;
}

describe('ardesk serve', () => {
  it('serves health and the API document', async () => {
    const cli = start(['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', join(folder, 'serve')]);
    const listening = await waitForLogLine(cli, 'ardesk API listening');
    const url = String(listening.url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(listening.engine).toBe(testEngine);

    const health = await fetch(`${url}/api/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', engine: testEngine });

    const document = await fetch(`${url}/api/docs/json`);
    expect(document.status).toBe(200);
    const paths = Object.keys(((await document.json()) as { paths: object }).paths);
    expect(paths).toContain('/api/v1/customers');

    expect(await stop(cli)).toBe(0);
    await waitForLogLine(cli, 'ardesk API stopped', 5_000);
  });

  it('reports a port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const cli = start(['serve', '--port', String(port), '--data-dir', join(folder, 'busy')]);
      expect(await cli.exited).toBe(1);
      expect(cli.stderr()).toContain(`127.0.0.1:${port}`);
      expect(cli.stderr()).toContain('in use');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('ardesk start', () => {
  it('prints the import hint on an empty database', async () => {
    const dataDir = join(folder, 'empty');
    const cli = start(['start', '--port', '0', '--data-dir', dataDir]);
    await waitForLogLine(cli, 'ardesk API listening');
    const output = cli.stdout();
    expect(output).toContain('has no company yet');
    expect(output).toContain('on the Imports page');
    expect(output).toContain(`npx ardesk import ibm-ar FILE --data-dir ${dataDir}`);
    expect(output).toContain(`npx ardesk import csv FILE --mapping MAPPING.json --data-dir ${dataDir}`);
    expect(output).toContain(`npx ardesk demo --data-dir ${dataDir}`);
    expect(output).toContain('has no user yet');
    expect(output).toContain(`npx ardesk user add EMAIL --role admin --data-dir ${dataDir}`);
    expect(await stop(cli)).toBe(0);
  });

  it('prints no hint once a company exists', async () => {
    const dataDir = join(folder, 'loaded');
    let admin: TestUser;
    if (testEngine === 'postgres') {
      await loadFixture(db);
      admin = await createTestUser(db, { role: 'admin' });
    } else {
      const embedded = await openDb({ dataDir });
      await loadFixture(embedded);
      admin = await createTestUser(embedded, { role: 'admin' });
      await embedded.close();
    }
    const cli = start(['start', '--port', '0', '--data-dir', dataDir]);
    const url = String((await waitForLogLine(cli, 'ardesk API listening')).url);
    expect(cli.stdout()).not.toContain('has no company yet');
    expect(cli.stdout()).not.toContain('has no user yet');
    const companies = (await (await fetch(`${url}/api/v1/companies`, { headers: bearer(admin.token) })).json()) as {
      companies: { code: string }[];
    };
    expect(companies.companies.map((company) => company.code)).toEqual(
      fixtureLedgers().map((ledger) => ledger.company.code).sort(),
    );
    expect(await stop(cli)).toBe(0);
  });
});

describe('parsePort', () => {
  it.each([
    ['0', 0],
    ['3000', 3000],
    ['65535', 65_535],
  ])('accepts %s', (text, port) => {
    expect(parsePort(text)).toBe(port);
  });

  it.each(['65536', '-1', 'http', '80.5', ''])('rejects "%s"', (text) => {
    expect(() => parsePort(text)).toThrow(/invalid --port/);
  });
});
