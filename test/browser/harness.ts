/**
 * Set-up shared by the browser tests: the built web app, a real ardesk
 * server on a test database, and Debian's Chromium driven by playwright-core.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext } from 'playwright-core';
import { applyImport } from '../../src/ledger/index.js';
import { buildApp } from '../../src/server/app.js';
import { buildWebApp, packageRoot, webDistDir } from '../../src/server/web.js';
import { openTestDb, type TestDb } from '../helpers/db.js';
import { loadFixture } from '../server/fixture.js';
import { regionalLedger } from './regional.js';

export const chromiumPath = process.env.ARDESK_CHROMIUM ?? '/usr/bin/chromium';
/**
 * Whether Chromium is installed. Without it the browser tests skip with a
 * message, except where CI is set: there its absence fails the run.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  const message = `Chromium not found at ${chromiumPath} (install Debian's chromium or set ARDESK_CHROMIUM)`;
  if (process.env.CI) throw new Error(message);
  console.warn(`${message}: browser tests are skipped`);
  return false;
}

export const screenshotDir = join(packageRoot, 'test-artifacts', 'screenshots');

/** Newest modification time of the files under a path, in milliseconds. */
function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestChange(join(path, name))), stat.mtimeMs);
}

/** Builds the web app when dist/web is missing or older than its sources. */
export async function ensureWebAppBuilt(): Promise<void> {
  const index = join(webDistDir, 'index.html');
  const sources = ['src', 'index.html', 'vite.config.ts'].map((name) => join(packageRoot, 'web', name));
  let built: number;
  try {
    built = statSync(index).mtimeMs;
  } catch {
    built = 0;
  }
  if (built > Math.max(...sources.map(newestChange))) return;
  await buildWebApp({ logLevel: 'silent' });
}

export interface TestServer {
  db: TestDb;
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Starts ardesk on the fixture ledger and the regional company, on 127.0.0.1 and a free port. */
export async function startServer(): Promise<TestServer> {
  const db = await openTestDb();
  await loadFixture(db);
  await applyImport(db, { kind: 'test', file: 'regional', sha256: 'regional' }, [regionalLedger()]);
  const app = await buildApp(db, { logLevel: 'silent' });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    db,
    app,
    url: address,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile that nothing outside the test touches. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'ardesk-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1366, height: 768 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(screenshotDir, { recursive: true });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
