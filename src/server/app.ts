import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import type { Logger } from 'pino';
import type { Db } from '../db/types.js';
import { handleError, handleNotFound } from './errors.js';
import { serializeJson } from './json.js';
import { registerOpenApi } from './openapi.js';
import { zodValidatorCompiler, type ZodTypeProvider } from './validation.js';
import { registerLedgerRoutes } from './routes/ledger.js';
import { registerCustomerRoutes } from './routes/customers.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerAgingRoutes } from './routes/aging.js';
import { registerKpiRoutes } from './routes/kpi.js';
import { registerImportRoutes } from './routes/imports.js';
import { registerCheckRoutes } from './routes/checks.js';
import { registerCashReceiptRoutes } from './routes/cash-receipts.js';
import { registerBankRoutes } from './routes/bank.js';
import { registerAuthHooks, registerCookies } from './auth.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerUserRoutes } from './routes/users.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerExportRoutes } from './routes/exports.js';
import { registerMappingRoutes } from './routes/mappings.js';
import { registerStatementRoutes } from './routes/statements.js';
import { registerCollectionRoutes } from './routes/collections.js';
import { registerDunningRoutes } from './routes/dunning.js';
import { registerReviewRoutes } from './routes/reviews.js';
import { registerWorklistRoutes } from './routes/worklist.js';
import { registerContactRoutes } from './routes/contacts.js';
import { packageRoot, registerWebApp, webAppBuilt } from './web.js';
import type { Clock } from '../auth/index.js';
import { createColumnarAgingEngine, setAgingEngine } from '../aging/index.js';

export const apiPrefix = '/api/v1';

export interface AppOptions {
  /** A pino logger to use instead of one made at `logLevel`. */
  logger?: Logger;
  /** Level of the pino logger made here: $LOG_LEVEL or "info" by default, "silent" in tests. */
  logLevel?: string;
  /** Maximum size of an uploaded import file in bytes (default 256 MiB). */
  maxUploadBytes?: number;
  /** Clock for session expiry and sign-in lockouts (default: the system clock). */
  clock?: Clock;
  /**
   * How aging reports are computed: "columnar" (default) keeps the ledger
   * in typed arrays in this process; "sql" runs each report in the database.
   */
  agingEngine?: 'columnar' | 'sql';
}

const defaultMaxUploadBytes = 256 * 1024 * 1024;

/**
 * Builds the HTTP API on an open database. The caller owns the database:
 * closing the app does not close it.
 */
export async function buildApp(db: Db, options: AppOptions = {}): Promise<FastifyInstance> {
  const app: FastifyInstance = options.logger
    ? Fastify({ loggerInstance: options.logger as FastifyBaseLogger })
    : Fastify({ logger: { level: options.logLevel ?? process.env.LOG_LEVEL ?? 'info' } });

  await registerApi(app, db, options);
  return app;
}

/**
 * Registers the API, its error handling and its documentation on an
 * existing Fastify instance.
 */
export async function registerApi(
  app: FastifyInstance,
  db: Db,
  options: Pick<AppOptions, 'maxUploadBytes' | 'clock' | 'agingEngine'> = {},
): Promise<void> {
  if (options.agingEngine === 'sql') {
    setAgingEngine(db, null);
  } else {
    const engine = createColumnarAgingEngine(db);
    setAgingEngine(db, engine);
    // Read the ledger into memory once the server is ready, so that the
    // first report does not wait for it.
    app.addHook('onReady', async () => {
      const started = performance.now();
      engine
        .warmUp()
        .then((items) => app.log.info({ items, ms: Math.round(performance.now() - started) }, 'aging engine loaded'))
        .catch((error: unknown) => app.log.error({ err: error }, 'aging engine failed to load; reports will load it'));
    });
  }
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(() => serializeJson);
  app.setReplySerializer(serializeJson);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  await app.register(multipart, {
    limits: {
      fileSize: options.maxUploadBytes ?? defaultMaxUploadBytes,
      files: 1,
      fieldSize: 1024 * 1024,
    },
  });
  await registerCookies(app);
  await registerOpenApi(app);

  await app.register(
    async (api) => {
      const typed = api.withTypeProvider<ZodTypeProvider>();
      registerAuthHooks(typed, db, { clock: options.clock });
      await registerAuthRoutes(typed, db, options.clock);
      await registerUserRoutes(typed, db);
      await registerAuditRoutes(typed, db);
      await registerLedgerRoutes(typed, db);
      await registerCustomerRoutes(typed, db);
      await registerDashboardRoutes(typed, db);
      await registerAgingRoutes(typed, db);
      await registerKpiRoutes(typed, db);
      await registerImportRoutes(typed, db);
      await registerCheckRoutes(typed, db);
      await registerCashReceiptRoutes(typed, db);
      await registerBankRoutes(typed, db);
      await registerExportRoutes(typed, apiPrefix);
      await registerMappingRoutes(typed, join(packageRoot, 'examples', 'mappings'));
      await registerStatementRoutes(typed, db);
      await registerCollectionRoutes(typed, db);
      await registerDunningRoutes(typed, db);
      await registerReviewRoutes(typed, db);
      await registerWorklistRoutes(typed, db);
      await registerContactRoutes(typed, db);
    },
    { prefix: apiPrefix },
  );
  // The browser app, once `npm run build` has built it into dist/web.
  if (webAppBuilt()) await registerWebApp(app);
}
