/**
 * Dunning levels: per company, the reminder letters a customer gets as
 * its items grow older. Each level has a minimum of days past due, a
 * letter text per language, and optionally a fee per currency and an
 * annual interest rate.
 */
import { recordAudit } from '../audit/audit.js';
import { recordingDenial } from '../audit/denials.js';
import { can } from '../auth/permissions.js';
import { ForbiddenError } from '../auth/errors.js';
import type { Actor } from '../auth/types.js';
import type { Db, Queryable } from '../db/types.js';
import { loadCurrencyExponents } from '../ledger/currencies.js';
import { InputError } from '../shared/errors.js';
import { AmountFormatError, formatMinor, parseDecimal } from '../shared/money.js';
import { letterLanguages, type LetterLanguage } from './contacts.js';

export const defaultMinIntervalDays = 14;
export const maxDunningLevels = 9;

/** Placeholders a letter template may use. */
export const letterPlaceholders = ['customerName', 'customerNumber', 'companyName', 'asOf', 'level', 'total', 'items'] as const;
export type LetterPlaceholder = (typeof letterPlaceholders)[number];

export interface LetterText {
  subject: string;
  body: string;
}

export interface DunningLevel {
  level: number;
  minDaysPastDue: number;
  /** Annual rate as decimal text such as `0.08`, or null for no interest. */
  interestRate: string | null;
  /** Fee per currency code, in minor units of that currency. */
  fees: Map<string, bigint>;
  texts: Record<LetterLanguage, LetterText>;
}

export interface DunningSettings {
  minIntervalDays: number;
  levels: DunningLevel[];
}

/** The levels file and API body: amounts and rates as decimal text. */
export interface DunningLevelsJson {
  minIntervalDays?: number;
  levels: {
    level: number;
    minDaysPastDue: number;
    interestRate?: string | null;
    fees?: Record<string, string>;
    texts: Partial<Record<string, LetterText>>;
  }[];
}

/** The levels as stored, in the levels file format. */
export interface DunningLevelsOutput {
  minIntervalDays: number;
  levels: { level: number; minDaysPastDue: number; interestRate: string | null; fees: Record<string, string>; texts: Record<LetterLanguage, LetterText> }[];
}

/** Raises ForbiddenError unless the actor's role has the permission. */
export function checkDunningPermission(actor: Actor, permission: 'dunning.run' | 'dunning.approve', action: string, companyId: number | null): void {
  if (!can(actor.role, permission)) {
    throw new ForbiddenError(`the role ${actor.role} may not use ${permission}`, { action, entity: 'route', entityId: action, companyId });
  }
}


/** Loads the company's levels in level order and its minimum interval. */
export async function loadDunningSettings(db: Queryable, companyId: number): Promise<DunningSettings> {
  const [setting, levels, texts, fees] = await Promise.all([
    db.query<{ min_interval_days: number }>('select min_interval_days from dunning_setting where company_id = $1', [companyId]),
    db.query<{ level: number; min_days_past_due: number; interest_rate: string | null }>(
      'select level, min_days_past_due, interest_rate::text as interest_rate from dunning_level where company_id = $1 order by level',
      [companyId],
    ),
    db.query<{ level: number; language: LetterLanguage; subject: string; body: string }>(
      'select level, language, subject, body from dunning_level_text where company_id = $1',
      [companyId],
    ),
    db.query<{ level: number; currency: string; fee: bigint }>(
      'select level, currency::text as currency, fee from dunning_level_fee where company_id = $1',
      [companyId],
    ),
  ]);
  return {
    minIntervalDays: setting.rows[0]?.min_interval_days ?? defaultMinIntervalDays,
    levels: levels.rows.map((row) => ({
      level: Number(row.level),
      minDaysPastDue: Number(row.min_days_past_due),
      interestRate: row.interest_rate === null ? null : trimRate(row.interest_rate),
      fees: new Map(fees.rows.filter((fee) => Number(fee.level) === Number(row.level)).map((fee) => [fee.currency.trim(), fee.fee])),
      texts: Object.fromEntries(
        texts.rows.filter((text) => Number(text.level) === Number(row.level)).map((text) => [text.language, { subject: text.subject, body: text.body }]),
      ) as Record<LetterLanguage, LetterText>,
    })),
  };
}

/** `0.080000` as stored becomes `0.08`. */
function trimRate(rate: string): string {
  return rate.includes('.') ? rate.replace(/0+$/, '').replace(/\.$/, '') : rate;
}

/** Converts settings to the levels file format, fees as decimal text in their currency's exponent. */
export function dunningSettingsToJson(settings: DunningSettings, exponents: ReadonlyMap<string, number>): DunningLevelsOutput {
  return {
    minIntervalDays: settings.minIntervalDays,
    levels: settings.levels.map((level) => ({
      level: level.level,
      minDaysPastDue: level.minDaysPastDue,
      interestRate: level.interestRate,
      fees: Object.fromEntries([...level.fees.entries()].sort().map(([currency, fee]) => [currency, formatMinor(fee, exponents.get(currency) ?? 2)])),
      texts: level.texts,
    })),
  };
}

const placeholderPattern = /\{(\w+)\}/g;
/** Anything in braces, so a name in another script or with spaces is caught too. */
const bracedPattern = /\{([^{}\n]*)\}/g;

function checkTemplate(text: string, field: string, allowItems: boolean): void {
  for (const match of text.matchAll(bracedPattern)) {
    const name = match[1]!;
    if (!(letterPlaceholders as readonly string[]).includes(name) || (name === 'items' && !allowItems)) {
      const allowed = letterPlaceholders.filter((placeholder) => allowItems || placeholder !== 'items');
      throw new InputError(`invalid ${field}: unknown placeholder {${name}}; use ${allowed.map((p) => `{${p}}`).join(', ')}`, 'invalid_template', field);
    }
  }
  if (allowItems && (text.match(/\{items\}/g) ?? []).length > 1) {
    throw new InputError(`invalid ${field}: {items} may appear once`, 'invalid_template', field);
  }
}

const ratePattern = /^(0(\.\d{1,6})?|\.\d{1,6})$/;

function checkInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InputError(`invalid ${field} ${JSON.stringify(value)}: use a whole number from ${min} to ${max}`, 'invalid_field', field);
  }
  return value;
}

function parseFees(fees: Record<string, string> | undefined, exponents: ReadonlyMap<string, number>, field: string): Map<string, bigint> {
  const parsed = new Map<string, bigint>();
  for (const [code, text] of Object.entries(fees ?? {})) {
    const currency = code.trim().toUpperCase();
    const exponent = exponents.get(currency);
    if (exponent === undefined) throw new InputError(`invalid ${field}: unknown currency "${code}"`, 'invalid_currency', field);
    try {
      const fee = parseDecimal(String(text), exponent);
      if (fee < 0n) throw new AmountFormatError(`"${text}" is negative`);
      parsed.set(currency, fee);
    } catch (error) {
      if (error instanceof AmountFormatError) throw new InputError(`invalid ${field}.${currency}: ${error.message}`, 'invalid_amount', field);
      throw error;
    }
  }
  return parsed;
}

/**
 * Checks a levels file and converts it. Levels are numbered 1..n in order,
 * and the minimum days past due rise with the level. Each level needs an
 * English and an Arabic text. Fees must be exact in their currency's
 * exponent, and rates lie from 0 to below 1 with at most 6 decimals.
 * Raises InputError naming the field.
 */
export function parseDunningLevels(input: DunningLevelsJson, exponents: ReadonlyMap<string, number>): DunningSettings {
  if (typeof input !== 'object' || input === null || !Array.isArray(input.levels) || input.levels.length === 0) {
    throw new InputError('missing levels: give at least one dunning level', 'missing_parameter', 'levels');
  }
  if (input.levels.length > maxDunningLevels) {
    throw new InputError(`too many levels: at most ${maxDunningLevels}`, 'invalid_field', 'levels');
  }
  const minIntervalDays = checkInteger(input.minIntervalDays ?? defaultMinIntervalDays, 'minIntervalDays', 0, 3650);
  const levels = input.levels.map((entry, index): DunningLevel => {
    const field = `levels[${index}]`;
    const level = checkInteger(entry.level, `${field}.level`, 1, maxDunningLevels);
    if (level !== index + 1) throw new InputError(`invalid ${field}.level ${level}: levels are numbered 1, 2, 3 … in order, expected ${index + 1}`, 'invalid_field', `${field}.level`);
    const minDaysPastDue = checkInteger(entry.minDaysPastDue, `${field}.minDaysPastDue`, 1, 36500);
    const rate = entry.interestRate ?? null;
    if (rate !== null && (typeof rate !== 'string' || !ratePattern.test(rate))) {
      throw new InputError(`invalid ${field}.interestRate ${JSON.stringify(rate)}: use an annual rate as decimal text from 0 to below 1, such as "0.08"`, 'invalid_rate', `${field}.interestRate`);
    }
    const texts = {} as Record<LetterLanguage, LetterText>;
    for (const language of letterLanguages) {
      const text = entry.texts?.[language];
      const textField = `${field}.texts.${language}`;
      if (!text || typeof text.subject !== 'string' || typeof text.body !== 'string' || !text.subject.trim() || !text.body.trim()) {
        throw new InputError(`missing ${textField}: each level needs a subject and a body in ${letterLanguages.join(' and ')}`, 'missing_parameter', textField);
      }
      checkTemplate(text.subject, `${textField}.subject`, false);
      checkTemplate(text.body, `${textField}.body`, true);
      texts[language] = { subject: text.subject.trim(), body: text.body.trim() };
    }
    return { level, minDaysPastDue, interestRate: rate === null ? null : trimRate(rate.startsWith('.') ? `0${rate}` : rate), fees: parseFees(entry.fees, exponents, `${field}.fees`), texts };
  });
  for (let index = 1; index < levels.length; index++) {
    if (levels[index]!.minDaysPastDue <= levels[index - 1]!.minDaysPastDue) {
      throw new InputError(
        `invalid levels[${index}].minDaysPastDue ${levels[index]!.minDaysPastDue}: it must be more than level ${index}'s ${levels[index - 1]!.minDaysPastDue}`,
        'invalid_field',
        `levels[${index}].minDaysPastDue`,
      );
    }
  }
  return { minIntervalDays, levels };
}

/**
 * Replaces the company's dunning levels and minimum interval with those of
 * a levels file, in one transaction, and records the change before and
 * after in the audit trail. Items keep the levels they reached.
 */
export async function setDunningLevels(db: Db, companyId: number, input: DunningLevelsJson, actor: Actor): Promise<DunningSettings> {
  return recordingDenial(db, actor, () => replaceLevels(db, companyId, input, actor));
}

async function replaceLevels(db: Db, companyId: number, input: DunningLevelsJson, actor: Actor): Promise<DunningSettings> {
  checkDunningPermission(actor, 'dunning.approve', 'dunning.levels', companyId);
  const exponents = await loadCurrencyExponents(db);
  const settings = parseDunningLevels(input, exponents);
  return db.transaction(async (tx) => {
    await tx.query('select 1 from company where company_id = $1 for update', [companyId]);
    const before = dunningSettingsToJson(await loadDunningSettings(tx, companyId), exponents);
    await tx.query('delete from dunning_level where company_id = $1', [companyId]);
    await tx.query(
      `insert into dunning_setting (company_id, min_interval_days, updated_by) values ($1, $2, $3)
       on conflict (company_id) do update set min_interval_days = excluded.min_interval_days,
         updated_by = excluded.updated_by, updated_at = now()`,
      [companyId, settings.minIntervalDays, actor.email],
    );
    for (const level of settings.levels) await insertLevel(tx, companyId, level, actor);
    const after = dunningSettingsToJson(settings, exponents);
    await recordAudit(tx, { actor, action: 'dunning.levels', entity: 'dunning_level', entityId: String(companyId), companyId, before, after });
    return settings;
  });
}

async function insertLevel(tx: Queryable, companyId: number, level: DunningLevel, actor: Actor): Promise<void> {
  await tx.query(
    `insert into dunning_level (company_id, level, min_days_past_due, interest_rate, updated_by)
     values ($1, $2, $3, $4::numeric, $5)`,
    [companyId, level.level, level.minDaysPastDue, level.interestRate, actor.email],
  );
  for (const language of letterLanguages) {
    const text = level.texts[language];
    await tx.query(
      'insert into dunning_level_text (company_id, level, language, subject, body) values ($1, $2, $3, $4, $5)',
      [companyId, level.level, language, text.subject, text.body],
    );
  }
  for (const [currency, fee] of level.fees) {
    await tx.query('insert into dunning_level_fee (company_id, level, currency, fee) values ($1, $2, $3, $4)', [companyId, level.level, currency, fee]);
  }
}

/** Fills the placeholders of a subject or body; {items} stays for the caller to place the table. */
export function fillTemplate(template: string, values: Record<Exclude<LetterPlaceholder, 'items'>, string>): string {
  return template.replace(placeholderPattern, (whole, name: string) =>
    name === 'items' ? whole : (values[name as Exclude<LetterPlaceholder, 'items'>] ?? whole),
  );
}
