/**
 * Option parsing shared by the commands: the acting user named by --as,
 * the company, dates and the output options.
 */
import type { Command } from 'commander';
import { cliActor, getUser, loadScope, type Actor } from '../auth/index.js';
import type { Db, Queryable } from '../db/types.js';
import { getCompany, listCompanies, type Company } from '../ledger/index.js';
import { isIsoDate, type IsoDate } from '../shared/dates.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { outputFormats } from './output.js';
import { withDb } from './context.js';

export interface DbOptions {
  dataDir?: string;
}

export interface OutputChoice extends DbOptions {
  format: string;
  output?: string;
}

/** Returns the user named by --as with their role and scope, else the operating-system user with full access. */
export async function actorFor(db: Queryable, email: string | undefined): Promise<Actor> {
  if (email === undefined) return cliActor();
  const user = await getUser(db, email);
  if (user.disabled) throw new InputError(`user "${user.email}" is disabled`, 'user_disabled', 'as');
  return { userId: user.userId, email: user.email, role: user.role, scope: await loadScope(db, user.userId), via: 'cli' };
}

/** Returns the company named by --company, or the only company there is. */
export async function companyFor(db: Queryable, code: string | undefined): Promise<Company> {
  if (code !== undefined && code !== '') return getCompany(db, code);
  const companies = await listCompanies(db);
  if (companies.length === 1) return companies[0]!;
  throw new InputError(
    companies.length === 0
      ? 'missing --company: there is no company yet'
      : `missing --company: choose one of ${companies.map((company) => company.code).join(', ')}`,
    'missing_parameter',
    'company',
  );
}

/** Returns the id of the customer with this number in the company, or raises NotFoundError. */
export async function findCustomerId(db: Queryable, company: Company, customerNumber: string): Promise<bigint> {
  const result = await db.query<{ customer_id: bigint }>('select customer_id from customer where company_id = $1 and customer_number = $2', [
    company.companyId,
    customerNumber,
  ]);
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`customer ${customerNumber} not found in ${company.code}`, 'customer');
  return row.customer_id;
}

/** Opens the database, loads the company named by --company and runs `work`. */
export async function withCompany<T>(options: DbOptions & { company: string }, work: (db: Db, company: Company) => Promise<T>): Promise<T> {
  return withDb(options, async (db) => work(db, await getCompany(db, options.company)));
}

/** Returns the value of `--<field>` after checking that it is a YYYY-MM-DD date. */
export function parseDateOption(text: string, field: string): IsoDate {
  if (!isIsoDate(text)) throw new InputError(`invalid --${field} "${text}": use YYYY-MM-DD`, 'invalid_date', field);
  return text;
}

/** Returns today's date in UTC, which east or west of UTC can differ from the local date near midnight. */
export function todayUtc(): IsoDate {
  return new Date().toISOString().slice(0, 10);
}

/** Adds --format and --output. */
export function withOutput(command: Command): Command {
  return command
    .option('--format <format>', `output format: ${outputFormats.join(', ')}`, 'table')
    .option('--output <file>', 'write to this file instead of standard output');
}
