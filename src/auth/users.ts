import { recordAudit } from '../audit/audit.js';
import type { Db, Queryable } from '../db/types.js';
import { getCompany } from '../ledger/companies.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { ForbiddenError } from './errors.js';
import { checkPasswordStrength, hashPassword } from './passwords.js';
import { scopeContains } from './permissions.js';
import { roles, type Actor, type Role, type Scope } from './types.js';

export const dateFormats = ['YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY'] as const;
export type DateFormat = (typeof dateFormats)[number];

/** A user as the API and the command line show it: no password hash. */
export interface User {
  userId: number;
  email: string;
  name: string;
  role: Role;
  /** Company codes the user may see, or null for every company. */
  companies: string[] | null;
  /** Regions the user may see, or null for every region. */
  regions: string[] | null;
  dateFormat: DateFormat;
  disabled: boolean;
  lockedUntil: string | null;
  createdAt: string;
}

export interface NewUser {
  email: string;
  name?: string;
  role: Role;
  password: string;
  /** Company codes; every company when empty or undefined. */
  companies?: readonly string[];
  /** Regions; every region when empty or undefined. A regional accountant needs at least one. */
  regions?: readonly string[];
}

const emailPattern = /^[^\s@]+@[^\s@]+$/;

/** Lower-cases an email address and raises InputError unless it looks like one. */
export function normaliseEmail(email: string): string {
  const trimmed = email.trim().toLowerCase();
  if (!emailPattern.test(trimmed)) {
    throw new InputError(`invalid email "${email}": use an address such as ana@example.com`, 'invalid_email', 'email');
  }
  return trimmed;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

function checkRole(role: string): Role {
  if (!isRole(role)) {
    throw new InputError(`invalid role "${role}": use one of ${roles.join(', ')}`, 'invalid_role', 'role');
  }
  return role;
}

export function checkDateFormat(format: string): DateFormat {
  if (!(dateFormats as readonly string[]).includes(format)) {
    throw new InputError(
      `invalid date format "${format}": use one of ${dateFormats.join(', ')}`,
      'invalid_date_format',
      'dateFormat',
    );
  }
  return format as DateFormat;
}

interface UserRow {
  user_id: number;
  email: string;
  name: string;
  role: Role;
  date_format: DateFormat;
  disabled: boolean;
  locked_until: string | null;
  created_at: string;
  companies: string[] | null;
  company_ids: number[] | null;
  regions: string[] | null;
}

const userSelect = `
  select u.user_id, u.email, u.name, u.role, u.date_format, u.disabled,
         to_char(u.locked_until at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as locked_until,
         to_char(u.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at,
         (select array_agg(c.code order by c.code) from user_company uc
            join company c on c.company_id = uc.company_id where uc.user_id = u.user_id) as companies,
         (select array_agg(uc.company_id order by uc.company_id) from user_company uc
            where uc.user_id = u.user_id) as company_ids,
         (select array_agg(ur.region order by ur.region) from user_region ur
            where ur.user_id = u.user_id) as regions
  from app_user u`;

function toUser(row: UserRow): User {
  return {
    userId: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    companies: row.companies,
    regions: row.regions,
    dateFormat: row.date_format,
    disabled: row.disabled,
    lockedUntil: row.locked_until,
    createdAt: row.created_at,
  };
}

/** Selects the user fields an audit event keeps. */
function auditView(user: User) {
  return {
    email: user.email,
    name: user.name,
    role: user.role,
    companies: user.companies,
    regions: user.regions,
    dateFormat: user.dateFormat,
    disabled: user.disabled,
  };
}

/**
 * Lists the users, by email, whose scope lies inside `scope`. The command
 * line passes `unrestricted` and gets every user.
 */
export async function listUsers(db: Queryable, scope: Scope): Promise<User[]> {
  const result = await db.query<UserRow>(`${userSelect} order by u.email`);
  return result.rows
    .filter((row) => scopeContains(scope, { companyIds: row.company_ids, regions: row.regions }))
    .map(toUser);
}

/**
 * Raises ForbiddenError unless the user scope lies inside the actor's
 * scope. An admin limited to some companies or regions manages only users
 * limited to those.
 */
function checkUserInScope(actor: Actor, user: Scope, action: string, email: string): void {
  if (!scopeContains(actor.scope, user)) {
    throw new ForbiddenError(
      `user "${email}" is outside your scope: you manage only users limited to your own companies and regions`,
      { action, entity: 'user', entityId: email },
    );
  }
}

export async function countUsers(db: Queryable): Promise<number> {
  const result = await db.query<{ count: bigint }>('select count(*) as count from app_user');
  return Number(result.rows[0]!.count);
}

export async function findUser(db: Queryable, email: string): Promise<User | null> {
  const result = await db.query<UserRow>(`${userSelect} where u.email = lower($1)`, [email.trim()]);
  return result.rows[0] ? toUser(result.rows[0]) : null;
}

export async function getUser(db: Queryable, email: string): Promise<User> {
  const user = await findUser(db, email);
  if (!user) throw new NotFoundError(`user "${email}" not found`, 'email');
  return user;
}

export async function getUserById(db: Queryable, userId: number): Promise<User | null> {
  const result = await db.query<UserRow>(`${userSelect} where u.user_id = $1`, [userId]);
  return result.rows[0] ? toUser(result.rows[0]) : null;
}

/** Loads the part of the ledger a user may see from their company and region rows. */
export async function loadScope(db: Queryable, userId: number): Promise<Scope> {
  const result = await db.query<{ company_ids: number[] | null; regions: string[] | null }>(
    `select (select array_agg(company_id order by company_id) from user_company where user_id = $1) as company_ids,
            (select array_agg(region order by region) from user_region where user_id = $1) as regions`,
    [userId],
  );
  const row = result.rows[0]!;
  return { companyIds: row.company_ids, regions: row.regions };
}

/** Builds the actor of a signed-in user or token holder. */
export async function actorForUser(
  db: Queryable,
  user: { userId: number; email: string; role: Role },
  via: 'session' | 'token',
): Promise<Actor> {
  return { userId: user.userId, email: user.email, role: user.role, scope: await loadScope(db, user.userId), via };
}

function cleanList(values: readonly string[] | undefined): string[] {
  return [...new Set((values ?? []).map((value) => value.trim()).filter(Boolean))];
}

/**
 * Creates a user with a hashed password and their company and region
 * scope, and records it in the audit trail in the same transaction.
 * Raises ForbiddenError when the new user's scope is not inside the
 * actor's scope.
 */
export async function addUser(db: Db, input: NewUser, actor: Actor): Promise<User> {
  const email = normaliseEmail(input.email);
  const role = checkRole(input.role);
  checkPasswordStrength(input.password);
  const companies = cleanList(input.companies);
  const regions = cleanList(input.regions);
  if (role === 'regional_accountant' && regions.length === 0) {
    throw new InputError('a regional accountant needs at least one region', 'missing_region', 'regions');
  }
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const companyIds: number[] = [];
    for (const code of companies) companyIds.push((await getCompany(tx, code)).companyId);
    const scope = { companyIds: companyIds.length > 0 ? companyIds : null, regions: regions.length > 0 ? regions : null };
    checkUserInScope(actor, scope, 'user.add', email);
    if (await findUser(tx, email)) {
      throw new InputError(`user "${email}" already exists`, 'user_exists', 'email');
    }
    const inserted = await tx.query<{ user_id: number }>(
      `insert into app_user (email, name, password_hash, role) values ($1, $2, $3, $4) returning user_id`,
      [email, input.name?.trim() ?? '', passwordHash, role],
    );
    const userId = inserted.rows[0]!.user_id;
    for (const companyId of companyIds) {
      await tx.query('insert into user_company (user_id, company_id) values ($1, $2)', [userId, companyId]);
    }
    for (const region of regions) {
      await tx.query('insert into user_region (user_id, region) values ($1, $2)', [userId, region]);
    }
    const user = (await getUserById(tx, userId))!;
    await recordAudit(tx, { actor, action: 'user.add', entity: 'user', entityId: email, after: auditView(user) });
    return user;
  });
}

/**
 * Disables or enables a user. Disabling also ends their sessions; their
 * API tokens stop working while they are disabled. Raises ForbiddenError
 * when the user's scope is not inside the actor's scope.
 */
export async function setUserDisabled(db: Db, email: string, disabled: boolean, actor: Actor): Promise<User> {
  return db.transaction(async (tx) => {
    const before = await getUser(tx, email);
    const action = disabled ? 'user.disable' : 'user.enable';
    checkUserInScope(actor, await loadScope(tx, before.userId), action, before.email);
    await tx.query(
      `update app_user set disabled = $2,
         failed_attempts = case when $2 then failed_attempts else 0 end,
         locked_until = case when $2 then locked_until else null end
       where user_id = $1`,
      [before.userId, disabled],
    );
    if (disabled) await tx.query('delete from user_session where user_id = $1', [before.userId]);
    const after = (await getUserById(tx, before.userId))!;
    await recordAudit(tx, {
      actor,
      action,
      entity: 'user',
      entityId: before.email,
      before: auditView(before),
      after: auditView(after),
    });
    return after;
  });
}

/** Sets the date format a user sees in the browser app. */
export async function setDateFormat(db: Db, userId: number, format: string, actor: Actor): Promise<User> {
  const dateFormat = checkDateFormat(format);
  return db.transaction(async (tx) => {
    const before = await getUserById(tx, userId);
    if (!before) throw new NotFoundError(`user ${userId} not found`);
    await tx.query('update app_user set date_format = $2 where user_id = $1', [userId, dateFormat]);
    const after = (await getUserById(tx, userId))!;
    await recordAudit(tx, {
      actor,
      action: 'user.date_format',
      entity: 'user',
      entityId: before.email,
      before: { dateFormat: before.dateFormat },
      after: { dateFormat: after.dateFormat },
    });
    return after;
  });
}
