/**
 * Statements of account for many customers at once. Each statement is
 * built, drawn as a PDF and mailed to the customer's statements contact,
 * or written to a folder for print, before the next few are read. Memory
 * therefore contains a handful of PDFs whatever the size of the batch.
 */
import { join } from 'node:path';
import { ForbiddenError } from '../auth/errors.js';
import { checkRegionInScope, scopeCondition } from '../auth/scope.js';
import { unrestricted, type Actor, type Scope } from '../auth/types.js';
import type { Queryable, SqlParam } from '../db/types.js';
import { openItemsAsOfSql } from '../ledger/balances.js';
import { getCompany } from '../ledger/companies.js';
import type { Company } from '../ledger/types.js';
import { MailServerError, recordMail, type Mailer, type MailMessage } from '../mail/mailer.js';
import type { IsoDate } from '../shared/dates.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { formatMinorGrouped } from '../shared/money.js';
import { checkWorkRole } from './activities.js';
import { contactsOf, type CustomerContact } from './contacts.js';
import { statementPdfBuffer, writeStatementPdfFile } from './statement-pdf.js';
import { checkStatementPeriod, customerStatement, statementFileName, type CustomerStatement } from './statement.js';

/** Selection of the customers that get a statement. */
export type StatementSelection =
  | { kind: 'active' }
  | { kind: 'region'; region: string }
  | { kind: 'customers'; customerNumbers: readonly string[] };

export interface StatementBatchRequest {
  company: string;
  from: IsoDate;
  to: IsoDate;
  selection: StatementSelection;
  /** Only customers inside this scope; the whole ledger when undefined. */
  scope?: Scope;
}

export interface StatementBatchOptions {
  /** Mails each statement to the customer's statements contact; without it every statement goes to `printDir`. */
  mailer?: Mailer;
  /** Folder for the PDFs of customers that are not mailed (no contact, or no mailer). */
  printDir?: string;
  /** Statements in progress at once; 2 when omitted, so one is drawn while another is mailed. */
  concurrency?: number;
  /** Called after each customer, in the order the customers finish. */
  onOutcome?: (outcome: StatementOutcome, done: number, total: number) => void;
  /**
   * Leaves out the customers whose statement of this period was mailed
   * before, so a batch stopped by a mail server failure can be run again
   * without mailing anyone twice.
   */
  resume?: boolean;
}

/**
 * sent: mailed; failed: not mailed or not written (see error);
 * skipped: no contact and no print folder; written: PDF written for print.
 */
export type StatementOutcomeStatus = 'sent' | 'failed' | 'skipped' | 'written';

export interface StatementOutcome {
  customerNumber: string;
  customerName: string | null;
  status: StatementOutcomeStatus;
  /** The address the statement was mailed to, or attempted to. */
  to: string | null;
  /** The PDF written for print. */
  file: string | null;
  error: string | null;
  /** Closing balance in the company currency; null when no statement was built. */
  closingBalance: bigint | null;
  mailId: bigint | null;
}

export interface StatementBatchResult {
  company: Pick<Company, 'code' | 'name' | 'currency' | 'currencyExponent'>;
  from: IsoDate;
  to: IsoDate;
  total: number;
  sent: number;
  failed: number;
  skipped: number;
  written: number;
  /** One outcome per selected customer, by customer number. */
  outcomes: StatementOutcome[];
}

interface BatchCustomer {
  customerId: bigint | null;
  customerNumber: string;
  name: string | null;
}

/**
 * Selects the customers with an open item at the end of the period, even
 * when their open items net to zero, and those with a movement in it: an
 * item posted or an allocation dated in the period. With a region, only
 * its customers. Returns them in customer number order.
 */
async function activeCustomers(db: Queryable, company: Company, request: StatementBatchRequest, region: string | null): Promise<BatchCustomer[]> {
  const params: SqlParam[] = [company.companyId, request.from, request.to, region];
  const inScope = scopeCondition(request.scope ?? unrestricted, 'c', params);
  const result = await db.query<{ customer_id: bigint; customer_number: string; name: string }>(
    `with balance as (
       select o.customer_id from (${openItemsAsOfSql('$1', '$3::date')}) o
       group by o.customer_id having bool_or(o.open_amount <> 0)
     ),
     posted as (
       select distinct i.customer_id from open_item i
       where i.company_id = $1 and i.posting_date between $2::date and $3::date
     ),
     allocated as (
       select distinct i.customer_id from allocation a
       join open_item i on i.company_id = a.company_id and i.item_id in (a.debit_item_id, a.credit_item_id)
       where a.company_id = $1 and a.allocation_date between $2::date and $3::date
     )
     select c.customer_id, c.customer_number, c.name from customer c
     where c.company_id = $1 and ($4::text is null or c.region = $4) and ${inScope}
       and (c.customer_id in (select customer_id from balance)
            or c.customer_id in (select customer_id from posted)
            or c.customer_id in (select customer_id from allocated))
     order by c.customer_number collate "C"`,
    params,
  );
  return result.rows.map((row) => ({ customerId: row.customer_id, customerNumber: row.customer_number, name: row.name }));
}

/** Finds the named customers; a number not found in the company and scope keeps a null id. */
async function namedCustomers(db: Queryable, company: Company, numbers: readonly string[], scope: Scope): Promise<BatchCustomer[]> {
  const params: SqlParam[] = [company.companyId, [...numbers]];
  const inScope = scopeCondition(scope, 'c', params);
  const result = await db.query<{ customer_id: bigint; customer_number: string; name: string }>(
    `select c.customer_id, c.customer_number, c.name from customer c
     where c.company_id = $1 and c.customer_number = any($2::text[]) and ${inScope}`,
    params,
  );
  const found = new Map(result.rows.map((row) => [row.customer_number, row]));
  const unique = [...new Set(numbers)];
  return unique.map((number) => {
    const row = found.get(number);
    return { customerId: row?.customer_id ?? null, customerNumber: number, name: row?.name ?? null };
  });
}

/**
 * Raises NotFoundError for a region without customers in the company (a
 * mistyped region would otherwise mail nothing without a word), and
 * ForbiddenError for a region outside the scope.
 */
async function checkRegion(db: Queryable, company: Company, region: string, scope: Scope): Promise<void> {
  checkRegionInScope(scope, company.companyId, region, 'statement.batch');
  const found = await db.query('select 1 from customer where company_id = $1 and region = $2 limit 1', [company.companyId, region]);
  if (found.rows.length === 0) throw new NotFoundError(`region "${region}" has no customers in company ${company.code}`, 'region');
}

/** Checks the request and lists the customers it selects. */
export async function selectStatementCustomers(db: Queryable, request: StatementBatchRequest): Promise<{ company: Company; customers: BatchCustomer[] }> {
  checkStatementPeriod(request.from, request.to);
  const company = await getCompany(db, request.company);
  const selection = request.selection;
  if (selection.kind === 'customers') {
    const numbers = selection.customerNumbers.map((number) => number.trim()).filter((number) => number !== '');
    if (numbers.length === 0) throw new InputError('missing customers: name at least one customer number', 'missing_parameter', 'customers');
    return { company, customers: await namedCustomers(db, company, numbers, request.scope ?? unrestricted) };
  }
  const region = selection.kind === 'region' ? selection.region.trim() : null;
  if (region === '') throw new InputError('missing region: name the region of the customers', 'missing_parameter', 'region');
  if (region !== null) await checkRegion(db, company, region, request.scope ?? unrestricted);
  return { company, customers: await activeCustomers(db, company, request, region) };
}

/** Returns the reference a mailed statement is recorded under. */
function statementReference(customerNumber: string, from: IsoDate, to: IsoDate): string {
  return `statement ${customerNumber} ${from} to ${to}`;
}

/** Finds the selected customers whose statement of the period was mailed, with the time of the last sending. */
async function statementsMailed(db: Queryable, company: Company, request: StatementBatchRequest, customers: readonly BatchCustomer[]): Promise<Map<bigint, string>> {
  const references = customers.map((customer) => statementReference(customer.customerNumber, request.from, request.to));
  const result = await db.query<{ customer_id: bigint; sent_at: string }>(
    `select customer_id, to_char(max(sent_at) at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') as sent_at
     from outbound_mail
     where company_id = $1 and purpose = 'statement' and status = 'sent' and reference = any($2::text[])
     group by customer_id`,
    [company.companyId, references],
  );
  return new Map(result.rows.map((row) => [row.customer_id, row.sent_at]));
}

/** Builds the message that carries one statement. */
export function statementMessage(statement: CustomerStatement, contact: CustomerContact, pdf: Buffer): MailMessage {
  const { company, customer, totals } = statement;
  const closing = `${formatMinorGrouped(totals.closingBalance, totals.exponent)} ${totals.currency}`;
  const greeting = contact.name ? `Dear ${contact.name},` : 'Dear customer,';
  return {
    to: contact.email,
    subject: `Statement of account ${customer.customerNumber}, ${statement.from} to ${statement.to}: ${company.name}`,
    text: [
      greeting,
      '',
      `Please find attached the statement of account of ${customer.name} (${customer.customerNumber}) for ${statement.from} to ${statement.to}.`,
      `The closing balance on ${statement.to} is ${closing}.`,
      '',
      'If an entry does not match your records, please reply to this message.',
      '',
      company.name,
    ].join('\n'),
    attachments: [{ filename: statementFileName(statement, 'pdf'), content: pdf, contentType: 'application/pdf' }],
  };
}

/** Tells a refused message (an SMTP reply) from a lost connection, after which the batch stops. */
function isRecipientFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 400;
}

interface BatchContext {
  db: Queryable;
  request: StatementBatchRequest;
  options: StatementBatchOptions;
  contacts: Map<bigint, CustomerContact>;
  /** Customers whose statement of the period was mailed before, with when. */
  mailedBefore: Map<bigint, string>;
  actor: Actor;
}

async function mailStatement(context: BatchContext, statement: CustomerStatement, contact: CustomerContact, base: StatementOutcome): Promise<StatementOutcome> {
  const pdf = await statementPdfBuffer(statement);
  const message = statementMessage(statement, contact, pdf);
  const record = {
    companyId: statement.company.companyId,
    customerId: statement.customer.customerId,
    purpose: 'statement' as const,
    reference: statementReference(statement.customer.customerNumber, statement.from, statement.to),
    message,
  };
  try {
    const sent = await context.options.mailer!.send(message);
    const mailId = await recordMail(context.db, { ...record, outcome: { sent } }, context.actor);
    return { ...base, status: 'sent', mailId };
  } catch (error) {
    const text = (error as Error).message;
    const mailId = await recordMail(context.db, { ...record, outcome: { error: text } }, context.actor);
    if (!isRecipientFailure(error)) {
      throw new MailServerError(`the mail server failed while sending the statement of ${statement.customer.customerNumber}, so the batch stopped: ${text}`);
    }
    return { ...base, status: 'failed', error: text, mailId };
  }
}

async function processCustomer(context: BatchContext, customer: BatchCustomer): Promise<StatementOutcome> {
  const base: StatementOutcome = {
    customerNumber: customer.customerNumber,
    customerName: customer.name,
    status: 'failed',
    to: null,
    file: null,
    error: null,
    closingBalance: null,
    mailId: null,
  };

  if (customer.customerId === null) {
    return { ...base, error: `customer "${customer.customerNumber}" not found in company ${context.request.company}` };
  }
  const mailedAt = context.mailedBefore.get(customer.customerId);
  if (mailedAt !== undefined) return { ...base, status: 'skipped', error: `mailed before, on ${mailedAt}` };

  const { request, options } = context;
  const statement = await customerStatement(context.db, {
    company: request.company,
    customerNumber: customer.customerNumber,
    from: request.from,
    to: request.to,
    scope: request.scope,
  });
  const withBalance = { ...base, closingBalance: statement.totals.closingBalance };

  const contact = options.mailer ? context.contacts.get(customer.customerId) : undefined;
  if (contact) return mailStatement(context, statement, contact, { ...withBalance, to: contact.email });
  const reason = options.mailer ? 'no statements or collections contact' : null;
  if (!options.printDir) return { ...withBalance, status: 'skipped', error: reason };

  // Two customer numbers can differ only in characters a file name cannot
  // hold ("X/1" and "X_1"): the customer id keeps their files apart.
  const name = statementFileName(statement, 'pdf');
  const plain = /^[\w.-]+$/.test(customer.customerNumber);
  const file = join(options.printDir, plain ? name : name.replace(/\.pdf$/, `-${customer.customerId}.pdf`));
  await writeStatementPdfFile(statement, file);
  return { ...withBalance, status: 'written', file, error: reason };
}

/**
 * Builds, draws and mails (or writes) the statements of the selected
 * customers, a few at a time. A refused recipient is recorded as a failed
 * message and the batch goes on; a lost connection to the mail server
 * stops it. Every message handed to the server is recorded in
 * outbound_mail. Returns one outcome per customer.
 */
export async function runStatementBatch(
  db: Queryable,
  request: StatementBatchRequest,
  options: StatementBatchOptions,
  actor: Actor,
): Promise<StatementBatchResult> {
  checkWorkRole(actor, 'statement.batch', null);
  // Sales see a customer's standing but do not write to customers in the company's name.
  if (actor.role === 'sales') {
    throw new ForbiddenError('the role sales may not mail or write statement batches', { action: 'statement.batch', entity: 'route', entityId: 'statement.batch', companyId: null });
  }
  if (!options.mailer && !options.printDir) {
    throw new InputError('nothing to do: mail the statements or name a folder to write them to', 'missing_parameter', 'email');
  }
  const { company, customers } = await selectStatementCustomers(db, request);
  const ids = customers.flatMap((customer) => (customer.customerId === null ? [] : [customer.customerId]));
  const contacts = options.mailer ? await contactsOf(db, company.companyId, ids, 'statements') : new Map<bigint, CustomerContact>();
  const mailedBefore = options.resume && options.mailer ? await statementsMailed(db, company, request, customers) : new Map<bigint, string>();
  const context: BatchContext = { db, request, options, contacts, mailedBefore, actor };

  const outcomes: StatementOutcome[] = new Array<StatementOutcome>(customers.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < customers.length) {
      const index = next++;
      let outcome: StatementOutcome;
      try {
        outcome = await processCustomer(context, customers[index]!);
      } catch (error) {
        // The other workers stop after their current customer.
        next = customers.length;
        throw error;
      }
      outcomes[index] = outcome;
      done += 1;
      options.onOutcome?.(outcome, done, customers.length);
    }
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 2, 8));
  // Every worker finishes its customer before the first error is raised,
  // so the caller does not close the mailer under a message still in flight.
  const settled = await Promise.allSettled(Array.from({ length: concurrency }, worker));
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;

  const count = (status: StatementOutcomeStatus) => outcomes.filter((outcome) => outcome.status === status).length;
  return {
    company: { code: company.code, name: company.name, currency: company.currency, currencyExponent: company.currencyExponent },
    from: request.from,
    to: request.to,
    total: outcomes.length,
    sent: count('sent'),
    failed: count('failed'),
    skipped: count('skipped'),
    written: count('written'),
    outcomes,
  };
}
