import type { Command } from 'commander';
import { cliActor } from '../auth/actor.js';
import type { ParsedBankFile } from '../bank/statement.js';
import { bankFileTypes, type BankFileType } from '../bank/statement.js';
import { addBankAccount, listBankAccounts } from '../cash/accounts.js';
import { applyCash, type CashApplicationResult } from '../cash/apply.js';
import { importBankFile, loadBankMapping, parseBankFileAt, statementsToJson } from '../cash/import.js';
import { confirmMatch, listReview, rejectMatch, reviewStatuses, type ReviewStatus } from '../cash/review.js';
import { loadMatchSettings } from '../cash/match/context.js';
import { recordAudit } from '../audit/audit.js';
import type { Db } from '../db/types.js';
import { companyCodes, getCompany } from '../ledger/companies.js';
import type { Company } from '../ledger/types.js';
import { InputError } from '../shared/errors.js';
import { documentLines } from '../ledger/document-lines.js';
import { formatMinor, parseDecimal } from '../shared/money.js';
import { addDbOptions, reportCliError, withDb } from './context.js';
import { findCustomerId } from './options.js';
import { checkOutputOptions, outputFormats, writeOutput } from './output.js';

interface DbOptions {
  dataDir?: string;
}

function checkType(type: string | undefined): BankFileType | undefined {
  if (type === undefined) return undefined;
  if (!(bankFileTypes as readonly string[]).includes(type)) {
    throw new InputError(`invalid --type "${type}": use one of ${bankFileTypes.join(', ')}`, 'invalid_option', 'type');
  }
  return type as BankFileType;
}

function printWarnings(parsed: ParsedBankFile): void {
  for (const warning of parsed.warnings) {
    process.stderr.write(`warning: ${warning.file}, line ${warning.line}, field ${warning.field}: ${warning.message} (value "${warning.value}")\n`);
  }
}

function describeApplication(result: CashApplicationResult): string {
  return (
    `${result.company}: of ${result.entries} new credits, ${result.autoPosted} posted to items, ` +
    `${result.unapplied} posted as unapplied cash, ${result.review} to review, ${result.suspense} in suspense`
  );
}

async function printDryRun(parsed: ParsedBankFile, format: string): Promise<void> {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(statementsToJson(parsed), null, 2)}\n`);
    return;
  }
  await writeOutput(
    {
      tables: parsed.statements.map((statement) => ({
        title: `${statement.account} ${statement.currency ?? ''} ${statement.statementId ?? ''}: ${statement.openingBalance ?? '?'} (${statement.openingDate ?? '?'}) to ${statement.closingBalance ?? '?'} (${statement.closingDate ?? '?'})`,
        columns: [
          { key: 'bookingDate', header: 'Booked', type: 'text' },
          { key: 'amount', header: 'Amount', type: 'decimal' },
          { key: 'counterpartyName', header: 'Counterparty', type: 'text' },
          { key: 'reference', header: 'Reference', type: 'text' },
          { key: 'remittance', header: 'Remittance', type: 'text' },
        ],
        rows: statement.entries.map((entry) => [
          entry.bookingDate,
          entry.amount,
          entry.counterpartyName,
          entry.reference,
          entry.remittance === null ? null : entry.remittance.slice(0, 60),
        ]),
      })),
    },
    { format: format === 'csv' ? 'csv' : 'table' },
  );
}

/** Adds `import bank` to the import command. */
export function registerBankImportCommand(importCommand: Command): void {
  addDbOptions(
    importCommand
      .command('bank')
      .description('import a bank statement file (camt.053, camt.054, MT940, BAI2 or CSV) and apply its incoming payments')
      .argument('<file>', 'statement file')
      .option('--type <type>', `file format: ${bankFileTypes.join(', ')} (detected when omitted; csv needs --mapping)`)
      .option('--mapping <file>', 'JSON column mapping of a CSV bank export (see docs/bank-csv-mapping.md)')
      .option('--dry-run', 'parse and print the statements, store nothing')
      .option('--format <format>', 'dry-run output: table, csv or json', 'table')
      .option('--no-match', 'store the statements without matching their credits'),
  ).action(async (file: string, options: DbOptions & { type?: string; mapping?: string; dryRun?: boolean; format: string; match: boolean }) => {
    try {
      const type = checkType(options.type);
      const mapping = options.mapping ? await loadBankMapping(options.mapping) : undefined;
      // A mapping marks the file as CSV, so detection is skipped.
      const csvType = mapping && type === undefined ? 'csv' : type;
      if (options.dryRun) {
        const parsed = await parseBankFileAt(file, { type: csvType, mapping });
        printWarnings(parsed);
        await printDryRun(parsed, options.format);
        return;
      }
      const started = performance.now();
      const result = await withDb(options, (db) =>
        importBankFile(db, file, cliActor(), {
          type: csvType,
          mapping,
          skipMatching: !options.match,
          progress: process.stderr.isTTY ? (done, total) => process.stderr.write(`\rmatching ${done}/${total}`) : undefined,
        }),
      );
      if (process.stderr.isTTY && result.applied.length > 0) process.stderr.write('\n');
      printWarnings(result.parsed);
      const stored = result.stored.statements.filter((statement) => statement.statementId !== null);
      const skipped = result.stored.statements.length - stored.length;
      const entries = stored.reduce((sum, statement) => sum + statement.entries, 0);
      process.stdout.write(
        `imported ${file}: ${stored.length} statements with ${entries} entries stored, ${skipped} skipped as stored already (same account, dates, balances and entries), in ${((performance.now() - started) / 1000).toFixed(2)} s\n`,
      );
      for (const applied of result.applied) process.stdout.write(`  ${describeApplication(applied)}\n`);
    } catch (error) {
      reportCliError(error);
    }
  });
}

async function withCompany<T>(options: DbOptions & { company: string }, work: (db: Db, company: Company) => Promise<T>): Promise<T> {
  return withDb(options, async (db) => work(db, await getCompany(db, options.company)));
}

function parseLines(values: readonly string[], exponent: number): { document: string; amount: bigint }[] {
  return values.map((value) => {
    const match = /^([^=]+)=(.+)$/.exec(value);
    if (!match) throw new InputError(`invalid --line "${value}": use DOCUMENT=AMOUNT, such as 4100012=150.00`, 'invalid_option', 'line');
    try {
      return { document: match[1]!.trim(), amount: parseDecimal(match[2]!, exponent) };
    } catch (error) {
      throw new InputError(`invalid --line "${value}": ${(error as Error).message}`, 'invalid_option', 'line');
    }
  });
}

export function registerBankCommands(program: Command): void {
  const bank = program.command('bank').description('bank accounts, statements and the matching of incoming payments');
  const account = bank.command('account').description('bank accounts of the companies');

  addDbOptions(
    account
      .command('add')
      .description('register a bank account, so its statements can be imported')
      .requiredOption('--company <code>', 'company that holds the account')
      .requiredOption('--bank <name>', 'name of the bank')
      .requiredOption('--account <number>', 'IBAN or the bank account number as statements state it')
      .requiredOption('--currency <code>', 'ISO 4217 currency of the account')
      .option('--gl-code <code>', 'general ledger account of the bank account'),
  ).action(async (options: DbOptions & { company: string; bank: string; account: string; currency: string; glCode?: string }) => {
    try {
      const added = await withCompany(options, (db, company) =>
        addBankAccount(db, company, { bank: options.bank, accountNumber: options.account, currency: options.currency, glCode: options.glCode ?? null }, cliActor()),
      );
      process.stdout.write(`added bank account ${added.accountNumber} (${added.currency}) of ${options.company}\n`);
    } catch (error) {
      reportCliError(error);
    }
  });

  addDbOptions(
    account
      .command('list')
      .description('list the bank accounts')
      .option('--format <format>', `output format: ${outputFormats.join(', ')}`, 'table')
      .option('--output <file>', 'write to this file instead of standard output (required for xlsx)'),
  ).action(async (options: DbOptions & { format: string; output?: string }) => {
    try {
      const output = checkOutputOptions(options.format, options.output);
      await withDb(options, async (db) => {
        const accounts = await listBankAccounts(db, null);
        const codes = await companyCodes(db);
        await writeOutput(
          {
            tables: [
              {
                title: 'Bank accounts',
                columns: [
                  { key: 'company', header: 'Company', type: 'text' },
                  { key: 'bank', header: 'Bank', type: 'text' },
                  { key: 'account', header: 'Account', type: 'text' },
                  { key: 'currency', header: 'Currency', type: 'text' },
                  { key: 'glCode', header: 'GL account', type: 'text' },
                ],
                rows: accounts.map((row) => [codes.get(row.companyId) ?? String(row.companyId), row.bank, row.accountNumber, row.currency, row.glCode]),
              },
            ],
          },
          output,
        );
      });
    } catch (error) {
      reportCliError(error);
    }
  });

  addDbOptions(
    bank
      .command('match')
      .description("match the company's unmatched incoming payments to open items and post the sure ones")
      .requiredOption('--company <code>', 'company whose bank credits are matched'),
  ).action(async (options: DbOptions & { company: string }) => {
    try {
      const result = await withCompany(options, (db, company) => applyCash(db, company, cliActor()));
      process.stdout.write(`${describeApplication(result)}\n`);
    } catch (error) {
      reportCliError(error);
    }
  });

  addDbOptions(
    bank
      .command('review')
      .description('list bank credits waiting for a decision, with the proposed customer, items and reasons')
      .option('--company <code>', 'only this company')
      .option('--status <status>', `${reviewStatuses.join(', ')}`, 'review')
      .option('--limit <count>', 'at most this many credits', '100')
      .option('--format <format>', `output format: ${outputFormats.join(', ')}`, 'table')
      .option('--output <file>', 'write to this file instead of standard output (required for xlsx)'),
  ).action(async (options: DbOptions & { company?: string; status: string; limit: string; format: string; output?: string }) => {
    try {
      if (!(reviewStatuses as readonly string[]).includes(options.status)) {
        throw new InputError(`invalid --status "${options.status}": use one of ${reviewStatuses.join(', ')}`, 'invalid_option', 'status');
      }
      const output = checkOutputOptions(options.format, options.output);
      await withDb(options, async (db) => {
        const company = options.company ? await getCompany(db, options.company) : undefined;
        const queue = await listReview(db, cliActor(), { status: options.status as ReviewStatus, company, limit: Number(options.limit) });
        const exponent = company?.currencyExponent ?? 2;
        await writeOutput(
          {
            tables: [
              {
                title: `Bank credits in ${options.status} (${queue.total})`,
                columns: [
                  { key: 'entryId', header: 'Entry', type: 'text' },
                  { key: 'bookingDate', header: 'Booked', type: 'text' },
                  { key: 'amount', header: 'Amount', type: 'money' },
                  { key: 'currency', header: 'Currency', type: 'text' },
                  { key: 'counterpartyName', header: 'Payer', type: 'text' },
                  { key: 'remittance', header: 'Remittance', type: 'text' },
                  { key: 'customer', header: 'Proposed customer', type: 'text' },
                  { key: 'confidence', header: 'Confidence', type: 'decimal' },
                  { key: 'items', header: 'Items', type: 'text' },
                  { key: 'reasons', header: 'Reasons', type: 'text' },
                ],
                rows: queue.entries.map((entry) => [
                  entry.entryId,
                  entry.bookingDate,
                  { amount: entry.amount, exponent },
                  entry.currency,
                  entry.counterpartyName,
                  [entry.reference, entry.remittance].filter(Boolean).join(' ').slice(0, 50) || null,
                  entry.customerNumber === null ? null : `${entry.customerNumber} ${entry.customerName ?? ''}`,
                  entry.confidence === null ? null : entry.confidence.toFixed(3),
                  entry.lines.map((line) => `${line.documentNumber}=${formatMinor(line.amount, exponent)}`).join(' '),
                  entry.reasons.map((reason) => reason.detail).join('; '),
                ]),
              },
            ],
            json: {
              total: queue.total,
              entries: queue.entries.map((entry) => ({
                ...entry,
                amount: formatMinor(entry.amount, exponent),
                paymentAmount: entry.paymentAmount === null ? null : formatMinor(entry.paymentAmount, exponent),
                lines: entry.lines.map((line) => ({ ...line, openAmount: formatMinor(line.openAmount, exponent), amount: formatMinor(line.amount, exponent) })),
              })),
            },
          },
          output,
        );
      });
    } catch (error) {
      reportCliError(error);
    }
  });

  addDbOptions(
    bank
      .command('confirm')
      .description('post a bank credit in review or suspense: as proposed, or to the customer and items given')
      .argument('<entry>', 'bank entry id (see "ardesk bank review")')
      .requiredOption('--company <code>', 'company of the entry')
      .option('--customer <number>', 'customer who paid, when not the proposed one')
      .option('--line <document=amount...>', 'an item and the amount it gets; repeat for a split; none with --customer posts unapplied cash')
      .option('--note <text>', 'why, for the audit trail'),
  ).action(async (entry: string, options: DbOptions & { company: string; customer?: string; line?: string[]; note?: string }) => {
    try {
      const outcome = await withCompany(options, async (db, company) => {
        let customerId: bigint | undefined;
        if (options.customer !== undefined) {
          customerId = await findCustomerId(db, company, options.customer);
        }
        let lines: { itemId: bigint; amount: bigint }[] | undefined;
        if (options.line !== undefined) {
          // Items are looked up among the payer's group, as a parent may pay for a member.
          const payer =
            customerId ??
            (await db.query<{ customer_id: bigint | null }>('select customer_id from cash_match where company_id = $1 and entry_id = $2', [company.companyId, entry])).rows[0]
              ?.customer_id ??
            null;
          if (payer === null) throw new InputError(`bank entry ${entry} has no proposed customer: name one with --customer`, 'missing_option', 'customer');
          const group = await db.query<{ customer_id: bigint }>(
            `select g.customer_id from customer c join customer g on g.company_id = c.company_id
               and (g.customer_id = c.customer_id or (c.group_number is not null and g.group_number = c.group_number))
             where c.company_id = $1 and c.customer_id = $2`,
            [company.companyId, payer],
          );
          lines = await documentLines(
            db,
            company.companyId,
            group.rows.map((row) => row.customer_id),
            parseLines(options.line, company.currencyExponent).map((line) => ({ document: line.document, amount: line.amount })),
            '--line',
          );
        }
        return confirmMatch(db, company, BigInt(entry), cliActor(), { customerId, lines, note: options.note });
      });
      process.stdout.write(`bank entry ${entry} ${outcome.status} as payment item ${outcome.paymentItemId}\n`);
    } catch (error) {
      reportCliError(error);
    }
  });

  addDbOptions(
    bank
      .command('reject')
      .description('set a proposal aside (the credit moves to suspense), or mark a credit in suspense as not a customer payment')
      .argument('<entry>', 'bank entry id')
      .requiredOption('--company <code>', 'company of the entry')
      .requiredOption('--reason <text>', 'why, for the audit trail'),
  ).action(async (entry: string, options: DbOptions & { company: string; reason: string }) => {
    try {
      const outcome = await withCompany(options, (db, company) => rejectMatch(db, company, BigInt(entry), cliActor(), options.reason));
      process.stdout.write(`bank entry ${entry} is now ${outcome.status}\n`);
    } catch (error) {
      reportCliError(error);
    }
  });

  addDbOptions(
    bank
      .command('settings')
      .description("show or change a company's matching settings")
      .requiredOption('--company <code>', 'company')
      .option('--threshold <share>', 'confidence from which a proposal is posted without review, such as 0.9')
      .option('--short-pay-tolerance <share>', 'how short a payment may be and still close its items, such as 0.05')
      .option('--fx-tolerance <share>', 'how far a converted payment may be from the items, such as 0.02'),
  ).action(async (options: DbOptions & { company: string; threshold?: string; shortPayTolerance?: string; fxTolerance?: string }) => {
    try {
      await withCompany(options, async (db, company) => {
        const share = (text: string | undefined, name: string, maximum: number): number | undefined => {
          if (text === undefined) return undefined;
          const value = Number(text);
          if (!/^\d*\.?\d+$/.test(text) || value > maximum || (name === 'threshold' && value === 0)) {
            throw new InputError(`invalid --${name} "${text}": use a share between 0 and ${maximum}`, 'invalid_option', name);
          }
          return value;
        };
        const current = await loadMatchSettings(db, company.companyId);
        const next = {
          autoPostThreshold: share(options.threshold, 'threshold', 1) ?? current.autoPostThreshold,
          shortPayTolerance: share(options.shortPayTolerance, 'short-pay-tolerance', 0.999) ?? current.shortPayTolerance,
          fxTolerance: share(options.fxTolerance, 'fx-tolerance', 0.999) ?? current.fxTolerance,
        };
        if (options.threshold !== undefined || options.shortPayTolerance !== undefined || options.fxTolerance !== undefined) {
          await db.transaction(async (tx) => {
            await tx.query(
              `insert into cash_setting (company_id, auto_post_threshold, short_pay_tolerance, fx_tolerance)
               values ($1, $2, $3, $4)
               on conflict (company_id) do update set auto_post_threshold = excluded.auto_post_threshold,
                 short_pay_tolerance = excluded.short_pay_tolerance, fx_tolerance = excluded.fx_tolerance`,
              [company.companyId, next.autoPostThreshold, next.shortPayTolerance, next.fxTolerance],
            );
            await recordAudit(tx, { actor: cliActor(), action: 'cash.settings', entity: 'cash_setting', entityId: company.code, companyId: company.companyId, before: current, after: next });
          });
        }
        process.stdout.write(
          `${company.code}: post from confidence ${next.autoPostThreshold}, short payments up to ${next.shortPayTolerance}, FX difference up to ${next.fxTolerance}\n`,
        );
      });
    } catch (error) {
      reportCliError(error);
    }
  });
}
