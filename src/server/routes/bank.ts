import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Db, Queryable } from '../../db/types.js';
import { actorOf } from '../../auth/request.js';
import { checkCompanyWrite } from '../../auth/errors.js';
import type { Actor } from '../../auth/types.js';
import { recordAudit } from '../../audit/audit.js';
import { parseBankFile } from '../../bank/parse/index.js';
import { bankFileTypes, type ParsedBankFile } from '../../bank/statement.js';
import { addBankAccount, listBankAccounts } from '../../cash/accounts.js';
import { applyCash, type CashApplicationResult } from '../../cash/apply.js';
import { parseBankMapping, statementsToJson } from '../../cash/import.js';
import { loadMatchSettings } from '../../cash/match/context.js';
import { confirmMatch, listReview, rejectMatch, reviewCounts, reviewStatuses } from '../../cash/review.js';
import { storeBankFile } from '../../cash/statements.js';
import { companyCodes, getCompany, getCompanyById } from '../../ledger/companies.js';
import { loadCurrencyExponents } from '../../ledger/currencies.js';
import type { Company } from '../../ledger/types.js';
import { InputError, NotFoundError } from '../../shared/errors.js';
import { formatMinor, parseDecimal } from '../../shared/money.js';
import { withUpload } from '../upload.js';
import { errorResponseSchema, type ApiInstance } from '../validation.js';

const companyCode = z.string().trim().min(1).meta({ description: 'Company code.' });
const errors = {
  400: errorResponseSchema.describe('Invalid field.'),
  403: errorResponseSchema.describe('The role may not do this, or the company or customer is outside the scope.'),
  404: errorResponseSchema.describe('Not found.'),
};

const accountSchema = z.object({
  bankAccountId: z.number().int().meta({ description: 'Id that deposit slips name the account by.' }),
  company: z.string(),
  bank: z.string(),
  accountNumber: z.string(),
  currency: z.string(),
  glCode: z.string().nullable(),
});

const warningSchema = z.object({ file: z.string(), line: z.number(), field: z.string(), value: z.string(), message: z.string() });

const appliedSchema = z.object({
  company: z.string(),
  entries: z.number().int(),
  autoPosted: z.number().int().meta({ description: 'Credits posted to open items without review.' }),
  unapplied: z.number().int().meta({ description: 'Credits posted to a customer as unapplied cash without review.' }),
  review: z.number().int(),
  suspense: z.number().int(),
});

function appliedToJson(result: CashApplicationResult) {
  return {
    company: result.company,
    entries: result.entries,
    autoPosted: result.autoPosted,
    unapplied: result.unapplied,
    review: result.review,
    suspense: result.suspense,
  };
}

async function companyInScope(db: Queryable, code: string, actor: Actor, action: string): Promise<Company> {
  const company = await getCompany(db, code);
  checkCompanyWrite(actor, company, action);
  return company;
}

function money(amount: bigint, exponents: ReadonlyMap<string, number>, currency: string): string {
  return formatMinor(amount, exponents.get(currency) ?? 2);
}

const uploadFields = z.object({
  type: z.enum(bankFileTypes).optional(),
  mapping: z.string().optional(),
  dryRun: z.enum(['true', 'false']).optional(),
  match: z.enum(['true', 'false']).optional(),
});

function parseUploadFields(fields: Record<string, string>): z.output<typeof uploadFields> {
  const result = uploadFields.safeParse(fields);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = String(issue?.path[0] ?? 'type');
    throw new InputError(`invalid field "${field}": ${issue?.message ?? 'invalid'}`, 'invalid_parameter', field);
  }
  return result.data;
}

function parseMappingText(text: string | undefined): ReturnType<typeof parseBankMapping> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`invalid field "mapping": not valid JSON (${(error as Error).message})`, 'invalid_mapping', 'mapping');
  }
  return parseBankMapping(value, 'in field "mapping"');
}

export async function registerBankRoutes(app: ApiInstance, db: Db): Promise<void> {
  app.get(
    '/bank-accounts',
    {
      schema: {
        tags: ['cash'],
        summary: 'List the bank accounts of the companies in scope',
        response: { 200: z.object({ accounts: z.array(accountSchema) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const accounts = await listBankAccounts(db, actor.scope.companyIds);
      const codes = await companyCodes(db);
      return {
        accounts: accounts.map((account) => ({
          bankAccountId: account.bankAccountId,
          company: codes.get(account.companyId) ?? String(account.companyId),
          bank: account.bank,
          accountNumber: account.accountNumber,
          currency: account.currency,
          glCode: account.glCode,
        })),
      };
    },
  );

  app.post(
    '/bank-accounts',
    {
      config: { permission: 'bank.import' },
      schema: {
        tags: ['cash'],
        summary: 'Register a bank account',
        body: z.object({ company: companyCode, bank: z.string(), accountNumber: z.string(), currency: z.string(), glCode: z.string().nullable().optional() }),
        response: { 201: z.object({ account: accountSchema }), ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const company = await companyInScope(db, request.body.company, actor, 'bank_account.add');
      const account = await addBankAccount(db, company, { ...request.body, glCode: request.body.glCode ?? null }, actor);
      return reply.code(201).send({
        account: { bankAccountId: account.bankAccountId, company: company.code, bank: account.bank, accountNumber: account.accountNumber, currency: account.currency, glCode: account.glCode },
      });
    },
  );

  app.post(
    '/bank-statements',
    {
      config: {
        permission: 'bank.import',
        multipartBody: z.object({
          file: z.string().meta({ format: 'binary', description: 'The statement file.' }),
          type: z.enum(bankFileTypes).optional().meta({ description: 'File format; detected when omitted (CSV needs a mapping).' }),
          mapping: z.string().optional().meta({ description: 'Column mapping of a CSV bank export, as JSON text.' }),
          dryRun: z.enum(['true', 'false']).optional().meta({ description: '"true" parses the file and stores nothing.' }),
          match: z.enum(['true', 'false']).optional().meta({ description: '"false" stores the statements without matching their credits.' }),
        }),
      },
      schema: {
        tags: ['cash'],
        summary: 'Import a bank statement file and apply its incoming payments',
        description:
          'multipart/form-data with the file in the part "file". The file is stored whole or not at all; a statement stored before is skipped. A malformed optional field is a warning; an unreadable balance or entry returns 400 naming the line and field.',
        response: {
          200: z.object({
            file: z.string(),
            type: z.string(),
            dryRun: z.boolean(),
            statements: z.array(z.record(z.string(), z.unknown())),
            applied: z.array(appliedSchema),
            warnings: z.array(warningSchema),
          }),
          ...errors,
          413: errorResponseSchema.describe('The file is larger than the server accepts.'),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return withUpload(request, async (upload) => {
        const fields = parseUploadFields(upload.fields);
        const mapping = parseMappingText(fields.mapping);
        const bytes = await readFile(upload.path);
        const parsed: ParsedBankFile = parseBankFile(bytes, upload.fileName, {
          type: fields.type ?? (mapping ? 'csv' : undefined),
          csvMapping: mapping,
        });
        if (fields.dryRun === 'true') {
          return { file: upload.fileName, type: parsed.type, dryRun: true, statements: statementsToJson(parsed) as Record<string, unknown>[], applied: [], warnings: parsed.warnings };
        }
        const stored = await storeBankFile(db, parsed, { sha256: createHash('sha256').update(bytes).digest('hex') }, actor);
        const applied: CashApplicationResult[] = [];
        if (fields.match !== 'false') {
          for (const [companyId, entryIds] of stored.newCredits) {
            applied.push(await applyCash(db, await getCompanyById(db, companyId), actor, { entryIds }));
          }
        }
        const codes = await companyCodes(db);
        return {
          file: upload.fileName,
          type: parsed.type,
          dryRun: false,
          statements: stored.statements.map((statement) => ({
            account: statement.account,
            company: codes.get(statement.companyId) ?? String(statement.companyId),
            statementRef: statement.statementRef,
            stored: statement.statementId !== null,
            entries: statement.entries,
            credits: statement.credits,
          })),
          applied: applied.map(appliedToJson),
          warnings: parsed.warnings,
        };
      });
    },
  );

  app.get(
    '/cash-application/queue',
    {
      schema: {
        tags: ['cash'],
        summary: 'Bank credits by status, with the proposed customer, items and reasons',
        querystring: z.object({
          status: z.enum(reviewStatuses).default('review'),
          company: companyCode.optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: z.object({ total: z.number().int(), counts: z.record(z.string(), z.number()), entries: z.array(z.record(z.string(), z.unknown())) }), ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = request.query.company ? await companyInScope(db, request.query.company, actor, 'read') : undefined;
      const queue = await listReview(db, actor, { status: request.query.status, company, limit: request.query.limit, offset: request.query.offset });
      const exponents = await loadCurrencyExponents(db);
      const codes = await companyCodes(db);
      return {
        total: queue.total,
        counts: await reviewCounts(db, actor, company?.companyId),
        entries: queue.entries.map((entry) => ({
          ...entry,
          company: codes.get(entry.companyId) ?? String(entry.companyId),
          companyId: undefined,
          amount: money(entry.amount, exponents, entry.currency),
          paymentAmount: entry.paymentAmount === null ? null : money(entry.paymentAmount, exponents, entry.paymentCurrency ?? entry.currency),
          lines: entry.lines.map((line) => ({
            ...line,
            openAmount: money(line.openAmount, exponents, line.currency),
            amount: money(line.amount, exponents, line.currency),
          })),
        })),
      };
    },
  );

  const entryParams = z.object({ entryId: z.string().regex(/^\d+$/, 'expected a bank entry id') });

  app.post(
    '/cash-application/entries/:entryId/confirm',
    {
      config: { permission: 'cash.apply' },
      schema: {
        tags: ['cash'],
        summary: 'Post a bank credit in review or suspense, as proposed or as given',
        description:
          'Without customerNumber and lines the proposal is posted as it stands. Lines split the payment over items (amounts in the payment currency); an empty list with a customer posts unapplied cash. Confirming teaches the payer account.',
        params: entryParams,
        body: z.object({
          company: companyCode,
          customerNumber: z.string().optional(),
          lines: z.array(z.object({ itemId: z.string().regex(/^\d+$/), amount: z.string() })).optional(),
          note: z.string().optional(),
        }),
        response: { 200: z.object({ status: z.string(), paymentItemId: z.string() }), ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyInScope(db, request.body.company, actor, 'cash.apply');
      let customerId: bigint | undefined;
      if (request.body.customerNumber !== undefined) {
        const found = await db.query<{ customer_id: bigint }>('select customer_id from customer where company_id = $1 and customer_number = $2', [company.companyId, request.body.customerNumber]);
        if (!found.rows[0]) throw new NotFoundError(`customer ${request.body.customerNumber} not found in ${company.code}`, 'customerNumber');
        customerId = found.rows[0].customer_id;
      }
      let lines: { itemId: bigint; amount: bigint }[] | undefined;
      if (request.body.lines !== undefined) {
        const items = await db.query<{ item_id: bigint; currency: string }>('select item_id, currency from open_item where company_id = $1 and item_id = any($2::bigint[])', [
          company.companyId,
          request.body.lines.map((line) => line.itemId),
        ]);
        const currencyOf = new Map(items.rows.map((row) => [row.item_id.toString(), row.currency.trim()]));
        const exponents = await loadCurrencyExponents(db);
        lines = request.body.lines.map((line, index) => {
          const currency = currencyOf.get(line.itemId);
          if (currency === undefined) throw new NotFoundError(`item ${line.itemId} not found in ${company.code}`, `lines.${index}.itemId`);
          try {
            return { itemId: BigInt(line.itemId), amount: parseDecimal(line.amount, exponents.get(currency) ?? 2) };
          } catch (error) {
            throw new InputError(`invalid amount "${line.amount}" for item ${line.itemId}: ${(error as Error).message}`, 'invalid_amount', `lines.${index}.amount`);
          }
        });
      }
      const outcome = await confirmMatch(db, company, BigInt(request.params.entryId), actor, { customerId, lines, note: request.body.note });
      return { status: outcome.status, paymentItemId: outcome.paymentItemId.toString() };
    },
  );

  app.post(
    '/cash-application/entries/:entryId/reject',
    {
      config: { permission: 'cash.apply' },
      schema: {
        tags: ['cash'],
        summary: 'Set a proposal aside (to suspense), or mark a credit in suspense as no customer payment',
        params: entryParams,
        body: z.object({ company: companyCode, reason: z.string() }),
        response: { 200: z.object({ status: z.string() }), ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyInScope(db, request.body.company, actor, 'cash.apply');
      return rejectMatch(db, company, BigInt(request.params.entryId), actor, request.body.reason);
    },
  );

  app.post(
    '/cash-application/run',
    {
      config: { permission: 'cash.apply' },
      schema: {
        tags: ['cash'],
        summary: "Match the company's unmatched credits and post the sure ones",
        body: z.object({ company: companyCode }),
        response: { 200: appliedSchema, ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyInScope(db, request.body.company, actor, 'cash.apply');
      return appliedToJson(await applyCash(db, company, actor));
    },
  );

  const settingsSchema = z.object({
    company: z.string(),
    autoPostThreshold: z.number().gt(0).max(1),
    shortPayTolerance: z.number().min(0).lt(1),
    fxTolerance: z.number().min(0).lt(1),
  });

  app.get(
    '/cash-application/settings',
    {
      schema: {
        tags: ['cash'],
        summary: "A company's matching settings",
        querystring: z.object({ company: companyCode }),
        response: { 200: settingsSchema, ...errors },
      },
    },
    async (request) => {
      const company = await companyInScope(db, request.query.company, actorOf(request), 'read');
      return { company: company.code, ...(await loadMatchSettings(db, company.companyId)) };
    },
  );

  app.put(
    '/cash-application/settings',
    {
      config: { permission: 'cash.apply' },
      schema: {
        tags: ['cash'],
        summary: "Change a company's matching settings",
        body: settingsSchema,
        response: { 200: settingsSchema, ...errors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const company = await companyInScope(db, request.body.company, actor, 'cash.settings');
      const next = { autoPostThreshold: request.body.autoPostThreshold, shortPayTolerance: request.body.shortPayTolerance, fxTolerance: request.body.fxTolerance };
      await db.transaction(async (tx) => {
        const before = await loadMatchSettings(tx, company.companyId);
        await tx.query(
          `insert into cash_setting (company_id, auto_post_threshold, short_pay_tolerance, fx_tolerance)
           values ($1, $2, $3, $4)
           on conflict (company_id) do update set auto_post_threshold = excluded.auto_post_threshold,
             short_pay_tolerance = excluded.short_pay_tolerance, fx_tolerance = excluded.fx_tolerance`,
          [company.companyId, next.autoPostThreshold, next.shortPayTolerance, next.fxTolerance],
        );
        await recordAudit(tx, { actor, action: 'cash.settings', entity: 'cash_setting', entityId: company.code, companyId: company.companyId, before, after: next });
      });
      return { company: company.code, ...next };
    },
  );
}
