import type { Command } from 'commander';
import { pino } from 'pino';
import { dbOptionsFromEnv, openDb } from '../db/open.js';
import type { Db } from '../db/types.js';
import { countUsers } from '../auth/index.js';
import { listCompanies } from '../ledger/index.js';
import { buildApp } from '../server/app.js';
import { docsPrefix } from '../server/openapi.js';
import { buildWebApp, webAppBuilt } from '../server/web.js';
import { InputError } from '../shared/errors.js';
import { addDbOptions } from './context.js';

interface ServeOptions {
  port?: string;
  host: string;
  dataDir?: string;
}

const defaultPort = 3000;
const defaultHost = '127.0.0.1';

export function registerServerCommands(program: Command): void {
  const serve = program
    .command('serve')
    .description('Serve the HTTP API (under /api/v1, documented at /api/docs)');
  addServerOptions(serve).action((options: ServeOptions) =>
    runServer(options, { printImportHint: false, buildWebApp: false }),
  );

  const start = program
    .command('start')
    .description(
      'Serve the HTTP API, and on an empty database print how to import a file or load the demo (what `npm start` runs)',
    );
  addServerOptions(start).action((options: ServeOptions) =>
    runServer(options, { printImportHint: true, buildWebApp: true }),
  );
}

function addServerOptions(command: Command): Command {
  command
    .option('--port <number>', `TCP port to listen on, 0 for any free port (default $PORT or ${defaultPort})`)
    .option('--host <address>', 'address to listen on', defaultHost);
  return addDbOptions(command);
}

/** Reads the port from --port, else $PORT, else the default. */
export function parsePort(option: string | undefined): number {
  const text = option ?? process.env.PORT ?? String(defaultPort);
  const source = option !== undefined ? '--port' : 'PORT';
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port > 65_535) {
    throw new InputError(
      `invalid ${source} "${text}": use a TCP port from 0 to 65535`,
      'invalid_option',
      'port',
    );
  }
  return port;
}

/**
 * Serves the API until SIGINT or SIGTERM, then closes the server (letting
 * requests in flight finish) and the database, in that order.
 */
async function runServer(
  options: ServeOptions,
  behaviour: { printImportHint: boolean; buildWebApp: boolean },
): Promise<void> {
  const port = parsePort(options.port);
  if (behaviour.buildWebApp) await ensureWebApp();
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const db = await openDb(dbOptionsFromEnv(options.dataDir));
  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    if (behaviour.printImportHint) await printHintWhenEmpty(db, options.dataDir);
    if (behaviour.printImportHint) await printHintWhenNoUser(db, options.dataDir);
    app = await buildApp(db, { logger });
    await app.listen({ port, host: options.host });
  } catch (error) {
    await db.close();
    throw listenError(error, options.host, port);
  }

  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${formatHost(options.host)}:${boundPort}`;
  logger.info(
    { url, api: `${url}/api/v1`, docs: `${url}${docsPrefix}`, engine: db.engine },
    'ardesk API listening',
  );
  if (webAppBuilt()) {
    if (behaviour.printImportHint) process.stdout.write(`Open ${url} in a browser to sign in.\n`);
    else logger.info({ url }, 'browser app served');
  }
  if (!behaviour.printImportHint && (await countUsers(db)) === 0) {
    logger.warn('the database has no user yet, so nobody can sign in: stop the server and run `npx ardesk user add EMAIL --role admin`');
  }

  await waitForStopSignal(logger);
  await app.close();
  await db.close();
  logger.info('ardesk API stopped');
}

/**
 * Builds the browser app when dist/web has none. A failed build is
 * reported and the server goes on with the API alone.
 */
async function ensureWebApp(): Promise<void> {
  if (webAppBuilt()) return;
  process.stdout.write('The web app is not built yet: building it into dist/web (this takes a few seconds)...\n');
  try {
    await buildWebApp();
    process.stdout.write('The web app is built.\n');
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    process.stdout.write(
      `The web app could not be built (${reason}). Serving the API only; run \`npm run build\` to build the app.\n`,
    );
  }
}

function waitForStopSignal(logger: pino.Logger): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      logger.info({ signal }, 'stopping: closing the server, then the database');
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Turns "address in use" and similar listen failures into a one-line error. */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new InputError(
      `cannot listen on ${host}:${port}: the port is in use; choose another with --port or PORT`,
      'port_in_use',
      'port',
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
    return new InputError(
      `cannot listen on ${host}:${port} (${code}); check --host and --port`,
      'listen_failed',
      'host',
    );
  }
  return error;
}

async function printHintWhenEmpty(db: Db, dataDir: string | undefined): Promise<void> {
  const companies = await listCompanies(db);
  if (companies.length > 0) return;
  const dirOption = dataDir !== undefined ? ` --data-dir ${quoteArgument(dataDir)}` : '';
  process.stdout.write(
    [
      'The database has no company yet. Once signed in, import your AR ledger on the Imports page,',
      `or stop the server${db.engine === 'pglite' ? ' (the embedded database serves one process at a time)' : ''} and run one of:`,
      `  npx ardesk import ibm-ar FILE${dirOption}`,
      `  npx ardesk import csv FILE --mapping MAPPING.json${dirOption}`,
      `  npx ardesk demo${dirOption}        (a generated ledger to explore)`,
      '',
    ].join('\n'),
  );
}

/** Tells how to create the first admin, because the API answers nobody until a user exists. */
async function printHintWhenNoUser(db: Db, dataDir: string | undefined): Promise<void> {
  if ((await countUsers(db)) > 0) return;
  const dirOption = dataDir !== undefined ? ` --data-dir ${quoteArgument(dataDir)}` : '';
  process.stdout.write(
    [
      'The database has no user yet, so nobody can sign in. Stop the server and create the first admin with:',
      `  npx ardesk user add EMAIL --role admin${dirOption}`,
      '',
    ].join('\n'),
  );
}

function quoteArgument(text: string): string {
  return /^[\w./:@-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
