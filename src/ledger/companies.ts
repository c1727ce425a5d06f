import type { Queryable } from '../db/types.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { addDays, isoWeekday, type IsoDate } from '../shared/dates.js';
import { currencyExponent } from './currencies.js';
import type { Company } from './types.js';

interface CompanyRow {
  company_id: number;
  code: string;
  name: string;
  currency: string;
  exponent: number;
  weekend_days: number[];
}

const selectCompany = `
  select c.company_id, c.code, c.name, c.currency, cur.exponent, c.weekend_days
  from company c join currency cur on cur.code = c.currency`;

function toCompany(row: CompanyRow): Company {
  return {
    companyId: row.company_id,
    code: row.code,
    name: row.name,
    currency: row.currency,
    currencyExponent: row.exponent,
    weekendDays: row.weekend_days.map(Number),
  };
}

export async function listCompanies(db: Queryable): Promise<Company[]> {
  const result = await db.query<CompanyRow>(`${selectCompany} order by c.code`);
  return result.rows.map(toCompany);
}

export async function findCompany(
  db: Queryable,
  code: string,
): Promise<Company | null> {
  const result = await db.query<CompanyRow>(`${selectCompany} where c.code = $1`, [
    code,
  ]);
  const row = result.rows[0];
  return row ? toCompany(row) : null;
}

export async function getCompany(db: Queryable, code: string): Promise<Company> {
  const company = await findCompany(db, code);
  if (!company) {
    throw new NotFoundError(`company "${code}" not found`, 'company');
  }
  return company;
}

/** Finds a company by id: bank accounts, checks and receipts name their company by id. */
export async function getCompanyById(db: Queryable, companyId: number): Promise<Company> {
  const result = await db.query<CompanyRow>(`${selectCompany} where c.company_id = $1`, [companyId]);
  const row = result.rows[0];
  if (!row) throw new NotFoundError(`company ${companyId} not found`, 'company');
  return toCompany(row);
}

/** Returns every company's code by id, for lists that name companies by code. */
export async function companyCodes(db: Queryable): Promise<Map<number, string>> {
  const result = await db.query<{ company_id: number; code: string }>('select company_id, code from company');
  return new Map(result.rows.map((row) => [row.company_id, row.code]));
}

export interface CompanyInput {
  code: string;
  name?: string;
  currency: string;
  weekendDays?: number[];
}

/**
 * Returns the company with `code`, creating it when new. An existing
 * company with another local currency is an error, since its amounts
 * would be read in the wrong unit.
 */
export async function ensureCompany(
  db: Queryable,
  input: CompanyInput,
): Promise<Company> {
  const existing = await findCompany(db, input.code);
  if (existing) {
    if (existing.currency !== input.currency) {
      throw new InputError(
        `company "${input.code}" keeps its books in ${existing.currency}, not ${input.currency}`,
        'currency_mismatch',
        'currency',
      );
    }
    return existing;
  }
  await currencyExponent(db, input.currency);
  if (!/^[A-Za-z0-9_-]{1,20}$/.test(input.code)) {
    throw new InputError(
      `invalid company code "${input.code}": use 1 to 20 letters, digits, _ or -`,
      'invalid_company',
      'company',
    );
  }
  await db.query(
    `insert into company (company_id, code, name, currency, weekend_days)
     values ((select coalesce(max(company_id), 0) + 1 from company), $1, $2, $3, $4)`,
    [input.code, input.name ?? input.code, input.currency, input.weekendDays ?? [6, 7]],
  );
  return getCompany(db, input.code);
}

export async function addHoliday(
  db: Queryable,
  companyId: number,
  holiday: IsoDate,
  name = '',
): Promise<void> {
  await db.query(
    `insert into business_holiday (company_id, holiday, name) values ($1, $2, $3)
     on conflict (company_id, holiday) do update set name = excluded.name`,
    [companyId, holiday, name],
  );
}

/** Returns `date` itself when it is a business day, else the next one. */
export async function nextBusinessDay(
  db: Queryable,
  company: Company,
  date: IsoDate,
): Promise<IsoDate> {
  const result = await db.query<{ holiday: string }>(
    `select holiday from business_holiday
     where company_id = $1 and holiday >= $2 and holiday < ($2::date + 60)`,
    [company.companyId, date],
  );
  const holidays = new Set(result.rows.map((row) => row.holiday));
  let day = date;
  while (company.weekendDays.includes(isoWeekday(day)) || holidays.has(day)) {
    day = addDays(day, 1);
  }
  return day;
}
