import type { Queryable } from '../db/types.js';
import { NotFoundError } from '../shared/errors.js';

/** Returns the ISO 4217 minor-unit exponent of every known currency. */
export async function loadCurrencyExponents(
  db: Queryable,
): Promise<Map<string, number>> {
  const result = await db.query<{ code: string; exponent: number }>(
    'select code, exponent from currency',
  );
  return new Map(result.rows.map((row) => [row.code, row.exponent]));
}

export async function currencyExponent(
  db: Queryable,
  code: string,
): Promise<number> {
  const result = await db.query<{ exponent: number }>(
    'select exponent from currency where code = $1',
    [code],
  );
  const row = result.rows[0];
  if (!row) {
    throw new NotFoundError(`unknown currency "${code}"`, 'currency');
  }
  return row.exponent;
}

/** Stores a dated rate: units of `to` for one unit of `from`. */
export async function setFxRate(
  db: Queryable,
  from: string,
  to: string,
  rateDate: string,
  rate: string,
): Promise<void> {
  await db.query(
    `insert into fx_rate (from_currency, to_currency, rate_date, rate)
     values ($1, $2, $3, $4)
     on conflict (from_currency, to_currency, rate_date)
     do update set rate = excluded.rate`,
    [from, to, rateDate, rate],
  );
}

/** Returns the latest rate dated on or before `date`, as decimal text. */
export async function findFxRate(
  db: Queryable,
  from: string,
  to: string,
  date: string,
): Promise<string | null> {
  if (from === to) return '1';
  const result = await db.query<{ rate: string }>(
    `select rate from fx_rate
     where from_currency = $1 and to_currency = $2 and rate_date <= $3
     order by rate_date desc limit 1`,
    [from, to, date],
  );
  return result.rows[0]?.rate ?? null;
}

export interface StoredFxRate {
  from: string;
  to: string;
  date: string;
  /** Units of `to` for one unit of `from`, as decimal text. */
  rate: string;
}

/** Lists the stored rates, optionally of one currency pair, by pair and date. */
export async function listFxRates(db: Queryable, pair: { from?: string; to?: string } = {}): Promise<StoredFxRate[]> {
  const result = await db.query<{ from_currency: string; to_currency: string; rate_date: string; rate: string }>(
    `select from_currency, to_currency, rate_date, rate::text as rate from fx_rate
     where ($1::text is null or from_currency = $1) and ($2::text is null or to_currency = $2)
     order by from_currency, to_currency, rate_date`,
    [pair.from ?? null, pair.to ?? null],
  );
  return result.rows.map((row) => ({ from: row.from_currency, to: row.to_currency, date: row.rate_date, rate: row.rate }));
}
