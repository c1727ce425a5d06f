/**
 * Customer contacts for collections: the address dunning letters and
 * statements are mailed to, and the language letters are written in.
 * One contact per customer and purpose; statements fall back to the
 * collections contact when they have none of their own.
 */
import { recordAudit } from '../audit/audit.js';
import type { Actor } from '../auth/types.js';
import type { Db, Queryable } from '../db/types.js';
import { isEmailAddress } from '../mail/mailer.js';
import { FileRowError, InputError } from '../shared/errors.js';
import { checkChoice, checkWorkRole, customerInScope, optionalText } from './activities.js';

export const contactPurposes = ['collections', 'statements'] as const;
export type ContactPurpose = (typeof contactPurposes)[number];

export const letterLanguages = ['en', 'ar'] as const;
export type LetterLanguage = (typeof letterLanguages)[number];

export interface CustomerContact {
  customerId: bigint;
  purpose: ContactPurpose;
  email: string;
  name: string | null;
  language: LetterLanguage;
}

export interface ContactInput {
  customerId: bigint;
  purpose?: string;
  email: string;
  name?: string | null;
  language?: string;
}

/** Sets (or replaces) a customer's contact for a purpose; audited. */
export async function setContact(db: Db, companyId: number, input: ContactInput, actor: Actor): Promise<CustomerContact> {
  checkWorkRole(actor, 'contact.set', companyId);
  const purpose = checkChoice(input.purpose ?? 'collections', contactPurposes, 'purpose');
  const language = checkChoice(input.language ?? 'en', letterLanguages, 'language');
  const email = input.email.trim();
  if (!isEmailAddress(email)) throw new InputError(`invalid email "${input.email}"`, 'invalid_email', 'email');
  const name = optionalText(input.name);
  return db.transaction(async (tx) => {
    await customerInScope(tx, companyId, input.customerId, actor.scope, 'contact.set');
    const before = await contactOf(tx, companyId, input.customerId, purpose, false);
    await tx.query(
      `insert into customer_contact (company_id, customer_id, purpose, email, name, language, updated_by)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (company_id, customer_id, purpose)
       do update set email = excluded.email, name = excluded.name, language = excluded.language,
                     updated_by = excluded.updated_by, updated_at = now()`,
      [companyId, input.customerId, purpose, email, name, language, actor.email],
    );
    const after: CustomerContact = { customerId: input.customerId, purpose, email, name, language };
    await recordAudit(tx, {
      actor,
      action: 'contact.set',
      entity: 'customer',
      entityId: input.customerId.toString(),
      companyId,
      before,
      after,
    });
    return after;
  });
}

/**
 * Returns the customer's contact for a purpose, or null. With `fallback`,
 * a statement contact falls back to the collections one.
 */
export async function contactOf(
  db: Queryable,
  companyId: number,
  customerId: bigint,
  purpose: ContactPurpose,
  fallback = true,
): Promise<CustomerContact | null> {
  const contacts = await contactsOf(db, companyId, [customerId], purpose, fallback);
  return contacts.get(customerId) ?? null;
}

/** Returns the contacts of many customers for a purpose, keyed by customer id. */
export async function contactsOf(
  db: Queryable,
  companyId: number,
  customerIds: readonly bigint[],
  purpose: ContactPurpose,
  fallback = true,
): Promise<Map<bigint, CustomerContact>> {
  const contacts = new Map<bigint, CustomerContact>();
  if (customerIds.length === 0) return contacts;
  const purposes = fallback && purpose === 'statements' ? ['statements', 'collections'] : [purpose];
  const result = await db.query<{ customer_id: bigint; purpose: ContactPurpose; email: string; name: string | null; language: LetterLanguage }>(
    `select customer_id, purpose, email, name, language from customer_contact
     where company_id = $1 and customer_id = any($2::bigint[]) and purpose = any($3::text[])
     order by customer_id, case purpose when $4 then 0 else 1 end`,
    [companyId, customerIds.map(String), purposes, purpose],
  );
  for (const row of result.rows) {
    if (contacts.has(row.customer_id)) continue;
    contacts.set(row.customer_id, {
      customerId: row.customer_id,
      purpose: row.purpose,
      email: row.email,
      name: row.name,
      language: row.language,
    });
  }
  return contacts;
}

/** Lists a customer's contacts, one per purpose set. */
export async function listContacts(db: Queryable, companyId: number, customerId: bigint): Promise<CustomerContact[]> {
  const result = await db.query<{ purpose: ContactPurpose; email: string; name: string | null; language: LetterLanguage }>(
    `select purpose, email, name, language from customer_contact where company_id = $1 and customer_id = $2 order by purpose`,
    [companyId, customerId],
  );
  return result.rows.map((row) => ({ customerId, ...row }));
}

export interface ContactRow {
  /** Line in the file, for messages. */
  line: number;
  customerNumber: string;
  purpose: string;
  email: string;
  name: string;
  language: string;
}

/**
 * Loads contacts from a file's rows in one transaction: every row is
 * checked first, and one bad row rejects the file with its line, column
 * and value, so nothing is half-loaded. Returns the number of contacts set.
 */
export async function importContacts(db: Db, companyId: number, file: string, rows: readonly ContactRow[], actor: Actor): Promise<number> {
  checkWorkRole(actor, 'contact.import', companyId);
  const numbers = [...new Set(rows.map((row) => row.customerNumber.trim()))];
  const known = await db.query<{ customer_number: string; customer_id: bigint }>(
    'select customer_number, customer_id from customer where company_id = $1 and customer_number = any($2::text[])',
    [companyId, numbers],
  );
  const ids = new Map(known.rows.map((row) => [row.customer_number, row.customer_id]));
  const seen = new Set<string>();
  const checked = rows.map((row) => {
    const customerNumber = row.customerNumber.trim();
    const customerId = ids.get(customerNumber);
    if (customerId === undefined) throw new FileRowError(file, row.line, 'customer_number', row.customerNumber, 'no such customer in this company');
    const purpose = (row.purpose.trim() || 'collections') as ContactPurpose;
    if (!contactPurposes.includes(purpose)) throw new FileRowError(file, row.line, 'purpose', row.purpose, `use ${contactPurposes.join(' or ')}`);
    const email = row.email.trim();
    if (!isEmailAddress(email)) throw new FileRowError(file, row.line, 'email', row.email, 'not an email address');
    const language = (row.language.trim().toLowerCase() || 'en') as LetterLanguage;
    if (!letterLanguages.includes(language)) throw new FileRowError(file, row.line, 'language', row.language, `use ${letterLanguages.join(' or ')}`);
    const key = `${customerNumber}\u0000${purpose}`;
    if (seen.has(key)) throw new FileRowError(file, row.line, 'customer_number', row.customerNumber, `a second ${purpose} contact for this customer`);
    seen.add(key);
    return { customerId, purpose, email, name: optionalText(row.name), language };
  });
  return db.transaction(async (tx) => {
    for (const contact of checked) {
      await tx.query(
        `insert into customer_contact (company_id, customer_id, purpose, email, name, language, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (company_id, customer_id, purpose)
         do update set email = excluded.email, name = excluded.name, language = excluded.language,
                       updated_by = excluded.updated_by, updated_at = now()`,
        [companyId, contact.customerId, contact.purpose, contact.email, contact.name, contact.language, actor.email],
      );
    }
    await recordAudit(tx, {
      actor,
      action: 'contact.import',
      entity: 'file',
      entityId: file,
      companyId,
      after: { contacts: checked.length },
    });
    return checked.length;
  });
}
